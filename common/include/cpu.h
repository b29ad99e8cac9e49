// cpu.h: per-hart state of the hypervisor. In HS-mode, tp always points to
// this hart's struct cpu; sscratch holds the same pointer while a guest runs
// under guest_trapvec (labs 2-3), so the vector can find its stack.
#ifndef CPU_H
#define CPU_H

#define CPU_TRAP_SP   0     // offsets used by trapvec.S
#define CPU_SCRATCH   8
#define CPU_HYP_TP   16

#ifndef __ASSEMBLER__
#include "types.h"
#include "memlayout.h"
#include "trap.h"

struct cpu {
	ulong trap_sp;            // top of this hart's trap stack
	ulong scratch;            // vector temp: the guest's sp
	ulong self;               // this struct's address (the hypervisor's tp)
	ulong hartid;
	int   online;
	int   trap_expected;      // see trap_expect_begin()
	int   trap_happened;
	int   trap_depth;         // nested hypervisor traps (double-fault guard)
	struct trap_record trap_rec;
	void *lab_data;           // free for the lab harness
	volatile ulong hfence_vvmas;   // hfence_vvma_all() calls on this hart (riscv.h)
};

extern struct cpu cpus[];

static inline struct cpu *mycpu(void)
{
	struct cpu *c;
	asm volatile("mv %0, tp" : "=r"(c));
	return c;
}

// The expected-trap guard (trap.h). While trap_expected is set, hyp_trap()
// records a trap in trap_rec, sets trap_happened and skips the faulting
// instruction. The compiler barriers keep the guarded access between the
// two calls, and trap_happened is read after it (the trap writes it).
static inline void trap_expect_begin(void)
{
	struct cpu *c = mycpu();
	c->trap_happened = 0;
	c->trap_expected = 1;
	asm volatile("" ::: "memory");
}

// Returns 1 and fills *rec (if not NULL) when a trap happened since _begin.
static inline int trap_expect_end(struct trap_record *rec)
{
	struct cpu *c = mycpu();
	asm volatile("" ::: "memory");
	c->trap_expected = 0;
	if (c->trap_happened && rec)
		*rec = c->trap_rec;
	return c->trap_happened;
}

void cpu_init(ulong hartid);
// The stacks the hypervisor's code runs on (entry.S, cpu.c), and what
// hyp_trapvec does when a trap finds sp on none of them (trap.c).
extern u8 hart_stacks[];
extern u8 trap_stacks[][TRAP_STACK_SIZE];
void hyp_bad_stack(struct trapframe *tf) NORETURN;
// Starts hart `hartid` in HS-mode at fn(arg) on its own stack (SBI HSM).
// Returns the SBI error code (0 on success).
long hart_start(ulong hartid, void (*fn)(ulong arg), ulong arg);
#endif

#endif
