// plic_test.c: scenario "plic": your plic.c driven through its registers
// (the mmio_device callbacks a guest's loads and stores reach) and its
// source lines, with a recorder in place of the vCPUs. No guest runs.
//
// Every step checks the whole picture: what the registers say, and which
// context lines set_line() raised or dropped (each change exactly once).
#include "hyp.h"
#include "lab10.h"

#define NCTX       4                 // two harts: contexts 0 (M), 1 (S), 2 (M), 3 (S)
#define SRC_A      (3 + seed % 5)    // three sources, seeded, all different
#define SRC_B      (9 + seed % 7)
#define SRC_C      (20 + seed % 9)

static struct plic plic;
static ulong seed;
static int line[NCTX], calls;        // the recorder: each context's level, set_line calls
static int bad_call;                 // set_line with a level that did not change, or out of range

static void record(struct plic *p, int context, int level)
{
	calls++;
	if (p != &plic || context < 0 || context >= NCTX || line[context] == (level != 0))
		bad_call = 1;
	else
		line[context] = level != 0;
}

static u32 rd(ulong off)
{
	ulong v = 0xdeadbeef;
	if (plic.dev.read(&plic.dev, off, 4, &v) != MMIO_OK)
		return 0xdeadbeef;
	return (u32)v;
}

static void wr(ulong off, u32 v)
{
	plic.dev.write(&plic.dev, off, 4, v);
}

#define PRIO(s)   (PLIC_PRIORITY_BASE + 4UL * (s))
#define EN(c)     (PLIC_ENABLE_BASE + PLIC_ENABLE_STRIDE * (c))
#define THR(c)    (PLIC_CONTEXT_BASE + PLIC_CONTEXT_STRIDE * (c) + PLIC_THRESHOLD)
#define CLAIM(c)  (PLIC_CONTEXT_BASE + PLIC_CONTEXT_STRIDE * (c) + PLIC_CLAIM)

static u32 bit(ulong s)
{
	return 1U << s;
}

static int lines_are(int l0, int l1, int l2, int l3)
{
	return line[0] == l0 && line[1] == l1 && line[2] == l2 && line[3] == l3 && !bad_call;
}

static void fresh(void)
{
	memset(line, 0, sizeof(line));
	calls = bad_call = 0;
	plic_init(&plic, PLIC_VIRT_BASE, NCTX, record, &plic);
}

// ---- registers ------------------------------------------------------------------
static void test_registers(void)
{
	fresh();
	struct mmio_device *d = &plic.dev;
	int dev_ok = d->base == PLIC_VIRT_BASE && d->size == PLIC_VIRT_SIZE && d->read &&
		     d->write && d->priv == &plic;
	int quiet = dev_ok && rd(PLIC_PENDING_BASE) == 0 && rd(CLAIM(1)) == 0 && calls == 0;
	if (!dev_ok) {
		check("plic_registers", 0, "plic_init: dev must be { base 0x%lx, size 0x%lx, read, "
		      "write, priv = p }; got base 0x%lx size 0x%lx priv %s", PLIC_VIRT_BASE,
		      PLIC_VIRT_SIZE, d->base, d->size, d->priv == &plic ? "p" : "wrong");
		return;
	}
	wr(PRIO(SRC_A), 5);
	wr(PRIO(SRC_B), 0xffffffff);            // 3 priority bits on virt: reads 7
	wr(THR(3), 2);
	wr(EN(1), bit(SRC_A) | 1);              // bit 0: source 0 does not exist
	ulong v = 0;
	int narrow = d->read(d, PRIO(SRC_A), 1, &v) == MMIO_ERR &&
		     d->write(d, THR(1), 2, 1) == MMIO_ERR;
	int beyond = d->read(d, THR(NCTX), 4, &v) == MMIO_ERR &&
		     d->write(d, EN(NCTX), 4, 1) == MMIO_ERR;
	int ok = quiet && rd(PRIO(SRC_A)) == 5 && rd(PRIO(SRC_B)) == PLIC_PRIORITY_MAX &&
		 rd(THR(3)) == 2 && rd(EN(1)) == bit(SRC_A) && narrow && beyond &&
		 lines_are(0, 0, 0, 0);
	check("plic_registers", ok,
	      "%s; priority of %lu after 5: %u, of %lu after ~0: %u (want %d); threshold %u; "
	      "enable 0x%x (want 0x%x: source 0 never); 1- and 2-byte accesses %s; contexts past "
	      "ncontexts %s", quiet ? "all quiet after init" : "not quiet after init (pending, "
	      "claim or a line)", SRC_A, rd(PRIO(SRC_A)), SRC_B, rd(PRIO(SRC_B)), PLIC_PRIORITY_MAX,
	      rd(THR(3)), rd(EN(1)), bit(SRC_A), narrow ? "refused" : "NOT refused",
	      beyond ? "refused" : "NOT refused");
}

