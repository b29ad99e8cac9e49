// Lab 10 harness: the VMM's main program (a real guest, or the lab's own),
// and the dispatch to the tests that need no guest.
//
// Scenario "run" (make run, and the graded U-Boot and Linux tests) is the
// whole VMM: per-hart setup (labs 2, 3), the SBI (lab 7), the guest's RAM
// (lab 5, vm_create), then your code: vm_load_image() copies the raw image
// that QEMU's loader put at LOADER_BASE into the guest's RAM,
// vm_build_dtb() writes the guest's device tree, vm_devices_init() and
// vm_vcpu_init() prepare the devices and the boot vCPU, and the kit's run
// loop (vm.h) runs one vCPU per physical hart, with your
// vmm_handle_exit() for the exits it leaves to the VMM, until the guest
// stops. The run's status becomes the hypervisor's: "hyp: shutdown (ok)"
// only for a guest that shut down cleanly.
//
// The bootargs (make run and the grader write them):
//   guest_size=BYTES     how long the image at LOADER_BASE is (a raw image
//                        does not say)
//   initrd_addr=ADDR     an initial ramdisk QEMU's loader put at host ADDR,
//   initrd_size=BYTES    given to the guest below its device tree
//   guest_mem=BYTES      guest RAM (default 128 MiB)
//   -- ARGS              everything after " -- ": the guest's own command
//                        line (/chosen/bootargs); default GUEST_BOOTARGS
//   dtb_dump=1           print the guest's device tree as hex lines
//                        ("vmm: dtb OFFSET HEX") and stop instead of booting:
//                        the hex fields through `xxd -r -p` give a .dtb to
//                        read with `dtc -I dtb`, or to boot the same guest
//                        natively with QEMU's -dtb (as make bench does)
// One vCPU per physical hart: QEMU's -smp is the guest's number of harts.
//
// Scenarios "virtual_insn" and "interrupts" run the same steps with the
// lab's own guest (test/guest/, linked into this image by guest_blob.S)
// instead of the loader's file. virtual_insn runs H instructions from
// VS-mode and checks that each comes back to it as an illegal instruction
// (vmm_handle_exit: EXIT_VIRTUAL_INSN); interrupts (two vCPUs) programs the
// PLIC and raises the UART's line, and checks where and when its external
// interrupts arrive.
#include "hyp.h"
#include "hypinit.h"
#include "minisbi.h"
#include "vsbi.h"
#include "lab10.h"
#include "lab10hc.h"

extern const char guest_image_start[];   // guest_blob.S: the test guest's bytes

// The guest's command line when none is given (U-Boot ignores it; a Linux
// kernel prints on the UART with it).
#define GUEST_BOOTARGS "console=ttyS0"
#define ARGS_MARK      " -- "

static struct vm vm;

// The test guest's hypercall (lab10hc.h), however the VMM gets it here.
long vsbi_hypercall(struct vcpu *v, ulong nr, const ulong *args, ulong *value)
{
	UNUSED(v);
	if (nr != LAB10_HC_MIX)
		return SBI_ERR_NOT_SUPPORTED;
	*value = lab10_mix(args);
	return SBI_SUCCESS;
}

static const char *reset_type_name(ulong type)
{
	switch (type) {
	case SBI_SRST_TYPE_SHUTDOWN:    return "shutdown";
	case SBI_SRST_TYPE_COLD_REBOOT: return "cold reboot";
	case SBI_SRST_TYPE_WARM_REBOOT: return "warm reboot";
	default:                        return "reset of unknown type";
	}
}

// SBI SRST (SBI 10): the guest is done. A shutdown with no reason is the
// clean end; a reboot is not emulated (a guest kernel that panics with
// panic=-1 asks for one), so it ends the run too, as a failure.
static void on_system_down(struct vm *m, struct vcpu *v, const struct vm_exit *e)
{
	UNUSED(m);
	fact("system_down", "type=%lu reason=%lu", e->system_down.type, e->system_down.reason);
	printf("vmm: vCPU %d: the guest asked for a %s (reason %lu): stopping the VM\n", v->id,
	       reset_type_name(e->system_down.type), e->system_down.reason);
}

