// vmm.h: lab 10's interface: the virtual machine monitor that boots an
// unmodified guest (U-Boot, or any raw S-mode image) on everything the
// earlier labs built.
//
// The picture (docs/labs/10-guest.md has the long version):
//
//   QEMU virt (M) -> OpenSBI (M) -> this hypervisor (HS) -> guest (VS)
//
// What the guest sees, in guest-physical addresses:
//
//   0x1000_0000  ns16550a UART: not mapped in the G-stage; every access
//                traps and is emulated (lab 9, uart16550.c)
//   0x8000_0000  GUEST_RAM_GPA: RAM, vm->ram_size bytes (lab 5's G-stage)
//   0x8020_0000  GUEST_IMAGE_GPA: the raw image, entered in VS-mode with
//                a0 = hart id, a1 = the device tree (SBI boot convention)
//   0x8220_0000  GUEST_DTB_GPA: the device tree the VMM wrote (fdtw.h)
//
// Where the image comes from: QEMU's generic loader puts the file into host
// memory at GUEST_BARE_BASE (memlayout.h: a 16 MiB window nothing uses from
// lab 5 on), `-device loader,file=IMAGE,addr=0x81000000,force-raw=on`, and
// the bootargs say how long it is (guest_size=BYTES; `make run` does both).
#ifndef VMM_H
#define VMM_H

#include "types.h"
#include "memlayout.h"
#include "gstage.h"
#include "vcpu.h"
#include "vmexit.h"
#include "hypinit.h"
#include "mmio.h"
#include "uart16550.h"

#define GUEST_IMAGE_GPA   0x80200000UL   // OpenSBI's fw_jump address for the next stage
#define GUEST_DTB_GPA     0x82200000UL   // below the image room's end, 2 MiB aligned
#define GUEST_DTB_MAX     (64 * 1024)    // the device tree's slot
// The most an image may occupy: from its start to the device tree, and no
// more than the loader window it arrives in.
#define GUEST_IMAGE_ROOM  (GUEST_DTB_GPA - GUEST_IMAGE_GPA)
#define GUEST_IMAGE_MAX   (GUEST_IMAGE_ROOM < GUEST_BARE_SIZE ? GUEST_IMAGE_ROOM : GUEST_BARE_SIZE)
// The smallest guest RAM the layout above fits in.
#define GUEST_RAM_MIN     (GUEST_DTB_GPA + GUEST_DTB_MAX - GUEST_RAM_GPA)

// What the guest's UART tells the guest about its input clock (the device
// tree's clock-frequency, QEMU virt's value). The emulated UART has no baud
// rate at all, but U-Boot's ns16550 driver divides by it.
#define GUEST_UART_CLOCK  3686400

#define VM_MAX_VCPUS      8
#define VM_BOOTARGS_MAX   128

// One virtual machine. The harness fills the first group (RAM, G-stage,
// timebase, caps); the VMM (your code) the rest.
struct vm {
	// RAM: [ram_gpa, ram_gpa + ram_size) backed by host memory at ram_hva,
	// mapped RWX in the G-stage root (lab 5), hgatp active with VMID 1.
	gpte_t *root;
	ulong   ram_gpa, ram_size;
	u8     *ram_hva;
	ulong   timebase;        // the host's /cpus timebase-frequency (Hz)
	int     nvcpus;          // vCPUs the guest's device tree announces
	struct hyp_caps caps;    // what hyp_hart_init() found (lab 2)
	char    bootargs[VM_BOOTARGS_MAX];   // the guest's /chosen/bootargs

	// Filled by the VMM.
	ulong   image_size;      // bytes copied to GUEST_IMAGE_GPA
	ulong   entry;           // guest-physical entry point
	ulong   dtb_gpa, dtb_size;
	struct mmio_bus   bus;   // emulated devices (lab 9)
	struct uart16550  uart;
	struct vcpu vcpus[VM_MAX_VCPUS];
	ulong   exits[EXIT_REASON_COUNT];   // exits seen, per reason
	struct vm_exit_system_down down;    // how the guest asked to stop
};

// The host address behind guest-physical [gpa, gpa + len), or NULL when
// that range is not all inside the guest's RAM (harness, vmm_harness.c).
void *vm_gpa_to_hva(struct vm *vm, ulong gpa, ulong len);

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

// Check the image (room: GUEST_IMAGE_MAX and what the guest's RAM leaves
// below GUEST_DTB_GPA), copy it to GUEST_IMAGE_GPA in the guest's RAM, set
// vm->entry and vm->image_size. IMAGE_OK, or the error (nothing copied).
enum image_error vm_load_image(struct vm *vm, const u8 *img, ulong size);

// ---------------------------------------------------------------------------
// Lab 10, guest_dtb.c: the guest's device tree.

// Write the guest's device tree into buf (at most `size` bytes): memory,
// cpus (no H in riscv,isa), the emulated UART, /chosen. Its total size, or
// 0 if it did not fit.
ulong vm_build_dtb(const struct vm *vm, void *buf, ulong size);

// ---------------------------------------------------------------------------
// Lab 10, vmm.c: devices, vCPUs, the run loop.

// The emulated devices on vm->bus (the UART at UART_VIRT_BASE). 0 or -1.
int vm_devices_init(struct vm *vm);
// vCPU `id`'s state before its first run: it starts at vm->entry with
// a0 = hartid, a1 = vm->dtb_gpa, in VS-mode, its SBI state fresh.
void vm_vcpu_init(struct vm *vm, int id, ulong hartid);
// Run vCPU 0 until the guest stops. 0: the guest shut down cleanly (SBI
// SRST shutdown, reason "none"); non-zero otherwise (a failure reason, an
// exit nobody handles, a guest that cannot be resumed).
int vmm_run(struct vm *vm);

#endif
