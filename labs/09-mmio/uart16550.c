// Lab 9, part 3: an emulated 16550 UART (read common/include/uart16550.h
// first: it has the register map and the bits).
//
// The device behind the guest's console. A guest's polled driver does:
//     init:  IER = 0; LCR = DLAB; DLL, DLM = divisor; LCR = 8N1; FCR; MCR
//     putc:  wait until LSR.THRE, then THR = c
//     getc:  wait until LSR.DR, then c = RBR
// The hypervisor's console is the wire: THR bytes go to u->putc() at once
// (so the transmitter is always empty), and RBR bytes come from u->getc()
// (-1 while nothing has been typed). Lab 10 boots U-Boot on this UART.
//
// An interrupt-driven driver (Linux's 8250, lab 10) also enables IER's
// sources and waits for the UART's interrupt line: uart_update() drives it.
//
// Check yourself: make grade LAB=9 (tests uart_out, uart_in, uart_irq).
#include "hyp.h"
#include "mmio.h"
#include "uart16550.h"

void uart_update(struct uart16550 *u)
{
	// TODO(lab 9): the UART's interrupt (uart16550.h has the table).
	//  - IIR: UART_IIR_RDI when IER.RDI is set and a byte is waiting (ask
	//    u->getc() if u->rx is empty, as LSR does), else UART_IIR_THRI
	//    when IER.THRI is set (the transmitter is always empty), else
	//    UART_IIR_NO_INT. Keep it in u->iir: reads of IIR report it.
	//  - The line is high while IIR is not NO_INT. Call u->irq(u, level)
	//    (if u->irq is set) only when the level changes, and remember it
	//    in u->line: a line that is raised twice is one interrupt.
	// Call this at the end of every register read and write below.
	UNUSED(u);
}

static int uart_read(struct mmio_device *dev, ulong offset, u8 width, ulong *value)
{
	// TODO(lab 9): one register read. u = dev->priv.
	//  - Only byte accesses to offsets 0..7 exist (reg-io-width 1):
	//    anything else is MMIO_ERR.
	//  - With LCR.DLAB set, offsets 0 and 1 are DLL and DLM; otherwise
	//    0 is RBR (the waiting byte; reading it empties RBR) and 1 is IER.
	//  - IIR: the source uart_update() found (u->iir), and bits 7:6
	//    report the FIFOs as enabled once FCR bit 0 was written 1.
	//  - LSR: THRE and TEMT always; DR when a byte is waiting. To know,
	//    ask u->getc() once when u->rx is empty and keep what it gives
	//    in u->rx until RBR is read: a byte must never be lost between
	//    the LSR read that saw it and the RBR read that takes it.
	//  - LCR, MCR, SCR read back what was written; MSR reads 0.
	UNUSED(dev);
	UNUSED(offset);
	UNUSED(width);
	UNUSED(value);
	return MMIO_ERR;
}

static int uart_write(struct mmio_device *dev, ulong offset, u8 width, ulong value)
{
	// TODO(lab 9): one register write, same width/offset rule as reads.
	//  - Offset 0: DLL with DLAB set, else THR: send the byte with
	//    u->putc(). Offset 1: DLM with DLAB, else IER (keep its 4 bits).
	//  - FCR: remember only the enable bit (the clear bits clear
	//    themselves); LCR, MCR, SCR: store; LSR, MSR: ignore.
	UNUSED(dev);
	UNUSED(offset);
	UNUSED(width);
	UNUSED(value);
	return MMIO_ERR;
}

static void console_putc(char c)
{
	console_write(&c, 1);
}

void uart_init(struct uart16550 *u, ulong base)
{
	memset(u, 0, sizeof(*u));
	u->rx = -1;                      // nothing received yet
	u->iir = UART_IIR_NO_INT;        // no interrupt, line low, not wired
	u->putc = console_putc;
	u->getc = console_getc;
	u->dev = (struct mmio_device){ "uart16550", base, UART_VIRT_SIZE, uart_read, uart_write,
				       u };
}
