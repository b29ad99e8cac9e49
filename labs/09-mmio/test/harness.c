// Lab 9 harness: runs the test guest with two emulated devices that the
// G-stage leaves unmapped (the 16550 UART at the virt address, the kit's
// test device at a seeded address), and sends every guest-page fault to
// your mmio_handle_fault(). The test guest checks the results from the
// inside (CHECK lines); the harness answers its control hypercalls, checks
// the decoded exits your code leaves in struct vm_exit, and runs the two
// tests that need no guest (decoder, registry).
#include "hyp.h"
#include "hypinit.h"
#include "vcpu.h"
#include "minisbi.h"
#include "vmram.h"
#include "vmexit.h"
#include "mmio.h"
#include "uart16550.h"
#include "lab9.h"
#include "testdev.h"
#include "decode_suite.h"
#include "harness.h"

#define GUEST_RAM_SIZE     (4UL << 20)
#define MAX_EXITS          50000000   // uart_in polls LSR until the input comes

enum verdict { RESUME, STOP };

static struct vcpu vcpu0;
static struct vm_ram ram;
static struct hyp_caps caps;
static struct mmio_bus bus;
static struct testdev tdev;
static struct uart16550 uart;
static ulong seed, uart_tx, emulated, refused;

static int is_test(const char *name)
{
	return !strcmp(run_test(), name);
}

// ---------------------------------------------------------------- decoded exits
// After each emulated access the harness compares what your code put into
// struct vm_exit (EXIT_MMIO_READ / EXIT_MMIO_WRITE, vmexit.h) with what the
// device really saw, and, for a load, with the register the guest got.
static struct {
	int errors;
	char first[150];
} exits;

static void exit_mismatch(const char *fmt, ulong a, ulong b)
{
	if (exits.errors++ == 0)
		snprintf(exits.first, sizeof(exits.first), fmt, a, b);
}

static ulong extend_ref(ulong raw, u8 width, u8 sign)
{
	if (width >= 8)
		return raw;
	ulong mask = (1UL << (8 * width)) - 1, v = raw & mask;
	return sign && (v >> (8 * width - 1)) ? v | ~mask : v;
}

static void check_testdev_exit(const struct vcpu *v, const struct vm_exit *e)
{
	const struct testdev_access *a = &tdev.last;
	ulong gpa = tdev.dev.base + a->offset;
	if (a->kind == TD_READ) {
		const struct vm_exit_mmio_read *r = &e->mmio_read;
		if (e->reason != EXIT_MMIO_READ)
			exit_mismatch("a test-device read left reason %lu (expected %lu)",
				      e->reason, EXIT_MMIO_READ);
		else if (r->gpa != gpa || r->width != a->width)
			exit_mismatch("mmio_read: gpa 0x%lx, width %lu", r->gpa, r->width);
		else if (r->reg && v->gprs[r->reg] != extend_ref(a->data, a->width, r->sign_extend))
			exit_mismatch("mmio_read: reg x%lu does not hold the value read (0x%lx)",
				      r->reg, v->gprs[r->reg]);
		return;
	}
	const struct vm_exit_mmio_write *w = &e->mmio_write;
	if (e->reason != EXIT_MMIO_WRITE)
		exit_mismatch("a test-device write left reason %lu (expected %lu)", e->reason,
			      EXIT_MMIO_WRITE);
	else if (w->gpa != gpa || w->width != a->width)
		exit_mismatch("mmio_write: gpa 0x%lx, width %lu", w->gpa, w->width);
	else if (w->data != a->data)
		exit_mismatch("mmio_write: data 0x%lx, the device got 0x%lx", w->data, a->data);
}

static void report_exits(void)
{
	check("exit_struct", emulated > 0 && exits.errors == 0,
	      "%lu emulated accesses, %d with wrong EXIT_MMIO_* fields%s%s", emulated,
	      exits.errors, exits.errors ? "; first: " : "", exits.first);
}

