// vm.c: the messages for image errors (the VM itself is the kit's: vm.h,
// common/vm/vm.c).
#include "hyp.h"
#include "vmm.h"
#include "lab10.h"

const char *image_error_str(enum image_error err)
{
	switch (err) {
	case IMAGE_OK:         return "ok";
	case IMAGE_EMPTY:      return "the image is empty (guest_size=0, or no file was loaded)";
	case IMAGE_TOO_LARGE:  return "the image is larger than the room for it in guest RAM";
	case IMAGE_ELF:        return "this is an ELF file, not a raw image: convert it with "
	                              "objcopy -O binary (U-Boot: use u-boot.bin, not uboot.elf)";
	case IMAGE_UIMAGE:     return "this is a U-Boot legacy uImage (mkimage header), not a raw image";
	case IMAGE_COMPRESSED: return "this is gzip-compressed data: decompress it first";
	case IMAGE_NOT_CODE:   return "the first bytes are not a RISC-V instruction: not a raw "
	                              "RISC-V image";
	}
	return "unknown image error";
}
