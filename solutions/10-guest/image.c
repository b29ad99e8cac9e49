// image.c: loading a raw guest image (reference solution).
//
// A raw image is the first instruction followed by the rest of the program,
// with no header: the loader cannot ask it how long it is or where it
// wants to run. So the checks are about what it is NOT: empty, larger than
// the room, or one of the wrapped formats people pass by mistake (an ELF
// file, a mkimage uImage, a gzip file), or something whose first bytes are
// not a RISC-V instruction at all.
#include "hyp.h"
#include "vmm.h"

#define ELF_MAGIC      0x464c457fU   // "\x7fELF", read little-endian
#define UIMAGE_MAGIC   0x27051956U   // stored big-endian at offset 0
#define GZIP_MAGIC     0x8b1fU       // 1f 8b, read little-endian

static u32 le32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static u32 be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | (u32)p[3];
}

// ISA vol. I, "Base Instruction-Length Encoding": a halfword of all zeros
// and one of all ones are reserved (never valid instructions), and a
// 16-bit parcel whose low bits are 11 starts a 32-bit instruction only if
// bits 4:2 are not 111 (longer encodings, none of them in RV64GC).
static int is_riscv_insn(const u8 *p, ulong size)
{
	u16 h = (u16)(p[0] | p[1] << 8);
	if (h == 0x0000 || h == 0xffff)
		return 0;
	if ((h & 3) != 3)
		return 1;                      // a compressed instruction
	return size >= 4 && (h & 0x1c) != 0x1c;
}

enum image_error image_check(const u8 *img, ulong size, ulong room)
{
	if (size == 0)
		return IMAGE_EMPTY;
	if (size > room)
		return IMAGE_TOO_LARGE;
	if (size >= 4 && le32(img) == ELF_MAGIC)
		return IMAGE_ELF;
	if (size >= 4 && be32(img) == UIMAGE_MAGIC)
		return IMAGE_UIMAGE;
	if (size >= 2 && (img[0] | img[1] << 8) == GZIP_MAGIC)
		return IMAGE_COMPRESSED;
	if (size < 2 || !is_riscv_insn(img, size))
		return IMAGE_NOT_CODE;
	return IMAGE_OK;
}

enum image_error vm_load_image(struct vm *vm, const u8 *img, ulong size)
{
	enum image_error err = image_check(img, size, vm_image_room(vm));
	if (err != IMAGE_OK)
		return err;
	u8 *dst = vm_gpa_to_hva(vm, GUEST_IMAGE_GPA, size);
	if (!dst)
		return IMAGE_TOO_LARGE;
	memcpy(dst, img, size);
	vm->image_size = size;
	vm->entry = GUEST_IMAGE_GPA;
	return IMAGE_OK;
}