// ---------------------------------------------------------------- exits
static void on_hypercall(struct vcpu *v, const struct vm_exit *e)
{
	ulong a1 = 0;
	long err = SBI_SUCCESS;
	switch (e->hypercall.nr) {
	case HC_LAST:       a1 = testdev_last_packed(&tdev); break;
	case HC_LAST_DATA:  a1 = tdev.last.data; break;
	case HC_PEEK:       a1 = testdev_peek(&tdev, e->hypercall.args[0]); break;
	case HC_GPR0:       a1 = v->gprs[0]; break;
	case HC_UART_TX:    a1 = uart_tx; break;
	case HC_EXIT_CHECK: report_exits(); break;
	default:            err = SBI_ERR_NOT_SUPPORTED;
	}
	v->gprs[REG_A0] = (ulong)err;
	v->gprs[REG_A1] = a1;
}

static enum verdict on_page_fault(struct vcpu *v, struct vm_exit *e)
{
	ulong count = tdev.count, gpa = e->page_fault.gpa;
	enum mmio_result r = mmio_handle_fault(&bus, v, e);
	switch (r) {
	case MMIO_EMULATED:
		emulated++;
		if (tdev.count != count)
			check_testdev_exit(v, e);
		return RESUME;
	case MMIO_REFUSED:
		refused++;
		return RESUME;
	default:
		printf("harness: mmio_handle_fault() returned %d for the guest-page fault at "
		       "gpa 0x%lx (pc 0x%lx): stopping the guest\n", r, gpa, e->pc);
		return STOP;
	}
}

static enum verdict handle_exit(struct vcpu *v, struct vm_exit *e)
{
	switch (e->reason) {
	case EXIT_HYPERCALL:
		on_hypercall(v, e);
		return RESUME;
	case EXIT_SBI_CALL: {
		ulong scratch = e->pc;    // the decoder already moved sepc past the ecall
		minisbi_handle(v->gprs, &scratch);
		return RESUME;
	}
	case EXIT_NESTED_PAGE_FAULT:
		return on_page_fault(v, e);
	default:
		printf("harness: unexpected exit %s (scause 0x%lx) at pc 0x%lx: stopping the "
		       "guest\n", vm_exit_reason_name(e->reason), e->scause, e->pc);
		return STOP;
	}
}

static int run_guest(struct vcpu *v)
{
	struct vm_exit e;
	for (int i = 0; i < MAX_EXITS; i++) {
		vcpu_run(v);
		vm_exit_decode(v, &e);
		if (handle_exit(v, &e) == STOP)
			return 1;
	}
	printf("harness: %d exits and the guest has not finished: stopping it\n", MAX_EXITS);
	return 1;
}

// ---------------------------------------------------------------- devices
static void uart_count_putc(char c)
{
	uart_tx++;
	console_write(&c, 1);
}

static int devices_setup(void)
{
	memset(&bus, 0, sizeof(bus));
	testdev_init(&tdev, TESTDEV_BASE(seed), seed);
	uart_init(&uart, UART_VIRT_BASE);
	uart.putc = uart_count_putc;      // counts THR bytes for the uart tests
	if (mmio_register(&bus, &tdev.dev) != MMIO_OK ||
	    mmio_register(&bus, &uart.dev) != MMIO_OK) {
		printf("harness: mmio_register() refused the test device or the UART\n");
		return -1;
	}
	return 0;
}

// ---------------------------------------------------------------- no-guest tests
static void decode_report(const char *group, int ok, const char *detail)
{
	check(group, ok, "%s", detail);
}

int lab_main(ulong hartid, const void *dtb)
{
	UNUSED(dtb);
	seed = run_seed();
	hyp_hart_init(&caps);
	deleg_init();
	printf("lab9: test '%s', seed 0x%lx\n", run_test(), seed);
	if (is_test("decoder")) {
		decode_suite_run(0, &decode_local, decode_report);
		return 0;
	}
	if (is_test("registry")) {
		test_registry();
		return 0;
	}
	if (is_test("uart_irq")) {
		test_uart_irq(seed);
		return 0;
	}
	if (vm_ram_setup(&ram, GUEST_RAM_SIZE, 1) || devices_setup())
		return 1;
	printf("lab9: test device at gpa 0x%lx, UART at gpa 0x%lx, neither mapped\n",
	       tdev.dev.base, uart.dev.base);
	vcpu_init(&vcpu0, ram.gpa, hartid, ram.dtb_gpa);
	vcpu_load(&vcpu0);
	int rc = run_guest(&vcpu0);
	printf("lab9: %lu accesses emulated, %lu refused\n", emulated, refused);
	return rc;
}
