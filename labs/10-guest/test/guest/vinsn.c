// vinsn.c: the guest of test virtual_insn (lab 10).
//
// The guest's device tree says it has no H extension, so an instruction of
// that extension does not exist for it. In VS-mode the hardware raises a
// virtual-instruction exception for one (Priv. 8.6.1, cause 22), which only
// the hypervisor sees; to look like a CPU without H, the VMM must turn it
// into what such a CPU raises: an illegal-instruction exception (cause 2)
// with stval = the instruction's bits (Priv. 4.1.9) and sepc = the
// instruction, taken at the guest's own trap vector (vstvec) in VS-mode.
//
// Each probe (vinsn_probes.S) runs once; the handler below records the
// trap and resumes right after the instruction. Then the guest checks that
// it can go on: an SBI call and its console still work, it shuts down.
#include "lab10guest.h"
#include "../lab10hc.h"

typedef ulong probe_fn(ulong marker, const volatile u32 *word);
probe_fn vinsn_csrr_hstatus, vinsn_csrr_vsstatus, vinsn_hfence_vvma, vinsn_hlv_w;

struct probe {
	const char *check;    // the CHECK line it counts for
	const char *what;
	probe_fn *fn;
	u32 bits;             // its encoding: the stval the guest must receive
};

// Encodings (ISA vol. I "Zicsr", Priv. 8.3): csrrs a0, csr, x0 is
// csr << 20 | 2 << 12 | 10 << 7 | 0x73; hlv.w a0, (a1) is 0x34 << 25 |
// 11 << 15 | 4 << 12 | 10 << 7 | 0x73.
static const struct probe probes[] = {
	{ "virtual_insn_csr",  "csrr a0, hstatus",       vinsn_csrr_hstatus,  0x60002573 },
	{ "virtual_insn_csr",  "csrr a0, vsstatus",      vinsn_csrr_vsstatus, 0x20002573 },
	{ "virtual_insn_hext", "hfence.vvma zero, zero", vinsn_hfence_vvma,   0x22000073 },
	{ "virtual_insn_hext", "hlv.w a0, (a1)",         vinsn_hlv_w,         0x6805c573 },
};

// What the guest's trap handler saw. resume = 0: no probe is running, and
// any trap is unexpected.
static volatile struct {
	ulong count, scause, sepc, stval, sstatus;
	ulong resume;
} seen;

void vinsn_trap(struct trapframe *tf)
{
	if (!seen.resume) {
		printf("guest: unexpected trap: scause 0x%lx (%s) sepc 0x%lx stval 0x%lx\n",
		       tf->scause, cause_name(tf->scause), tf->sepc, tf->stval);
		guest_exit(0);
	}
	seen.count++;
	seen.scause = tf->scause;
	seen.sepc = tf->sepc;
	seen.stval = tf->stval;
	seen.sstatus = tf->sstatus;
	tf->sepc = seen.resume;   // the probe's ret, wherever the trap claims to be
}

