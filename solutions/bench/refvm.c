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
	vm->dtb_gpa = GUEST_DTB_GPA;
	vm->dtb_size = vm_build_dtb(vm, vm_gpa_to_hva(vm, GUEST_DTB_GPA, GUEST_DTB_MAX),
				    GUEST_DTB_MAX);
	if (vm->dtb_size == 0 || vm_devices_init(vm))
		return -1;
	vm_vcpu_init(vm, 0, 0);
	return 0;
}

enum verdict refvm_common_exit(struct vm *vm, struct vcpu *v, struct vm_exit *e,
			       const char *who, int *mine)
{
	*mine = 1;
	switch (e->reason) {
	case EXIT_SBI_CALL:
	case EXIT_HYPERCALL: {
		ulong eid = e->sbi.eid, fid = e->sbi.fid;
		switch (vsbi_handle_exit(v, e)) {
		case EXIT_NOTHING:
			return RESUME;
		case EXIT_SYSTEM_DOWN:
			vm->down = e->system_down;
			return e->system_down.reason == SBI_SRST_REASON_NONE ? STOP_OK : STOP_FAIL;
		default:
			printf("%s: SBI EID 0x%lx FID 0x%lx became a %s exit\n", who, eid, fid,
			       vm_exit_reason_name(e->reason));
			return STOP_FAIL;
		}
	}
	case EXIT_TIMER:
		vtimer_expired(v);
		return RESUME;
	case EXIT_HALT:
	case EXIT_NOTHING:
		return RESUME;
	default:
		*mine = 0;
		return RESUME;
	}
}