// SBI calls per extension (by its place in the .sbi_ext table, vsbi.h),
// for the summary at the end: what a guest asks of its firmware.
#define MAX_EXTS 16
static ulong sbi_calls[MAX_EXTS], sbi_unknown;

static void count_sbi(struct vm *m, struct vcpu *v, const struct vm_exit *e)
{
	UNUSED(m);
	UNUSED(v);
	if (e->reason != EXIT_SBI_CALL)
		return;
	const struct vsbi_ext *ext = vsbi_find_ext(e->sbi.eid);
	for (long i = 0; ext && i < __sbi_ext_end - __sbi_ext_start && i < MAX_EXTS; i++)
		if (__sbi_ext_start[i] == ext) {
			__atomic_fetch_add(&sbi_calls[i], 1, __ATOMIC_RELAXED);
			return;
		}
	__atomic_fetch_add(&sbi_unknown, 1, __ATOMIC_RELAXED);
}

static const struct vm_ops vmm_ops = {
	.who = "vmm",
	.handle_exit = vmm_handle_exit,
	.on_exit = count_sbi,
	.on_system_down = on_system_down,
};

static void report_exits(const struct vm *v)
{
	printf("vmm: exits:");
	for (int i = 0; i < EXIT_REASON_COUNT; i++)
		if (v->exits[i])
			printf(" %s %lu", vm_exit_reason_name(i), v->exits[i]);
	printf("\nvmm: SBI calls:");
	for (long i = 0; i < __sbi_ext_end - __sbi_ext_start && i < MAX_EXTS; i++)
		if (sbi_calls[i])
			printf(" %s %lu", __sbi_ext_start[i]->name, sbi_calls[i]);
	if (sbi_unknown)
		printf(" (no extension) %lu", sbi_unknown);
	printf("\n");
}

// The initial ramdisk goes right below the device tree, page aligned.
static int place_initrd(const u8 *initrd, ulong size)
{
	if (!size)
		return 0;
	ulong room = vm.dtb_gpa - GUEST_IMAGE_GPA;
	if (size > GUEST_INITRD_MAX || size > room) {
		printf("vmm: the initrd (%lu bytes) does not fit in the guest's RAM (%lu MiB): give "
		       "it more (GUEST_MEM=)\n", size, vm.ram_size >> 20);
		return -1;
	}
	vm.initrd_gpa = ALIGN_DOWN(vm.dtb_gpa - size, PAGE_SIZE);
	vm.initrd_size = size;
	memcpy(vm_gpa_to_hva(&vm, vm.initrd_gpa, size), initrd, size);
	return 0;
}

static int vm_prepare(const u8 *image, ulong size, const u8 *initrd, ulong initrd_size,
		      ulong mem, const char *bootargs)
{
	struct hyp_caps caps;
	hyp_hart_init(&caps);
	deleg_init();
	vsbi_init(&caps);
	vm.ops = &vmm_ops;
	if (vm_create(&vm, mem, LAB10_VMID))
		return -1;
	vm.caps = caps;
	snprintf(vm.bootargs, sizeof(vm.bootargs), "%s", bootargs);
	if (place_initrd(initrd, initrd_size))
		return -1;
	enum image_error err = vm_load_image(&vm, image, size);
	fact("image", "%s", err == IMAGE_OK ? "loaded" : "refused");
	if (err != IMAGE_OK) {
		printf("vmm: cannot boot the guest image (guest_size=%lu): %s\n", size,
		       image_error_str(err));
		if (err == IMAGE_TOO_LARGE)
			printf("vmm: this VM has room for %lu bytes (vm_image_room, vmm.h)\n",
			       vm_image_room(&vm));
		return -1;
	}
	if (vm_place_vcpus(&vm, platform.nharts, 0))
		return -1;
	vm.dtb_size = vm_build_dtb(&vm, vm_gpa_to_hva(&vm, vm.dtb_gpa, GUEST_DTB_MAX),
				   GUEST_DTB_MAX);
	if (vm.dtb_size == 0) {
		printf("vmm: vm_build_dtb() wrote no device tree\n");
		return -1;
	}
	if (vm_devices_init(&vm)) {
		printf("vmm: vm_devices_init() failed\n");
		return -1;
	}
	// Console input arrives as this (vCPU 0's) hart's external interrupt:
	// EXIT_EXTERNAL_IRQ for vmm_handle_exit().
	console_irq_init();
	return 0;
}

