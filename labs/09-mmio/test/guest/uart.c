// uart.c: the UART tests. The output and input go through ns16550.c, an
// ordinary polled driver; the register checks read the registers back the
// way a driver's probe routine would.
#include "lab9guest.h"
#include "ns16550.h"

#define LINE_MAX 96

struct regcheck {
	int failed;
	char why[120];
};

static void expect_reg(struct regcheck *r, const char *what, u8 got, u8 want)
{
	if (got != want && !r->failed++)
		snprintf(r->why, sizeof(r->why), "%s reads 0x%02x, expected 0x%02x", what, got,
			 want);
}

// After ns16550_init(): LCR 8N1, MCR DTR|RTS, IER 0, FIFOs on (IIR 0xc1:
// FIFOs enabled, no interrupt pending), transmitter empty; the divisor
// latch behind DLAB; the scratch register keeps a byte; IER keeps its bits.
static void check_registers(volatile u8 *u, u16 divisor)
{
	struct regcheck r = { 0, "" };
	u8 scratch = UART_TEST_SCRATCH(seed);
	expect_reg(&r, "LCR", u[3], 0x03);
	expect_reg(&r, "MCR", u[4], 0x03);
	expect_reg(&r, "IER", u[1], 0x00);
	expect_reg(&r, "IIR", u[2], 0xc1);
	expect_reg(&r, "LSR & (THRE | TEMT)", u[5] & 0x60, 0x60);
	u[3] = 0x83;                                  // DLAB = 1
	expect_reg(&r, "DLL", u[0], divisor & 0xff);
	expect_reg(&r, "DLM", u[1], divisor >> 8);
	expect_reg(&r, "LCR with DLAB", u[3], 0x83);
	u[3] = 0x03;
	u[7] = scratch;
	expect_reg(&r, "SCR", u[7], scratch);
	u[1] = 0x05;
	expect_reg(&r, "IER after writing 0x05", u[1], 0x05);
	u[1] = 0x00;
	check("uart_regs", !r.failed, "%s", r.why);
}

void test_uart_out(void)
{
	char line[LINE_MAX];
	u16 divisor = UART_TEST_DIVISOR(seed);
	ns16550_init(GUEST_UART_BASE, divisor);
	check_registers((volatile u8 *)GUEST_UART_BASE, divisor);
	snprintf(line, sizeof(line), UART_HELLO_FMT "\n", seed);
	ulong before = hcall(HC_UART_TX, 0);
	ns16550_puts(line);
	ulong sent = hcall(HC_UART_TX, 0) - before;
	ulong want = strlen(line) + 1;               // "\n" went out as "\r\n"
	check("uart_tx", sent == want, "the UART sent %lu bytes to the console, expected %lu", sent,
	      want);
}

void test_uart_in(void)
{
	char buf[32], want[32], line[LINE_MAX];
	int n = 0;
	ns16550_init(GUEST_UART_BASE, UART_TEST_DIVISOR(seed));
	ns16550_puts("uart: type the 8 hex digits of the seed, then Enter\n");
	for (;;) {
		int c = ns16550_getc();
		if (c == '\r' || c == '\n')
			break;
		if (n < (int)sizeof(buf) - 1)
			buf[n++] = (char)c;
	}
	buf[n] = 0;
	snprintf(line, sizeof(line), "uart: read %s\n", buf);
	ns16550_puts(line);
	snprintf(want, sizeof(want), "%08lx", seed);
	check("uart_rx", !strcmp(buf, want), "read '%s' from RBR, expected '%s'", buf, want);
}
