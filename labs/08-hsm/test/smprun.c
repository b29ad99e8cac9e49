// smprun.c: the run loop of lab 8's SMP VM (smprun.h), given.
//
// Each physical hart runs the same loop for its own vCPU: wait until the
// vCPU is STARTED (your hsm_wait_start), run it (lab 4), decode its exits
// (lab 6) and hand SBI calls to lab 7's dispatcher, which finds your HSM,
// IPI and RFENCE extensions. Only vCPU 0 starts STARTED; the guest brings
// up the others with SBI hart_start.
//   - EXIT_CPU_UP / EXIT_CPU_DOWN: the loop calls your hsm_cpu_up() /
//     hsm_cpu_down() (hsm.c);
//   - a host IPI (a supervisor software interrupt, scause 0x800...01) ends
//     a run: lab 6's decoder does not know that cause, so the loop checks
//     the raw scause first; before every run it calls your vipi_handle();
//   - the guest's SRST on any hart stops every hart (vm->down).
#include "hyp.h"
#include "hypinit.h"
#include "gstage.h"
#include "vcpu.h"
#include "vsbi.h"
#include "smprun.h"

#define SECONDARY_WAIT_US  2000000   // physical harts must be up by then
#define IRQ_HOST_IPI       (CAUSE_INTERRUPT | IRQ_S_SOFT)

enum verdict { RESUME, STOP_OK, STOP_FAIL };

static const struct smprun_config *cfg;
static ulong timebase;
static volatile int harts_online;
static volatile int vm_status;       // 0 ok, 1 failure (the first stop decides)

// The VM is over: every hart leaves its loop. The runner sends its own
// host IPIs here, so that a stop works even while vipi_send() does not.
static void vm_stop(int failed)
{
	struct smp_vm *vm = cfg->vm;
	if (__atomic_exchange_n(&vm->down, 1, __ATOMIC_SEQ_CST))
		return;
	vm_status = failed;
	for (int i = 0; i < vm->nvcpus; i++) {
		ulong phys = vm->smp[i].phys_hartid;
		if (phys != mycpu()->hartid)
			sbi_send_ipi(1UL << (phys % 64), phys - phys % 64);
	}
}

static enum verdict on_system_down(struct vcpu *v, struct vm_exit *e)
{
	cfg->vm->down_how = e->system_down;
	if (cfg->on_system_down)
		cfg->on_system_down(v, e);
	return e->system_down.reason == SBI_SRST_REASON_NONE ? STOP_OK : STOP_FAIL;
}

static enum verdict on_sbi(struct vcpu *v, struct vm_exit *e)
{
	struct smp_vm *vm = cfg->vm;
	ulong eid = e->reason == EXIT_HYPERCALL ? SBI_EXT_RVHLAB_HYPERCALL : e->sbi.eid;
	switch (vsbi_handle_exit(v, e)) {
	case EXIT_NOTHING:
		return RESUME;
	case EXIT_SYSTEM_DOWN:
		return on_system_down(v, e);
	case EXIT_CPU_UP:
		// The guest's a0 for hart_start is decided here, under the
		// VM's lock: only one of two racing starters can win.
		v->gprs[REG_A0] = (ulong)hsm_cpu_up(vm, &e->cpu_up);
		return RESUME;
	case EXIT_CPU_DOWN:
		vcpu_put(v);
		hsm_cpu_down(vm, v);
		if (!hsm_wait_start(vm, v))
			return STOP_OK;          // the VM ended meanwhile
		vcpu_load(v);
		return RESUME;
	default:
		printf("%s: vCPU %d: SBI call EID 0x%lx became a %s exit, which lab 8 does "
		       "not expect\n", cfg->who, v->id, eid, vm_exit_reason_name(e->reason));
		return STOP_FAIL;
	}
}

static enum verdict handle_exit(struct vcpu *v, struct vm_exit *e)
{
	if (cfg->on_exit)
		cfg->on_exit(v, e);
	switch (e->reason) {
	case EXIT_SBI_CALL:
	case EXIT_HYPERCALL:
		return on_sbi(v, e);
	case EXIT_TIMER:
		vtimer_expired(v);
		return RESUME;
	case EXIT_HALT:
	case EXIT_NOTHING:
		return RESUME;
	default:
		printf("%s: vCPU %d: %s exit (scause 0x%lx) at pc 0x%lx: stopping the VM\n",
		       cfg->who, v->id, vm_exit_reason_name(e->reason), e->scause, e->pc);
		if (cfg->on_bad_exit)
			cfg->on_bad_exit(v, e);
		return STOP_FAIL;
	}
}