// vCPU 0 here, the other physical harts on their vCPUs, until the guest stops.
static int vm_boot(ulong hartid)
{
	vm_vcpu_init(&vm, &vm.vcpus[0]);
	printf("vmm: booting the guest on %d vCPU(s) from hart %lu: %lu bytes at 0x%lx, "
	       "%lu MiB of RAM at 0x%lx, device tree at 0x%lx (%lu bytes)\n", vm.nvcpus, hartid,
	       vm.image_size, vm.entry, vm.ram_size >> 20, vm.ram_gpa, vm.dtb_gpa, vm.dtb_size);
	int up = vm_start_harts(&vm);
	if (up != vm.nvcpus - 1) {
		printf("vmm: only %d of %d secondary harts came up\n", up, vm.nvcpus - 1);
		return 1;
	}
	int rc = vm_run(&vm);
	report_exits(&vm);
	printf("vmm: the guest %s\n", rc == 0 ? "shut down cleanly" : "did not shut down cleanly");
	return rc;
}

// dtb_dump=1: the tree vm_build_dtb() wrote, 32 bytes a line, in hex.
static void dtb_dump(void)
{
	const u8 *p = vm_gpa_to_hva(&vm, vm.dtb_gpa, vm.dtb_size);
	for (ulong off = 0; off < vm.dtb_size; off += 32) {
		printf("vmm: dtb %04lx ", off);
		for (ulong i = off; i < off + 32 && i < vm.dtb_size; i++)
			printf("%02x", p[i]);
		printf("\n");
	}
	printf("vmm: dtb end, %lu bytes; not booting the guest (dtb_dump=1)\n", vm.dtb_size);
}

// The guest's command line: what follows " -- " in our own bootargs.
static const char *guest_bootargs(void)
{
	const char *all = platform.bootargs, *mark = strstr(all, ARGS_MARK);
	return mark ? mark + strlen(ARGS_MARK) : GUEST_BOOTARGS;
}

static int vmm_main(ulong hartid)
{
	ulong size = bootarg_ulong("guest_size", 0);
	ulong initrd = bootarg_ulong("initrd_addr", 0);
	ulong initrd_size = initrd ? bootarg_ulong("initrd_size", 0) : 0;
	ulong mem = bootarg_ulong("guest_mem", LAB10_GUEST_MEM);
	if (vm_prepare((const u8 *)LOADER_BASE, size, (const u8 *)initrd, initrd_size, mem,
		       guest_bootargs()))
		return 1;
	if (bootarg_ulong("dtb_dump", 0)) {
		dtb_dump();
		return 0;
	}
	return vm_boot(hartid);
}

// The lab's own guest reads the scenario, the run's nonce and seed from
// its /chosen/bootargs.
static int own_guest_main(ulong hartid)
{
	char args[VM_BOOTARGS_MAX];
	snprintf(args, sizeof(args), "%s test=%s nonce=%s seed=0x%lx", GUEST_BOOTARGS,
		 run_test(), run_nonce(), run_seed());
	if (vm_prepare((const u8 *)guest_image_start, guest_image_size(), NULL, 0,
		       LAB10_TEST_GUEST_MEM, args))
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
	if (!strcmp(test, "plic"))
		return plic_test();
	if (!strcmp(test, "virtual_insn") || !strcmp(test, "interrupts"))
		return own_guest_main(hartid);
	if (!strcmp(test, "run") || !strcmp(test, ""))
		return vmm_main(hartid);
	printf("lab10: unknown test '%s' (image_checks, guest_dtb, plic, virtual_insn, "
	       "interrupts, run)\n", test);
	return 1;
}
