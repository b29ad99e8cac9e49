// gtrap.c: the lab-9 guest's own trap handler (vstvec = guest_trapvec) and
// the helper that runs one access the hypervisor must refuse.
//
// A refused access reaches the guest as an access fault (load: 5, store or
// AMO: 7) with stval = the address the guest used and sepc = the access,
// like a bus error on real hardware. The handler records it and skips the
// instruction. An ecall from VU-mode (the VU probe's way home) returns to
// VS-mode right after it.
#include "lab9guest.h"

volatile struct seen seen;

void guest_trap(struct trapframe *tf)
{
	if (tf->scause == CAUSE_USER_ECALL && seen.expecting) {
		tf->sstatus |= SSTATUS_SPP;            // sret back to VS-mode
		tf->sepc += 4;
		return;
	}
	if (!seen.expecting) {
		printf("guest: unexpected trap: scause %lu (%s) sepc 0x%lx stval 0x%lx\n",
		       tf->scause, cause_name(tf->scause), tf->sepc, tf->stval);
		guest_exit(0);
	}
	seen.count++;
	seen.scause = tf->scause;
	seen.stval = tf->stval;
	seen.sepc = tf->sepc;
	seen.sstatus = tf->sstatus;
	u16 lo = *(const u16 *)tf->sepc;
	tf->sepc += (lo & 3) == 3 ? 4 : 2;     // ISA vol. I 1.5: 11 = 32 bits
}

int refuse_one(const char *check_name, const struct rcase *c)
{
	int count = seen.count;
	ulong dev_before = TD_LAST_COUNT(hcall(HC_LAST, 0));
	ulong want_spp = c->from_user ? 0 : SSTATUS_SPP;
	seen.expecting = 1;
	ulong a1 = c->fn(c->arg ? c->arg : c->addr, SENTINEL);
	seen.expecting = 0;
	ulong dev_after = TD_LAST_COUNT(hcall(HC_LAST, 0));
	int ok = seen.count == count + 1 && seen.scause == c->cause && seen.stval == c->addr &&
		 seen.sepc == (ulong)c->at && (seen.sstatus & SSTATUS_SPP) == want_spp &&
		 (!c->int_dest || a1 == SENTINEL) && dev_after == dev_before;
	if (!ok)
		check(check_name, 0, "%s at 0x%lx: %d trap(s), scause %lu stval 0x%lx sepc 0x%lx "
		      "SPP %d (expected scause %lu stval 0x%lx sepc %p SPP %d); rd 0x%lx; device "
		      "accesses %lu", c->what, c->addr, seen.count - count, seen.scause, seen.stval,
		      seen.sepc, !!(seen.sstatus & SSTATUS_SPP), c->cause, c->addr, c->at,
		      !c->from_user, a1, dev_after - dev_before);
	return ok;
}
