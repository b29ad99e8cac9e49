// cpu.c: per-hart state and starting other harts (SBI HSM, SBI spec 9.1).
#include "hyp.h"

struct cpu cpus[MAX_HARTS];
// Every stack the hypervisor's code may run on: hart_stacks (entry.S) and
// these. hyp_trapvec checks sp against both before it pushes a frame.
u8 trap_stacks[MAX_HARTS][TRAP_STACK_SIZE] __attribute__((aligned(16)));

struct hart_boot {
	void (*fn)(ulong arg);
	ulong arg;
};
static struct hart_boot hart_boot[MAX_HARTS];

void cpu_init(ulong hartid)
{
	struct cpu *c = &cpus[hartid];
	memset(c, 0, sizeof(*c));
	c->self = (ulong)c;
	c->hartid = hartid;
	c->trap_sp = (ulong)trap_stacks[hartid] + TRAP_STACK_SIZE;
	asm volatile("mv tp, %0" : : "r"(c));
	csr_write(sscratch, c);
	csr_write(sie, 0);
	csr_write(stvec, hyp_trapvec);
	c->online = 1;
}

// Reached from _secondary_start (entry.S) with opaque = &cpus[hartid].
void hyp_secondary(ulong hartid, ulong opaque)
{
	UNUSED(opaque);
	struct hart_boot b = hart_boot[hartid];
	if (!b.fn) {
		// Not started by hart_start() (see entry.S): nothing to run.
		for (;;)
			wfi();
	}
	cpu_init(hartid);
	b.fn(b.arg);
	cpus[hartid].online = 0;
	sbi_hart_stop();
	for (;;)
		wfi();
}

long hart_start(ulong hartid, void (*fn)(ulong arg), ulong arg)
{
	extern char _secondary_start[];
	if (hartid >= MAX_HARTS)
		return SBI_ERR_INVALID_PARAM;
	hart_boot[hartid] = (struct hart_boot){ fn, arg };
	asm volatile("fence rw, rw" ::: "memory");
	return sbi_hart_start(hartid, (ulong)_secondary_start, (ulong)&cpus[hartid]);
}

// riscv.h's hfence_vvma_all() counts itself here: this hart's own count,
// read by lab 8's harness (another hart) for the remote fences it checks.
void cpu_count_hfence_vvma(void)
{
	__atomic_fetch_add(&mycpu()->hfence_vvmas, 1, __ATOMIC_SEQ_CST);
}
