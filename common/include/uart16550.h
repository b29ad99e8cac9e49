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
// THR goes out on the hypervisor's console at once, so LSR always reports
// THRE | TEMT; RBR gives the bytes of the hypervisor's console input, and
// LSR.DR says one is waiting. No FIFO depth, no modem lines. Registers are
// one byte wide (reg-io-width 1): an access of any other width, or at an
// offset of 8 or more, is refused (MMIO_ERR), which the guest sees as an
// access fault.
//
// Enough for a polled driver (U-Boot's ns16550, the guest's own putc/getc)
// and for an interrupt-driven one (Linux's 8250). Interrupts (PC16550D
// data sheet, "Interrupt Identification Register"; the recompute-after-
// every-access design is kvmtool's 8250): IER enables two sources,
//
//   IER bit  source                     IIR while it is pending
//   RDI      received data: LSR.DR      0x04  (highest priority)
//   THRI     transmitter empty: always  0x02
//   (none)                              0x01  UART_IIR_NO_INT
//
// IIR names the highest-priority source that is both enabled and true;
// the UART's interrupt line is high exactly while IIR is not NO_INT. After
// every register access, and whenever input may have arrived, the state is
// recomputed (uart_update) and the line is driven through u->irq(), only
// when its level changes. It is a level: a guest that leaves bytes unread,
// or THRI enabled, keeps it high.
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
#define UART_IIR_THRI     0x02   // transmitter holding register empty
#define UART_IIR_RDI      0x04   // received data available
#define UART_IIR_ID_MASK  0x0f   // the source bits (without the FIFO bits)
#define UART_IER_RDI      0x01   // enable the received-data interrupt
#define UART_IER_THRI     0x02   // enable the transmitter-empty interrupt
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
	u8  iir;                 // the source IIR reports (UART_IIR_*), as last recomputed
	u8  line;                // the interrupt line's level as last driven (0, 1)
	int rx;                  // the byte waiting in RBR, or -1
	void (*putc)(char c);    // where THR bytes go (uart_init: the console)
	int  (*getc)(void);      // where RBR bytes come from, -1 = none yet
	                         // (uart_init: console_getc)
	// The interrupt line (lab 10: PLIC source 10), called with the new
	// level when it changes; NULL: not wired (uart_init).
	void (*irq)(struct uart16550 *u, int level);
	void *irq_priv;          // for irq(): the owner's (lab 10: the VM)
};

// Lab 9 (uart16550.c): reset state (LSR: THRE | TEMT, nothing received,
// IIR = NO_INT, line low, no irq), dev = { "uart16550", base,
// UART_VIRT_SIZE, the UART's read/write, u }. Register &u->dev on the bus
// afterwards.
void uart_init(struct uart16550 *u, ulong base);
// Lab 9: recompute IIR from IER and the state (asking u->getc() when RBR
// is empty: input may have arrived), and drive the line through u->irq()
// if its level changed. The UART calls it after every register access;
// the VMM calls it when the host's console says input arrived.
void uart_update(struct uart16550 *u);

#endif
