// The two_vcpus scenario, guest side. Both vCPUs run this code, on their
// own stacks (vCPU 1 starts at vcpu1_entry, vcpu1.S). In VS-mode the names
// sstatus, stvec, sscratch... reach the VS CSRs (Priv. 8.2: "when V=1, the
// VS CSRs substitute for the S CSRs"), which exist once per hart: only the
// hypervisor's vcpu_put/vcpu_load keep the two vCPUs' values apart.
#include "lab4guest.h"

volatile ulong vcpu_traps[2];

// Sstc enabled for guests (henvcfg.STCE), as the harness answered
// HC_VCPU1_ENTRY: only then does stimecmp exist in VS-mode.
static int guest_sstc;

// Each vCPU's own Sv39 root table: one 1 GiB identity leaf covering the
// guest image, its stacks and the device tree. Same mapping, different
// tables, so the two satp values differ.
static ulong pt_root[2][512] __attribute__((aligned(PAGE_SIZE)));

// What each round writes, reads back after the yield, and compares.
enum {
	F_SSCRATCH, F_SEPC, F_SCAUSE, F_STVAL, F_SIE, F_SATP, F_STIMECMP, F_SSTATUS, F_SIP,
	F_STVEC, NVALUES,
	F_TIME = NVALUES,         // time - own htimedelta out of range
	F_HANDLER,                // ebreak did not reach this vCPU's own handler
	NFIELDS,
};
static const char *const field_names[NFIELDS] = {
	"sscratch", "sepc", "scause", "stval", "sie", "satp", "stimecmp", "sstatus.SUM/MXR",
	"sip.SSIP", "stvec", "time (htimedelta)", "trap handler",
};

struct vs_fail {
	ulong rounds;             // rounds with something wrong
	ulong fields;             // bit per field ever wrong
	ulong round;              // the first: round, field, values
	int   field;
	ulong want, got;
};

// The breakpoint that every round's ebreak causes, on vCPU 0 (the runtime's
// guest_trapvec calls this); anything else is a real problem.
void guest_trap(struct trapframe *tf)
{
	if (tf->scause == CAUSE_BREAKPOINT) {
		vcpu_traps[0]++;
		tf->sepc += 4;
		return;
	}
	printf("guest: unexpected trap: scause=0x%lx (%s) sepc=0x%lx stval=0x%lx\n", tf->scause,
	       cause_name(tf->scause), tf->sepc, tf->stval);
	guest_exit(0);
}

static ulong own_vector(int id)
{
	return id ? (ulong)vcpu1_trapvec : (ulong)guest_trapvec;
}

static void pt_setup(int id)
{
	ulong giga = (ulong)pt_root & ~((1UL << 30) - 1);
	pt_root[id][(giga >> 30) & 511] = ((giga >> PAGE_SHIFT) << PTE_PPN_SHIFT) | PTE_V |
					  PTE_R | PTE_W | PTE_X | PTE_A | PTE_D;
}

static ulong pick(ulong seed, int id, ulong round, int field)
{
	return mix64(seed ^ (round << 20) ^ ((ulong)id << 12) ^ ((ulong)field << 4) ^ 0x7c5);
}

// This round's values for this vCPU, into the VS CSRs.
static void vs_write(int id, ulong seed, ulong round)
{
	csr_write(sscratch, pick(seed, id, round, F_SSCRATCH));
	csr_write(sepc, pick(seed, id, round, F_SEPC) & ~3UL);
	csr_write(scause, 1 + pick(seed, id, round, F_SCAUSE) % 15);
	csr_write(stval, pick(seed, id, round, F_STVAL));
	csr_write(sie, pick(seed, id, round, F_SIE) & (SIE_SSIE | SIE_STIE | SIE_SEIE));
	csr_write(satp, (SATP_MODE_SV39 << SATP_MODE_SHIFT) |
		  ((pick(seed, id, round, F_SATP) & 0xffff) << 44) |
		  ((ulong)pt_root[id] >> PAGE_SHIFT));
	sfence_vma_all();
	// Far in the future: no timer interrupt becomes pending.
	if (guest_sstc)
		csr_write(stimecmp, (1UL << 62) | (pick(seed, id, round, F_STIMECMP) >> 3));
	csr_clear(sstatus, SSTATUS_SUM | SSTATUS_MXR);
	csr_set(sstatus, pick(seed, id, round, F_SSTATUS) & (SSTATUS_SUM | SSTATUS_MXR));
	if (pick(seed, id, round, F_SIP) & 1)
		csr_set(sip, SIP_SSIP);      // = hvip.VSSIP (Priv. 8.2.3, 8.2.12)
	else
		csr_clear(sip, SIP_SSIP);
}

