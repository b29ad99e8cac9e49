// fdtw_test.c: host-side test of the device-tree writer (common/lib/fdtw.c)
// against the reader (common/lib/fdt.c): build a tree like the one a
// hypervisor gives its guest, read it back, compare. Built and run by
// grader/tests/test_common_host.py with the host's cc:
//   cc -Icommon/include common/tests/fdtw_test.c common/lib/fdtw.c common/lib/fdt.c
// Prints "ok" lines and exits 0 when every comparison holds.
#include <stdio.h>
#include "fdtw.h"
#include "fdt.h"

static int failures;

static void expect(int ok, const char *what)
{
	printf("%s %s\n", ok ? "ok" : "FAIL", what);
	failures += !ok;
}

static ulong build(u8 *buf, ulong size, int nharts)
{
	static char strings[512];
	struct fdtw w;
	fdtw_begin(&w, buf, size, strings, sizeof(strings));
	fdtw_begin_node(&w, "");
	fdtw_prop_u32(&w, "#address-cells", 2);
	fdtw_prop_u32(&w, "#size-cells", 2);
	fdtw_begin_node(&w, "chosen");
	fdtw_prop_str(&w, "bootargs", "test=x nonce=1234");
	fdtw_end_node(&w);
	fdtw_begin_node(&w, "memory@80000000");
	fdtw_prop_str(&w, "device_type", "memory");
	u64 reg[2] = { 0x80000000UL, 0x4000000UL };
	fdtw_prop_cells64(&w, "reg", reg, 2);
	fdtw_end_node(&w);
	fdtw_begin_node(&w, "cpus");
	fdtw_prop_u32(&w, "#address-cells", 1);
	fdtw_prop_u32(&w, "#size-cells", 0);
	fdtw_prop_u32(&w, "timebase-frequency", 10000000);
	for (int i = 0; i < nharts; i++) {
		char name[16];
		snprintf(name, sizeof(name), "cpu@%d", i);
		fdtw_begin_node(&w, name);
		fdtw_prop_str(&w, "device_type", "cpu");
		fdtw_prop_u32(&w, "reg", (u32)i);
		fdtw_prop_str(&w, "riscv,isa", "rv64imafdc");
		fdtw_end_node(&w);
	}
	fdtw_end_node(&w);
	fdtw_begin_node(&w, "soc");
	fdtw_begin_node(&w, "serial@10000000");
	fdtw_prop_str(&w, "compatible", "ns16550a");
	u64 uart[2] = { 0x10000000UL, 0x100UL };
	fdtw_prop_cells64(&w, "reg", uart, 2);
	fdtw_end_node(&w);
	fdtw_end_node(&w);
	fdtw_end_node(&w);
	return fdtw_finish(&w);
}

int main(void)
{
	static u8 buf[4096] __attribute__((aligned(8)));
	ulong n = build(buf, sizeof(buf), 3);
	expect(n > 0 && n < sizeof(buf), "the tree fits and finishes");
	expect(fdt_check(buf) == 0 && fdt_totalsize(buf) == n, "header: magic and totalsize");
	struct fdt_platform p;
	expect(fdt_read_platform(buf, &p) == 0, "the reader accepts it");
	expect(p.mem_base == 0x80000000UL && p.mem_size == 0x4000000UL, "memory reg");
	expect(p.nharts == 3 && p.hartids[2] == 2, "three harts with their ids");
	expect(p.timebase == 10000000, "timebase-frequency");
	expect(p.uart_base == 0x10000000UL, "the ns16550a in /soc");
	expect(!strcmp(p.bootargs, "test=x nonce=1234"), "bootargs");
	expect(build(buf, 100, 3) == 0, "a too-small buffer fails instead of overflowing");
	printf("%d failure(s)\n", failures);
	return failures != 0;
}
