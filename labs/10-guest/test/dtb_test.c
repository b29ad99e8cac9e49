// dtb_test.c: scenario "guest_dtb": your vm_build_dtb() for a VM whose
// RAM size, vCPU count and bootargs come from the run's seed, read back
// with the kit's device-tree reader (fdt.h) as a guest would read it.
#include "hyp.h"
#include "lab10.h"

#define DTB_BUF  (GUEST_DTB_MAX)

static struct vm vm;
static u8 dtb_buf[DTB_BUF] __attribute__((aligned(8)));
static u8 *dtb = dtb_buf;

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
		else if ((strstr(isa, "_sstc") != NULL) != (vm.caps.sstc != 0))
			bad++, what = vm.caps.sstc ? "the host has Sstc: riscv,isa must end in _sstc"
						   : "the host has no Sstc: no _sstc in riscv,isa";
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

// ---- interrupts: cpu-intc, the PLIC, the UART's line --------------------------
// The node whose phandle is ph (anywhere in the first levels), or -1.
static int by_phandle(int node, int depth, u32 ph)
{
	const void *p = fdt_getprop(dtb, node, "phandle", NULL);
	if (p && fdt32(p) == ph)
		return node;
	for (int n = depth < 4 ? fdt_first_subnode(dtb, node) : -1; n >= 0;
	     n = fdt_next_subnode(dtb, n)) {
		int found = by_phandle(n, depth + 1, ph);
		if (found >= 0)
			return found;
	}
	return -1;
}

static u32 prop32(int node, const char *name, u32 dflt)
{
	int len = 0;
	const void *p = node >= 0 ? fdt_getprop(dtb, node, name, &len) : NULL;
	return p && len == 4 ? fdt32(p) : dflt;
}

// Does the string list `name` of node hold `want`?
static int has_string(int node, const char *name, const char *want)
{
	int len = 0;
	const char *p = node >= 0 ? fdt_getprop(dtb, node, name, &len) : NULL;
	for (int i = 0; p && i < len; i += (int)strlen(p + i) + 1)
		if (!strcmp(p + i, want))
			return 1;
	return 0;
}

static int find_compatible(int node, int depth, const char *want)
{
	if (has_string(node, "compatible", want))
		return node;
	for (int n = depth < 4 ? fdt_first_subnode(dtb, node) : -1; n >= 0;
	     n = fdt_next_subnode(dtb, n)) {
		int found = find_compatible(n, depth + 1, want);
		if (found >= 0)
			return found;
	}
	return -1;
}

// An interrupt controller node as the bindings want it.
static int is_intc(int node, const char *compatible)
{
	return node >= 0 && has_string(node, "compatible", compatible) &&
	       fdt_getprop(dtb, node, "interrupt-controller", NULL) &&
	       prop32(node, "#interrupt-cells", 0) == 1;
}

// cpu i's riscv,cpu-intc child, or -1.
static int cpu_intc(int cpu)
{
	for (int n = fdt_first_subnode(dtb, cpu); n >= 0; n = fdt_next_subnode(dtb, n))
		if (has_string(n, "compatible", "riscv,cpu-intc"))
			return n;
	return -1;
}

static int cpu_node(int i)
{
	int cpus = fdt_path_offset(dtb, "/cpus"), k = 0;
	for (int c = cpus < 0 ? -1 : fdt_first_subnode(dtb, cpus); c >= 0;
	     c = fdt_next_subnode(dtb, c))
		if (fdt_prop_is(dtb, c, "device_type", "cpu") && k++ == i)
			return c;
	return -1;
}

static void check_intc(void)
{
	int bad = -1;
	const char *why = "";
	u32 seen[VM_MAX_VCPUS];
	for (int i = 0; i < vm.nvcpus && bad < 0; i++) {
		int intc = cpu_intc(cpu_node(i));
		seen[i] = prop32(intc, "phandle", 0);
		if (!is_intc(intc, "riscv,cpu-intc"))
			bad = i, why = "no child with compatible \"riscv,cpu-intc\", "
				       "interrupt-controller and #interrupt-cells = <1>";
		else if (!seen[i])
			bad = i, why = "its interrupt controller has no phandle";
		for (int j = 0; j < i && bad < 0; j++)
			if (seen[j] == seen[i])
				bad = i, why = "its interrupt controller's phandle is another cpu's";
	}
	check("dtb_intc", bad < 0, "cpu %d: %s", bad, why);
}

// interrupts-extended of the PLIC: for vCPU i, <intc_i x> <intc_i 9> with x
// anything but 9 (context 2i, M-mode: masked), in context order.
static const char *plic_contexts(int plic)
{
	int len = 0;
	const u8 *ext = fdt_getprop(dtb, plic, "interrupts-extended", &len);
	if (!ext || len != 16 * vm.nvcpus)
		return "interrupts-extended must have 2 pairs <phandle irq> per cpu";
	for (int i = 0; i < vm.nvcpus; i++) {
		u32 intc = prop32(cpu_intc(cpu_node(i)), "phandle", 0);
		const u8 *p = ext + 16 * i;
		if (fdt32(p) != intc || fdt32(p + 8) != intc)
			return "context 2i and 2i+1 must name cpu i's interrupt controller";
		if (fdt32(p + 4) == IRQ_S_EXT)
			return "context 2i is hart i's M-mode: the guest has none (mask it: 0xffffffff)";
		if (fdt32(p + 12) != IRQ_S_EXT)
			return "context 2i+1 drives the hart's supervisor external interrupt, 9";
	}
	return NULL;
}