// ---- gateways: a source's line and its pending bit ---------------------------------
static void test_pending(void)
{
	fresh();
	wr(PRIO(SRC_A), 1);
	plic_set_irq(&plic, SRC_A, 1);
	int up = rd(PLIC_PENDING_BASE) == bit(SRC_A) && lines_are(0, 0, 0, 0);
	plic_set_irq(&plic, SRC_A, 1);                    // raised twice: one request
	wr(EN(1), bit(SRC_A));
	int one = lines_are(0, 1, 0, 0) && calls == 1;
	plic_set_irq(&plic, SRC_A, 0);                    // dropped before anyone claimed it
	int down = rd(PLIC_PENDING_BASE) == 0 && lines_are(0, 0, 0, 0) && calls == 2;
	plic_set_irq(&plic, 0, 1);                        // no source 0
	plic_set_irq(&plic, PLIC_NSOURCES, 1);            // nor past the last
	int none = rd(PLIC_PENDING_BASE) == 0 && lines_are(0, 0, 0, 0);
	check("plic_pending", up && one && down && none,
	      "source %lu raised: pending %s; enabled for context 1: its line %s; dropped before "
	      "a claim: %s; sources 0 and %d: %s; set_line called %d times%s", SRC_A,
	      up ? "set" : "NOT set", one ? "up once" : "wrong", down ? "request taken back" :
	      "still pending or line up", PLIC_NSOURCES, none ? "ignored" : "NOT ignored", calls,
	      bad_call ? ", once with an unchanged level or a bad context" : "");
}

// ---- which context sees what ---------------------------------------------------------
static void test_route(void)
{
	fresh();
	wr(PRIO(SRC_A), 3);
	wr(PRIO(SRC_B), 0);                               // priority 0: never interrupts
	wr(EN(1), bit(SRC_A));
	wr(EN(3), bit(SRC_B));
	plic_set_irq(&plic, SRC_A, 1);
	plic_set_irq(&plic, SRC_B, 1);
	int only1 = lines_are(0, 1, 0, 0);
	wr(EN(3), bit(SRC_A) | bit(SRC_B));
	int both = lines_are(0, 1, 0, 1);
	wr(THR(3), 3);                                    // not above the threshold
	int masked = lines_are(0, 1, 0, 0);
	wr(THR(3), 2);
	int unmasked = lines_are(0, 1, 0, 1);
	wr(EN(1), 0);
	int off = lines_are(0, 0, 0, 1);
	check("plic_route", only1 && both && masked && unmasked && off,
	      "source %lu (prio 3) enabled for context 1 only, source %lu prio 0 for context 3: "
	      "%s; both for context 3: %s; threshold 3 hides prio 3: %s; threshold 2: %s; "
	      "context 1 disabled: %s", SRC_A, SRC_B, only1 ? "right" : "wrong lines",
	      both ? "right" : "wrong", masked ? "yes" : "no", unmasked ? "back" : "not back",
	      off ? "its line drops" : "wrong");
}

// ---- claim ---------------------------------------------------------------------------
static void test_claim(void)
{
	fresh();
	wr(PRIO(SRC_A), 2);
	wr(PRIO(SRC_B), 6);
	wr(PRIO(SRC_C), 6);                               // tie with B: the lower id wins
	wr(EN(1), bit(SRC_A) | bit(SRC_B) | bit(SRC_C));
	plic_set_irq(&plic, SRC_A, 1);
	plic_set_irq(&plic, SRC_B, 1);
	plic_set_irq(&plic, SRC_C, 1);
	u32 first = rd(CLAIM(1)), second = rd(CLAIM(1)), third = rd(CLAIM(1)), fourth = rd(CLAIM(1));
	int order = first == SRC_B && second == SRC_C && third == SRC_A && fourth == 0;
	// In service: lines still high, but no request until completed, and the
	// context's line dropped as its last request was claimed.
	int held = rd(PLIC_PENDING_BASE) == 0 && lines_are(0, 0, 0, 0);
	check("plic_claim", order && held,
	      "priorities %lu:2 %lu:6 %lu:6 all pending: claims gave %u, %u, %u, then %u (want "
	      "%lu, %lu, %lu, 0: highest priority, ties to the lowest id); afterwards %s", SRC_A,
	      SRC_B, SRC_C, first, second, third, fourth, SRC_B, SRC_C, SRC_A,
	      held ? "nothing pending and the line down" :
	      "still pending or the line still up (a claimed source is in service)");
}

// ---- complete ------------------------------------------------------------------------
static void test_complete(void)
{
	fresh();
	wr(PRIO(SRC_A), 1);
	wr(EN(1), bit(SRC_A));
	plic_set_irq(&plic, SRC_A, 1);
	u32 id = rd(CLAIM(1));
	wr(CLAIM(3), id);                                 // context 3 does not enable it: ignored
	int ignored = rd(PLIC_PENDING_BASE) == 0 && lines_are(0, 0, 0, 0);
	wr(CLAIM(1), id);                                 // the line is still high: again
	int again = id == SRC_A && rd(PLIC_PENDING_BASE) == bit(SRC_A) && lines_are(0, 1, 0, 0);
	u32 id2 = rd(CLAIM(1));
	plic_set_irq(&plic, SRC_A, 0);                    // the device is served
	wr(CLAIM(1), id2);
	int quiet = id2 == SRC_A && rd(PLIC_PENDING_BASE) == 0 && lines_are(0, 0, 0, 0);
	check("plic_complete", ignored && again && quiet,
	      "complete from a context that does not enable the source: %s; complete with the "
	      "line still high: %s; complete after the line dropped: %s", ignored ? "ignored" :
	      "NOT ignored", again ? "pending again, line up" : "wrong", quiet ? "quiet" : "wrong");
}

int plic_test(void)
{
	static const char *const rest[] = { "plic_pending", "plic_route", "plic_claim",
					     "plic_complete" };
	seed = run_seed();
	fact("plic_sources", "%lu %lu %lu", SRC_A, SRC_B, SRC_C);
	test_registers();
	if (!plic.dev.read || !plic.dev.write) {
		for (ulong i = 0; i < ARRAY_SIZE(rest); i++)
			check(rest[i], 0, "plic_init() gave the device no read/write callbacks");
		return 0;
	}
	test_pending();
	test_route();
	test_claim();
	test_complete();
	return 0;
}
