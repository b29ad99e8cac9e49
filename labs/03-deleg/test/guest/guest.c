// guest.c: the lab 3 test guest. It installs its own trap vector, like any
// kernel, then runs the scenario named by the grader's test=... bootarg
// (all of them when there is none, e.g. under make qemu LAB=3).
#include "deleg_guest.h"

static const struct {
	const char *test;
	int (*run)(void);
} scenarios[] = {
	{ "deleg_breakpoint", scenario_breakpoint },
	{ "deleg_illegal", scenario_illegal },
	{ "deleg_user_ecall", scenario_user_ecall },
	{ "deleg_page_fault", scenario_page_fault },
	{ "deleg_soft_irq", scenario_soft_irq },
	{ "deleg_timer", scenario_timer },
};

int guest_main(ulong hartid, ulong arg)
{
	UNUSED(arg);
	extern char _end[];
	if ((ulong)_end > GSTAGE_HOLE_GPA) {
		printf("guest: image ends at %p, inside the G-stage hole\n", _end);
		return 1;
	}
	// In VS-mode "stvec" is vstvec: from now on the guest's own traps go
	// to guest_trapvec -> guest_trap() (gtrap.c), if they are delegated.
	csr_write(stvec, (ulong)guest_trapvec);
	printf("guest: VS-mode on hart %lu, vstvec set, seed 0x%lx\n", hartid, run_seed());
	const char *test = run_test();
	int rc = 0, ran = 0;
	for (ulong i = 0; i < ARRAY_SIZE(scenarios); i++) {
		if (test[0] && strcmp(test, scenarios[i].test))
			continue;
		rc |= scenarios[i].run();
		ran++;
	}
	if (!ran)
		printf("guest: no scenario for test '%s'\n", test);
	if (seen.unexpected)
		printf("guest: %lu unexpected trap(s)\n", seen.unexpected);
	return rc || seen.unexpected;
}
