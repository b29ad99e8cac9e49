// guest_dtb.c: the device tree the guest boots with (reference solution).
//
// The guest learns everything about its machine from this tree (Devicetree
// Specification v0.4; RISC-V bindings in Linux's
// Documentation/devicetree/bindings/riscv/cpus.yaml): where its RAM is, how
// many harts it has and what they can do, how fast `time` ticks, where its
// console is. It must describe only what the hypervisor really provides:
// a device in the tree that nobody emulates is a guest-page fault the VMM
// cannot answer.
#include "hyp.h"
#include "fdtw.h"
#include "vmm.h"

#define DTB_STRINGS_MAX 512

// The guest's harts: RV64GC without H. The guest runs in VS-mode, where
// the hypervisor extension does not exist for it (Priv. 8.2: VS-mode
// cannot see or use the H CSRs), so announcing "h" would be a lie.
#define GUEST_ISA       "rv64imafdc"
#define GUEST_MMU       "riscv,sv39"     // vsatp accepts Sv39 (Priv. 8.2.18)

#define UART_NODE       "serial@10000000"
#define UART_PATH       "/soc/" UART_NODE

static void dtb_root_props(struct fdtw *w)
{
	fdtw_prop_u32(w, "#address-cells", 2);
	fdtw_prop_u32(w, "#size-cells", 2);
	fdtw_prop_str(w, "compatible", "riscv-virtio");
	fdtw_prop_str(w, "model", "riscv-hypervisor-labs,vm");
}

static void dtb_chosen(struct fdtw *w, const struct vm *vm)
{
	fdtw_begin_node(w, "chosen");
	fdtw_prop_str(w, "bootargs", vm->bootargs);
	fdtw_prop_str(w, "stdout-path", UART_PATH);
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

// One cpu node per vCPU; reg is the hart id the guest sees (vCPU i = i).
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
		snprintf(name, sizeof(name), "cpu@%d", i);
		fdtw_begin_node(w, name);
		fdtw_prop_str(w, "device_type", "cpu");
		fdtw_prop_u32(w, "reg", (u32)i);
		fdtw_prop_str(w, "status", "okay");
		fdtw_prop_str(w, "compatible", "riscv");
		fdtw_prop_str(w, "riscv,isa", GUEST_ISA);
		fdtw_prop_str(w, "mmu-type", GUEST_MMU);
		fdtw_end_node(w);
	}
	fdtw_end_node(w);
}

// The UART sits on a simple bus with an identity `ranges`, as on QEMU virt.
static void dtb_soc(struct fdtw *w)
{
	u64 reg[2] = { UART_VIRT_BASE, UART_VIRT_SIZE };
	fdtw_begin_node(w, "soc");
	fdtw_prop_u32(w, "#address-cells", 2);
	fdtw_prop_u32(w, "#size-cells", 2);
	fdtw_prop_str(w, "compatible", "simple-bus");
	fdtw_prop(w, "ranges", NULL, 0);
	fdtw_begin_node(w, UART_NODE);
	fdtw_prop_str(w, "compatible", "ns16550a");
	fdtw_prop_cells64(w, "reg", reg, 2);
	fdtw_prop_u32(w, "clock-frequency", GUEST_UART_CLOCK);
	fdtw_end_node(w);
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
	dtb_soc(&w);
	fdtw_end_node(&w);
	return fdtw_finish(&w);
}
