// Lab 7 test guest: start-up, the test channel, raw SBI calls, traps.
#include "lab7guest.h"

ulong seed;
ulong guest_hartid;

// ---------------------------------------------------------------- channel
// One line per call, passed by address: the guest's RAM is identity mapped
// (paging.c keeps it so), so this buffer's virtual address is its
// guest-physical one, which is what the harness reads.
static char line[LAB7_LINE_MAX];

static void send_line(void)
{
	sbi_ecall(LAB7_TEST_EID, LAB7_PRINT, (ulong)line, strlen(line), 0, 0, 0, 0);
}

void t_line(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	send_line();
}

int t_check(const char *name, int ok, const char *fmt, ...)
{
	char detail[140] = "";
	if (fmt && !ok) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(detail, sizeof(detail), fmt, ap);
		va_end(ap);
	}
	t_line("CHECK %s %s %s%s%s", run_nonce(), name, ok ? "PASS" : "FAIL", detail[0] ? " " : "",
	       detail);
	return ok;
}

void t_fact(const char *key, const char *fmt, ...)
{
	char value[140];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	t_line("FACT %s %s %s", run_nonce(), key, value);
}

void t_done(int ok)
{
	for (;;)
		sbi_ecall(LAB7_TEST_EID, LAB7_DONE, ok, 0, 0, 0, 0, 0);
}

struct sbiret t_host_base(ulong fid)
{
	return sbi_ecall(LAB7_TEST_EID, LAB7_HOST_BASE, fid, 0, 0, 0, 0, 0);
}

// ---------------------------------------------------------------- raw calls
struct sbiret sbi0(ulong eid, ulong fid)
{
	return sbi_ecall(eid, fid, 0, 0, 0, 0, 0, 0);
}

struct sbiret sbi1(ulong eid, ulong fid, ulong a0)
{
	return sbi_ecall(eid, fid, a0, 0, 0, 0, 0, 0);
}

struct sbiret sbi3(ulong eid, ulong fid, ulong a0, ulong a1, ulong a2)
{
	return sbi_ecall(eid, fid, a0, a1, a2, 0, 0, 0);
}

int probe_is(ulong eid, long value)
{
	struct sbiret r = sbi1(SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, eid);
	return r.error == SBI_SUCCESS && r.value == value;
}

// ---------------------------------------------------------------- traps
void guest_trap(struct trapframe *tf)
{
	if (tf->scause == (CAUSE_INTERRUPT | IRQ_S_TIMER)) {
		timer_irq(tf);
		return;
	}
	if (tf->scause == (CAUSE_INTERRUPT | IRQ_S_SOFT)) {
		soft_irq(tf);
		return;
	}
	if (legacy_fault(tf))
		return;
	t_line("guest: unexpected trap: scause 0x%lx (%s) at sepc 0x%lx, stval 0x%lx", tf->scause,
	       cause_name(tf->scause), tf->sepc, tf->stval);
	t_done(0);
}

// ---------------------------------------------------------------- tests
static const struct {
	const char *name;
	void (*run)(void);
} tests[] = {
	{ "base", test_base },
	{ "errors", test_errors },
	{ "hypercall", test_hypercall },
	{ "console", test_console },
	{ "dbcn_write", test_dbcn_write },
	{ "dbcn_read", test_dbcn_read },
	{ "dbcn_bad", test_dbcn_bad },
	{ "timer", test_timer },
	{ "timer_nosstc", test_timer },
	{ "legacy", test_legacy },
	{ "srst_shutdown", test_srst_shutdown },
	{ "srst_failure", test_srst_failure },
	{ "srst_reboot", test_srst_reboot },
	{ "legacy_shutdown", test_legacy_shutdown },
};

int guest_main(ulong hartid, ulong arg)
{
	UNUSED(arg);
	csr_write(stvec, guest_trapvec);
	seed = run_seed();
	guest_hartid = hartid;
	t_line("guest: lab 7 SBI conformance guest on hart %lu, test '%s'", hartid, run_test());
	for (ulong i = 0; i < ARRAY_SIZE(tests); i++) {
		if (!strcmp(run_test(), tests[i].name)) {
			tests[i].run();
			t_line("guest: test '%s' done", tests[i].name);
			t_done(1);
		}
	}
	t_line("guest: no test named '%s'", run_test());
	t_done(0);
}
