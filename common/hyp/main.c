// main.c: bring the runtime up on the boot hart, run the lab, shut down.
#include "hyp.h"

struct fdt_platform platform;
const void *boot_dtb;
ulong boot_hartid;
int rt_has_h;     // read by trapvec.S: may H CSRs be touched?

#ifndef LAB_NAME
#define LAB_NAME "?"
#endif

// The runtime's own view of "is H here", from the DTB's riscv,isa string
// ("rv64imafdch_zicsr..."): the single-letter part ends at the first '_'.
// Lab 1 asks the students to find out the way a hypervisor must when it
// cannot trust a device tree: by trying an H instruction.
static int isa_has_h(const char *isa)
{
	if (!isa || strncmp(isa, "rv64", 4))
		return 0;
	for (const char *p = isa + 4; *p && *p != '_'; p++)
		if (*p == 'h')
			return 1;
	return 0;
}

static ulong dtb_addr_of(const void *dtb)
{
	return ALIGN_DOWN((ulong)dtb, PAGE_SIZE);
}

void hyp_boot(ulong hartid, const void *dtb)
{
	cpu_init(hartid);
	boot_hartid = hartid;
	boot_dtb = dtb;
	console_init();
	if (fdt_read_platform(dtb, &platform) < 0) {
		printf("hyp: no valid device tree at %p; cannot continue\n", dtb);
		hyp_shutdown(0);
	}
	rt_has_h = isa_has_h(platform.isa);
	bootargs_init(platform.bootargs);
	extern char _end[];
	if ((ulong)_end > GUEST_BARE_BASE)
		panic("hypervisor image too large: ends at %p", _end);
	// OpenSBI put the DTB near the top of RAM; the bootargs (and the lab's
	// guest device trees) point into it, so pages from it on are not ours.
	ulong ram_end = platform.mem_base + platform.mem_size;
	ulong dtb_page = dtb_addr_of(dtb);
	// Files QEMU's loader put at KALLOC_BASE for lab 10 (a guest image,
	// an initrd): the bootarg load_size=BYTES says how far they reach.
	ulong loaded = ALIGN_UP(bootarg_ulong("load_size", 0), PAGE_SIZE);
	kalloc_init(KALLOC_BASE + loaded,
		    dtb_page > KALLOC_BASE && dtb_page < ram_end ? dtb_page : ram_end);
	printf("hyp: RISC-V Hypervisor Labs, lab %s, boot hart %lu\n", LAB_NAME, hartid);
	int rc = lab_main(hartid, dtb);
	if (rc)
		printf("hyp: lab_main returned %d\n", rc);
	hyp_shutdown(rc == 0);
}

void panic(const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("panic: %s\n", msg);
	snapshot_pause();
	hyp_shutdown(0);
}

// SBI SRST (SBI spec 10.1); QEMU's test finisher turns a failure reason into
// a non-zero exit status. The legacy shutdown is the fallback.
void hyp_shutdown(int ok)
{
	printf("hyp: shutdown (%s)\n", ok ? "ok" : "failure");
	sbi_system_reset(SBI_SRST_TYPE_SHUTDOWN,
			 ok ? SBI_SRST_REASON_NONE : SBI_SRST_REASON_FAILURE);
	sbi_ecall(SBI_EXT_LEGACY_SHUTDOWN, 0, 0, 0, 0, 0, 0, 0);
	for (;;)
		wfi();
}
