// Lab 1 reference solution: boot, platform facts and H-extension detection.
#include "hyp.h"
#include "boot.h"

// Probe hstatus under a temporary trap handler (Priv. 8.2: without the H
// extension the CSR does not exist and the access is an illegal instruction).
int hext_detect(void)
{
	ulong old = csr_swap(stvec, probe_trapvec);
	probe_cause = PROBE_NO_TRAP;
	(void)csr_read(hstatus);
	csr_write(stvec, old);
	return probe_cause == PROBE_NO_TRAP;
}

int sbi_info_read(struct sbi_info *out)
{
	struct sbiret v = sbi_ecall(SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION, 0, 0, 0, 0, 0, 0);
	struct sbiret id = sbi_ecall(SBI_EXT_BASE, SBI_BASE_GET_IMPL_ID, 0, 0, 0, 0, 0, 0);
	struct sbiret ver = sbi_ecall(SBI_EXT_BASE, SBI_BASE_GET_IMPL_VERSION, 0, 0, 0, 0, 0, 0);
	if (v.error || id.error || ver.error)
		return -1;
	out->spec_major = SBI_SPEC_MAJOR((ulong)v.value);
	out->spec_minor = SBI_SPEC_MINOR((ulong)v.value);
	out->impl_id = id.value;
	out->impl_version = ver.value;
	return 0;
}

static int count_harts(const void *dtb)
{
	int cpus = fdt_path_offset(dtb, "/cpus");
	int n = 0;
	if (cpus < 0)
		return 0;
	for (int c = fdt_first_subnode(dtb, cpus); c >= 0; c = fdt_next_subnode(dtb, c))
		if (fdt_prop_is(dtb, c, "device_type", "cpu"))
			n++;
	return n;
}

int platform_read(const void *dtb, struct platform_info *out)
{
	int root = fdt_path_offset(dtb, "/");
	if (root < 0)
		return -1;
	out->nharts = count_harts(dtb);
	for (int n = fdt_first_subnode(dtb, root); n >= 0; n = fdt_next_subnode(dtb, n)) {
		int len;
		const u8 *reg = fdt_getprop(dtb, n, "reg", &len);
		if (fdt_prop_is(dtb, n, "device_type", "memory") && reg && len >= 16) {
			out->mem_base = fdt64(reg);
			out->mem_size = fdt64(reg + 8);
			return 0;
		}
	}
	return -1;
}
