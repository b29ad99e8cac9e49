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
// Check yourself: make grade LAB=9 (tests uart_out, uart_in).
#include "hyp.h"
#include "mmio.h"
#include "uart16550.h"

static int uart_read(struct mmio_device *dev, ulong offset, u8 width, ulong *value)
{
	// TODO(lab 9): one register read. u = dev->priv.
	//  - Only byte accesses to offsets 0..7 exist (reg-io-width 1):
	//    anything else is MMIO_ERR.
	//  - With LCR.DLAB set, offsets 0 and 1 are DLL and DLM; otherwise
	//    0 is RBR (the waiting byte; reading it empties RBR) and 1 is IER.
	//  - IIR: no interrupt is ever pending (UART_IIR_NO_INT), and bits 7:6
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
	u->putc = console_putc;
	u->getc = console_getc;
	u->dev = (struct mmio_device){ "uart16550", base, UART_VIRT_SIZE, uart_read, uart_write,
				       u };
}
