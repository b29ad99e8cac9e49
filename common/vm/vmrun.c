// vmrun.c: the run loop of every VM (vm.h), given.
//
// Each physical hart runs the same loop for its own vCPU, with a fixed
// order (KVM's kvm_arch_vcpu_ioctl_run has the same shape):
//
//   wait until the vCPU is STARTED      hsm_wait_start (lab 8)
//   loop:
//     requests from other harts?        vipi_handle (lab 8), only when a
//                                       request or a fence is waiting
//     the VM is over?                   vm->down: leave
//     run                               vcpu_run (lab 4)
//     decode                            vm_exit_decode (lab 6): the only
//                                       reader of scause
//     handle                            below; the owner's handle_exit
//                                       for the rest (lab 10: devices)
//
// The loop lives here, in the kit, because labs 8 and 10 and the
// instructors' tools (make bench, make fuzz) all run VMs with it: one loop,
// one set of rules for which exit goes where.
#include "hyp.h"
#include "hypinit.h"
#include "gstage.h"
#include "vcpu.h"
#include "vsbi.h"
#include "smp.h"

#define SECONDARY_WAIT_US  2000000   // physical harts must be up by then
#define BITS_PER_ULONG     64

#define NOINLINE      __attribute__((noinline))
#define ALWAYS_INLINE inline __attribute__((always_inline))

// The owner's handler for the exits the loop leaves to it (vm_ops).
typedef enum vm_verdict vm_exit_fn(struct vm *vm, struct vcpu *v, struct vm_exit *e);

// Lab 6's decoder and lab 7's dispatcher, as the loop calls them. Both
// return an enum vm_exit_reason, to which GCC gives the type unsigned int
// (no enumerator is negative), and GCC 12 then sign-extends each returned
// reason once more before it indexes or compares with it. The calling
// convention has done that already: "32-bit types ... are stored in integer
// registers as proper sign extensions of their 32-bit values ... even for
// unsigned 32-bit types" (RISC-V psABI, Integer Calling Convention). So the
// loop declares the same two functions (the asm labels name them) as
// returning int, and works on the reason as a long: the same bits, 3
// instructions fewer per exit (docs/bench.md).
int vm_exit_decode_as_int(struct vcpu *v, struct vm_exit *e) __asm__("vm_exit_decode");
int vsbi_handle_exit_as_int(struct vcpu *v, struct vm_exit *e) __asm__("vsbi_handle_exit");

static volatile int harts_online;

static const char *who(const struct vm *vm)
{
	return vm->ops && vm->ops->who ? vm->ops->who : "vm";
}

static void send_host_ipi(ulong phys)
{
	sbi_send_ipi(1UL << (phys % BITS_PER_ULONG), phys - phys % BITS_PER_ULONG);
}

// Every hart leaves its loop: the ones in the guest through a host IPI,
// the ones waiting in wfi too (they look at vm->down when they wake). The
// IPIs are sent here, not with vipi_send(), so that stopping works even
// while a student's vipi_send() does not.
void vm_stop(struct vm *vm, int failed)
{
	if (__atomic_exchange_n(&vm->down, 1, __ATOMIC_SEQ_CST))
		return;
	vm->failed = failed;
	for (int i = 0; i < vm->nvcpus; i++)
		if (vm->vcpus[i].phys_hartid != mycpu()->hartid)
			send_host_ipi(vm->vcpus[i].phys_hartid);
}

// ---------------------------------------------------------------- exits
// SBI SRST (SBI 10): the guest is done with its VM. Only a shutdown with no
// reason is a clean end; a reboot is not emulated (a kernel that panics
// with panic=-1 asks for one), so it ends the VM as a failure too.
static enum vm_verdict on_system_down(struct vm *vm, struct vcpu *v, struct vm_exit *e)
{
	vm->down_how = e->system_down;
	if (vm->ops && vm->ops->on_system_down)
		vm->ops->on_system_down(vm, v, e);
	return e->system_down.type == SBI_SRST_TYPE_SHUTDOWN &&
	       e->system_down.reason == SBI_SRST_REASON_NONE ? VM_STOP_OK : VM_STOP_FAIL;
}

// A vCPU that was just (re)started: its hvip came from its start state,
// not from its interrupt line. Ask for the line to be applied before the
// first entry, through the same request every other change uses.
static void vcpu_started(struct vcpu *v)
{
	__atomic_fetch_or(&v->requests, VIPI_REQ_EXT_IRQ, __ATOMIC_SEQ_CST);
}

