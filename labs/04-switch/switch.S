# switch.S: the world switch (lab 4). Read docs/labs/04-switch.md first.
# Check yourself with: make grade LAB=4    Debug with: make gdb LAB=4
#
# vcpu_run() (vcpu_run.c) calls vcpu_switch_to_guest(v) with a0 = v, like
# any C function. The guest runs until its next trap; the trap arrives at
# vcpu_exit_vector, which saves the guest and returns from
# vcpu_switch_to_guest() as if nothing special had happened:
#
#   vcpu_run ──call──> vcpu_switch_to_guest ──sret──> guest (VS-mode)
#      ^                                                  │ trap (ecall...)
#      └───────ret─────── vcpu_exit_vector <───stvec──────┘
#
# Everything goes in and out of struct vcpu (common/include/vcpu.h). Use
# the VCPU_* offsets from that header, never numbers of your own: the
# build checks them against the struct (common/hyp/vcpu_layout.c).
#
#   VCPU_GPRS + 8*n    guest register xn (n = 1..31; the x0 slot is unused)
#   VCPU_SEPC          where the guest resumes
#   VCPU_SSTATUS       sstatus for the sret (SPP = 1: back to S, i.e. VS)
#   VCPU_HSTATUS       hstatus for the sret (SPV = 1: back to V = 1)
#   VCPU_HYP + 8*i     the hypervisor's ra, sp, gp, tp, s0..s11 (i = 0..15)
#   VCPU_HYP_SSTATUS, VCPU_HYP_HSTATUS, VCPU_HYP_STVEC, VCPU_HYP_SSCRATCH
#                      the hypervisor's CSRs that the switch borrows
#   VCPU_TRAP_SCAUSE, _STVAL, _HTVAL, _HTINST   what the exit was
#
# Until you write it, vcpu_switch_to_guest returns at once: no guest runs,
# and every lab 4 test says "vcpu_run() returned without recording a guest
# trap".
#include "vcpu.h"

	# Exact 4-byte instructions: predictable sizes when you stepi in gdb.
	.option norvc

	.text
	.globl vcpu_switch_to_guest
	.balign 4
vcpu_switch_to_guest:
	# TODO 1. Save the hypervisor. To vcpu_run() this is an ordinary call,
	# so afterwards ra, sp, s0-s11 must be what they were (psABI: callee-
	# saved), and gp and tp too (tp points to this hart's struct cpu). The
	# guest will overwrite all of them: store them in v->hyp (VCPU_HYP, in
	# the order ra, sp, gp, tp, s0..s11). The t and a registers are
	# caller-saved: vcpu_run() does not expect them to survive.

	# TODO 2. Save the hypervisor CSRs that you are about to change:
	# sstatus and hstatus (step 3 overwrites them), stvec (step 4) and
	# sscratch (step 4), into VCPU_HYP_SSTATUS, _HSTATUS, _STVEC, _SSCRATCH.

	# TODO 3. Say where sret goes (Priv. 8.6.4, trap return): sepc from
	# VCPU_SEPC, sstatus from VCPU_SSTATUS (SPP), hstatus from VCPU_HSTATUS
	# (SPV, SPVP, VSXL). vcpu_init() (lab 2) prepared these values. Write
	# the whole sstatus, before step 4: its SIE is 0, so no HS interrupt
	# can reach your exit vector while the hypervisor's registers are
	# still in use.

	# TODO 4. Make the guest's next trap come to vcpu_exit_vector, and
	# leave v where the vector can find it. stvec = vcpu_exit_vector. At
	# the trap every register will hold a guest value, so no register can
	# carry v: put it in sscratch, the one CSR reserved for exactly this
	# (Priv. 4.1.6). The guest cannot see it: in VS-mode "sscratch" is
	# vsscratch.

	# TODO 5. Load the guest's x1..x31 from VCPU_GPRS and sret. a0 (x10)
	# holds v, the base address of every one of those loads: the moment you
	# load the guest's a0 into it, v is gone. So load a0 last, just before
	# the sret.

	ret     # TODO: remove this line when the steps above are written.

	# TODO 6. The exit vector. stvec in Direct mode holds a 4-byte aligned
	# address: its low two bits are the MODE field (Priv. 4.1.2). With
	# .option norvc every instruction here happens to be 4 bytes, but say
	# it explicitly (.balign 4 before the label) so that it stays true.
vcpu_exit_vector:
	# TODO 7. All 31 registers hold the guest's values and none may be
	# lost. One csrrw exchanges a register with sscratch: afterwards the
	# register holds v and sscratch the guest's value of that register.
	# Then store x1..x31 into VCPU_GPRS (the swapped one from sscratch).
	# Which register to swap? The one step 5 needed last.

	# TODO 8. Record the exit: sepc, sstatus, hstatus into VCPU_SEPC,
	# VCPU_SSTATUS, VCPU_HSTATUS (the next entry resumes from them), and
	# scause, stval, htval, htinst into VCPU_TRAP_* (the C side decides
	# what to do from them).

	# TODO 9. Restore the hypervisor: its stvec, sscratch, hstatus and,
	# last, sstatus (it may turn HS interrupts back on, and an interrupt
	# taken then must find the hypervisor's stvec, not this vector); then
	# ra, sp, gp, tp and s0-s11, and return (ret) to vcpu_run().
	# Restoring hstatus also clears hstatus.SPV. That matters: OpenSBI
	# redirects illegal-instruction traps to us without clearing SPV (lab 3
	# handout, "hstatus.SPV after a trap that OpenSBI redirects"), and an
	# HS trap handler whose sret finds SPV = 1 would "return" into the guest.
