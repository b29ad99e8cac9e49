// Lab 10, part 3: the emulated PLIC (read common/include/plic.h first: the
// register map and the rules of the PLIC spec v1.0.0).
//
// Keep it "state plus one recompute function" (as kvmtool's and Bao's
// PLICs do): struct plic holds everything (plic.h), and every change (a
// source's line, a priority, an enable, a threshold, a claim, a completion)
// ends in one function of yours that recomputes each context's line and
// calls p->set_line(p, context, level) only for the contexts whose level
// changed (remember it in p->line[]).
//
// Check yourself: make grade LAB=10 (tests plic, interrupts, linux).
#include "hyp.h"
#include "plic.h"

static int plic_read(struct mmio_device *dev, ulong offset, u8 width, ulong *value)
{
	// TODO(lab 10): one register read (p = dev->priv; plic.h has the map).
	//  - only 4-byte accesses (anything else MMIO_ERR); a context number
	//    at or past p->ncontexts is MMIO_ERR; other offsets with no
	//    register read 0;
	//  - priority of source s, the pending word (bit s = source s), the
	//    enable word and the threshold of context c: what is stored;
	//  - the claim register of context c: the pending source enabled for
	//    c with the highest priority above c's threshold (equal: the
	//    lowest id), or 0. It leaves pending and is in service (claimed)
	//    until completed; then recompute the lines (the claiming vCPU's
	//    interrupt must go away).
	UNUSED(dev);
	UNUSED(offset);
	UNUSED(width);
	UNUSED(value);
	return MMIO_ERR;
}

static int plic_write(struct mmio_device *dev, ulong offset, u8 width, ulong value)
{
	// TODO(lab 10): one register write, same rules for width and contexts.
	//  - priorities and thresholds keep PLIC_PRIORITY_MAX's bits; enable
	//    bit 0 never sticks (there is no source 0); the pending word is
	//    read-only;
	//  - the claim register of context c: a write of source id s completes
	//    s (ignored if s is not enabled for c): it leaves service, and if
	//    its line is still high it is pending again (level-triggered);
	//  - then recompute the lines.
	UNUSED(dev);
	UNUSED(offset);
	UNUSED(width);
	UNUSED(value);
	return MMIO_ERR;
}

void plic_init(struct plic *p, ulong base, int ncontexts, plic_line_fn *set_line, void *priv)
{
	// TODO(lab 10): everything zero, then ncontexts (at most
	// PLIC_MAX_CONTEXTS), set_line, priv, and
	// p->dev = { "plic", base, PLIC_VIRT_SIZE, plic_read, plic_write, p }.
	UNUSED(p);
	UNUSED(base);
	UNUSED(ncontexts);
	UNUSED(set_line);
	UNUSED(priv);
	UNUSED(plic_read);
	UNUSED(plic_write);
}

void plic_set_irq(struct plic *p, int source, int level)
{
	// TODO(lab 10): a device's line (source 1..PLIC_NSOURCES-1; ignore any
	// other number) is now `level`. The gateway: a high line makes the
	// source pending unless it is in service; a line that drops takes
	// back a request nobody claimed yet. Then recompute the lines.
	UNUSED(p);
	UNUSED(source);
	UNUSED(level);
}
