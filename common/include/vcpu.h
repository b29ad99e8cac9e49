// vcpu.h: one virtual CPU (reference design: riscv_vcpu's VmCpuRegisters).
//
// The first part is the register file that the world switch (lab 4,
// switch.S) reads and writes; its offsets are the VCPU_* constants below,
// checked against the struct at build time (common/hyp/vcpu_layout.c).
//
//   +0    gprs[32]      guest x0..x31 (x0 slot unused, always 0)
//   +256  sepc          where the guest resumes
//   +264  sstatus       the guest's sstatus.SPP/SPIE as sret will see them
//   +272  hstatus       hstatus while the guest runs (SPV, SPVP, VTW...)
//   +280  hyp[16]       the hypervisor's ra, sp, gp, tp, s0-s11 during the run
//   +408  hyp_sstatus, hyp_hstatus, hyp_stvec, hyp_sscratch
//   +440  trap          scause, stval, htval, htinst captured at the exit
//   +472  fast_ecall    optional: a VS ecall handler the exit vector may
//                       call in place (the fast path, lab 4 handout)
//   +480  fast_mmio     optional: the same for a guest-page fault on a
//                       load or store (a device access)
#ifndef VCPU_H
#define VCPU_H

#define VCPU_GPRS          0
#define VCPU_SEPC          256
#define VCPU_SSTATUS       264
#define VCPU_HSTATUS       272
#define VCPU_HYP           280     // 16 slots: ra sp gp tp s0..s11
#define VCPU_HYP_SSTATUS   408
#define VCPU_HYP_HSTATUS   416
#define VCPU_HYP_STVEC     424
#define VCPU_HYP_SSCRATCH  432
#define VCPU_TRAP_SCAUSE   440
#define VCPU_TRAP_STVAL    448
#define VCPU_TRAP_HTVAL    456
#define VCPU_TRAP_HTINST   464
#define VCPU_FAST_ECALL    472
#define VCPU_FAST_MMIO     480

#ifndef __ASSEMBLER__
#include "types.h"

struct vm;

// Saved by the hypervisor on the way out of the guest (lab 4).
struct vcpu_trap {
	ulong scause, stval, htval, htinst;
};

// The guest's VS-level CSRs: live in the hardware while the vCPU is loaded
// on a hart, saved here when another vCPU takes the hart (lab 4).
struct vcpu_vs_csrs {
	ulong vsstatus, vsie, vstvec, vsscratch, vsepc, vscause, vstval, vsatp;
	ulong htimedelta, vstimecmp, hvip;
};

struct vcpu {
	ulong gprs[32];
	ulong sepc;
	ulong sstatus;
	ulong hstatus;
	ulong hyp[16];
	ulong hyp_sstatus, hyp_hstatus, hyp_stvec, hyp_sscratch;
	struct vcpu_trap trap;
	// The fast path (docs/labs/04-switch.md, "The fast path"): NULL, or
	// a function a world switch may call for a VS ecall before it leaves
	// the trap. Only a0-a7 (and ra, sp, tp, t0-t6) are in gprs then, and
	// only writes to those 18 reach the guest; sepc, sstatus, hstatus and
	// trap are stale, and v->exits does not count the exit. It runs with
	// SIE = 0 and stvec still at the exit vector: it must not fault and
	// must not touch guest memory. Non-zero: the call is answered (the
	// function wrote a0/a1), resume after the ecall. 0: take the full exit.
	// A switch that never calls it is correct too (lab 4 does not ask).
	// The reference switch reads it on every ecall: a struct vcpu must
	// start zeroed (static, or memset), as vcpu_init() clears only gprs.
	int (*fast_ecall)(struct vcpu *v);
	// The same idea for device accesses: NULL, or a function a world
	// switch may call for a guest-page fault on a load or store (scause
	// 21, 23) before it leaves the trap. Unlike fast_ecall, v is then
	// exactly what a full exit leaves (all 31 GPRs, sepc, sstatus,
	// hstatus, trap), stvec is the hypervisor's again (a fault inside is
	// the hypervisor's), and SIE = 0. Non-zero: handled; the switch writes
	// sepc, sstatus and hstatus back from v and resumes the guest (so the
	// function may move sepc, or send the guest to its own trap vector).
	// 0: nothing done, take the full exit. v->exits does not count it.
	int (*fast_mmio)(struct vcpu *v);
	// Not touched by the switch:
	struct vcpu_vs_csrs vs;
	int   id;               // index in the VM
	ulong hartid;           // the hart id the guest sees
	ulong exits;            // guest exits so far
	struct vm *vm;          // owning VM (vm.h; labs 8 and 10), or NULL
	void *priv;             // free for harnesses

	// Several vCPUs (lab 8, smp.h).
	ulong phys_hartid;      // the physical hart that runs this vCPU
	int   hsm_state;        // SBI_HSM_STATE_*, under vm->lock
	ulong start_entry;      // START_PENDING: where to begin ...
	ulong start_opaque;     // ... and the value for a1
	volatile ulong requests;        // VIPI_REQ_* posted by any hart (atomic)
	volatile ulong fences_pending;  // remote fences asked for, not yet done
	volatile int   ext_irq;         // the guest's external interrupt line:
	                                // what hvip.VSEIP must say (lab 10's PLIC)
	ulong ipis_received;    // statistics (owner only)
};

// Lab 2 (labs/02-csr/vcpu.c): the vCPU's state before its first run.
// Guest a0 = hartid, a1 = dtb (SBI boot convention), sepc = entry, and the
// sstatus/hstatus bits that make sret land in VS-mode.
void vcpu_init(struct vcpu *v, ulong entry, ulong hartid, ulong dtb);
// Lab 2: the one-way launch. Writes sepc, sstatus.SPP, hstatus from *v and
// enters the guest through guest_enter(v->gprs). Exits then reach the kit's
// guest_trapvec and hyp_guest_trap(), until lab 4 replaces them.
void vcpu_launch(struct vcpu *v) NORETURN;

// Lab 4 (labs/04-switch/): the round trip. Runs the guest until its next
// trap, saves every guest GPR, sepc and the trap CSRs into *v, and returns.
void vcpu_run(struct vcpu *v);
// switch.S: the assembly half of vcpu_run().
void vcpu_switch_to_guest(struct vcpu *v);
// Lab 4: put the VS CSRs of v into the hardware / save them back.
void vcpu_load(struct vcpu *v);
void vcpu_put(struct vcpu *v);
#endif

#endif
