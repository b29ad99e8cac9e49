// Lab 1 harness: calls the student's functions and reports what they found.
// The grader compares the FACT lines with the machine it configured (-m,
// -smp, -cpu), so only answers read from this run can pass.
#include "hyp.h"
#include "boot.h"

static void report_platform(const void *dtb)
{
	struct platform_info p = { -1, 0, 0 };
	if (platform_read(dtb, &p) != 0) {
		printf("boot: platform_read() returned an error (task 3 in labs/01-boot/boot.c)\n");
		fact("harts", "unimplemented");
		fact("mem", "unimplemented");
		return;
	}
	fact("harts", "%d", p.nharts);
	fact("mem", "base=0x%lx size=0x%lx", p.mem_base, p.mem_size);
	printf("boot: %d hart(s), %lu MiB of RAM at 0x%lx\n", p.nharts, p.mem_size >> 20,
	       p.mem_base);
}

static void report_sbi(void)
{
	struct sbi_info s = { 0, 0, -1, -1 };
	if (sbi_info_read(&s) != 0) {
		printf("boot: sbi_info_read() returned an error (task 2 in labs/01-boot/boot.c)\n");
		fact("sbi", "unimplemented");
		return;
	}
	// The harness asks too, and checks the student's numbers against its own.
	struct sbiret ver = sbi_ecall(SBI_EXT_BASE, SBI_BASE_GET_IMPL_VERSION, 0, 0, 0, 0, 0, 0);
	fact("sbi", "spec=%lu.%lu impl=%ld", s.spec_major, s.spec_minor, s.impl_id);
	check("sbi_impl_version", s.impl_version == ver.value,
	      "expected 0x%lx (asked OpenSBI), got 0x%lx", ver.value, s.impl_version);
	printf("boot: SBI %lu.%lu, implementation %ld (%s), version 0x%lx\n", s.spec_major,
	       s.spec_minor, s.impl_id, s.impl_id == SBI_IMPL_OPENSBI ? "OpenSBI" : "other",
	       s.impl_version);
}

// Returns the detection result; stops the run cleanly when H is absent.
static int report_hext(void)
{
	ulong stvec_before = csr_read(stvec);
	int h = hext_detect();
	ulong stvec_after = csr_read(stvec);
	fact("hext", "%s", h == 1 ? "present" : h == 0 ? "absent" : "unimplemented");
	if (h == 1 || h == 0)
		check("hext_restores_stvec", stvec_before == stvec_after,
		      "stvec was 0x%lx before hext_detect(), 0x%lx after", stvec_before,
		      stvec_after);
	return h;
}

int lab_main(ulong hartid, const void *dtb)
{
	printf("boot: hello from hart %lu, device tree at %p\n", hartid, dtb);
	report_platform(dtb);
	report_sbi();
	int h = report_hext();
	if (h == 0) {
		printf("boot: this CPU has no H extension: a hypervisor cannot run here; stopping\n");
		return 0;
	}
	if (h == 1)
		printf("boot: H extension present: ready for lab 2\n");
	else
		printf("boot: hext_detect() returned %d, not 0 or 1 (task 1 in labs/01-boot/boot.c)\n", h);
	return 0;
}
