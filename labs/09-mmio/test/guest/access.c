// access.c: every load and store form against the test device.
//
// For each probe of probes.def the guest picks seeded registers of the test
// device (an even slot, whose bytes all have their top bit set, and an odd
// slot, whose bytes all have it clear) and every aligned offset in them,
// runs the probe, and checks from the inside:
//  - a load returned exactly what the device holds there, cut to the width
//    and sign- or zero-extended as the instruction says;
//  - the device saw exactly one access, of the right kind, width and offset
//    (asked through a hypercall, not through MMIO), and a store's data;
//  - execution resumed right after the access (else the probe never returns
//    to check anything).
#include "lab9guest.h"

enum { KIND_LOAD, KIND_STORE, KIND_CLOAD, KIND_CSTORE };

struct probe {
	const char *insn;
	long (*fn)(ulong base, ulong value);
	u8 kind, width, sign;
	long imm;
	const char *reg, *base;
};

#define PROBE(name, kind, insn, reg, base, imm, width, sign) long probe_##name(ulong, ulong);
#include "probes.def"
#undef PROBE

#define PROBE(name, kind, insn, reg, base, imm, width, sign) \
	{ #insn, probe_##name, KIND_##kind, width, sign, imm, #reg, #base },
static const struct probe probes[] = {
#include "probes.def"
};
#undef PROBE

typedef long every_fn(ulong base, ulong value);
extern every_fn *const probe_ld_every[31];
extern every_fn *const probe_sd_every[31];

#define WHY_MAX 150

// One group of accesses = one CHECK line, with the first failure.
struct group {
	char name[16];
	int tried, failed;
	char why[WHY_MAX];
};

static void group_start(struct group *g, const char *insn)
{
	memset(g, 0, sizeof(*g));
	for (int i = 0; insn[i] && i < (int)sizeof(g->name) - 1; i++)
		g->name[i] = insn[i] == '.' ? '_' : insn[i];
}

static void group_end(struct group *g)
{
	if (!g->tried)
		return;
	check(g->name, !g->failed, g->failed ? "%d of %d accesses wrong; first: %s" : NULL,
	      g->failed, g->tried, g->why);
}

static int is_load(const struct probe *p)
{
	return p->kind == KIND_LOAD || p->kind == KIND_CLOAD;
}

static int is_reg(const char *name, const char *want)
{
	return !strcmp(name, want);
}

// The device's own log of the access the probe just made.
static int device_saw(struct group *g, ulong before, int kind, ulong off, int width)
{
	ulong last = hcall(HC_LAST, 0);
	if (TD_LAST_COUNT(last) == before + 1 && TD_LAST_KIND(last) == (ulong)kind &&
	    TD_LAST_OFFSET(last) == off && TD_LAST_WIDTH(last) == (ulong)width)
		return 1;
	if (!g->failed++)
		snprintf(g->why, WHY_MAX, "expected one %s of width %d at offset 0x%lx; the device "
			 "saw %lu access(es), the last: kind %lu width %lu offset 0x%lx",
			 kind == TD_READ ? "read" : "write", width, off,
			 TD_LAST_COUNT(last) - before, TD_LAST_KIND(last), TD_LAST_WIDTH(last),
			 TD_LAST_OFFSET(last));
	return 0;
}

static void load_once(struct group *g, const struct probe *p, ulong off)
{
	ulong before = TD_LAST_COUNT(hcall(HC_LAST, 0));
	ulong raw = hcall(HC_PEEK, off) >> (8 * (off & 7));
	ulong want = is_reg(p->reg, "zero") ? 0 : extend(raw, p->width, p->sign);
	ulong got = p->fn(testdev_base + off - p->imm, 0);
	g->tried++;
	if (!device_saw(g, before, TD_READ, off, p->width))
		return;
	if (got != want && !g->failed++)
		snprintf(g->why, WHY_MAX, "%s %s, %ld(%s) at offset 0x%lx: %s = 0x%lx, "
			 "expected 0x%lx", p->insn, p->reg, p->imm, p->base, off, p->reg, got, want);
}

static void store_once(struct group *g, const struct probe *p, ulong off)
{
	ulong base = testdev_base + off - p->imm;
	ulong value = rand_next(&rng);
	ulong before = TD_LAST_COUNT(hcall(HC_LAST, 0));
	p->fn(base, value);
	if (is_reg(p->reg, p->base))
		value = base;                 // sd a0, 8(a0) stores the address
	if (is_reg(p->reg, "zero"))
		value = 0;
	ulong want = extend(value, p->width, 0);
	g->tried++;
	if (!device_saw(g, before, TD_WRITE, off, p->width))
		return;
	ulong data = hcall(HC_LAST_DATA, 0);
	ulong now = extend(hcall(HC_PEEK, off) >> (8 * (off & 7)), p->width, 0);
	if ((data != want || now != want) && !g->failed++)
		snprintf(g->why, WHY_MAX, "%s %s, %ld(%s) at offset 0x%lx with %s = 0x%lx: the "
			 "device got 0x%lx, expected 0x%lx", p->insn, p->reg, p->imm, p->base, off,
			 p->reg, value, data, want);
}

// An even and an odd register slot, every aligned offset in each.
static void run_probe(struct group *g, const struct probe *p)
{
	ulong slot = 2 * (rand_next(&rng) % (TESTDEV_SIZE / 16));
	for (ulong s = slot; s <= slot + 1; s++)
		for (ulong k = 0; k < 8; k += p->width) {
			if (is_load(p))
				load_once(g, p, 8 * s + k);
			else
				store_once(g, p, 8 * s + k);
		}
}

// Every probe whose instruction is insn and which the filter accepts.
typedef int filter_fn(const struct probe *p);

static void run_form(const char *insn, filter_fn *want)
{
	struct group g;
	group_start(&g, insn);
	for (u32 i = 0; i < ARRAY_SIZE(probes); i++)
		if (!strcmp(probes[i].insn, insn) && want(&probes[i]))
			run_probe(&g, &probes[i]);
	group_end(&g);
}

static int not_x0(const struct probe *p)
{
	return !is_reg(p->reg, "zero");
}

static int only_x0_loads(const struct probe *p)
{
	return is_reg(p->reg, "zero") && is_load(p);
}

static int only_x0_stores(const struct probe *p)
{
	return is_reg(p->reg, "zero") && !is_load(p);
}

// ld into every register, sd from every register (base x(32 - n)).
static void run_every(const char *name, every_fn *const *fns, int load)
{
	struct group g;
	group_start(&g, name);
	for (int n = 1; n <= 31; n++) {
		char reg[4], base[4];
		snprintf(reg, sizeof(reg), "x%d", n);
		snprintf(base, sizeof(base), "x%d", 32 - n);
		struct probe p = { load ? "ld" : "sd", fns[n - 1], load ? KIND_LOAD : KIND_STORE,
				   8, 0, 8, reg, base };
		ulong off = 8 * (rand_next(&rng) % (TESTDEV_SIZE / 8));
		if (load)
			load_once(&g, &p, off);
		else
			store_once(&g, &p, off);
	}
	group_end(&g);
}

static const char *const loads[] = { "lb", "lh", "lw", "ld", "lbu", "lhu", "lwu" };
static const char *const stores[] = { "sb", "sh", "sw", "sd" };
static const char *const cforms[] = { "c.lw", "c.ld", "c.sw", "c.sd" };
static const char *const spforms[] = { "c.lwsp", "c.ldsp", "c.swsp", "c.sdsp" };

static void run_forms(const char *const *forms, int n)
{
	for (int i = 0; i < n; i++)
		run_form(forms[i], not_x0);
}

// x0 as destination: the load happens (the device sees it) but x0 stays 0,
// also in the hypervisor's copy. x0 as source: the device gets 0.
static void run_x0(void)
{
	struct group g;
	group_start(&g, "x0_dest");
	for (u32 i = 0; i < ARRAY_SIZE(probes); i++)
		if (only_x0_loads(&probes[i]))
			run_probe(&g, &probes[i]);
	ulong gpr0 = hcall(HC_GPR0, 0);
	if (gpr0 && !g.failed++)
		snprintf(g.why, WHY_MAX, "the vCPU's gprs[0] is 0x%lx after loads into x0", gpr0);
	group_end(&g);
	group_start(&g, "x0_source");
	for (u32 i = 0; i < ARRAY_SIZE(probes); i++)
		if (only_x0_stores(&probes[i]))
			run_probe(&g, &probes[i]);
	group_end(&g);
}

void test_access(const char *test)
{
	if (!strcmp(test, "load")) {
		run_forms(loads, ARRAY_SIZE(loads));
		run_every("ld_every_rd", probe_ld_every, 1);
	} else if (!strcmp(test, "store")) {
		run_forms(stores, ARRAY_SIZE(stores));
		run_every("sd_every_rs2", probe_sd_every, 0);
	} else if (!strcmp(test, "compressed")) {
		run_forms(cforms, ARRAY_SIZE(cforms));
	} else if (!strcmp(test, "compressed_sp")) {
		run_forms(spforms, ARRAY_SIZE(spforms));
	} else {
		run_x0();
	}
	hcall(HC_EXIT_CHECK, 0);
}
