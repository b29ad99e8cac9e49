// plic.h: an emulated PLIC for guests (lab 10): the interrupt controller of
// QEMU's virt machine, as Linux's "sifive,plic-1.0.0" / "riscv,plic0"
// driver expects it (RISC-V Platform-Level Interrupt Controller
// Specification v1.0.0, "PLIC spec" below).
//
// Devices raise numbered interrupt SOURCES (the UART is source 10 on virt);
// harts receive them through CONTEXTS. On virt every hart has two: context
// 2i is hart i's M-mode, 2i+1 its S-mode. A guest's vCPU i is "hart i in
// S-mode": context 2i+1 is delivered to it as its external interrupt
// (hvip.VSEIP, Priv. 8.2.3); the M-mode contexts exist in the register map
// but are never delivered (the guest's device tree masks them out).
//
//   source s --level--> gateway --pending[s]--> for each context c:
//                                                 enabled[c][s] and
//                                                 priority[s] > threshold[c]
//                                               -> line of context c
//
// The register map (PLIC spec, "Memory Map"; all registers 32 bits wide,
// only 32-bit accesses):
//
//   0x000000 + 4*s        priority of source s (0 = never interrupts)
//   0x001000              pending bits, source s = bit s of word s/32
//   0x002000 + 0x80*c     enable bits of context c, as the pending bits
//   0x200000 + 0x1000*c   priority threshold of context c
//   0x200004 + 0x1000*c   claim (read) / complete (write) of context c
//
// Semantics (PLIC spec, "Interrupt Gateways", "Interrupt Claim Process",
// "Interrupt Completion"), level-triggered as on virt:
//  - a gateway forwards its source's request (pending = 1) while the line
//    is high and the source is not in service (claimed, not completed);
//  - a context's line is high while some source is pending, enabled for it
//    and has a priority above its threshold; priority 0 never interrupts;
//  - claim returns the pending, enabled source of highest priority above
//    the threshold (ties: the lowest id), or 0; it clears that pending bit
//    and puts the source in service;
//  - complete(s) ends the service (if s is enabled for that context) and
//    the gateway looks at the line again: a device that still holds its
//    line high (a UART with bytes left) is pending again at once.
// After every change, each context's line is recomputed, and set_line()
// is called for the contexts whose line changed, and only for those.
#ifndef PLIC_H
#define PLIC_H

#include "types.h"
#include "mmio.h"

#define PLIC_VIRT_BASE      0x0c000000UL   // QEMU virt's PLIC
#define PLIC_VIRT_SIZE      0x00600000UL
#define PLIC_NSOURCES       32             // sources 1..31; 0 means "none"
#define PLIC_NDEV           (PLIC_NSOURCES - 1)   // the tree's riscv,ndev
#define PLIC_MAX_CONTEXTS   16             // 8 harts x (M, S)
#define PLIC_PRIORITY_MAX   7              // QEMU virt's priorities: 3 bits

#define PLIC_PRIORITY_BASE  0x000000UL
#define PLIC_PENDING_BASE   0x001000UL
#define PLIC_ENABLE_BASE    0x002000UL
#define PLIC_ENABLE_STRIDE  0x80UL
#define PLIC_CONTEXT_BASE   0x200000UL
#define PLIC_CONTEXT_STRIDE 0x1000UL
#define PLIC_THRESHOLD      0x0UL          // in a context's block
#define PLIC_CLAIM          0x4UL

// Context numbers on virt (vCPU i is hart i to the guest).
#define PLIC_CONTEXT_M(i)   (2 * (i))
#define PLIC_CONTEXT_S(i)   (2 * (i) + 1)

#define UART_VIRT_IRQ       10             // virt's UART0 is source 10

struct plic;
// A context's output changed to level (0 or 1).
typedef void plic_line_fn(struct plic *p, int context, int level);

struct plic {
	struct mmio_device dev;        // on the VM's bus; dev.priv = this
	int   ncontexts;               // 2 per vCPU
	u32   priority[PLIC_NSOURCES];
	u32   level;                   // bit s: source s's line is high
	u32   pending;                 // bit s: forwarded, not yet claimed
	u32   claimed;                 // bit s: claimed, not yet completed
	u32   enable[PLIC_MAX_CONTEXTS];
	u32   threshold[PLIC_MAX_CONTEXTS];
	u8    line[PLIC_MAX_CONTEXTS]; // each context's output as last sent
	plic_line_fn *set_line;        // where a context's output goes
	void *priv;                    // the owner's (the VM)
};

// Lab 10 (plic.c): everything 0 (no source pending or enabled, lines low),
// ncontexts contexts (at most PLIC_MAX_CONTEXTS), dev = { "plic", base,
// PLIC_VIRT_SIZE, the PLIC's read/write, p }, the line callback.
void plic_init(struct plic *p, ulong base, int ncontexts, plic_line_fn *set_line, void *priv);
// Lab 10: source `source` (1..PLIC_NSOURCES-1) drives its line to level.
void plic_set_irq(struct plic *p, int source, int level);

#endif
