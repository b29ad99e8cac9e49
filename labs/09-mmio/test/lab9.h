// lab9.h: what the lab-9 harness and its test guest agree on.
//
// The guest sees two emulated devices, neither of which is mapped in the
// G-stage: the 16550 UART at the virt machine's address, and the kit's test
// device at a seed-derived address. Control hypercalls (a7 =
// SBI_EXT_RVHLAB_HYPERCALL, a6 = number) let the guest ask the harness what
// the test device saw, without going through the MMIO path under test.
#ifndef LAB9_H
#define LAB9_H

#define HC_BASE        0x4c3900000000UL           // "L9"
#define HC_LAST        (HC_BASE + 1)   // -> a1 = the test device's last access (TD_LAST_*)
#define HC_LAST_DATA   (HC_BASE + 2)   // -> a1 = its data: the value stored, or the raw
                                       //    value the device returned to a load
#define HC_PEEK        (HC_BASE + 3)   // a0 = offset -> a1 = the 8 register bytes at
                                       //    offset & ~7 (no access is logged)
#define HC_GPR0        (HC_BASE + 4)   // -> a1 = the vCPU's gprs[0] slot
#define HC_UART_TX     (HC_BASE + 5)   // -> a1 = bytes the UART has sent to the console
#define HC_EXIT_CHECK  (HC_BASE + 6)   // the harness prints its check of the decoded
                                       //    exits (EXIT_MMIO_READ/WRITE fields)

// HC_LAST's answer.
#define TD_LAST_OFFSET(x)  ((x) & 0xfff)
#define TD_LAST_WIDTH(x)   (((x) >> 12) & 0xf)
#define TD_LAST_KIND(x)    (((x) >> 16) & 3)
#define TD_LAST_COUNT(x)   ((x) >> 32)        // accesses so far
#define TD_READ   1
#define TD_WRITE  2

// The test device: 4 KiB of registers, readable and writable with every
// width. Register slot k (8 bytes at 8 * k) starts with a seeded value;
// in even slots every byte has its top bit set, in odd slots clear, so
// that loads of every width meet both signs.
#define TESTDEV_SIZE       0x1000UL
#define TESTDEV_BASE(seed) (0x40000000UL + (((seed) & 0xff) << 16))
// A guest-physical address where there is neither RAM nor a device.
#define NODEV_GPA(seed)    (0x30000000UL + (((seed) & 0xffff) << 8))

// Where the guest's driver finds its 16550: the virt machine's UART0 (the
// hypervisor emulates one there, uart16550.h).
#define GUEST_UART_BASE          0x10000000UL

// The UART test: the divisor and scratch byte the guest programs, and the
// line it prints (FACT uart_tx counts its bytes, "\r\n" included).
#define UART_TEST_DIVISOR(seed)  (1 + ((seed) >> 8) % 0xfffe)
#define UART_TEST_SCRATCH(seed)  (((seed) >> 3) & 0xff)
#define UART_HELLO_FMT           "ns16550: seed %08lx says hello through the emulated UART"

#endif
