// bench.h: what the bench hypervisor (bench.c) and the bench guest
// (guest/) agree on. docs/bench.md explains the figures.
#ifndef BENCH_H
#define BENCH_H

// The null hypercall (kit extension, fid/nr 0): the hypervisor does nothing
// and returns 0, so its cost is the exit path alone.
#define BENCH_HC_NULL        0

// Guest-physical windows with nothing behind them (not RAM, not a device):
// a load in the MAP window makes the hypervisor map a page there (demand
// paging, the load is retried); a load in the SKIP window is stepped over.
#define BENCH_MAP_GPA        0xC0000000UL
#define BENCH_MAP_SIZE       (16UL << 20)
#define BENCH_SKIP_GPA       0xD0000000UL
#define BENCH_SKIP_SIZE      0x1000UL

#define BENCH_GUEST_MEM      (64UL << 20)
#define BENCH_VMID           1

#endif
