// Lab 9 test guest: uses the emulated devices the way any guest would, with
// plain loads and stores, and checks the results from the inside.
#include "lab9guest.h"

ulong seed, rng, testdev_base;

ulong hcall(ulong nr, ulong arg)
{
	return (ulong)sbi_ecall(SBI_EXT_RVHLAB_HYPERCALL, nr, arg, 0, 0, 0, 0, 0).value;
}

// ISA vol. I 2.6: LB/LH/LW sign-extend, LBU/LHU/LWU zero-extend, LD takes
// all 64 bits. Written here independently of the hypervisor's version.
ulong extend(ulong raw, int width, int sign)
{
	if (width == 8)
		return raw;
	int shift = 64 - 8 * width;
	return sign ? (ulong)((long)(raw << shift) >> shift) : raw << shift >> shift;
}

int guest_main(ulong hartid, ulong arg)
{
	UNUSED(hartid), UNUSED(arg);
	const char *test = run_test();
	seed = run_seed();
	rng = seed ^ 0x6c61623939UL;
	testdev_base = TESTDEV_BASE(seed);
	if (!strcmp(test, "refuse"))
		test_refuse();
	else if (!strcmp(test, "paging"))
		test_paging();
	else if (!strcmp(test, "uart_out"))
		test_uart_out();
	else if (!strcmp(test, "uart_in"))
		test_uart_in();
	else
		test_access(test);
	return 0;
}
