// uart16550.h: an emulated 16550 UART for guests (lab 9 on).
//
// The register map of the National Semiconductor PC16550D, as the QEMU virt
// machine places it (device tree: compatible "ns16550a", reg-shift 0,
// reg-io-width 1): eight byte-wide registers at consecutive addresses.
// Offsets 0 and 1 mean two different things depending on LCR.DLAB:
//
//   offset  DLAB=0 read   DLAB=0 write   DLAB=1
//   0       RBR           THR            DLL  divisor latch, low byte
//   1       IER           IER            DLM  divisor latch, high byte
//   2       IIR (read)    FCR (write)
//   3       LCR           LCR
//   4       MCR           MCR
//   5       LSR           (ignored)
//   6       MSR           (ignored)
//   7       SCR           SCR            scratch: a byte of storage
//
// Enough for a polled driver (U-Boot's ns16550, the guest's own putc/getc):
// THR goes out on the hypervisor's console at once, so LSR always reports
// THRE | TEMT; RBR gives the bytes of the hypervisor's console input, and
// LSR.DR says one is waiting. No interrupts, no FIFO depth, no modem lines.
// Registers are one byte wide (reg-io-width 1): an access of any other
// width, or at an offset of 8 or more, is refused (MMIO_ERR), which the
// guest sees as an access fault.
#ifndef UART16550_H
#define UART16550_H

#include "types.h"
#include "mmio.h"

// Register offsets (reg-shift 0).
#define UART_RBR  0     // receive buffer (read, DLAB = 0)
#define UART_THR  0     // transmit holding (write, DLAB = 0)
#define UART_DLL  0     // divisor latch low (DLAB = 1)
#define UART_IER  1     // interrupt enable (DLAB = 0)
#define UART_DLM  1     // divisor latch high (DLAB = 1)
#define UART_IIR  2     // interrupt identification (read)
#define UART_FCR  2     // FIFO control (write)
#define UART_LCR  3     // line control
#define UART_MCR  4     // modem control
#define UART_LSR  5     // line status
#define UART_MSR  6     // modem status
#define UART_SCR  7     // scratch
#define UART_NREGS 8

// Bits.
#define UART_LCR_WLEN8    0x03   // 8 data bits
#define UART_LCR_DLAB     0x80   // offsets 0/1 reach the divisor latch
#define UART_LSR_DR       0x01   // data ready: RBR holds a byte
#define UART_LSR_THRE     0x20   // THR empty: a byte may be written
#define UART_LSR_TEMT     0x40   // transmitter empty (THR and shift register)
#define UART_IIR_NO_INT   0x01   // no interrupt pending
#define UART_IIR_FIFO     0xc0   // FIFOs enabled (FCR bit 0 set)
#define UART_FCR_ENABLE   0x01   // enable the FIFOs
#define UART_FCR_CLR_RX   0x02   // clear the receive FIFO (self-clearing)
#define UART_FCR_CLR_TX   0x04   // clear the transmit FIFO (self-clearing)
#define UART_MCR_DTR      0x01
#define UART_MCR_RTS      0x02
#define UART_MCR_OUT2     0x08
#define UART_IER_MASK     0x0f   // the four interrupt enables of a 16550

// The virt machine's UART window (guest-physical, same as on the host).
#define UART_VIRT_BASE    0x10000000UL
#define UART_VIRT_SIZE    0x100UL

struct uart16550 {
	struct mmio_device dev;  // registered on the VM's mmio_bus; dev.priv = this
	u8  ier, lcr, mcr, fcr, scr, dll, dlm;
	int rx;                  // the byte waiting in RBR, or -1
	void (*putc)(char c);    // where THR bytes go (uart_init: the console)
	int  (*getc)(void);      // where RBR bytes come from, -1 = none yet
	                         // (uart_init: console_getc)
};

// Lab 9 (uart16550.c): reset state (LSR: THRE | TEMT, nothing received),
// dev = { "uart16550", base, UART_VIRT_SIZE, the UART's read/write, u }.
// Register &u->dev on the bus afterwards.
void uart_init(struct uart16550 *u, ulong base);

#endif