// What an SBI call that did not simply complete asks of the loop (lab 7's
// SRST, lab 8's HSM). Out of line: the common case (the call completed)
// never pays for it. a7 still holds the EID: the dispatcher writes only
// a0/a1, and a handler may have reused e's union.
static NOINLINE enum vm_verdict sbi_outcome(struct vm *vm, struct vcpu *v, struct vm_exit *e,
					    enum vm_exit_reason reason)
{
	switch (reason) {
	case EXIT_SYSTEM_DOWN:
		return on_system_down(vm, v, e);
	case EXIT_CPU_UP:
		// The guest's a0 for hart_start is decided here, under the
		// VM's lock: only one of two racing starters can win.
		v->gprs[REG_A0] = (ulong)hsm_cpu_up(vm, &e->cpu_up);
		return VM_RESUME;
	case EXIT_CPU_DOWN:
		vcpu_put(v);
		hsm_cpu_down(vm, v);
		if (!hsm_wait_start(vm, v))
			return VM_STOP_OK;       // the VM ended meanwhile: its stop decided
		vcpu_started(v);
		vcpu_load(v);
		return VM_RESUME;
	default:
		printf("%s: vCPU %d: SBI call EID 0x%lx became a %s exit, which the run loop "
		       "does not expect\n", who(vm), v->id, v->gprs[REG_A7],
		       vm_exit_reason_name(reason));
		return VM_STOP_FAIL;
	}
}

static NOINLINE enum vm_verdict not_handled(struct vm *vm, struct vcpu *v, struct vm_exit *e)
{
	if (e->reason == EXIT_UNKNOWN && e->scause == (CAUSE_INTERRUPT | IRQ_S_SOFT))
		printf("%s: vCPU %d: a host IPI (interrupt 1) was decoded as unknown: lab 6's "
		       "vm_exit_decode() must give EXIT_HOST_IPI\n", who(vm), v->id);
	else
		printf("%s: vCPU %d: %s exit (scause 0x%lx) at pc 0x%lx: stopping the VM\n",
		       who(vm), v->id, vm_exit_reason_name(e->reason), e->scause, e->pc);
	if (vm->ops && vm->ops->on_bad_exit)
		vm->ops->on_bad_exit(vm, v, e);
	return VM_STOP_FAIL;
}

// handle_exit() sends the range EXIT_MMIO_READ..EXIT_EXTERNAL_IRQ to the
// owner at once: none of the exits the loop handles itself is in it.
_Static_assert(EXIT_NOTHING < EXIT_MMIO_READ && EXIT_TIMER > EXIT_EXTERNAL_IRQ &&
	       EXIT_HALT > EXIT_EXTERNAL_IRQ && EXIT_HOST_IPI > EXIT_EXTERNAL_IRQ,
	       "the owner's range of exit reasons holds one the loop handles");

// One decoded exit. Inlined into the loop, which keeps vm, v and e in
// registers already: an SBI call that completes (nearly all of them) costs
// the dispatcher and nothing else; every rare case is out of line.
static ALWAYS_INLINE enum vm_verdict handle_exit(struct vm *vm, struct vcpu *v,
						 struct vm_exit *e, long reason, vm_exit_fn *owner)
{
	if (reason == EXIT_SBI_CALL || reason == EXIT_HYPERCALL) {
		reason = vsbi_handle_exit_as_int(v, e);
		return reason == EXIT_NOTHING ? VM_RESUME : sbi_outcome(vm, v, e, reason);
	}
	// The owner's own exits (lab 10: device accesses, above all), found
	// with one range test (vmexit.h lists them together), not the switch.
	if (reason >= EXIT_MMIO_READ && reason <= EXIT_EXTERNAL_IRQ)
		return owner ? owner(vm, v, e) : not_handled(vm, v, e);
	switch (reason) {
	case EXIT_TIMER:
		vtimer_expired(v);
		return VM_RESUME;
	case EXIT_HOST_IPI:
		// Another hart left requests (or stopped the VM): the top of
		// the loop looks at them. The IPI itself is done with.
		csr_clear(sip, SIP_SSIP);
		return VM_RESUME;
	case EXIT_HALT:              // wfi, already stepped over
	case EXIT_NOTHING:
		return VM_RESUME;
	default:
		if (reason != EXIT_UNKNOWN && owner)
			return owner(vm, v, e);
		return not_handled(vm, v, e);
	}
}

static vm_exit_fn *owner_handler(const struct vm *vm)
{
	return vm->ops ? vm->ops->handle_exit : NULL;
}

enum vm_verdict vm_handle_exit(struct vm *vm, struct vcpu *v, struct vm_exit *e)
{
	return handle_exit(vm, v, e, e->reason, owner_handler(vm));
}

