// Lab 8 test guest: the boot hart's side and the shared helpers.
//
// The guest learns its harts the way a kernel would: its own hart id from
// a0 (the boot hart has the lowest), their number from the device tree's
// /cpus. Each scenario prints CHECK lines (report.h) from the hart that
// observed the result.
#include "lab8guest.h"

struct guest_state g;

ulong now_us(void)
{
	return rdtime() / (g.timebase / 1000000);
}

int wait_for(volatile ulong *p, ulong at_least, ulong us)
{
	ulong t0 = now_us();
	while (*p < at_least)
		if (now_us() - t0 > us)
			return 0;
	return 1;
}

int wait_status(ulong hartid, long state, ulong us)
{
	ulong t0 = now_us();
	while (sbi_hart_get_status(hartid) != state)
		if (now_us() - t0 > us)
			return 0;
	return 1;
}

// A different value per run, hart and round, never 0.
ulong opaque_for(ulong hartid, ulong round)
{
	ulong x = g.seed ^ (hartid << 48) ^ (round << 40) ^ 0x5a5a0000UL;
	return (rand_next(&x) | 1);
}

long start_hart(ulong hartid, ulong opaque)
{
	return sbi_hart_start(hartid, (ulong)lab8_secondary_entry, opaque);
}

int idx_of(ulong hartid)
{
	return (int)(hartid - g.base);
}

ulong pick_target(void)
{
	return g.base + 1 + (g.seed >> 3) % (ulong)(g.n - 1);
}

void lab8_secondary(ulong hartid, ulong opaque, ulong satp, ulong sstatus)
{
	int me = idx_of(hartid);
	asm volatile("mv tp, %0" : : "r"((ulong)me));    // the trap handler's "who am I"
	if (me < 1 || me >= g.n)
		return;
	struct hart_rec *r = &g.rec[me];
	r->hartid = hartid;
	r->opaque = opaque;
	r->satp = satp;
	r->sstatus = sstatus;
	asm volatile("fence rw, rw" ::: "memory");
	switch (g.mode) {
	case MODE_RECORD:
		if (g.hello) {
			char name[16];
			snprintf(name, sizeof(name), "hart%d_up", me);
			check(name, hartid == g.base + (ulong)me && opaque == opaque_for(hartid, 0),
			      "hart %lu (expected %lu) started with opaque 0x%lx (expected 0x%lx)",
			      hartid, g.base + me, opaque, opaque_for(g.base + me, 0));
		}
		break;
	case MODE_HOLD: {
		r->running = 1;
		ulong t0 = now_us();
		while (!g.release && now_us() - t0 < WAIT_US)
			;
		r->running = 0;
		break;
	}
	case MODE_PINGPONG:
		pingpong_secondary(me);
		break;
	case MODE_SUSPEND:
		suspend_secondary(me);
		break;
	case MODE_RFENCE:
		rfence_secondary(me);
		break;
	case MODE_EXTIRQ:
		extirq_secondary(me);
		break;
	case MODE_SUSPEND_NR:
		suspend_nr_secondary(me);
		break;
	case MODE_RESUMED:
		r->resumed_sip = csr_read(sip);
		csr_clear(sip, SIP_SSIP);
		csr_clear(sie, SIE_SSIE);
		r->done = 1;
		break;
	}
	asm volatile("fence rw, rw" ::: "memory");
	r->starts++;
	// returning stops this hart (entry.S: SBI hart_stop)
}

static const struct {
	const char *name;
	int (*run)(void);
} tests[] = {
	{ "bringup", test_bringup },
	{ "stopstart", test_stopstart },
	{ "status", test_status },
	{ "errors", test_errors },
	{ "ipi", test_ipi },
	{ "suspend", test_suspend },
	{ "rfence", test_rfence },
	{ "ext_irq", test_ext_irq },
	{ "legacy", test_legacy },
	{ "single", test_single },
};

int guest_main(ulong hartid, ulong arg)
{
	struct fdt_platform p;
	asm volatile("mv tp, zero");
	g.base = hartid;
	g.seed = run_seed();
	int single = !strcmp(run_test(), "single");
	if (fdt_read_platform((const void *)arg, &p) || p.nharts < 2 - single ||
	    p.nharts > MAX_VCPUS) {
		printf("guest: this test needs 2..%d harts (QEMU -smp)\n", MAX_VCPUS);
		return 1;
	}
	g.n = p.nharts;
	g.timebase = p.timebase ? p.timebase : 10000000;
	printf("guest: boot hart %lu, %d harts, test '%s'\n", hartid, g.n, run_test());
	for (ulong i = 0; i < ARRAY_SIZE(tests); i++)
		if (strcmp(run_test(), tests[i].name) == 0)
			return tests[i].run();
	printf("guest: no test named '%s'\n", run_test());
	return 1;
}
