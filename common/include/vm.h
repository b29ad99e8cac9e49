// vm.h: one virtual machine, and the run loop every VM uses (labs 8, 10).
//
// The kit has ONE VM type (as Bao's struct vm): its vCPUs, its memory, its
// devices and how its run ends. Lab 8 fills it with several vCPUs and lets
// them talk to each other (smp.h); lab 10 adds a loaded image, a device
// tree and emulated devices (vmm.h). Every vCPU knows its VM (v->vm).
//
//   physical hart   boot hart     next hart     next hart   ...
//   runs            vCPU 0        vCPU 1        vCPU 2
//   guest hart id   base + 0      base + 1      base + 2
//
// One vCPU per physical hart, never migrated: a vCPU's VS CSRs live in its
// own hart. Each hart runs the kit's loop (common/vm/vmrun.c) for its vCPU:
//
//   wait until the vCPU is STARTED            hsm_wait_start()   lab 8
//   loop:
//     requests from other harts, if any       vipi_handle()      lab 8
//     the VM is over? leave                   vm->down
//     run the guest until it traps            vcpu_run()         lab 4
//     decode the exit                         vm_exit_decode()   lab 6
//     handle it:
//       SBI call, hypercall                   vsbi_handle_exit() lab 7, 8
//         EXIT_CPU_UP    a0 = hsm_cpu_up()                        lab 8
//         EXIT_CPU_DOWN  hsm_cpu_down(), wait again               lab 8
//         EXIT_SYSTEM_DOWN  the VM stops, on every hart
//       timer                                 vtimer_expired()   lab 7
//       host IPI, wfi                         resume
//       anything else                         vm->ops->handle_exit (lab 10:
//                                             devices), or the VM stops
//
// Locking: vm->lock protects every vCPU's HSM state (hsm_state,
// start_entry, start_opaque). vm->dev_lock serializes the emulated devices
// (several harts may touch the UART or the PLIC at once; with one vCPU only
// one hart can, and the reference VMM takes no lock). Requests between
// harts are single words changed with atomic operations (smp.h).
#ifndef VM_H
#define VM_H

#include "types.h"
#include "spinlock.h"
#include "hypinit.h"
#include "gstage.h"
#include "vcpu.h"
#include "vmexit.h"
#include "mmio.h"
#include "uart16550.h"
#include "plic.h"

#define VM_MAX_VCPUS     8
#define VM_BOOTARGS_MAX  512

// What a handler decided about the run. The zero value is the safe one: a
// handler that forgot to decide stops the VM instead of resuming a guest
// whose trap nobody dealt with.
enum vm_verdict {
	VM_STOP_FAIL = 0,   // stop the VM: something went wrong
	VM_RESUME,          // run the guest again
	VM_STOP_OK,         // stop the VM: the guest shut it down (SRST shutdown, no reason)
};

struct vm;

// What the owner of a VM (a lab's harness, lab 10's VMM) adds to the loop.
// Every hook is optional and runs on the physical hart of vCPU v.
struct vm_ops {
	const char *who;    // prefix of the loop's messages: "lab8", "vmm"
	// An exit the loop does not handle itself (the kit's loop knows SBI
	// calls, timers, host IPIs and wfi). NULL: such an exit stops the VM.
	enum vm_verdict (*handle_exit)(struct vm *vm, struct vcpu *v, struct vm_exit *e);
	// Observers: every decoded exit before it is handled; the guest's SRST
	// (after vm->down_how is set); an exit nobody handled (the VM stops).
	void (*on_exit)(struct vm *vm, struct vcpu *v, const struct vm_exit *e);
	void (*on_system_down)(struct vm *vm, struct vcpu *v, const struct vm_exit *e);
	void (*on_bad_exit)(struct vm *vm, struct vcpu *v, const struct vm_exit *e);
};

struct vm {
	// vCPUs (lab 8); the vCPUs themselves are last (below).
	struct spinlock lock;            // every vCPU's hsm_state, start_*
	int   nvcpus;
	ulong hart_base;                 // guest hart id of vCPU 0; vCPU i is base + i

