# vinsn_probes.S: the virtual_insn guest's probes. Each one is a function
#     ulong vinsn_<name>(ulong a0, const u32 *a1)
# whose first instruction is one that VS-mode may not run: the hardware
# raises a virtual-instruction exception (Priv. 8.6.1, cause 22), which
# goes to the hypervisor, not to this guest (hedeleg cannot delegate it).
# The instruction writes a0 if it executes at all (csrr, hlv.w), so a
# reflected one returns the caller's a0 unchanged. a1 points at a word
# that hlv.w would read. The function's address is the sepc the guest's
# handler must see; it resumes the probe at the ret right after it.
# .option norvc: the probes are exactly "insn; ret", 4 bytes each.

	.text
	.option norvc

.macro PROBE name, insn:vararg
	.globl vinsn_\name
	.balign 4
vinsn_\name:
	\insn
	ret
.endm

	PROBE csrr_hstatus,  csrr a0, hstatus         # an H CSR (Priv. 8.2)
	PROBE csrr_vsstatus, csrr a0, vsstatus        # a VS CSR (Priv. 8.2.10)
	PROBE hfence_vvma,   hfence.vvma zero, zero   # Priv. 8.3.2
	PROBE hlv_w,         hlv.w a0, (a1)           # Priv. 8.3.1