static void vs_read(ulong *out)
{
	out[F_SSCRATCH] = csr_read(sscratch);
	out[F_SEPC] = csr_read(sepc);
	out[F_SCAUSE] = csr_read(scause);
	out[F_STVAL] = csr_read(stval);
	out[F_SIE] = csr_read(sie);
	out[F_SATP] = csr_read(satp);
	out[F_STIMECMP] = guest_sstc ? csr_read(stimecmp) : 0;
	out[F_SSTATUS] = csr_read(sstatus) & (SSTATUS_SUM | SSTATUS_MXR);
	out[F_SIP] = csr_read(sip) & SIP_SSIP;
	out[F_STVEC] = csr_read(stvec);
}

// An ebreak (delegated to VS by hedeleg, lab 3) must reach this vCPU's own
// handler. Only tried when stvec is right: a wrong one may loop forever.
static int own_handler_runs(int id)
{
	if (csr_read(stvec) != own_vector(id))
		return 0;
	ulong mine = vcpu_traps[id], other = vcpu_traps[!id];
	asm volatile(".option push\n.option norvc\nebreak\n.option pop" : : : "memory");
	return vcpu_traps[id] == mine + 1 && vcpu_traps[!id] == other;
}

static void note(struct vs_fail *f, ulong round, int field, ulong want, ulong got)
{
	if (!f->fields) {
		f->round = round;
		f->field = field;
		f->want = want;
		f->got = got;
	}
	f->fields |= BIT(field);
}

// After the yield: is everything as this vCPU left it? Returns 1 if so.
static int vs_verify(int id, ulong delta, ulong round, const ulong *want, struct vs_fail *f)
{
	ulong now[NVALUES], t;
	int ok = 1;
	vs_read(now);
	for (int k = 0; k < NVALUES; k++)
		if (now[k] != want[k]) {
			note(f, round, k, want[k], now[k]);
			ok = 0;
		}
	t = rdtime();
	if (t < delta || t - delta >= GUEST_TIME_SPAN) {
		note(f, round, F_TIME, delta, t);
		ok = 0;
	}
	if (!own_handler_runs(id)) {
		note(f, round, F_HANDLER, own_vector(id), csr_read(stvec));
		ok = 0;
	}
	return ok;
}

// The first problem in words, then the list of everything that went wrong.
static void vs_report(int id, const struct vs_fail *f)
{
	const char *name = id ? "vcpu1_vs_csrs" : "vcpu0_vs_csrs";
	char first[100], list[160] = "";
	if (!f->fields) {
		check(name, 1, "%d rounds, all VS CSRs kept", TWO_VCPU_ROUNDS);
		return;
	}
	if (f->field == F_TIME)
		snprintf(first, sizeof(first), "time 0x%lx, want htimedelta 0x%lx + under 2^40",
			 f->got, f->want);
	else if (f->field == F_HANDLER)
		snprintf(first, sizeof(first), "ebreak missed own handler 0x%lx (stvec 0x%lx)",
			 f->want, f->got);
	else
		snprintf(first, sizeof(first), "%s was 0x%lx, is 0x%lx", field_names[f->field],
			 f->want, f->got);
	for (int k = 0; k < NFIELDS; k++)
		if (f->fields & BIT(k))
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 list[0] ? ", " : "", field_names[k]);
	check(name, 0, "round %lu: %s; %lu/%d rounds wrong: %s", f->round, first, f->rounds,
	      TWO_VCPU_ROUNDS, list);
}

static void vcpu_rounds(int id, ulong delta)
{
	ulong seed = run_seed();
	struct vs_fail f = { 0 };
	pt_setup(id);
	csr_write(stvec, own_vector(id));
	for (ulong round = 0; round < TWO_VCPU_ROUNDS; round++) {
		ulong want[NVALUES];
		vs_write(id, seed, round);
		vs_read(want);
		hypercall(HC_YIELD, id, round);
		if (!vs_verify(id, delta, round, want, &f))
			f.rounds++;
	}
	vs_report(id, &f);
}

int two_vcpus_main(void)
{
	struct sbiret r = sbi_ecall(SBI_EXT_RVHLAB_HYPERCALL, HC_VCPU1_ENTRY, (ulong)vcpu1_entry,
				    0, 0, 0, 0, 0);
	guest_sstc = r.value != 0;
	vcpu_rounds(0, 0);
	hypercall(HC_DONE, TWO_VCPU_ROUNDS, 0);
	return 0;
}

void vcpu1_main(ulong id, ulong htimedelta)
{
	if (id != 1)
		printf("guest: vCPU 1 started with a0 = %lu, expected its id 1\n", id);
	vcpu_rounds(1, htimedelta);
	for (;;)
		hypercall(HC_DONE, TWO_VCPU_ROUNDS, 1);
}
