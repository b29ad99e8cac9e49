// Lab 10 harness: the VMM's main program (U-Boot, or the lab's own guest), and the
// dispatch to the tests that need no guest.
//
// Scenario "run" (make run, and the graded U-Boot tests) is the whole VMM:
// per-hart setup (labs 2, 3), the SBI (lab 7), the guest's RAM (lab 5),
// then your code: vm_load_image() copies the raw image that QEMU's loader
// put at GUEST_BARE_BASE into the guest's RAM, vm_build_dtb() writes the
// guest's device tree, vm_devices_init() and vm_vcpu_init() prepare the
// UART and vCPU 0, and vmm_run() runs the guest until it stops. Its return
// value becomes the hypervisor's: "hyp: shutdown (ok)" only for a guest
// that shut down cleanly.
//
// The bootargs: guest_size=BYTES (how long the image is: a raw image does
// not say), guest_mem=BYTES (guest RAM, default 128 MiB).
//
// Scenario "virtual_insn" runs the same steps with the lab's own guest
// (test/guest/, linked into this image by guest_blob.S) instead of the
// loader's file: it runs H instructions from VS-mode and checks that each
// comes back to it as an illegal instruction (vmm_run: EXIT_VIRTUAL_INSN).
#include "hyp.h"
#include "hypinit.h"
#include "minisbi.h"
#include "vsbi.h"
#include "lab10.h"

extern const char guest_image_start[];   // guest_blob.S: the test guest's bytes

// Whatever the guest's kernel would find on its command line (U-Boot
// ignores it; a Linux kernel booted from U-Boot gets its own from U-Boot).
#define GUEST_BOOTARGS "console=ttyS0"

static struct vm vm;

static void report_exits(const struct vm *v)
{
	printf("vmm: exits:");
	for (int i = 0; i < EXIT_REASON_COUNT; i++)
		if (v->exits[i])
			printf(" %s %lu", vm_exit_reason_name(i), v->exits[i]);
	printf("\n");
}

static int vm_prepare(const u8 *image, ulong size, ulong mem, const char *bootargs)
{
	struct hyp_caps caps;
	hyp_hart_init(&caps);
	deleg_init();
	vsbi_init(&caps);
	if (vm_create(&vm, mem, 1))
		return -1;
	vm.caps = caps;
	snprintf(vm.bootargs, sizeof(vm.bootargs), "%s", bootargs);
	enum image_error err = vm_load_image(&vm, image, size);
	fact("image", "%s", err == IMAGE_OK ? "loaded" : "refused");
	if (err != IMAGE_OK) {
		printf("vmm: cannot boot the guest image (guest_size=%lu): %s\n", size,
		       image_error_str(err));
		if (err == IMAGE_TOO_LARGE)
			printf("vmm: an image may have up to %lu bytes (GUEST_IMAGE_MAX, vmm.h)\n",
			       GUEST_IMAGE_MAX);
		return -1;
	}
	vm.dtb_gpa = GUEST_DTB_GPA;
	vm.dtb_size = vm_build_dtb(&vm, vm_gpa_to_hva(&vm, GUEST_DTB_GPA, GUEST_DTB_MAX),
				   GUEST_DTB_MAX);
	if (vm.dtb_size == 0) {
		printf("vmm: vm_build_dtb() wrote no device tree\n");
		return -1;
	}
	if (vm_devices_init(&vm)) {
		printf("vmm: vm_devices_init() failed\n");
		return -1;
	}
	return 0;
}

// vCPU 0, then vmm_run() until the guest stops.
static int vm_boot(ulong hartid)
{
	vm_vcpu_init(&vm, 0, 0);
	printf("vmm: booting the guest on hart %lu: %lu bytes at 0x%lx, %lu MiB of RAM at 0x%lx, "
	       "device tree at 0x%lx (%lu bytes)\n", hartid, vm.image_size, vm.entry,
	       vm.ram_size >> 20, vm.ram_gpa, vm.dtb_gpa, vm.dtb_size);
	int rc = vmm_run(&vm);
	report_exits(&vm);
	if (rc == 0)
		fact("system_down", "type=%lu reason=%lu", vm.down.type, vm.down.reason);
	printf("vmm: the guest %s\n", rc == 0 ? "shut down cleanly" : "did not shut down cleanly");
	return rc;
}

static int vmm_main(ulong hartid)
{
	ulong size = bootarg_ulong("guest_size", 0);
	ulong mem = bootarg_ulong("guest_mem", LAB10_GUEST_MEM);
	if (vm_prepare((const u8 *)GUEST_BARE_BASE, size, mem, GUEST_BOOTARGS))
		return 1;
	return vm_boot(hartid);
}

// The test guest reads the run's nonce and seed from its /chosen/bootargs.
static int virtual_insn_main(ulong hartid)
{
	char args[VM_BOOTARGS_MAX];
	snprintf(args, sizeof(args), "%s nonce=%s seed=0x%lx", GUEST_BOOTARGS, run_nonce(),
		 run_seed());
	if (vm_prepare((const u8 *)guest_image_start, guest_image_size(), LAB10_TEST_GUEST_MEM,
		       args))
		return 1;
	return vm_boot(hartid);
}

int lab_main(ulong hartid, const void *dtb)
{
	UNUSED(dtb);
	const char *test = run_test();
	if (!strcmp(test, "image_checks"))
		return image_test();
	if (!strcmp(test, "guest_dtb"))
		return dtb_test();
	if (!strcmp(test, "virtual_insn"))
		return virtual_insn_main(hartid);
	if (!strcmp(test, "run") || !strcmp(test, ""))
		return vmm_main(hartid);
	printf("lab10: unknown test '%s' (image_checks, guest_dtb, virtual_insn, run)\n", test);
	return 1;
}