static void check_plic(void)
{
	int plic = find_compatible(fdt_path_offset(dtb, "/"), 0, "sifive,plic-1.0.0");
	int len = 0;
	const u8 *reg = plic >= 0 ? fdt_getprop(dtb, plic, "reg", &len) : NULL;
	const char *why = plic < 0 ? "no node with compatible \"sifive,plic-1.0.0\"" : NULL;
	if (!why && !has_string(plic, "compatible", "riscv,plic0"))
		why = "compatible must also list \"riscv,plic0\"";
	if (!why && (!reg || len != 16 || fdt64(reg) != PLIC_VIRT_BASE ||
		     fdt64(reg + 8) != PLIC_VIRT_SIZE))
		why = "reg must be <PLIC_VIRT_BASE PLIC_VIRT_SIZE> (plic.h)";
	if (!why && !is_intc(plic, "sifive,plic-1.0.0"))
		why = "it needs interrupt-controller and #interrupt-cells = <1>";
	if (!why && prop32(plic, "riscv,ndev", 0) != PLIC_NDEV)
		why = "riscv,ndev must be the sources the PLIC has, PLIC_NDEV (plic.h)";
	if (!why && !prop32(plic, "phandle", 0))
		why = "it needs a phandle (the UART's interrupt-parent names it)";
	if (!why)
		why = plic_contexts(plic);
	check("dtb_plic", !why, "%s", why ? why : "the PLIC node");
}

static void check_uart_irq(void)
{
	int uart = find_compatible(fdt_path_offset(dtb, "/"), 0, "ns16550a");
	int plic = find_compatible(fdt_path_offset(dtb, "/"), 0, "sifive,plic-1.0.0");
	u32 parent = prop32(uart, "interrupt-parent", 0);
	u32 irq = prop32(uart, "interrupts", 0);
	check("dtb_uart_irq", uart >= 0 && plic >= 0 && parent &&
	      by_phandle(fdt_path_offset(dtb, "/"), 0, parent) == plic && irq == UART_VIRT_IRQ,
	      "the UART's interrupt-parent <%u> %s the PLIC, interrupts <%u> (want %u)", parent,
	      parent && by_phandle(fdt_path_offset(dtb, "/"), 0, parent) == plic ? "is" : "is not",
	      irq, (u32)UART_VIRT_IRQ);
}

// A 32- or 64-bit cell value of /chosen's property, or ~0 when absent.
static ulong chosen_number(const char *name)
{
	int len = 0, chosen = fdt_path_offset(dtb, "/chosen");
	const void *p = chosen >= 0 ? fdt_getprop(dtb, chosen, name, &len) : NULL;
	return !p ? ~0UL : len == 8 ? fdt64(p) : len == 4 ? fdt32(p) : ~0UL - 1;
}

// The seeded VM has an initrd; the same VM without one must say nothing.
static void check_initrd(void)
{
	ulong start = chosen_number("linux,initrd-start"), end = chosen_number("linux,initrd-end");
	ulong want_end = vm.initrd_gpa + vm.initrd_size;
	struct vm saved = vm;
	vm.initrd_gpa = vm.initrd_size = 0;
	static u8 again[DTB_BUF] __attribute__((aligned(8)));
	u8 *keep = dtb;
	ulong n = vm_build_dtb(&vm, again, sizeof(again));
	dtb = again;
	int none = n > 0 && chosen_number("linux,initrd-start") == ~0UL &&
		   chosen_number("linux,initrd-end") == ~0UL;
	dtb = keep;
	vm = saved;
	check("dtb_initrd", start == vm.initrd_gpa && end == want_end && none,
	      "linux,initrd-start 0x%lx end 0x%lx (want 0x%lx, 0x%lx: the end is exclusive); "
	      "without an initrd: %s", start, end, vm.initrd_gpa, want_end,
	      none ? "none (right)" : "still there, or no tree");
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
	// Another host's timebase, never QEMU virt's 10 MHz: the tree must say
	// what vm->timebase says, not a number copied from this machine.
	static const ulong timebases[] = { 1000000, 4000000, 24000000, 25000000 };
	vm.timebase = timebases[(s >> 13) % ARRAY_SIZE(timebases)];
	if (vm.timebase == platform.timebase)
		vm.timebase += 1000000;
	vm.caps.sstc = (s >> 9) & 1;
	vm.dtb_gpa = vm.ram_gpa + vm.ram_size - GUEST_DTB_MAX;
	vm.initrd_size = 4096 + (s >> 12) % (1UL << 20);
	vm.initrd_gpa = ALIGN_DOWN(vm.dtb_gpa - vm.initrd_size, PAGE_SIZE);
	snprintf(vm.bootargs, sizeof(vm.bootargs), "console=ttyS0 hv.seed=%lx", s);
}

int dtb_test(void)
{
	seed_vm();
	fact("vm", "ram=%lu vcpus=%d sstc=%d initrd=%lu", vm.ram_size, vm.nvcpus, vm.caps.sstc,
	     vm.initrd_size);
	u8 tiny[64];
	ulong size = vm_build_dtb(&vm, dtb, sizeof(dtb_buf));
	ulong small = vm_build_dtb(&vm, tiny, sizeof(tiny));
	int valid = size > 0 && size <= sizeof(dtb_buf) && fdt_check(dtb) == 0 &&
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
	check_intc();
	check_plic();
	check_uart_irq();
	check_initrd();
	const char *bad = "";
	int extra = walk_devices(fdt_path_offset(dtb, "/"), 0, &bad);
	check("dtb_only_emulated", extra == 0 && p.uart_base == UART_VIRT_BASE,
	      "%d node(s) with a compatible the VMM does not emulate%s%s", extra,
	      extra ? ", e.g. " : "", bad);
	return 0;
}
