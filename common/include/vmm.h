// vmm.h: lab 10's interface: the virtual machine monitor that boots an
// unmodified guest (U-Boot, Linux, or any raw S-mode image) on everything
// the earlier labs built. The VM itself is the kit's one VM type (vm.h).
//
// The picture (docs/labs/10-guest.md has the long version):
//
//   QEMU virt (M) -> OpenSBI (M) -> this hypervisor (HS) -> guest (VS)
//
// What the guest sees, in guest-physical addresses:
//
//   0x0c00_0000  PLIC: not mapped in the G-stage; every access traps and
//                is emulated (plic.c). Context 2i+1 is vCPU i's external
//                interrupt (hvip.VSEIP)
//   0x1000_0000  ns16550a UART: emulated the same way (lab 9,
//                uart16550.c); its interrupt is PLIC source 10
//   0x8000_0000  GUEST_RAM_GPA: RAM, vm->ram_size bytes (lab 5's G-stage)
//   0x8020_0000  GUEST_IMAGE_GPA: the raw image, entered on vCPU 0 in
//                VS-mode with a0 = hart id, a1 = the device tree (the SBI
//                boot convention; Linux's Documentation/riscv/boot.rst)
//   ...          the image's memory (a kernel's .bss follows its file)
//   end - ...    the initial ramdisk, if there is one, just below:
//   end - 64 KiB the device tree the VMM wrote (fdtw.h)
//
// Where the files come from: QEMU's generic loader puts them into host
// memory at LOADER_BASE before the hypervisor starts (`-device
// loader,file=IMAGE,addr=0x82000000,force-raw=on`), and the bootargs say
// how long they are and where (guest_size=, initrd_addr=, initrd_size=,
// load_size=: make run and the grader write them). The allocator leaves
// those bytes alone (main.c, load_size).
#ifndef VMM_H
#define VMM_H

#include "types.h"
#include "memlayout.h"
#include "vm.h"

#define GUEST_IMAGE_GPA   0x80200000UL   // OpenSBI's fw_jump address for the next stage
#define GUEST_DTB_MAX     (64 * 1024)    // the device tree's slot, at the end of RAM
#define GUEST_IMAGE_MAX   (64UL << 20)   // the largest image the VMM loads
#define GUEST_INITRD_MAX  (256UL << 20)  // the largest initial ramdisk
// The smallest guest RAM the layout fits in (image room of 2 MiB).
#define GUEST_RAM_MIN     (8UL << 20)
#define LOADER_BASE       KALLOC_BASE    // host memory where QEMU's loader puts the files

// What the guest's UART tells the guest about its input clock (the device
// tree's clock-frequency, QEMU virt's value). The emulated UART has no baud
// rate at all, but U-Boot's ns16550 driver divides by it.
#define GUEST_UART_CLOCK  3686400

// The host address behind guest-physical [gpa, gpa + len), or NULL when
// that range is not all inside the guest's RAM (common/vm/vm.c).
void *vm_gpa_to_hva(struct vm *vm, ulong gpa, ulong len);
// The bytes from GUEST_IMAGE_GPA up to the first thing placed above it (the
// initrd, else the device tree), and at most GUEST_IMAGE_MAX (vm.c). The
// harness places the device tree and the initrd before it loads the image.
ulong vm_image_room(const struct vm *vm);

// ---------------------------------------------------------------------------
// Lab 10, image.c: loading the guest.

// Why an image was refused (image_check's answer).
enum image_error {
	IMAGE_OK = 0,
	IMAGE_EMPTY,        // size 0: nothing was loaded
	IMAGE_TOO_LARGE,    // more than `room` bytes
	IMAGE_ELF,          // an ELF file: the raw binary is wanted (objcopy -O binary)
	IMAGE_UIMAGE,       // a U-Boot legacy image (mkimage header), not raw
	IMAGE_COMPRESSED,   // gzip data: decompress it first
	IMAGE_NOT_CODE,     // the first instruction is not a RISC-V instruction
};

// Pure C (no CSRs, no printf): is img[0..size) a raw RISC-V image that
// fits in room bytes? IMAGE_OK or the first problem found.
enum image_error image_check(const u8 *img, ulong size, ulong room);
// A sentence for each error (harness, vmm_harness.c).
const char *image_error_str(enum image_error err);

// Check the image (room: vm_image_room()), copy it to GUEST_IMAGE_GPA in
// the guest's RAM, set vm->entry and vm->image_size. IMAGE_OK, or the
// error (nothing copied).
enum image_error vm_load_image(struct vm *vm, const u8 *img, ulong size);

// ---------------------------------------------------------------------------
// Lab 10, guest_dtb.c: the guest's device tree.

// Write the guest's device tree into buf (at most `size` bytes): memory,
// cpus (no H in riscv,isa) each with its interrupt controller, the PLIC,
// the UART and its interrupt, /chosen (bootargs, the initrd). Its total
// size, or 0 if it did not fit.
ulong vm_build_dtb(const struct vm *vm, void *buf, ulong size);

// ---------------------------------------------------------------------------
// Lab 10, vmm.c: devices, vCPUs, and the VMM's part of the run loop.

// The emulated devices on vm->bus: the PLIC at PLIC_VIRT_BASE, its
// contexts wired to the vCPUs, and the UART at UART_VIRT_BASE, its
// interrupt wired to PLIC source UART_VIRT_IRQ. 0 or -1.
int vm_devices_init(struct vm *vm);
// vCPU v's state before the VM runs (vCPU 0, the guest's boot hart; the
// others start when the guest asks, SBI HSM): at vm->entry with a0 = its
// hart id, a1 = vm->dtb_gpa, in VS-mode, its SBI state fresh.
void vm_vcpu_init(struct vm *vm, struct vcpu *v);
// The exits the kit's run loop leaves to the VMM (vm_ops.handle_exit,
// vm.h): device accesses (guest-page faults outside RAM), virtual
// instructions, the host's external interrupt (console input).
enum vm_verdict vmm_handle_exit(struct vm *vm, struct vcpu *v, struct vm_exit *e);

#endif
