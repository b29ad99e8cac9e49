// Lab 7 harness: the rest of the hypervisor around your SBI.
//
// It runs the test guest (an SBI conformance program, test/guest/) on one
// vCPU with its own RAM (G-stage, lab 5), decodes every exit with lab 6's
// vm_exit_decode(), and gives every SBI call and hypercall to your
// vsbi_handle_exit(). What comes back decides what happens next: resume,
// or stop the VM (EXIT_SYSTEM_DOWN: the run ends, and its status is the
// guest's reset reason). Host timer interrupts (EXIT_TIMER) go to your
// vtimer_expired().
//
// The guest reports its results through a test channel that this harness
// answers itself (channel.c), so they reach the grader even while your
// console calls do not work. Everything the harness observes itself is
// printed as FACT lines.
#include "hyp.h"
#include "hypinit.h"
#include "vcpu.h"
#include "vmram.h"
#include "vmexit.h"
#include "vsbi.h"
#include "lab7.h"
#include "lab7harness.h"

#define MAX_EXITS        3000000
#define MAX_TIMER_EXITS  1000      // a host timer that nobody disarms

static struct vcpu vcpu0;
struct vm_ram lab7_ram;
static struct hyp_caps caps;
ulong lab7_seed;
ulong lab7_timer_exits, lab7_vstip_injections;

static const char *reset_type_name(ulong type)
{
	switch (type) {
	case SBI_SRST_TYPE_SHUTDOWN:    return "a shutdown";
	case SBI_SRST_TYPE_COLD_REBOOT: return "a cold reboot";
	case SBI_SRST_TYPE_WARM_REBOOT: return "a warm reboot";
	default:                        return "a reset of unknown type";
	}
}

// SBI 10: the guest's reset ends this VM. The run's status is the guest's
// reason: "no reason" is a normal end, anything else a failure. (A test VM
// is not restarted on a reboot: that too ends the run.)
static enum lab7_verdict on_system_down(const struct vm_exit *e)
{
	ulong type = e->system_down.type, reason = e->system_down.reason;
	fact("system_down", "type=%lu reason=%lu", type, reason);
	printf("lab7: the guest asked for %s (reason %lu: %s): the VM stops\n",
	       reset_type_name(type), reason,
	       reason == SBI_SRST_REASON_NONE ? "none" :
	       reason == SBI_SRST_REASON_FAILURE ? "system failure" : "other");
	return reason == SBI_SRST_REASON_NONE ? LAB7_STOP_OK : LAB7_STOP_FAIL;
}

// A call that returns leaves sepc where lab 6's decoder put it (after the
// ecall). One more ecall length on top: the dispatcher moved it again, and
// the guest skips an instruction after every call, whatever that breaks.
// (A handler that sends the guest elsewhere sets sepc to a new place.)
static void sepc_moved_twice(ulong before, ulong after)
{
	static int said;
	if ((after == before + 4 || after == before + 2) && !said++)
		diag("vsbi_handle_exit() moved sepc from 0x%lx to 0x%lx: lab 6's decoder already "
		     "moved it past the ecall, so the guest skips the instruction after every call "
		     "(vmexit.h, \"Who moves the guest's pc\")", before, after);
}

static enum lab7_verdict on_sbi(struct vcpu *v, struct vm_exit *e)
{
	enum vm_exit_reason before = e->reason;
	ulong eid = before == EXIT_HYPERCALL ? SBI_EXT_RVHLAB_HYPERCALL : e->sbi.eid;
	ulong pc = v->sepc;         // lab 6 moved it past the ecall already
	switch (vsbi_handle_exit(v, e)) {
	case EXIT_NOTHING:
		sepc_moved_twice(pc, v->sepc);
		return LAB7_RESUME;
	case EXIT_SYSTEM_DOWN:
		return on_system_down(e);
	case EXIT_SBI_CALL:
	case EXIT_HYPERCALL:
		printf("lab7: vsbi_handle_exit() left the call (EID 0x%lx) unhandled: the reason "
		       "must become EXIT_NOTHING or the exit to act on\n", eid);
		return LAB7_STOP_FAIL;
	default:
		printf("lab7: vsbi_handle_exit() turned the call (EID 0x%lx) into a %s exit, which "
		       "lab 7 does not expect\n", eid, vm_exit_reason_name(e->reason));
		return LAB7_STOP_FAIL;
	}
}

