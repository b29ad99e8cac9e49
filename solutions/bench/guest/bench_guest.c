// bench_guest.c: the bench guest (docs/bench.md). Runs each probe of
// probes.S REPS times and prints the median instret deltas as
//     FACT <nonce> probe <name> n=<iterations> op=<delta> base=<delta>
// make bench (grader/bench.py) turns them into instructions per round trip.
// Which probes: bootarg bench=micro|fault|profile|ecall (set by bench.c);
// bench=cpu|uart are the wall-clock workloads of wall.c (make bench boots
// this image under lab 10's harness and natively).
#include "guest.h"
#include "uart16550.h"
#include "../bench.h"

#define REPS 5

typedef ulong (*probe_fn)(ulong n, ulong addr);
ulong bench_ecall(ulong, ulong), bench_ecall_base(ulong, ulong);
ulong bench_dbcn(ulong, ulong), bench_dbcn_base(ulong, ulong);
ulong bench_mmio(ulong, ulong), bench_mmio_base(ulong, ulong);
ulong bench_fault_map(ulong, ulong), bench_fault_map_base(ulong, ulong);
ulong bench_fault_skip(ulong, ulong), bench_fault_skip_base(ulong, ulong);
void wall_cpu(void), wall_uart(void);

// 64 bytes for DBCN: 63 dots and a newline.
static char line[64];

static ulong median(ulong *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			ulong t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v[n / 2];
}

// addr_step: how far the address moves between repetitions (the page probe
// needs fresh, still unmapped pages every time).
static void probe(const char *name, probe_fn op, probe_fn base, ulong n, ulong addr,
		  ulong addr_step)
{
	ulong ops[REPS], bases[REPS];
	for (int r = 0; r < REPS; r++) {
		bases[r] = base(n, addr);
		ops[r] = op(n, addr);
		addr += addr_step;
	}
	fact("probe", "%s n=%lu op=%lu base=%lu", name, n, median(ops, REPS),
	     median(bases, REPS));
}

#define PAGES 256   // per repetition of the page probe; 5 * 256 pages = 5 MiB

int guest_main(ulong hartid, ulong arg)
{
	UNUSED(hartid);
	UNUSED(arg);
	memset(line, '.', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\n';
	ulong lsr = UART_VIRT_BASE + UART_LSR;
	if (bootarg_is("bench", "cpu")) {
		wall_cpu();
	} else if (bootarg_is("bench", "uart")) {
		wall_uart();
	} else if (bootarg_is("bench", "micro")) {
		probe("ecall", bench_ecall, bench_ecall_base, 1000, 0, 0);
		probe("mmio_read", bench_mmio, bench_mmio_base, 1000, lsr, 0);
		probe("dbcn64", bench_dbcn, bench_dbcn_base, 16, (ulong)line, 0);
	} else if (bootarg_is("bench", "fault")) {
		probe("ecall_loop", bench_ecall, bench_ecall_base, 1000, 0, 0);
		probe("fault_map", bench_fault_map, bench_fault_map_base, PAGES,
		      BENCH_MAP_GPA, PAGES * PAGE_SIZE);
		probe("fault_skip", bench_fault_skip, bench_fault_skip_base, 1000,
		      BENCH_SKIP_GPA, 0);
	} else if (bootarg_is("bench", "slow")) {
		probe("ecall_slow", bench_ecall, bench_ecall_base, 1000, 0, 0);
	} else if (bootarg_is("bench", "ecall")) {
		bench_ecall(1000, 0);
	} else {
		// profile: the hypervisor times each exit; two kinds are enough.
		bench_ecall(1000, 0);
		bench_mmio(1000, lsr);
	}
	return 0;
}
