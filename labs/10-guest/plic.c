// Lab 10, part 3: the emulated PLIC (read common/include/plic.h first: the
// register map and the rules of the PLIC spec v1.0.0).
//
// Check yourself: make grade LAB=10 (test plic).
#include "hyp.h"
#include "plic.h"

void plic_init(struct plic *p, ulong base, int ncontexts, plic_line_fn *set_line, void *priv)
{
	// TODO(lab 10): everything zero, then ncontexts, set_line, priv, and
	// p->dev = { "plic", base, PLIC_VIRT_SIZE, your read and write, p }.
	UNUSED(p);
	UNUSED(base);
	UNUSED(ncontexts);
	UNUSED(set_line);
	UNUSED(priv);
}

void plic_set_irq(struct plic *p, int source, int level)
{
	// TODO(lab 10): a device's line (source 1..31) is now `level`.
	UNUSED(p);
	UNUSED(source);
	UNUSED(level);
}
