// vm.c: the parts of the VMM that are not lab 10's exercise: the guest's
// RAM (lab 5's G-stage over pages from the allocator), where the image
// arrived, and the messages for image errors.
#include "hyp.h"
#include "vmm.h"
#include "lab10.h"

void *vm_gpa_to_hva(struct vm *vm, ulong gpa, ulong len)
{
	ulong end = vm->ram_gpa + vm->ram_size;
	if (gpa < vm->ram_gpa || gpa >= end || len > end - gpa)
		return NULL;
	return vm->ram_hva + (gpa - vm->ram_gpa);
}

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

// The guest's RAM: size bytes of zeroed host pages, 2 MiB aligned so that
// the G-stage can use megapages, mapped RWX at GUEST_RAM_GPA, hgatp on.
int vm_create(struct vm *vm, ulong ram_size, int nvcpus)
{
	memset(vm, 0, sizeof(*vm));
	vm->ram_gpa = GUEST_RAM_GPA;
	vm->ram_size = ALIGN_UP(ram_size, MEGAPAGE_SIZE);
	vm->nvcpus = nvcpus;
	vm->timebase = platform.timebase;
	if (vm->ram_size < GUEST_RAM_MIN) {
		printf("vmm: guest RAM of %lu MiB is too small: the layout needs %lu MiB\n",
		       vm->ram_size >> 20, GUEST_RAM_MIN >> 20);
		return -1;
	}
	vm->ram_hva = kalloc_pages(vm->ram_size / PAGE_SIZE, MEGAPAGE_SIZE);
	if (!vm->ram_hva) {
		printf("vmm: out of host memory for %lu MiB of guest RAM (%lu MiB free): run QEMU "
		       "with more memory (make run MEM=512M) or ask for less (GUEST_MEM=)\n",
		       vm->ram_size >> 20, kalloc_free_pages() >> 8);
		return -1;
	}
	vm->root = gstage_create();
	if (!vm->root) {
		printf("vmm: gstage_create() returned NULL (lab 5)\n");
		return -1;
	}
	if (gstage_map(vm->root, vm->ram_gpa, (ulong)vm->ram_hva, vm->ram_size,
		       PTE_R | PTE_W | PTE_X)) {
		printf("vmm: gstage_map() of the guest RAM failed\n");
		return -1;
	}
	gstage_activate(vm->root, LAB10_VMID);
	return 0;
}
