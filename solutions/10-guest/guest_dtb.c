// guest_dtb.c: the device tree the guest boots with (reference solution).
//
// The guest learns everything about its machine from this tree (Devicetree
// Specification v0.4; the bindings Linux reads: Documentation/devicetree/
// bindings/riscv/cpus.yaml, interrupt-controller/riscv,cpu-intc.txt and
// sifive,plic-1.0.0.yaml, serial/8250.yaml): where its RAM is, how many
// harts it has and what they can do, how fast `time` ticks, where its
// interrupt controller and console are. It must describe only what the
// hypervisor really provides: a device in the tree that nobody emulates is
// a guest-page fault the VMM cannot answer.
//
// The interrupt tree (Devicetree spec 2.4): each cpu has its own interrupt
// controller (the hart's local interrupts: 5 timer, 9 external...); the
// PLIC's interrupts-extended names, for each of its contexts, the cpu
// controller and local interrupt it drives; the UART's interrupt-parent is
// the PLIC, and its interrupts the PLIC source. Nodes refer to each other
// by phandle: a number the tree gives a node in its "phandle" property.
#include "hyp.h"
#include "fdtw.h"
#include "vmm.h"

#define DTB_STRINGS_MAX 512

// The guest's harts: RV64GC without H. The guest runs in VS-mode, where
// the hypervisor extension does not exist for it (Priv. 8.2: VS-mode
// cannot see or use the H CSRs), so announcing "h" would be a lie. Sstc
// does exist for it when the host has it (lab 2 sets henvcfg.STCE): a
// guest kernel then sets its timer in stimecmp (vstimecmp) with no exit.
#define GUEST_ISA       "rv64imafdc"
#define GUEST_ISA_SSTC  "rv64imafdc_sstc"
#define GUEST_MMU       "riscv,sv39"     // vsatp accepts Sv39 (Priv. 8.2.18)

#define UART_NODE       "serial@10000000"
#define UART_PATH       "/soc/" UART_NODE
#define PLIC_NODE       "plic@c000000"

// Phandles: the PLIC's, and one per cpu's interrupt controller.
#define PHANDLE_PLIC    1
#define PHANDLE_INTC(i) (2 + (u32)(i))
// What a PLIC context drives on its hart (riscv,cpu-intc: the interrupt
// number as in sip). M-mode contexts are masked out with -1: the guest
// has no M-mode (Linux skips every context whose number is not 9).
#define INTC_S_EXT      IRQ_S_EXT
#define INTC_NONE       0xffffffffU

static void dtb_root_props(struct fdtw *w)
{
	fdtw_prop_u32(w, "#address-cells", 2);
	fdtw_prop_u32(w, "#size-cells", 2);
	fdtw_prop_str(w, "compatible", "riscv-virtio");
	fdtw_prop_str(w, "model", "riscv-hypervisor-labs,vm");
}

// /chosen: the command line, the console, and where the initial ramdisk
// is (Linux: linux,initrd-start/-end, end exclusive).
static void dtb_chosen(struct fdtw *w, const struct vm *vm)
{
	fdtw_begin_node(w, "chosen");
	fdtw_prop_str(w, "bootargs", vm->bootargs);
	fdtw_prop_str(w, "stdout-path", UART_PATH);
	if (vm->initrd_size) {
		fdtw_prop_u64(w, "linux,initrd-start", vm->initrd_gpa);
		fdtw_prop_u64(w, "linux,initrd-end", vm->initrd_gpa + vm->initrd_size);
	}
	fdtw_end_node(w);
}

static void dtb_memory(struct fdtw *w, const struct vm *vm)
{
	char name[32];
	u64 reg[2] = { vm->ram_gpa, vm->ram_size };
	snprintf(name, sizeof(name), "memory@%lx", vm->ram_gpa);
	fdtw_begin_node(w, name);
	fdtw_prop_str(w, "device_type", "memory");
	fdtw_prop_cells64(w, "reg", reg, 2);
	fdtw_end_node(w);
}

// A hart's own interrupt controller (riscv,cpu-intc): the other nodes name
// its local interrupts through its phandle.
static void dtb_cpu_intc(struct fdtw *w, int i)
{
	fdtw_begin_node(w, "interrupt-controller");
	fdtw_prop_u32(w, "#interrupt-cells", 1);
	fdtw_prop_empty(w, "interrupt-controller");
	fdtw_prop_str(w, "compatible", "riscv,cpu-intc");
	fdtw_prop_u32(w, "phandle", PHANDLE_INTC(i));
	fdtw_end_node(w);
}

