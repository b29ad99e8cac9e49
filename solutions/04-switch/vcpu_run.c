// Lab 4 reference solution: running a vCPU, and its VS-level CSR context.
#include "hyp.h"
#include "vcpu.h"

// This switch.S returns with a0 = v (its exit path works from v in a0 up
// to its ret), so vcpu_run() declares it that way: v need not wait in a
// callee-saved register across the guest's run (3 instructions of every
// exit, docs/bench.md). vcpu.h's declaration, which returns nothing, is
// the one a switch must meet; this is a fact of this switch only, and
// both files are lab 4's, always built together.
struct vcpu *vcpu_switch_returning_v(struct vcpu *v) __asm__("vcpu_switch_to_guest");

void vcpu_run(struct vcpu *v)
{
	v = vcpu_switch_returning_v(v);
	v->exits++;              // after the run: a crash inside shows vcpu_run() too
}

// Does this hart have Sstc with STCE on? vstimecmp exists only then.
static int have_vstimecmp(void)
{
	return (csr_read(henvcfg) & HENVCFG_STCE) != 0;
}

// While a vCPU is loaded, its VS CSRs live in the hardware (the guest reads
// and writes them as sstatus, stvec... with no exit). Putting a different
// vCPU on this hart means saving one set and loading the other (Priv. 8.2:
// the VS CSRs are a single copy per hart).
void vcpu_load(struct vcpu *v)
{
	struct vcpu_vs_csrs *vs = &v->vs;
	csr_write(vsstatus, vs->vsstatus);
	csr_write(vsie, vs->vsie);
	csr_write(vstvec, vs->vstvec);
	csr_write(vsscratch, vs->vsscratch);
	csr_write(vsepc, vs->vsepc);
	csr_write(vscause, vs->vscause);
	csr_write(vstval, vs->vstval);
	csr_write(vsatp, vs->vsatp);
	csr_write(htimedelta, vs->htimedelta);
	csr_write(hvip, vs->hvip);
	if (have_vstimecmp())
		csr_write(vstimecmp, vs->vstimecmp);
}

void vcpu_put(struct vcpu *v)
{
	struct vcpu_vs_csrs *vs = &v->vs;
	vs->vsstatus = csr_read(vsstatus);
	vs->vsie = csr_read(vsie);
	vs->vstvec = csr_read(vstvec);
	vs->vsscratch = csr_read(vsscratch);
	vs->vsepc = csr_read(vsepc);
	vs->vscause = csr_read(vscause);
	vs->vstval = csr_read(vstval);
	vs->vsatp = csr_read(vsatp);
	vs->htimedelta = csr_read(htimedelta);
	vs->hvip = csr_read(hvip);
	if (have_vstimecmp())
		vs->vstimecmp = csr_read(vstimecmp);
}