// One probe. 1 if it trapped exactly as an illegal instruction on a CPU
// without H; else 0, with the reason in why.
static int run_probe(const struct probe *p, ulong marker, char *why, size_t len)
{
	static volatile u32 word;
	ulong at = (ulong)p->fn;
	word = (u32)~marker;
	if (*(const u32 *)at != p->bits) {
		snprintf(why, len, "test bug: %s assembled as 0x%08x, not 0x%08x", p->what,
			 *(const u32 *)at, p->bits);
		return 0;
	}
	ulong before = seen.count;
	seen.resume = at + 4;
	ulong a0 = p->fn(marker, &word);
	seen.resume = 0;
	ulong n = seen.count - before;
	if (n != 1)
		snprintf(why, len, "%s at 0x%lx: %lu traps at the guest's vstvec, expected exactly "
			 "one (illegal instruction)", p->what, at, n);
	else if (seen.scause != CAUSE_ILLEGAL_INSTRUCTION)
		snprintf(why, len, "%s: scause %lu (%s), expected 2 (illegal instruction, not the "
			 "hypervisor's own cause)", p->what, seen.scause, cause_name(seen.scause));
	else if (seen.stval != p->bits)
		snprintf(why, len, "%s: stval 0x%lx, expected the instruction's bits 0x%08x "
			 "(Priv. 4.1.9)", p->what, seen.stval, p->bits);
	else if (seen.sepc != at)
		snprintf(why, len, "%s: sepc 0x%lx, expected 0x%lx (the instruction itself)",
			 p->what, seen.sepc, at);
	else if (!(seen.sstatus & SSTATUS_SPP))
		snprintf(why, len, "%s: sstatus.SPP = 0 in the handler, expected 1 (the trap came "
			 "from VS-mode)", p->what);
	else if (a0 != marker)
		snprintf(why, len, "%s: a0 = 0x%lx afterwards, expected 0x%lx: the instruction "
			 "must not take effect", p->what, a0, marker);
	else
		return 1;
	return 0;
}

// Every probe of one CHECK name; one CHECK line for them.
static int run_group(const char *check_name, ulong *rng)
{
	char why[200] = "";
	int ok = 1;
	for (ulong i = 0; i < ARRAY_SIZE(probes); i++)
		if (!strcmp(probes[i].check, check_name) && ok)
			ok = run_probe(&probes[i], rand_next(rng), why, sizeof(why));
	return check(check_name, ok, "%s", ok ? "each trapped once as an illegal instruction" : why);
}

// After the reflected instructions the guest is still whole: its trap
// vector is intact, an SBI call answers without a trap, and (by this
// line being printed) the console works.
static int after_reflection(ulong vstvec)
{
	ulong before = seen.count;
	struct sbiret r = sbi_ecall(SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION, 0, 0, 0, 0, 0, 0);
	ulong now = csr_read(stvec);
	return check("virtual_insn_resume", r.error == 0 && r.value != 0 &&
		     seen.count == before && now == vstvec,
		     "SBI get_spec_version: error %ld value 0x%lx, %lu trap(s); stvec 0x%lx "
		     "(set to 0x%lx)", r.error, r.value, seen.count - before, now, vstvec);
}

// Hypercalls with random arguments, each answered with a value only the
// harness computes: a VMM's fast path (lab 4's handout), if it has one,
// runs here, and must give the same answers as its run loop, keep every
// register of the guest's but a0/a1, and resume after the ecall.
#define HYPERCALLS 64

static int hypercalls(ulong *rng)
{
	for (ulong i = 0; i < HYPERCALLS; i++) {
		ulong a[6];
		for (int k = 0; k < 6; k++)
			a[k] = rand_next(rng);
		struct sbiret r = sbi_ecall(SBI_EXT_RVHLAB_HYPERCALL, LAB10_HC_MIX, a[0], a[1], a[2],
					    a[3], a[4], a[5]);
		if (r.error || (ulong)r.value != lab10_mix(a))
			return check("hypercalls", 0, "hypercall %lu of %d: {%ld, 0x%lx}, expected "
				     "{0, 0x%lx}", i + 1, HYPERCALLS, r.error, (ulong)r.value,
				     lab10_mix(a));
	}
	return check("hypercalls", 1, "%d hypercalls answered", HYPERCALLS);
}

int vinsn_main(void)
{
	ulong rng = run_seed() ^ 0x7669727475616cUL;   // the markers a0 must keep
	ulong vstvec = (ulong)guest_trapvec;
	csr_write(stvec, vstvec);
	printf("guest: H instructions from VS-mode, each must come back as illegal\n");
	int ok = run_group("virtual_insn_csr", &rng);
	ok &= run_group("virtual_insn_hext", &rng);
	ok &= after_reflection(vstvec);
	ok &= hypercalls(&rng);
	return ok ? 0 : 1;
}