// ---------------------------------------------------------------- the loop
// Is anything waiting for this vCPU? Two loads, no lock: the pre-entry
// check costs nearly nothing when nothing is there.
static int has_requests(const struct vcpu *v)
{
	return (v->requests | v->fences_pending) != 0;
}

// One hart's life: its vCPU, from its first start to the VM's end. The
// owner's hooks are read once: they do not change while the VM runs.
static void vcpu_loop(struct vm *vm, struct vcpu *v)
{
	struct vm_exit e;
	vm_exit_fn *owner = owner_handler(vm);
	ulong *exits = vm->exits;
	void (*on_exit)(struct vm *, struct vcpu *, const struct vm_exit *) =
		vm->ops ? vm->ops->on_exit : NULL;
	if (v->id != 0 && !hsm_wait_start(vm, v))
		return;
	vcpu_started(v);
	vcpu_load(v);
	for (;;) {
		if (has_requests(v))
			vipi_handle(vm, v);
		if (vm->down)
			break;
		vcpu_run(v);
		// The reason in a register (vm_exit_decode() returns e.reason,
		// vmexit.h): counting and routing need not read it back.
		long reason = vm_exit_decode_as_int(v, &e);
		__atomic_fetch_add(&exits[reason], 1, __ATOMIC_RELAXED);
		if (on_exit)
			on_exit(vm, v, &e);
		enum vm_verdict verdict = handle_exit(vm, v, &e, reason, owner);
		if (verdict != VM_RESUME) {
			vm_stop(vm, verdict != VM_STOP_OK);
			break;
		}
	}
	vcpu_put(v);
}

// ---------------------------------------------------------------- harts
int vm_place_vcpus(struct vm *vm, int nvcpus, ulong hart_base)
{
	ulong boot = mycpu()->hartid;
	if (nvcpus < 1 || nvcpus > VM_MAX_VCPUS || nvcpus > platform.nharts) {
		printf("%s: %d vCPUs asked for: this hypervisor runs 1 to %d, one per physical "
		       "hart, and the machine has %d (QEMU -smp)\n", who(vm), nvcpus,
		       VM_MAX_VCPUS, platform.nharts);
		return -1;
	}
	vm->nvcpus = nvcpus;
	vm->hart_base = hart_base;
	for (int i = 0, next = 0; i < nvcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		// vCPU 0 runs on the boot hart; the others on the rest, in order.
		if (i == 0) {
			v->phys_hartid = boot;
		} else {
			if (platform.hartids[next] == boot)
				next++;
			v->phys_hartid = platform.hartids[next++];
		}
		v->vm = vm;
		v->id = i;
		v->hartid = hart_base + i;
		v->hsm_state = i == 0 ? SBI_HSM_STATE_STARTED : SBI_HSM_STATE_STOPPED;
	}
	return 0;
}

// Every hart of the VM: the hypervisor CSRs (lab 2), delegation (lab 3),
// the VM's G-stage, and host IPIs enabled (they only wake wfi or end a
// guest run: sstatus.SIE stays 0 in HS-mode).
static void hart_setup(struct vm *vm)
{
	struct hyp_caps c;
	hyp_hart_init(&c);
	deleg_init();
	csr_write(hgatp, gstage_hgatp(vm->root, vm->vmid));
	hfence_gvma_all();
	csr_set(sie, SIE_SSIE);
}

static struct vm *starting_vm;

static void secondary_main(ulong index)
{
	struct vm *vm = starting_vm;
	hart_setup(vm);
	__atomic_fetch_add(&harts_online, 1, __ATOMIC_SEQ_CST);
	vcpu_loop(vm, &vm->vcpus[index]);
}

int vm_start_harts(struct vm *vm)
{
	starting_vm = vm;
	csr_set(sie, SIE_SSIE);          // this hart too: host IPIs end its runs
	for (int i = 1; i < vm->nvcpus; i++) {
		long err = hart_start(vm->vcpus[i].phys_hartid, secondary_main, (ulong)i);
		if (err)
			printf("%s: physical hart %lu did not start (SBI error %ld)\n", who(vm),
			       vm->vcpus[i].phys_hartid, err);
	}
	ulong tb = platform.timebase ? platform.timebase : 10000000;
	ulong t0 = rdtime(), limit = tb / 1000000 * SECONDARY_WAIT_US;
	while (harts_online < vm->nvcpus - 1 && rdtime() - t0 < limit)
		;
	return harts_online;
}

int vm_run(struct vm *vm)
{
	vcpu_loop(vm, &vm->vcpus[0]);
	vm_stop(vm, 0);
	return vm->failed;
}