// One cpu node per vCPU; reg is the hart id the guest sees.
static void dtb_cpus(struct fdtw *w, const struct vm *vm)
{
	fdtw_begin_node(w, "cpus");
	fdtw_prop_u32(w, "#address-cells", 1);
	fdtw_prop_u32(w, "#size-cells", 0);
	// The guest's `time` is the host's plus htimedelta (Priv. 8.2.7): it
	// ticks at the host's rate.
	fdtw_prop_u32(w, "timebase-frequency", (u32)vm->timebase);
	for (int i = 0; i < vm->nvcpus; i++) {
		char name[16];
		snprintf(name, sizeof(name), "cpu@%lu", vm->vcpus[i].hartid);
		fdtw_begin_node(w, name);
		fdtw_prop_str(w, "device_type", "cpu");
		fdtw_prop_u32(w, "reg", (u32)vm->vcpus[i].hartid);
		fdtw_prop_str(w, "status", "okay");
		fdtw_prop_str(w, "compatible", "riscv");
		fdtw_prop_str(w, "riscv,isa", vm->caps.sstc ? GUEST_ISA_SSTC : GUEST_ISA);
		fdtw_prop_str(w, "mmu-type", GUEST_MMU);
		dtb_cpu_intc(w, i);
		fdtw_end_node(w);
	}
	fdtw_end_node(w);
}

// The PLIC (sifive,plic-1.0.0.yaml): context 2i is hart i's M-mode, 2i+1
// its S-mode, as on QEMU virt; the guest only has the S ones.
static void dtb_plic(struct fdtw *w, const struct vm *vm)
{
	static const char compatible[] = "sifive,plic-1.0.0\0riscv,plic0";
	u64 reg[2] = { PLIC_VIRT_BASE, PLIC_VIRT_SIZE };
	u32 ext[4 * VM_MAX_VCPUS];
	for (int i = 0; i < vm->nvcpus; i++) {
		ext[4 * i + 0] = PHANDLE_INTC(i);
		ext[4 * i + 1] = INTC_NONE;
		ext[4 * i + 2] = PHANDLE_INTC(i);
		ext[4 * i + 3] = INTC_S_EXT;
	}
	fdtw_begin_node(w, PLIC_NODE);
	fdtw_prop(w, "compatible", compatible, sizeof(compatible));
	fdtw_prop_cells64(w, "reg", reg, 2);
	fdtw_prop_u32(w, "#address-cells", 0);
	fdtw_prop_u32(w, "#interrupt-cells", 1);
	fdtw_prop_empty(w, "interrupt-controller");
	fdtw_prop_u32(w, "riscv,ndev", PLIC_NDEV);
	fdtw_prop_cells32(w, "interrupts-extended", ext, 4 * vm->nvcpus);
	fdtw_prop_u32(w, "phandle", PHANDLE_PLIC);
	fdtw_end_node(w);
}

// The UART on a simple bus with an identity `ranges`, as on QEMU virt; its
// interrupt is the PLIC's source 10.
static void dtb_uart(struct fdtw *w)
{
	u64 reg[2] = { UART_VIRT_BASE, UART_VIRT_SIZE };
	fdtw_begin_node(w, UART_NODE);
	fdtw_prop_str(w, "compatible", "ns16550a");
	fdtw_prop_cells64(w, "reg", reg, 2);
	fdtw_prop_u32(w, "clock-frequency", GUEST_UART_CLOCK);
	fdtw_prop_u32(w, "interrupt-parent", PHANDLE_PLIC);
	fdtw_prop_u32(w, "interrupts", UART_VIRT_IRQ);
	fdtw_end_node(w);
}

static void dtb_soc(struct fdtw *w, const struct vm *vm)
{
	fdtw_begin_node(w, "soc");
	fdtw_prop_u32(w, "#address-cells", 2);
	fdtw_prop_u32(w, "#size-cells", 2);
	fdtw_prop_str(w, "compatible", "simple-bus");
	fdtw_prop_empty(w, "ranges");
	dtb_plic(w, vm);
	dtb_uart(w);
	fdtw_end_node(w);
}

ulong vm_build_dtb(const struct vm *vm, void *buf, ulong size)
{
	struct fdtw w;
	char strings[DTB_STRINGS_MAX];
	fdtw_begin(&w, buf, size, strings, sizeof(strings));
	fdtw_begin_node(&w, "");
	dtb_root_props(&w);
	dtb_chosen(&w, vm);
	dtb_memory(&w, vm);
	dtb_cpus(&w, vm);
	dtb_soc(&w, vm);
	fdtw_end_node(&w);
	return fdtw_finish(&w);
}
