// Lab 1: boot, platform facts and H-extension detection.
//
// Read docs/labs/01-boot.md first. Check yourself with: make grade LAB=1
// Run it with: make qemu LAB=1   (try CPU=rv64,h=false and SMP=3 MEM=256M)
#include "hyp.h"
#include "boot.h"

// Task 1. Return 1 if this hart implements the H extension, 0 if not.
//
// A hypervisor cannot trust a device tree to tell it the truth, so it asks
// the hardware: touch an H-only CSR and see whether that traps.
//   - Priv. chapter 8 (introduction) and 8.2.1: hstatus exists only with
//     the H extension; without it, any access is an illegal-instruction
//     exception (scause = 2; a missing CSR is illegal, Priv. 2.1).
//   - The kit's probe_trapvec (common/hyp/trapvec.S) is a tiny trap handler
//     that stores scause in probe_cause and skips the faulting instruction.
//   - Point stvec at it for the duration of the probe (csr_swap), set
//     probe_cause = PROBE_NO_TRAP, read hstatus (csr_read), and put the old
//     stvec back before you return: the harness checks that you did.
int hext_detect(void)
{
	// TODO: your code here.
	return NOT_IMPLEMENTED;
}

// Task 2. Ask the SBI implementation (OpenSBI, running in M-mode) who it is.
//   - SBI spec 4.1-4.3: base extension (EID SBI_EXT_BASE), functions
//     SBI_BASE_GET_SPEC_VERSION, _GET_IMPL_ID, _GET_IMPL_VERSION.
//   - sbi_ecall() in common/lib/sbi.c makes the call; the answer is in .value
//     when .error == SBI_SUCCESS.
//   - The spec version packs major and minor in one word: use SBI_SPEC_MAJOR
//     and SBI_SPEC_MINOR from sbi.h.
int sbi_info_read(struct sbi_info *out)
{
	UNUSED(out);
	// TODO: your code here.
	return NOT_IMPLEMENTED;
}

// Task 3. Read the machine's shape from the device tree OpenSBI passed in a1.
//   - Count the hart nodes: the children of /cpus whose "device_type"
//     property is "cpu" (there is also a cpu-map child that is not a hart).
//   - The first node whose device_type is "memory" (a child of "/") has a
//     "reg" property of two big-endian 64-bit cells: base, size.
//   - Use the low-level reader in fdt.h: fdt_path_offset, fdt_first_subnode,
//     fdt_next_subnode, fdt_prop_is, fdt_getprop, fdt64. (The runtime's
//     fdt_read_platform does this for itself; write your own walk.)
int platform_read(const void *dtb, struct platform_info *out)
{
	UNUSED(dtb);
	UNUSED(out);
	// TODO: your code here.
	return NOT_IMPLEMENTED;
}
