// ns16550.c: a plain polled driver for a National Semiconductor 16550 UART,
// written as for bare metal. It knows nothing about virtualization: it is
// the hypervisor's job to make these byte loads and stores behave.
#include "guest.h"
#include "ns16550.h"

// Registers (PC16550D data sheet, table II), one byte apart.
#define RBR 0      // receive buffer (read)
#define THR 0      // transmit holding (write)
#define DLL 0      // divisor latch LSB (DLAB = 1)
#define IER 1      // interrupt enable
#define DLM 1      // divisor latch MSB (DLAB = 1)
#define FCR 2      // FIFO control (write)
#define LCR 3      // line control
#define MCR 4      // modem control
#define LSR 5      // line status

#define LCR_8N1   0x03
#define LCR_DLAB  0x80
#define FCR_FIFO  0x07     // enable, clear receive and transmit FIFOs
#define MCR_DTR   0x01
#define MCR_RTS   0x02
#define LSR_DR    0x01
#define LSR_THRE  0x20

static volatile u8 *regs;

static u8 in(int reg)
{
	return regs[reg];
}

static void out(int reg, u8 val)
{
	regs[reg] = val;
}

void ns16550_init(ulong base, u16 divisor)
{
	regs = (volatile u8 *)base;
	out(IER, 0);                       // polled: no interrupts
	out(LCR, LCR_DLAB);
	out(DLL, divisor & 0xff);
	out(DLM, divisor >> 8);
	out(LCR, LCR_8N1);
	out(FCR, FCR_FIFO);
	out(MCR, MCR_DTR | MCR_RTS);
}

void ns16550_putc(char c)
{
	while (!(in(LSR) & LSR_THRE))
		;
	out(THR, (u8)c);
}

int ns16550_getc(void)
{
	while (!(in(LSR) & LSR_DR))
		;
	return in(RBR);
}

void ns16550_puts(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			ns16550_putc('\r');
		ns16550_putc(*s);
	}
}
