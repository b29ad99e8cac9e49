// plic.c: the emulated PLIC (plic.h; reference solution).
//
// State plus one recompute function: every register write and every
// change of a source's line ends in plic_update(), which recomputes each
// context's output and calls set_line() only where it changed. Each part
// follows the PLIC spec v1.0.0: per-context enables and thresholds, pending
// bits fed by level-triggered gateways, claim/complete with "in service"
// sources, priority 0 that never interrupts.
#include "hyp.h"
#include "plic.h"

#define SOURCE_MASK  (~1U)          // sources 1..31: bit 0 (source 0) never exists

static int context_ok(const struct plic *p, ulong c)
{
	return c < (ulong)p->ncontexts;
}

// Is this context's line high: a source pending, enabled for it, and with
// a priority above its threshold (priority 0 is never above one)?
static int context_level(const struct plic *p, int c)
{
	u32 ready = p->pending & p->enable[c];
	for (int s = 1; s < PLIC_NSOURCES; s++)
		if ((ready & (1U << s)) && p->priority[s] > p->threshold[c])
			return 1;
	return 0;
}

static void plic_update(struct plic *p)
{
	for (int c = 0; c < p->ncontexts; c++) {
		u8 level = (u8)context_level(p, c);
		if (level != p->line[c]) {
			p->line[c] = level;
			p->set_line(p, c, level);
		}
	}
}

// The gateway of a level-triggered source: a request while the line is
// high and the source is not in service; a line that drops takes back a
// request nobody claimed yet (as QEMU's PLIC does).
static void gateway(struct plic *p, int s)
{
	u32 bit = 1U << s;
	if ((p->level & bit) && !(p->claimed & bit))
		p->pending |= bit;
	else if (!(p->level & bit))
		p->pending &= ~bit;
}

void plic_set_irq(struct plic *p, int source, int level)
{
	if (source < 1 || source >= PLIC_NSOURCES)
		return;
	if (level)
		p->level |= 1U << source;
	else
		p->level &= ~(1U << source);
	gateway(p, source);
	plic_update(p);
}

// Claim (PLIC spec, "Interrupt Claim Process"): the best pending source for
// this context, or 0; it leaves pending and is in service until completed.
static u32 plic_claim(struct plic *p, int c)
{
	int best = 0;
	for (int s = 1; s < PLIC_NSOURCES; s++) {
		u32 bit = 1U << s;
		if ((p->pending & p->enable[c] & bit) && p->priority[s] > p->threshold[c] &&
		    (!best || p->priority[s] > p->priority[best]))
			best = s;
	}
	if (best) {
		p->pending &= ~(1U << best);
		p->claimed |= 1U << best;
		plic_update(p);
	}
	return (u32)best;
}

// Complete ("Interrupt Completion"): ignored for a source not enabled for
// this context; otherwise the source leaves service and its gateway looks
// at the line again.
static void plic_complete(struct plic *p, int c, u32 s)
{
	if (s < 1 || s >= PLIC_NSOURCES || !(p->enable[c] & (1U << s)))
		return;
	p->claimed &= ~(1U << s);
	gateway(p, (int)s);
	plic_update(p);
}

// Which register an offset names (plic.h's map): its kind and the source
// or context it belongs to. Offsets with no register read as 0 and ignore
// writes (the spec's reserved space); a context the PLIC does not have is
// refused.
enum plic_reg { PLIC_REG_NONE, PLIC_REG_PRIORITY, PLIC_REG_PENDING, PLIC_REG_ENABLE,
		PLIC_REG_THRESHOLD, PLIC_REG_CLAIM, PLIC_REG_BAD };

static enum plic_reg plic_decode(const struct plic *p, ulong off, ulong *index)
{
	ulong c;
	if (off < PLIC_PENDING_BASE) {
		*index = off / 4;
		return *index >= 1 && *index < PLIC_NSOURCES ? PLIC_REG_PRIORITY : PLIC_REG_NONE;
	}
	if (off < PLIC_ENABLE_BASE)
		return off == PLIC_PENDING_BASE ? PLIC_REG_PENDING : PLIC_REG_NONE;
	if (off < PLIC_CONTEXT_BASE) {
		c = (off - PLIC_ENABLE_BASE) / PLIC_ENABLE_STRIDE;
		*index = c;
		if (!context_ok(p, c))
			return PLIC_REG_BAD;
		return (off - PLIC_ENABLE_BASE) % PLIC_ENABLE_STRIDE == 0 ? PLIC_REG_ENABLE
									   : PLIC_REG_NONE;
	}
	c = (off - PLIC_CONTEXT_BASE) / PLIC_CONTEXT_STRIDE;
	*index = c;
	if (!context_ok(p, c))
		return PLIC_REG_BAD;
	switch ((off - PLIC_CONTEXT_BASE) % PLIC_CONTEXT_STRIDE) {
	case PLIC_THRESHOLD: return PLIC_REG_THRESHOLD;
	case PLIC_CLAIM:     return PLIC_REG_CLAIM;
	default:             return PLIC_REG_NONE;
	}
}

static int plic_read(struct mmio_device *dev, ulong off, u8 width, ulong *value)
{
	struct plic *p = dev->priv;
	ulong i = 0;
	if (width != 4)
		return MMIO_ERR;
	*value = 0;
	switch (plic_decode(p, off, &i)) {
	case PLIC_REG_PRIORITY:  *value = p->priority[i]; break;
	case PLIC_REG_PENDING:   *value = p->pending; break;
	case PLIC_REG_ENABLE:    *value = p->enable[i]; break;
	case PLIC_REG_THRESHOLD: *value = p->threshold[i]; break;
	case PLIC_REG_CLAIM:     *value = plic_claim(p, (int)i); break;
	case PLIC_REG_BAD:       return MMIO_ERR;
	case PLIC_REG_NONE:      break;
	}
	return MMIO_OK;
}

static int plic_write(struct mmio_device *dev, ulong off, u8 width, ulong value)
{
	struct plic *p = dev->priv;
	u32 v = (u32)value;
	ulong i = 0;
	if (width != 4)
		return MMIO_ERR;
	switch (plic_decode(p, off, &i)) {
	case PLIC_REG_PRIORITY:  p->priority[i] = v & PLIC_PRIORITY_MAX; break;
	case PLIC_REG_ENABLE:    p->enable[i] = v & SOURCE_MASK; break;
	case PLIC_REG_THRESHOLD: p->threshold[i] = v & PLIC_PRIORITY_MAX; break;
	case PLIC_REG_CLAIM:     plic_complete(p, (int)i, v); break;   // a write completes
	case PLIC_REG_BAD:       return MMIO_ERR;
	case PLIC_REG_PENDING:                       // read-only
	case PLIC_REG_NONE:      return MMIO_OK;
	}
	plic_update(p);
	return MMIO_OK;
}

void plic_init(struct plic *p, ulong base, int ncontexts, plic_line_fn *set_line, void *priv)
{
	memset(p, 0, sizeof(*p));
	p->ncontexts = ncontexts < PLIC_MAX_CONTEXTS ? ncontexts : PLIC_MAX_CONTEXTS;
	p->set_line = set_line;
	p->priv = priv;
	p->dev = (struct mmio_device){ "plic", base, PLIC_VIRT_SIZE, plic_read, plic_write, p };
}
