// irq.c: the guest of test interrupts (lab 10): the PLIC and the UART's
// interrupt line as a guest kernel uses them, on two vCPUs.
//
// The device: the emulated UART. Its line is high while an enabled source
// is true (uart16550.h); with IER.THRI it is high at once (the transmitter
// is always empty), and IER = 0 drops it. It is PLIC source 10. Each hart's
// external interrupt (scause 9, sie.SEIE) is its S-mode context (2i+1).
// The handler claims, drops the UART's line (unless told to hold it) and
// completes, counting what it saw per hart. Hart 0 drives the scenario;
// hart 1 only takes interrupts.
#include "lab10guest.h"
#include "plic.h"
#include "uart16550.h"

#define WAIT_MS       2000          // generous: two vCPU threads may share a core
#define QUIET_MS      30            // "no interrupt comes" means none in this long
#define SCAUSE_EXT    (CAUSE_INTERRUPT | IRQ_S_EXT)

#define REG(off)      (*(volatile u32 *)(PLIC_VIRT_BASE + (off)))
#define PRIORITY(s)   REG(PLIC_PRIORITY_BASE + 4UL * (s))
#define PENDING       REG(PLIC_PENDING_BASE)
#define ENABLE(c)     REG(PLIC_ENABLE_BASE + PLIC_ENABLE_STRIDE * (c))
#define THRESHOLD(c)  REG(PLIC_CONTEXT_BASE + PLIC_CONTEXT_STRIDE * (c) + PLIC_THRESHOLD)
#define CLAIM(c)      REG(PLIC_CONTEXT_BASE + PLIC_CONTEXT_STRIDE * (c) + PLIC_CLAIM)
#define UART_IER_REG  (*(volatile u8 *)(UART_VIRT_BASE + UART_IER))

static volatile struct {
	ulong taken[2];      // external interrupts claimed with a source, per hart
	ulong spurious[2];   // ... that found nothing to claim
	ulong last_id[2];
	int hold;            // claim, but leave the line high and do not complete
	ulong held_id;
	int ready, done;     // hart 1 takes interrupts; the scenario is over
} st;
static ulong timebase;

static ulong now_ms(void)
{
	return rdtime() / (timebase / 1000);
}

static int wait_for(volatile ulong *p, ulong at_least, ulong ms)
{
	ulong t0 = now_ms();
	while (*p < at_least)
		if (now_ms() - t0 > ms)
			return 0;
	return 1;
}

static void take_interrupts(ulong me)
{
	asm volatile("mv tp, %0" : : "r"(me));
	csr_write(stvec, (ulong)guest_trapvec);
	csr_set(sie, SIE_SEIE);
	csr_set(sstatus, SSTATUS_SIE);
}

void irq_trap(struct trapframe *tf)
{
	ulong me = tf->regs[REG_TP];
	if (tf->scause != SCAUSE_EXT || me > 1) {
		printf("guest: unexpected trap: scause 0x%lx (%s) sepc 0x%lx stval 0x%lx\n",
		       tf->scause, cause_name(tf->scause), tf->sepc, tf->stval);
		guest_exit(0);
	}
	u32 id = CLAIM(PLIC_CONTEXT_S(me));
	if (!id) {
		st.spurious[me]++;
		return;
	}
	st.last_id[me] = id;
	if (st.hold) {                  // keep the device's line high, stay in service
		st.held_id = id;
		st.taken[me]++;
		return;
	}
	UART_IER_REG = 0;               // the device is served: its line drops
	CLAIM(PLIC_CONTEXT_S(me)) = id;
	st.taken[me]++;
}

static void secondary(ulong hartid)
{
	take_interrupts(hartid);
	st.ready = 1;
	while (!st.done)
		;
	csr_clear(sstatus, SSTATUS_SIE);
}

// One interrupt through the UART's line, routed to hart `to`.
static int raise_to(int to)
{
	ENABLE(PLIC_CONTEXT_S(0)) = to == 0 ? 1U << UART_VIRT_IRQ : 0;
	ENABLE(PLIC_CONTEXT_S(1)) = to == 1 ? 1U << UART_VIRT_IRQ : 0;
	ulong before = st.taken[to];
	UART_IER_REG = UART_IER_THRI;
	return wait_for(&st.taken[to], before + 1, WAIT_MS);
}

