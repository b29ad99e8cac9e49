// refvm.c: see refvm.h. Shared by make bench and make fuzz.
#include "refvm.h"
#include "vsbi.h"

void refvm_hart_init(struct hyp_caps *caps)
{
	hyp_hart_init(caps);
	deleg_init();
	vsbi_init(caps);
}

int refvm_load(struct vm *vm, const struct hyp_caps *caps, const void *img, ulong size,
	       const char *bootargs, const char *who)
{
	vm->caps = *caps;
	snprintf(vm->bootargs, sizeof(vm->bootargs), "%s", bootargs);
	enum image_error err = vm_load_image(vm, img, size);
	if (err != IMAGE_OK) {
		printf("%s: cannot load the image (%lu bytes): error %d\n", who, size, err);
		return -1;
	}
	if (vm_place_vcpus(vm, 1, 0))
		return -1;
	vm->dtb_size = vm_build_dtb(vm, vm_gpa_to_hva(vm, vm->dtb_gpa, GUEST_DTB_MAX),
				    GUEST_DTB_MAX);
	if (vm->dtb_size == 0 || vm_devices_init(vm))
		return -1;
	vm_vcpu_init(vm, &vm->vcpus[0]);
	console_irq_init();          // as lab 10's harness: input as an interrupt
	return 0;
}