// Without Sstc, your virtual timer uses the host timer: its interrupt
// comes here, and vtimer_expired() turns it into the guest's VSTIP.
static enum lab7_verdict on_timer(struct vcpu *v)
{
	if (++lab7_timer_exits > MAX_TIMER_EXITS) {
		printf("lab7: %d host timer exits: vtimer_expired() does not stop the host timer "
		       "(sie.STIE, or a new deadline)\n", MAX_TIMER_EXITS);
		return LAB7_STOP_FAIL;
	}
	vtimer_expired(v);
	if (csr_read(hvip) & HVIP_VSTIP)
		lab7_vstip_injections++;
	return LAB7_RESUME;
}

static enum lab7_verdict handle_exit(struct vcpu *v, struct vm_exit *e)
{
	switch (e->reason) {
	case EXIT_SBI_CALL:
		if (e->sbi.eid == LAB7_TEST_EID)
			return lab7_channel(v, e);
		return on_sbi(v, e);
	case EXIT_HYPERCALL:
		return on_sbi(v, e);
	case EXIT_TIMER:
		return on_timer(v);
	case EXIT_HALT:
		printf("lab7: the guest waits in wfi at pc 0x%lx: its last SBI call did not do what "
		       "it expected (a shutdown that returned?): stopping the run\n", e->pc);
		return LAB7_STOP_FAIL;
	case EXIT_UNKNOWN:
		printf("lab7: unknown exit (scause 0x%lx at pc 0x%lx): stopping the guest\n",
		       e->unknown.scause, e->pc);
		return LAB7_STOP_FAIL;
	default:
		printf("lab7: unexpected %s exit at pc 0x%lx: stopping the guest\n",
		       vm_exit_reason_name(e->reason), e->pc);
		return LAB7_STOP_FAIL;
	}
}

static int run_guest(struct vcpu *v)
{
	struct vm_exit e;
	for (ulong i = 0; i < MAX_EXITS; i++) {
		vcpu_run(v);
		vm_exit_decode(v, &e);
		enum lab7_verdict verdict = handle_exit(v, &e);
		if (verdict != LAB7_RESUME)
			return verdict == LAB7_STOP_OK ? 0 : 1;
	}
	printf("lab7: %d exits and the guest has not finished: stopping it\n", MAX_EXITS);
	return 1;
}

int lab_main(ulong hartid, const void *dtb)
{
	UNUSED(dtb);
	lab7_seed = run_seed();
	hyp_hart_init(&caps);
	deleg_init();
	if (vm_ram_setup(&lab7_ram, LAB7_RAM_SIZE, 1))
		return 1;
	printf("lab7: test '%s', seed 0x%lx, Sstc %s: the virtual timer uses %s\n", run_test(),
	       lab7_seed, caps.sstc ? "yes" : "no",
	       caps.sstc ? "vstimecmp" : "the host timer and hvip.VSTIP");
	fact("sstc", "%s", caps.sstc ? "yes" : "no");
	vsbi_init(&caps);
	vcpu_init(&vcpu0, lab7_ram.gpa, hartid, lab7_ram.dtb_gpa);
	// A guest left waiting in wfi (its shutdown failed) exits to us as a
	// virtual instruction (Priv. 8.2.1, VTW) instead of hanging the run.
	vcpu0.hstatus |= HSTATUS_VTW;
	// The guest's clock runs ahead of the host's (Priv. 8.2.7): deadlines
	// are in guest time.
	vcpu0.vs.htimedelta = HTIMEDELTA(lab7_seed);
	vsbi_vcpu_init(&vcpu0);
	vcpu_load(&vcpu0);
	return run_guest(&vcpu0);
}
