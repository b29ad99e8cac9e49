// Lab 10, part 1: loading a raw guest image (read common/include/vmm.h
// first: the guest's memory map and the image's room).
//
// A raw image (u-boot.bin, a Linux Image, objcopy -O binary output) is the
// guest's first instruction followed by the rest of the program: no header
// says how long it is (the bootargs do: guest_size=) or where it wants to
// run (at GUEST_IMAGE_GPA, the address OpenSBI jumps to natively). So your
// checks are about what it must NOT be: empty, too large, a file in some
// other format given by mistake, or bytes that are not RISC-V code.
//
// Check yourself: make grade LAB=10 (test image_checks, and image_elf:
// `make run SOLUTION=1 GUEST=/usr/lib/u-boot/qemu-riscv64_smode/uboot.elf`
// shows what a good refusal looks like).
#include "hyp.h"
#include "vmm.h"

enum image_error image_check(const u8 *img, ulong size, ulong room)
{
	// TODO(lab 10): return the first problem, in this order, or IMAGE_OK:
	//  - IMAGE_EMPTY for size 0; IMAGE_TOO_LARGE for more than room bytes;
	//  - the formats people pass by mistake, by their magic numbers:
	//    IMAGE_ELF (the ELF header's e_ident starts 0x7f 'E' 'L' 'F'),
	//    IMAGE_UIMAGE (mkimage: the big-endian word 0x27051956 at offset 0),
	//    IMAGE_COMPRESSED (gzip: the bytes 0x1f 0x8b);
	//  - IMAGE_NOT_CODE unless the image starts with a whole RISC-V
	//    instruction. ISA vol. I, "Base Instruction-Length Encoding" says
	//    how long an instruction is from its first 16-bit parcel, and which
	//    parcels are never instructions (all zeros, all ones). Only 16- and
	//    32-bit instructions exist in RV64GC.
	// Read no byte past img[size - 1]: a 1-byte image has no halfword.
	UNUSED(img);
	UNUSED(size);
	UNUSED(room);
	return IMAGE_NOT_CODE;
}

enum image_error vm_load_image(struct vm *vm, const u8 *img, ulong size)
{
	// TODO(lab 10): check the image with image_check() against the room
	// it has (vm_image_room(), vmm.h), and return the error without
	// touching guest RAM if there is one. Then copy the size bytes to
	// guest-physical GUEST_IMAGE_GPA (vm_gpa_to_hva() gives the host
	// address of guest RAM: the G-stage maps it there, lab 5), and record
	// vm->entry and vm->image_size.
	UNUSED(vm);
	UNUSED(img);
	UNUSED(size);
	return IMAGE_EMPTY;
}
