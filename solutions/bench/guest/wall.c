// wall.c: the bench guest's wall-clock workloads (docs/bench.md, "CPU-bound"
// and "UART output"). The same raw image runs under lab 10's reference VMM
// and natively on OpenSBI with the guest's own device tree (grader/
// benchwall.py), and times itself with rdtime: the guest's `time` is the
// host's plus htimedelta (Priv. 8.2.7), so ticks are ticks on both sides.
//
//   bench=cpu   cpu_rounds= passes of arithmetic over a 64 KiB array: no
//               ecall, no device, no fault after the first touch of each
//               page, so no exit at all
//   bench=uart  uart_bytes= bytes through the UART at UART_VIRT_BASE, polled
//               (LSR.THRE, then THR), as U-Boot's and OpenSBI's drivers do:
//               two MMIO exits per byte under the VMM
//
// Each prints one line that make bench reads:
//   FACT <nonce> wall cpu rounds=N ticks=T sum=S
//   FACT <nonce> wall uart bytes=N ticks=T
#include "guest.h"
#include "uart16550.h"
#include "../bench.h"

#define CPU_WORDS   (64 * 1024 / 4)
#define LINE        64          // the UART pattern: 63 digits and a newline

static u32 work[CPU_WORDS];

// xorshift64 (Marsaglia) into the array, and a strided read back: loads,
// stores and ALU work, nothing else.
static ulong cpu_rounds(ulong rounds)
{
	ulong x = 88172645463325252UL, sum = 0;
	for (ulong r = 0; r < rounds; r++)
		for (ulong i = 0; i < CPU_WORDS; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			work[i] += (u32)x;
			sum += work[(i * 7) & (CPU_WORDS - 1)];
		}
	return sum;
}

void wall_cpu(void)
{
	ulong rounds = bootarg_ulong("cpu_rounds", 200);
	ulong t0 = rdtime();
	ulong sum = cpu_rounds(rounds);
	ulong t1 = rdtime();
	fact("wall", "cpu rounds=%lu ticks=%lu sum=%lx", rounds, t1 - t0, sum);
}

static void uart_putc(volatile u8 *uart, char c)
{
	while (!(uart[UART_LSR] & UART_LSR_THRE))
		;
	uart[UART_THR] = (u8)c;
}

void wall_uart(void)
{
	volatile u8 *uart = (volatile u8 *)UART_VIRT_BASE;
	ulong n = bootarg_ulong("uart_bytes", 16384);
	printf("bench: uart start\n");
	ulong t0 = rdtime();
	for (ulong i = 0; i < n; i++)
		uart_putc(uart, i % LINE == LINE - 1 ? '\n' : (char)('0' + i % LINE % 10));
	ulong t1 = rdtime();
	printf("\nbench: uart end\n");
	fact("wall", "uart bytes=%lu ticks=%lu", n, t1 - t0);
}