	// Memory (lab 5): [ram_gpa, ram_gpa + ram_size) is host memory at
	// ram_hva, mapped RWX in the G-stage root, tagged with vmid.
	gpte_t *root;
	ulong   vmid;
	ulong   ram_gpa, ram_size;
	u8     *ram_hva;
	ulong   timebase;                // the host's /cpus timebase-frequency (Hz)
	struct hyp_caps caps;            // what hyp_hart_init() found (lab 2)

	// What the guest boots (lab 10, vmm.h).
	char    bootargs[VM_BOOTARGS_MAX];   // its /chosen/bootargs
	ulong   image_size;              // bytes copied to GUEST_IMAGE_GPA
	ulong   entry;                   // where vCPU 0 starts
	ulong   dtb_gpa, dtb_size;       // its device tree
	ulong   initrd_gpa, initrd_size; // its initial ramdisk, if any (size 0: none)

	// Emulated devices (labs 9, 10), under dev_lock.
	struct spinlock   dev_lock;
	struct mmio_bus   bus;
	struct uart16550  uart;
	struct plic       plic;

	// The run (vmrun.c).
	const struct vm_ops *ops;
	volatile int down;               // the VM is over: every hart leaves its loop
	volatile int failed;             // ... because of a failure (the first stop decides)
	struct vm_exit_system_down down_how;   // the guest's SRST, if that ended it
	ulong   exits[EXIT_REASON_COUNT];      // exits seen, per reason (all vCPUs)

	// Last, so that every field above stays within the 12-bit offset of
	// one load or addi from vm (the exit path reaches dev_lock, bus, down
	// and exits in one instruction, not three).
	struct vcpu vcpus[VM_MAX_VCPUS];
};

// The vCPU with guest hart id `hartid`, or NULL if the VM has none.
static inline struct vcpu *vm_vcpu_by_hartid(struct vm *vm, ulong hartid)
{
	if (hartid < vm->hart_base || hartid - vm->hart_base >= (ulong)vm->nvcpus)
		return NULL;
	return &vm->vcpus[hartid - vm->hart_base];
}

// ---------------------------------------------------------------------------
// Memory (given: common/vm/vm.c).

// ram_size bytes of zeroed host memory (rounded up to 2 MiB) mapped RWX at
// GUEST_RAM_GPA with lab 5's gstage_map(), hgatp active on this hart with
// vmid; the device tree's place (vm->dtb_gpa) at the end of it. 0 or -1
// (a message printed).
int vm_create(struct vm *vm, ulong ram_size, ulong vmid);

// ---------------------------------------------------------------------------
// The run loop (given: common/vm/vmrun.c).

// nvcpus vCPUs, one per physical hart: vCPU 0 on this (the boot) hart, the
// others on the remaining harts of the platform in order; guest hart ids
// base, base + 1, ... Each vCPU knows its VM, id, hart ids; vCPU 0 is
// STARTED (its first state is the caller's: vcpu_init()...), the others
// STOPPED until the guest starts them (SBI HSM). -1 (and a message) if the
// machine has fewer harts, or nvcpus is not 1..VM_MAX_VCPUS.
int vm_place_vcpus(struct vm *vm, int nvcpus, ulong hart_base);
// Start every other physical hart of the VM on its vCPU's loop (per-hart
// setup: labs 2 and 3, the VM's G-stage, host IPIs on) and wait until all
// are up (2 s at most). The number that came up: vm->nvcpus - 1 if all did.
int vm_start_harts(struct vm *vm);
// Run vCPU 0 on this hart until the VM is over, then stop every hart.
// 0 if the guest shut it down (SRST shutdown, reason "none"), 1 otherwise
// (a reboot request too: rebooting is not emulated).
int vm_run(struct vm *vm);
// One decoded exit, as the loop handles it (for tools that time the loop's
// steps: make bench). The loop's own counting and hooks are not in it.
enum vm_verdict vm_handle_exit(struct vm *vm, struct vcpu *v, struct vm_exit *e);
// The VM is over (failed: 1 for a failure): every hart leaves its loop.
// Only the first call decides vm->failed.
void vm_stop(struct vm *vm, int failed);

#endif
