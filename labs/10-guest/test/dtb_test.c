// dtb_test.c: scenario "guest_dtb": your vm_build_dtb() for a VM whose
// RAM size, vCPU count and bootargs come from the run's seed, read back
// with the kit's device-tree reader (fdt.h) as a guest would read it.
#include "hyp.h"
#include "lab10.h"

#define DTB_BUF  (GUEST_DTB_MAX)

static struct vm vm;
static u8 dtb[DTB_BUF] __attribute__((aligned(8)));

// Is there an "h" among the single-letter extensions of "rv64imafdc_zicsr"?
static int isa_has_h(const char *isa)
{
	for (const char *p = isa + 4; *p && *p != '_'; p++)
		if (*p == 'h')
			return 1;
	return 0;
}

// Every cpu node: rv64 without H, Sv39, hart ids 0..n-1.
static void check_cpus(const struct fdt_platform *p)
{
	int cpus = fdt_path_offset(dtb, "/cpus"), bad = 0, n = 0;
	const char *isa = "", *what = "";
	for (int c = cpus < 0 ? -1 : fdt_first_subnode(dtb, cpus); c >= 0;
	     c = fdt_next_subnode(dtb, c)) {
		if (!fdt_prop_is(dtb, c, "device_type", "cpu"))
			continue;
		isa = fdt_getprop(dtb, c, "riscv,isa", NULL);
		const void *reg = fdt_getprop(dtb, c, "reg", NULL);
		if (!isa || strncmp(isa, "rv64i", 5) || isa_has_h(isa))
			bad++, what = "riscv,isa must start rv64i and have no h";
		else if (!fdt_prop_is(dtb, c, "mmu-type", "riscv,sv39"))
			bad++, what = "mmu-type must be riscv,sv39";
		else if (!reg || fdt32(reg) != (u32)n)
			bad++, what = "reg (the hart id) must count 0, 1, 2...";
		n++;
	}
	check("dtb_cpus", cpus >= 0 && !bad && n == vm.nvcpus && p->nharts == vm.nvcpus &&
	      p->timebase == vm.timebase,
	      "%d cpu nodes (want %d), timebase %lu (want the host's %lu), isa '%s'%s%s", n,
	      vm.nvcpus, p->timebase, vm.timebase, isa ? isa : "(none)", bad ? ": " : "", what);
}

static void check_chosen(const struct fdt_platform *p)
{
	int chosen = fdt_path_offset(dtb, "/chosen");
	const char *out = chosen >= 0 ? fdt_getprop(dtb, chosen, "stdout-path", NULL) : NULL;
	int uart = out ? fdt_path_offset(dtb, out) : -1;
	int is_uart = uart >= 0 && fdt_prop_is(dtb, uart, "compatible", "ns16550a");
	check("dtb_chosen", !strcmp(p->bootargs, vm.bootargs) && is_uart,
	      "bootargs '%s' (want '%s'), stdout-path '%s' %s", p->bootargs, vm.bootargs,
	      out ? out : "(none)", is_uart ? "is the ns16550a" : "does not name an ns16550a node");
}

static void check_uart(const struct fdt_platform *p)
{
	int soc = fdt_path_offset(dtb, "/soc"), found = -1;
	for (int n = soc < 0 ? -1 : fdt_first_subnode(dtb, soc); n >= 0; n = fdt_next_subnode(dtb, n))
		if (fdt_prop_is(dtb, n, "compatible", "ns16550a"))
			found = n;
	int len = 0;
	const u8 *reg = found >= 0 ? fdt_getprop(dtb, found, "reg", &len) : NULL;
	const void *clk = found >= 0 ? fdt_getprop(dtb, found, "clock-frequency", NULL) : NULL;
	check("dtb_uart", p->uart_base == UART_VIRT_BASE && reg && len == 16 &&
	      fdt64(reg + 8) == UART_VIRT_SIZE && clk && fdt32(clk) != 0,
	      "ns16550a under /soc at 0x%lx (want 0x%lx), reg %d bytes, size 0x%lx, "
	      "clock-frequency %u", p->uart_base, UART_VIRT_BASE, len,
	      reg && len == 16 ? (ulong)fdt64(reg + 8) : 0UL, clk ? fdt32(clk) : 0);
}

// "Nothing the hypervisor does not emulate": every node that claims a
// device (a compatible string) is one of the few the VMM provides.
static int allowed_compatible(const char *c)
{
	static const char *const ok[] = { "riscv-virtio", "riscv", "simple-bus", "ns16550a",
					  "riscv,cpu-intc", "sifive,plic-1.0.0" };
	for (ulong i = 0; i < ARRAY_SIZE(ok); i++)
		if (!strcmp(c, ok[i]))
			return 1;
	return 0;
}

static int walk_devices(int node, int depth, const char **bad)
{
	int count = 0;
	const char *c = fdt_getprop(dtb, node, "compatible", NULL);
	if (c && !allowed_compatible(c)) {
		*bad = fdt_node_name(dtb, node);
		count++;
	}
	if (depth < 4)
		for (int n = fdt_first_subnode(dtb, node); n >= 0; n = fdt_next_subnode(dtb, n))
			count += walk_devices(n, depth + 1, bad);
	return count;
}

static void seed_vm(void)
{
	ulong s = run_seed();
	memset(&vm, 0, sizeof(vm));
	vm.ram_gpa = GUEST_RAM_GPA;
	vm.ram_size = (64UL + 16 * (s % 8)) << 20;
	vm.nvcpus = 1 + (int)((s >> 4) % 4);
	for (int i = 0; i < vm.nvcpus; i++)
		vm.vcpus[i].hartid = (ulong)i;
	vm.timebase = platform.timebase;
	snprintf(vm.bootargs, sizeof(vm.bootargs), "console=ttyS0 hv.seed=%lx", s);
}

int dtb_test(void)
{
	seed_vm();
	fact("vm", "ram=%lu vcpus=%d", vm.ram_size, vm.nvcpus);
	u8 tiny[64];
	ulong size = vm_build_dtb(&vm, dtb, sizeof(dtb));
	ulong small = vm_build_dtb(&vm, tiny, sizeof(tiny));
	int valid = size > 0 && size <= sizeof(dtb) && fdt_check(dtb) == 0 &&
		    fdt_totalsize(dtb) == size;
	check("dtb_valid", valid && small == 0,
	      "vm_build_dtb returned %lu (a valid tree of that size: %s); into 64 bytes: %lu "
	      "(want 0)", size, valid ? "yes" : "no", small);
	if (!valid)
		return 0;
	struct fdt_platform p;
	fdt_read_platform(dtb, &p);
	check("dtb_memory", p.mem_base == vm.ram_gpa && p.mem_size == vm.ram_size,
	      "memory 0x%lx + 0x%lx (want 0x%lx + 0x%lx)", p.mem_base, p.mem_size, vm.ram_gpa,
	      vm.ram_size);
	check_cpus(&p);
	check_chosen(&p);
	check_uart(&p);
	const char *bad = "";
	int extra = walk_devices(fdt_path_offset(dtb, "/"), 0, &bad);
	check("dtb_only_emulated", extra == 0 && p.uart_base == UART_VIRT_BASE,
	      "%d node(s) with a compatible the VMM does not emulate%s%s", extra,
	      extra ? ", e.g. " : "", bad);
	return 0;
}
