// vm.c: creating a VM's memory, and finding things in it (vm.h, vmm.h).
#include "hyp.h"
#include "gstage.h"
#include "vmm.h"

int vm_create(struct vm *vm, ulong ram_size, ulong vmid)
{
	vm->ram_gpa = GUEST_RAM_GPA;
	vm->ram_size = ALIGN_UP(ram_size, MEGAPAGE_SIZE);
	vm->vmid = vmid;
	vm->timebase = platform.timebase;
	vm->dtb_gpa = vm->ram_gpa + vm->ram_size - GUEST_DTB_MAX;
	if (vm->ram_size < GUEST_RAM_MIN) {
		printf("vm: guest RAM of %lu MiB is too small: the layout needs %lu MiB\n",
		       vm->ram_size >> 20, GUEST_RAM_MIN >> 20);
		return -1;
	}
	// 2 MiB aligned, so that the G-stage can use megapages (lab 5).
	vm->ram_hva = kalloc_pages(vm->ram_size / PAGE_SIZE, MEGAPAGE_SIZE);
	if (!vm->ram_hva) {
		printf("vm: out of host memory for %lu MiB of guest RAM (%lu MiB free): run QEMU "
		       "with more memory (make run MEM=1G) or ask for less (GUEST_MEM=)\n",
		       vm->ram_size >> 20, kalloc_free_pages() >> 8);
		return -1;
	}
	vm->root = gstage_create();
	if (!vm->root) {
		printf("vm: gstage_create() returned NULL (lab 5)\n");
		return -1;
	}
	if (gstage_map(vm->root, vm->ram_gpa, (ulong)vm->ram_hva, vm->ram_size,
		       PTE_R | PTE_W | PTE_X)) {
		printf("vm: gstage_map() of the guest RAM failed (lab 5)\n");
		return -1;
	}
	gstage_activate(vm->root, vmid);
	return 0;
}

void *vm_gpa_to_hva(struct vm *vm, ulong gpa, ulong len)
{
	ulong end = vm->ram_gpa + vm->ram_size;
	if (gpa < vm->ram_gpa || gpa >= end || len > end - gpa)
		return NULL;
	return vm->ram_hva + (gpa - vm->ram_gpa);
}

ulong vm_image_room(const struct vm *vm)
{
	ulong above = vm->initrd_size ? vm->initrd_gpa : vm->dtb_gpa;
	ulong room = above > GUEST_IMAGE_GPA ? above - GUEST_IMAGE_GPA : 0;
	return room < GUEST_IMAGE_MAX ? room : GUEST_IMAGE_MAX;
}
