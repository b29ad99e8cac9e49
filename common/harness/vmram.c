// vmram.c: guest RAM for test guests from lab 5 on (see vmram.h).
#include "hyp.h"
#include "gstage.h"
#include "minisbi.h"
#include "vmram.h"

#define DTB_SLOT (64 * 1024)

int vm_ram_setup(struct vm_ram *ram, ulong size, ulong vmid)
{
	ram->gpa = GUEST_RAM_GPA;
	ram->size = ALIGN_UP(size, MEGAPAGE_SIZE);
	ram->hva = kalloc_pages(ram->size / PAGE_SIZE, MEGAPAGE_SIZE);
	ram->root = gstage_create();
	if (!ram->hva) {
		printf("vmram: out of memory for %lu KiB of guest RAM\n", ram->size >> 10);
		return -1;
	}
	if (!ram->root) {
		printf("vmram: gstage_create() returned NULL\n");
		return -1;
	}
	if (guest_image_entry != ram->gpa || guest_image_size() > ram->size - DTB_SLOT) {
		printf("vmram: the guest image must be linked at 0x%lx and fit in RAM\n", ram->gpa);
		return -1;
	}
	if (gstage_map(ram->root, ram->gpa, (ulong)ram->hva, ram->size, PTE_R | PTE_W | PTE_X)) {
		printf("vmram: gstage_map(gpa 0x%lx, hpa %p, 0x%lx bytes, RWX) failed\n", ram->gpa,
		       ram->hva, ram->size);
		return -1;
	}
	guest_image_load((ulong)ram->hva);
	ram->dtb_gpa = ram->gpa + ram->size - DTB_SLOT;
	if (fdt_totalsize(boot_dtb) <= DTB_SLOT)
		memcpy(vm_ram_hva(ram, ram->dtb_gpa), boot_dtb, fdt_totalsize(boot_dtb));
	gstage_activate(ram->root, vmid);
	return 0;
}

void *vm_ram_hva(struct vm_ram *ram, ulong gpa)
{
	if (gpa < ram->gpa || gpa >= ram->gpa + ram->size)
		return NULL;
	return ram->hva + (gpa - ram->gpa);
}
