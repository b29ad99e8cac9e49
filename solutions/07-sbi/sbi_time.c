// Lab 7 reference solution: the Timer extension (SBI 6, EID "TIME").
//
// Emulated, never forwarded: OpenSBI's set_timer programs the hart's
// supervisor timer, which is the hypervisor's own (an interrupt for HS, in
// host time). The guest's deadline is in guest time and must come back as
// the guest's interrupt: that is the virtual timer (vtimer.c).
#include "hyp.h"
#include "vsbi.h"

static long time_handle(struct vcpu *v, const struct vsbi_call *call, ulong *value,
			struct vm_exit *exit)
{
	UNUSED(value);
	UNUSED(exit);
	if (call->fid != SBI_TIME_SET_TIMER)
		return SBI_ERR_NOT_SUPPORTED;
	vtimer_set(v, call->args[0]);
	return SBI_SUCCESS;
}

static const struct vsbi_ext vsbi_ext_time = {
	.name = "time",
	.eid_min = SBI_EXT_TIME,
	.eid_max = SBI_EXT_TIME,
	.handle = time_handle,
};
VSBI_EXTENSION(vsbi_ext_time);
