// Lab 9 reference solution, part 3: an emulated 16550 UART (uart16550.h).
#include "hyp.h"
#include "mmio.h"
#include "uart16550.h"

static void console_putc(char c)
{
	console_write(&c, 1);
}

// Has a byte arrived? Asks the input source only when RBR is empty, so a
// byte is never lost between LSR (which sets DR) and RBR (which takes it).
static int uart_rx_ready(struct uart16550 *u)
{
	if (u->rx < 0)
		u->rx = u->getc();
	return u->rx >= 0;
}

static u8 uart_lsr(struct uart16550 *u)
{
	// Output is sent the moment THR is written: always empty.
	return UART_LSR_THRE | UART_LSR_TEMT | (uart_rx_ready(u) ? UART_LSR_DR : 0);
}

// kvmtool's serial8250_update_irq, in the kit's words: IIR from the
// enables and the state, and the line only when its level changes.
void uart_update(struct uart16550 *u)
{
	u8 iir = UART_IIR_NO_INT;
	if ((u->ier & UART_IER_RDI) && uart_rx_ready(u))
		iir = UART_IIR_RDI;
	else if (u->ier & UART_IER_THRI)     // THR is always empty (uart_lsr)
		iir = UART_IIR_THRI;
	u->iir = iir;
	u8 level = iir != UART_IIR_NO_INT;
	if (level != u->line) {
		u->line = level;
		if (u->irq)
			u->irq(u, level);
	}
}

static u8 uart_rbr(struct uart16550 *u)
{
	if (!uart_rx_ready(u))
		return 0;
	u8 c = (u8)u->rx;
	u->rx = -1;
	return c;
}

// Every register but LSR, as read.
static u8 uart_reg(struct uart16550 *u, ulong offset)
{
	int dlab = u->lcr & UART_LCR_DLAB;
	switch (offset) {
	case UART_RBR: return dlab ? u->dll : uart_rbr(u);
	case UART_IER: return dlab ? u->dlm : u->ier;
	case UART_IIR: return u->iir | (u->fcr & UART_FCR_ENABLE ? UART_IIR_FIFO : 0);
	case UART_LCR: return u->lcr;
	case UART_MCR: return u->mcr;
	case UART_SCR: return u->scr;
	default:       return 0;          // MSR: no modem lines
	}
}

static int uart_read(struct mmio_device *dev, ulong offset, u8 width, ulong *value)
{
	struct uart16550 *u = dev->priv;
	int rx = u->rx;
	if (width != 1 || offset >= UART_NREGS)
		return MMIO_ERR;
	// LSR first: a driver reads it before every byte it sends (THRE) and
	// whenever it polls for input, far more often than anything else.
	*value = offset == UART_LSR ? uart_lsr(u) : uart_reg(u, offset);
	// An RBR read may have emptied the receiver, an LSR read filled it;
	// with RDI enabled and nothing received, uart_update() looks for input
	// again. Otherwise IIR and the line are what the last update left.
	if (u->rx != rx || ((u->ier & UART_IER_RDI) && u->rx < 0))
		uart_update(u);
	return MMIO_OK;
}

static int uart_write(struct mmio_device *dev, ulong offset, u8 width, ulong value)
{
	struct uart16550 *u = dev->priv;
	int dlab = u->lcr & UART_LCR_DLAB;
	u8 b = (u8)value;
	if (width != 1 || offset >= UART_NREGS)
		return MMIO_ERR;
	switch (offset) {
	case UART_THR:
		if (dlab)
			u->dll = b;
		else
			u->putc((char)b);
		break;
	case UART_IER:
		if (dlab)
			u->dlm = b;
		else
			u->ier = b & UART_IER_MASK;
		break;
	case UART_FCR: u->fcr = b & UART_FCR_ENABLE; break;   // the clear bits self-clear
	case UART_LCR: u->lcr = b; break;
	case UART_MCR: u->mcr = b; break;
	case UART_SCR: u->scr = b; break;
	default: break;                                        // LSR, MSR: read-only
	}
	uart_update(u);     // IER may have enabled or disabled a source
	return MMIO_OK;
}

void uart_init(struct uart16550 *u, ulong base)
{
	memset(u, 0, sizeof(*u));
	u->rx = -1;
	u->iir = UART_IIR_NO_INT;
	u->putc = console_putc;
	u->getc = console_getc;
	u->dev = (struct mmio_device){ "uart16550", base, UART_VIRT_SIZE, uart_read, uart_write,
				       u };
}
