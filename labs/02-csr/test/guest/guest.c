// Lab 2 test guest. If your vcpu_launch() is right it runs in VS-mode at
// GUEST_BARE_BASE, with G-stage Bare (its physical addresses are the
// host's). It tells the harness what it sees through LAB2_TEST_EID calls;
// the harness, not the guest, decides whether that is right.
#include "guest.h"
#include "../lab2test.h"

// The harness answers every call with 0. SBI_ERR_NOT_SUPPORTED comes from
// OpenSBI, which does not know the lab's EID: the ecall went to M-mode,
// so this guest is not in VS-mode at all (V = 0: sret left it in HS).
static void test_call(ulong fid, ulong a0, ulong a1)
{
	static int said;
	struct sbiret r = sbi_ecall(LAB2_TEST_EID, fid, a0, a1, 0, 0, 0, 0);
	if (r.error == SBI_ERR_NOT_SUPPORTED && !said++)
		diag("the guest's calls reach the firmware (OpenSBI answered %ld), not the "
		     "hypervisor: the guest runs in HS-mode, not VS-mode; sret did not set V = 1 "
		     "(hstatus.SPV = 1 in the hstatus vcpu_launch() writes)", r.error);
}

// An H-extension CSR is out of VS-mode's reach: the access must become a
// virtual-instruction exception for the hypervisor (Priv. 8.6.1), which
// answers with a value only it and this guest know.
static int try_hstatus(void)
{
	ulong v;
	asm volatile("csrr %0, hstatus" : "=r"(v) : : "memory");
	ulong want = lab2_csr_token(run_seed());
	return check("guest_resumed_after_exit", v == want,
		     "csrr hstatus gave 0x%lx, the harness's answer is 0x%lx", v, want);
}

// rdtime between two calls to the harness, which counts the exits between.
static void read_time(void)
{
	test_call(LAB2_FID_MARK, 0, 0);
	ulong t = rdtime();
	test_call(LAB2_FID_TIME, t, 0);
	printf("guest: rdtime gave %lu\n", t);
}

int guest_main(ulong hartid, ulong arg)
{
	test_call(LAB2_FID_ARGS, hartid, arg);      // the first exit
	printf("guest: hello from the guest: hart %lu, device tree at 0x%lx\n", hartid, arg);
	const char *test = run_test();
	if (!strcmp(test, "guest_vs"))
		return try_hstatus() ? 0 : 1;
	if (!strncmp(test, "rdtime_", 7))
		read_time();
	return 0;
}
