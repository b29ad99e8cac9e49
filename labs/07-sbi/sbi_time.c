// Lab 7: the Timer extension (SBI spec 6, EID "TIME").
//
// Check yourself: make grade LAB=7 (tests timer and timer_nosstc).
#include "hyp.h"
#include "vsbi.h"

static long time_handle(struct vcpu *v, const struct vsbi_call *call, ulong *value,
			struct vm_exit *exit)
{
	UNUSED(v);
	UNUSED(value);
	UNUSED(exit);
	// TODO(lab 7): SBI_TIME_SET_TIMER (6.1) programs the guest's next
	// timer interrupt at stime_value = args[0]: that is vtimer_set()
	// (vtimer.c). Any other FID: SBI_ERR_NOT_SUPPORTED. Should this be
	// forwarded to OpenSBI instead? Write down why not.
	UNUSED(call);
	return SBI_ERR_NOT_SUPPORTED;
}

static const struct vsbi_ext vsbi_ext_time = {
	.name = "time",
	.eid_min = SBI_EXT_TIME,
	.eid_max = SBI_EXT_TIME,
	.handle = time_handle,
};
VSBI_EXTENSION(vsbi_ext_time);
