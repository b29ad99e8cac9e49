// memlayout.h: where things live in host physical memory on QEMU virt.
//
//   0x0010_0000  test finisher (used by OpenSBI for SRST)
//   0x0c00_0000  PLIC
//   0x1000_0000  UART0 (16550), owned by OpenSBI/the hypervisor
//   0x8000_0000  OpenSBI (M-mode firmware; the DTB reserves its first 512 KiB,
//                PMP-protected from us; we start at the next 2 MiB boundary)
//   0x8020_0000  HYP_BASE: this hypervisor's image (entry point)
//   0x8100_0000  GUEST_BARE_BASE: in labs 2-4 (G-stage Bare, GPA == HPA) the
//                guest image is copied here and runs in place (16 MiB window)
//   0x8200_0000  KALLOC_BASE: page allocator, up to the end of RAM (from DTB);
//                lab 10: first the files QEMU's loader put here (bootarg load_size)
//
// From lab 5 on, guests see their RAM at GUEST_RAM_GPA and the G-stage maps
// it onto pages from the allocator.
#ifndef MEMLAYOUT_H
#define MEMLAYOUT_H

#define RAM_BASE          0x80000000UL
#define HYP_BASE          0x80200000UL
#define GUEST_BARE_BASE   0x81000000UL
#define GUEST_BARE_SIZE   0x01000000UL
#define KALLOC_BASE       0x82000000UL
#define GUEST_RAM_GPA     0x80000000UL
#define UART0_BASE        0x10000000UL
#define UART0_IRQ         10            // its PLIC source on virt
#define PLIC_BASE         0x0c000000UL

#define MAX_HARTS         8
#define GUEST_MAX_HARTS   8             // test guests (common/guest/)
#define GUEST_STACK_SIZE  (8 * 1024)
#define HART_STACK_SIZE   (16 * 1024)   // per hart, for C code
#define TRAP_STACK_SIZE   (8 * 1024)    // per hart, for the trap vector

#endif