// One hart's life: its vCPU, from its first start to the VM's end.
static void vcpu_loop(struct vcpu *v)
{
	struct smp_vm *vm = cfg->vm;
	struct vm_exit e;
	if (v->id != 0 && !hsm_wait_start(vm, v))
		return;
	vcpu_load(v);
	for (;;) {
		vipi_handle(vm, v);
		if (vm->down)
			break;
		vcpu_run(v);
		if (v->trap.scause == IRQ_HOST_IPI) {
			if (cfg->on_host_ipi)
				cfg->on_host_ipi(v);
			csr_clear(sip, SIP_SSIP); // and vipi_handle() reads why
			continue;
		}
		vm_exit_decode(v, &e);
		enum verdict verdict = handle_exit(v, &e);
		if (verdict != RESUME) {
			vm_stop(verdict == STOP_FAIL);
			break;
		}
	}
	vcpu_put(v);
}

// Every hart: the hypervisor CSRs (lab 2), delegation (lab 3), the VM's
// G-stage, and host IPIs enabled (they only wake wfi or end a guest run:
// sstatus.SIE stays 0 in HS-mode).
static void hart_setup(void)
{
	struct hyp_caps c;
	hyp_hart_init(&c);
	deleg_init();
	csr_write(hgatp, gstage_hgatp(cfg->ram->root, cfg->vmid));
	hfence_gvma_all();
	csr_set(sie, SIE_SSIE);
}

static void secondary_main(ulong index)
{
	hart_setup();
	__atomic_fetch_add(&harts_online, 1, __ATOMIC_SEQ_CST);
	vcpu_loop(&cfg->vm->vcpus[index]);
}

void smprun_create(const struct smprun_config *config, const struct fdt_platform *p,
		   ulong hartid, ulong hart_base)
{
	struct smp_vm *vm = config->vm;
	cfg = config;
	timebase = p->timebase ? p->timebase : 10000000;
	vm->nvcpus = p->nharts < SMPVM_MAX_VCPUS ? p->nharts : SMPVM_MAX_VCPUS;
	vm->hart_base = hart_base;
	for (int i = 0, phys = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		// vCPU 0 runs on the boot hart; the others on the rest, in order.
		if (i == 0) {
			vm->smp[i].phys_hartid = hartid;
		} else {
			if (p->hartids[phys] == hartid)
				phys++;
			vm->smp[i].phys_hartid = p->hartids[phys++];
		}
		v->id = i;
		v->hartid = vm->hart_base + i;
		v->vs.htimedelta = 0;
		vm->smp[i].state = SBI_HSM_STATE_STOPPED;
	}
	// vCPU 0 is the guest's boot hart: it starts at the image's entry
	// with the device tree (SBI boot convention), already STARTED (SBI 9:
	// the supervisor starts on one hart, the others are STOPPED).
	vcpu_init(&vm->vcpus[0], cfg->ram->gpa, vm->hart_base, cfg->ram->dtb_gpa);
	vsbi_vcpu_init(&vm->vcpus[0]);
	vm->smp[0].state = SBI_HSM_STATE_STARTED;
	smpvm_active = vm;
}

int smprun_start_secondaries(void)
{
	struct smp_vm *vm = cfg->vm;
	for (int i = 1; i < vm->nvcpus; i++) {
		long err = hart_start(vm->smp[i].phys_hartid, secondary_main, (ulong)i);
		if (err)
			printf("%s: physical hart %lu did not start (SBI error %ld)\n", cfg->who,
			       vm->smp[i].phys_hartid, err);
	}
	ulong t0 = rdtime(), limit = timebase / 1000000 * SECONDARY_WAIT_US;
	while (harts_online < vm->nvcpus - 1 && rdtime() - t0 < limit)
		;
	return harts_online;
}

int smprun_run(void)
{
	vcpu_loop(&cfg->vm->vcpus[0]);
	vm_stop(0);
	return vm_status;
}
