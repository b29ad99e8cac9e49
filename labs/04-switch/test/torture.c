// Scenario "torture": the guest fills all 31 registers with values derived
// from the run's seed and makes TORTURE_CALLS hypercalls. At every exit the
// harness recomputes the values and compares them with v->gprs (did the exit
// vector save every register, in the right slot?) and v->sepc with the
// ecall's address. It answers in a0/a1 only; the guest checks that every
// other register came back unchanged (did the entry path load them all?).
#include "harness.h"

static const char *const torture_checks[] = {
	"torture_exit_saved",     // harness: what the exit vector saved
	"torture_guest_regs",     // guest: what the entry path restored
	NULL,
};

struct torture {
	ulong seed;
	ulong ecall_pc;       // address of the guest's ecall (HC_HELLO)
	ulong calls;          // HC_TORTURE exits seen
	ulong bad_calls;      // ... with a register or sepc not as the guest set it
	ulong first_call;     // the first bad one: call number, register, values
	int   first_reg;      // 32 = sepc
	ulong first_want, first_got;
	long  reported;       // the guest's count (HC_DONE), -1 before
};

// What x<reg> must hold at the exit of torture call number `call`.
static ulong expected_reg(const struct torture *t, int reg)
{
	if (reg == REG_A7)
		return SBI_EXT_RVHLAB_HYPERCALL;
	if (reg == REG_A6)
		return HC_TORTURE;
	return torture_value(t->seed, t->calls, reg);
}

static void note_bad(struct torture *t, int reg, ulong want, ulong got)
{
	if (t->bad_calls++)
		return;
	t->first_call = t->calls;
	t->first_reg = reg;
	t->first_want = want;
	t->first_got = got;
}

static void inspect_exit(struct torture *t, const struct vcpu *v)
{
	for (int reg = 1; reg < 32; reg++) {
		ulong want = expected_reg(t, reg);
		if (v->gprs[reg] != want) {
			note_bad(t, reg, want, v->gprs[reg]);
			return;
		}
	}
	if (v->sepc != t->ecall_pc)
		note_bad(t, 32, t->ecall_pc, v->sepc);
}

static enum step torture_hypercall(struct vcpu *v, void *ctx)
{
	struct torture *t = ctx;
	const ulong *args = &v->gprs[REG_A0];
	switch (v->gprs[REG_A6]) {
	case HC_HELLO:
		t->ecall_pc = args[0];
		hc_return(v, 0, 0);
		break;
	case HC_TORTURE:
		inspect_exit(t, v);
		t->calls++;
		hc_return(v, torture_ret0(args), torture_ret1(args));
		break;
	case HC_DONE:
		t->reported = (long)args[0];
		hc_return(v, 0, 0);
		break;
	default:
		hc_return(v, (ulong)SBI_ERR_NOT_SUPPORTED, 0);
	}
	return STEP_RESUME;
}

static void torture_report(const struct torture *t)
{
	if (t->bad_calls) {
		const char *reg = t->first_reg == 32 ? "sepc" : reg_name(t->first_reg);
		check("torture_exit_saved", 0, "call %lu: struct vcpu has %s = 0x%lx, the guest had "
		      "0x%lx (%lu of %lu exits wrong)", t->first_call, reg, t->first_got,
		      t->first_want, t->bad_calls, t->calls);
		return;
	}
	check("torture_exit_saved", t->calls == TORTURE_CALLS && t->reported == TORTURE_CALLS,
	      "saw %lu torture exits, the guest reported %ld, expected %d", t->calls,
	      t->reported, TORTURE_CALLS);
}

int scenario_torture(ulong hartid, const void *dtb)
{
	static struct vcpu v;
	struct torture t = { .seed = run_seed(), .reported = -1 };
	struct driver d = {
		.checks = torture_checks, .hypercall = torture_hypercall, .ctx = &t,
		.max_steps = 4 * TORTURE_CALLS + 20000,
	};
	vcpu_init(&v, guest_image_entry, hartid, (ulong)dtb);
	vcpu_load(&v);
	if (vcpu_drive(&v, &d) != STEP_SHUTDOWN)
		return 1;
	torture_report(&t);
	return guest_shutdown_ok(&v) ? 0 : 1;
}
