// console.c: the hypervisor's console goes through the SBI, so OpenSBI owns
// the UART. DBCN (SBI 12, "debug console") writes a whole buffer per call;
// OpenSBI 1.1 (SBI 1.0) predates it, so there we fall back to the legacy
// putchar/getchar (SBI 5.2, 5.3), one ecall per character.
#include "hyp.h"

static int use_dbcn;

void console_init(void)
{
	use_dbcn = sbi_probe_extension(SBI_EXT_DBCN) > 0;
}

void console_write(const char *s, size_t n)
{
	if (use_dbcn) {
		while (n) {   // DBCN may write fewer bytes than asked (SBI 12.1)
			struct sbiret r = sbi_ecall(SBI_EXT_DBCN, SBI_DBCN_WRITE, n,
						    (ulong)s, 0, 0, 0, 0);
			if (r.error || r.value <= 0)
				break;
			s += r.value;
			n -= (size_t)r.value;
		}
		return;
	}
	for (; n; n--)
		sbi_legacy_putchar(*s++);
}

static void irq_drained(void);
static int irq_mode;               // console_irq_init() ran: input announces itself
static volatile int irq_open;      // claimed, not yet completed

int console_getc(void)
{
	int c;
	// With input as an interrupt, nothing can be waiting until the host's
	// PLIC said so (console_irq_claim): no call to the firmware to learn
	// that. A guest polling its UART costs an exit, not an M-mode trip too.
	if (irq_mode && !irq_open)
		return -1;
	if (use_dbcn) {
		char b;
		struct sbiret r = sbi_ecall(SBI_EXT_DBCN, SBI_DBCN_READ, 1, (ulong)&b, 0, 0, 0, 0);
		c = r.error || r.value != 1 ? -1 : (u8)b;
	} else {
		c = sbi_legacy_getchar();
	}
	if (c < 0) {
		irq_drained();
		return -1;
	}
	return c;
}

// ---------------------------------------------------------------- input as an interrupt
// A guest kernel waiting for its UART's receive interrupt sleeps in wfi:
// the hypervisor must notice input without polling for it. The host UART
// (the one OpenSBI's console reads) can raise an interrupt when a byte
// arrives (16550: IER.RDI), through the host PLIC (QEMU virt: source 10;
// hart h's S-mode is context 2h+1, as in the host's device tree), as a
// supervisor external interrupt of the hart that enables it here. While a
// guest runs on that hart, that is an exit (Priv. 8.1: HS interrupts are
// taken whatever sstatus.SIE says when V = 1). The source stays claimed
// (PLIC spec: no new request while in service) until the input has been
// read to the end: the guest's own reads do that, through console_getc().
// Input is noticed only there: while vCPU 0's hart waits in the hypervisor
// (its vCPU stopped or suspended), typed bytes wait for it.
#define HPLIC_PRIORITY(s)   (PLIC_BASE + 4UL * (s))
#define HPLIC_ENABLE(c)     (PLIC_BASE + 0x2000UL + 0x80UL * (c))
#define HPLIC_THRESHOLD(c)  (PLIC_BASE + 0x200000UL + 0x1000UL * (c))
#define HPLIC_CLAIM(c)      (HPLIC_THRESHOLD(c) + 4)
#define HUART_IER           (UART0_BASE + 1)
#define HUART_IER_RDI       0x01

static ulong irq_context;          // the host PLIC context we enabled

static void write32(ulong addr, u32 v) { *(volatile u32 *)addr = v; }
static u32 read32(ulong addr) { return *(volatile u32 *)addr; }

void console_irq_init(void)
{
	irq_context = 2 * mycpu()->hartid + 1;
	write32(HPLIC_PRIORITY(UART0_IRQ), 1);
	write32(HPLIC_THRESHOLD(irq_context), 0);
	ulong enable = HPLIC_ENABLE(irq_context) + 4 * (UART0_IRQ / 32);
	write32(enable, read32(enable) | 1U << (UART0_IRQ % 32));
	*(volatile u8 *)HUART_IER = HUART_IER_RDI;
	csr_set(sie, SIE_SEIE);
	irq_mode = 1;
}

int console_irq_claim(void)
{
	u32 source = read32(HPLIC_CLAIM(irq_context));
	if (source == UART0_IRQ) {
		irq_open = 1;
		return 1;
	}
	if (source)
		write32(HPLIC_CLAIM(irq_context), source);   // not ours: done with it
	return 0;
}

// Complete the claim once nothing is left to read: if a byte came in
// meanwhile, the line is still high and the PLIC raises it again at once.
static void irq_drained(void)
{
	if (irq_open && __atomic_exchange_n(&irq_open, 0, __ATOMIC_SEQ_CST))
		write32(HPLIC_CLAIM(irq_context), UART0_IRQ);
}
