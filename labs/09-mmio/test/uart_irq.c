// uart_irq.c: the "uart_irq" test: your UART's interrupt (uart16550.h,
// uart_update), driven through its registers with a scripted input source
// and a recorder on its line. No guest: every step looks at IIR and at how
// often, and to which level, the line was driven.
#include "hyp.h"
#include "uart16550.h"
#include "harness.h"

static struct uart16550 u;
static int level, changes, repeats;     // the recorder
static int input[4], ninput;            // the scripted input (a stack)

static void record(struct uart16550 *dev, int l)
{
	if (dev != &u || (l != 0) == level)
		repeats++;              // raised twice, or lowered twice: not a change
	level = l != 0;
	changes++;
}

static int scripted_getc(void)
{
	return ninput ? input[--ninput] : -1;
}

static void discard(char c)
{
	UNUSED(c);
}

static u8 reg(ulong off)
{
	ulong v = 0xee;
	return u.dev.read(&u.dev, off, 1, &v) == MMIO_OK ? (u8)v : 0xee;
}

static void set(ulong off, u8 v)
{
	u.dev.write(&u.dev, off, 1, v);
}

static u8 iir(void)
{
	return reg(UART_IIR) & UART_IIR_ID_MASK;
}

// Fresh UART, wired to the recorder, with `n` bytes of input waiting.
static void fresh(int n, ulong seed)
{
	uart_init(&u, UART_VIRT_BASE);
	u.putc = discard;
	u.getc = scripted_getc;
	u.irq = record;
	level = changes = repeats = 0;
	ninput = n;
	for (int i = 0; i < n; i++)
		input[i] = 'a' + (int)((seed >> (4 * i)) % 26);
}

void test_uart_irq(ulong seed)
{
	if (!u.dev.read && (uart_init(&u, UART_VIRT_BASE), !u.dev.read)) {
		check("uart_iir", 0, "uart_init() gave the device no read callback");
		check("uart_line", 0, "uart_init() gave the device no read callback");
		check("uart_rx_irq", 0, "uart_init() gave the device no read callback");
		return;
	}
	// The transmitter: always empty, so THRI enabled is an interrupt.
	fresh(0, seed);
	u8 idle = iir();
	set(UART_IER, UART_IER_THRI);
	u8 thri = iir();
	int up = level == 1 && changes == 1;
	set(UART_SCR, 0x5a);                       // another access: no new edge
	int steady = changes == 1;
	set(UART_IER, 0);
	int down = level == 0 && changes == 2;
	u8 off = iir();

	// Received data, and RDI above THRI.
	fresh(2, seed);
	u8 want1 = (u8)input[1], want2 = (u8)input[0];      // a stack: the last byte first
	set(UART_IER, UART_IER_RDI | UART_IER_THRI);
	u8 both = iir();
	int rx_up = level == 1;
	u8 c1 = reg(UART_RBR), after1 = iir();
	u8 c2 = reg(UART_RBR), after2 = iir();
	int still = level == 1;                    // THRI is still enabled and true
	set(UART_IER, UART_IER_RDI);
	int rx_down = level == 0;

	// Input that arrives later: uart_update() notices it.
	fresh(0, seed);
	set(UART_IER, UART_IER_RDI);
	int quiet = level == 0 && changes == 0;
	input[0] = 'x';
	ninput = 1;
	uart_update(&u);
	int noticed = level == 1 && iir() == UART_IIR_RDI;
	u8 got = reg(UART_RBR);
	int served = level == 0;

	check("uart_iir", idle == UART_IIR_NO_INT && thri == UART_IIR_THRI &&
	      off == UART_IIR_NO_INT && both == UART_IIR_RDI && after1 == UART_IIR_RDI &&
	      after2 == UART_IIR_THRI,
	      "IIR idle 0x%x, THRI enabled 0x%x, disabled 0x%x; RDI and THRI with 2 bytes in: "
	      "0x%x, after one read 0x%x, after both 0x%x (want 1, 2, 1, 4, 4, 2)", idle, thri,
	      off, both, after1, after2);
	check("uart_line", up && steady && down && !repeats,
	      "IER.THRI on: line %s; another register access: %s; IER = 0: line %s; the line was "
	      "driven to a level it already had %d time(s)", up ? "raised once" : "wrong",
	      steady ? "no new call" : "a new call", down ? "dropped" : "wrong", repeats);
	check("uart_rx_irq", rx_up && still && rx_down && quiet && noticed && served &&
	      c1 == want1 && c2 == want2 && got == 'x',
	      "RDI with input: line %s; bytes read '%c' '%c' (want '%c' '%c'); RDI alone after the "
	      "input: %s; "
	      "input arriving later, uart_update(): %s, served by RBR ('%c'): %s",
	      rx_up ? "up" : "down", c1, c2, want1, want2, rx_down ? "line down" : "line still up",
	      noticed ? "noticed (line up, IIR 4)" : "not noticed", got, served ? "line down" :
	      "line still up");
}