static int test_routing(void)
{
	int one = raise_to(1);
	ulong t0 = st.taken[0], t1 = st.taken[1];
	int zero = raise_to(0);
	int ok = one && zero && t0 == 0 && t1 == 1 && st.taken[1] == 1 && st.last_id[0] == 10 &&
		 st.last_id[1] == 10;
	return check("irq_routed", ok,
		     "source 10 enabled for hart 1's context: hart 1 took %lu, hart 0 %lu (want 1, "
		     "0); then for hart 0's: hart 0 took %lu, hart 1 %lu (want 1, 1); claimed ids "
		     "%lu, %lu (want 10)", t1, t0, st.taken[0], st.taken[1], st.last_id[0],
		     st.last_id[1]);
}

static int test_threshold(void)
{
	ulong before = st.taken[0];
	THRESHOLD(PLIC_CONTEXT_S(0)) = 1;            // not above priority 1: masked
	UART_IER_REG = UART_IER_THRI;
	int quiet = !wait_for(&st.taken[0], before + 1, QUIET_MS);
	int pending = (PENDING >> UART_VIRT_IRQ) & 1;
	THRESHOLD(PLIC_CONTEXT_S(0)) = 0;
	int came = wait_for(&st.taken[0], before + 1, WAIT_MS);
	return check("irq_threshold", quiet && pending && came,
		     "threshold 1 with priority 1: %s, source 10 %s; threshold back to 0: %s",
		     quiet ? "no interrupt" : "an interrupt came", pending ? "pending" :
		     "NOT pending", came ? "it arrives" : "nothing arrives");
}

// Claimed and in service: the interrupt must be gone from the hart (the
// VMM dropped VSEIP when the claim dropped the context's line), even
// though the UART still holds its line high. Completing with the line
// still high brings it back.
static int test_claim_and_level(void)
{
	ulong before = st.taken[0], spur = st.spurious[0];
	st.hold = 1;
	UART_IER_REG = UART_IER_THRI;
	int came = wait_for(&st.taken[0], before + 1, WAIT_MS);
	ulong t0 = now_ms();
	while (now_ms() - t0 < QUIET_MS)
		;
	st.hold = 0;
	ulong spurious = st.spurious[0] - spur, during = st.taken[0] - before;
	int ok1 = check("irq_claim_takes_back", came && spurious == 0 && during == 1,
			"while claimed: %lu interrupt(s), %lu of them with nothing to claim (want 1 "
			"and 0: after the claim the hart must not see the interrupt again)", during,
			spurious);
	ulong again = st.taken[0];
	CLAIM(PLIC_CONTEXT_S(0)) = (u32)st.held_id;  // complete, the line still high
	int back = wait_for(&st.taken[0], again + 1, WAIT_MS);
	int ok2 = check("irq_level", came && back && UART_IER_REG == 0,
			"complete with the UART's line still high: %s",
			back ? "interrupted again (level-triggered)" : "no new interrupt");
	return ok1 && ok2;
}

int irq_main(ulong hartid, const void *dtb)
{
	struct fdt_platform p;
	if (fdt_read_platform(dtb, &p) || !p.timebase || hartid != 0 || p.nharts < 2) {
		printf("guest: the interrupts scenario runs on harts 0 and 1 (QEMU -smp 2)\n");
		return 1;
	}
	timebase = p.timebase;
	PRIORITY(UART_VIRT_IRQ) = 1;
	THRESHOLD(PLIC_CONTEXT_S(0)) = 0;
	THRESHOLD(PLIC_CONTEXT_S(1)) = 0;
	long err = sbi_hart_start(1, (ulong)guest_secondary_entry, (ulong)secondary);
	ulong t0 = now_ms();
	while (!st.ready && now_ms() - t0 < WAIT_MS)
		;
	if (err || !st.ready) {
		check("irq_routed", 0, "hart 1 did not start (hart_start: %ld)", err);
		return 1;
	}
	take_interrupts(0);
	int ok = test_routing();
	ok &= test_threshold();
	ok &= test_claim_and_level();
	csr_clear(sstatus, SSTATUS_SIE);
	UART_IER_REG = 0;
	st.done = 1;
	return ok ? 0 : 1;
}
