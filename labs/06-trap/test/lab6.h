// lab6.h: what the lab-6 harness and its test guest agree on.
//
// Control hypercalls (a7 = SBI_EXT_RVHLAB_HYPERCALL, a6 = number) lie above
// 2^32, so they never collide with the 'ecall' test's seed-derived number.
// Every value a test checks is derived from the run's seed (run_seed()),
// which the harness and the guest both read from the bootargs.
#ifndef LAB6_H
#define LAB6_H

#define HC_BASE        0x4c3600000000UL           // "L6"
#define HC_ARM_TIMER   (HC_BASE + 1)   // a0 = delta (time ticks): arm the host timer
#define HC_TIMER_DONE  (HC_BASE + 2)   // -> a1 = timer exits seen since HC_ARM_TIMER
#define HC_COPY_FROM   (HC_BASE + 3)   // a0 = gva, a1 = len, a2 = tag: copy out, report
#define HC_COPY_TO     (HC_BASE + 4)   // a0 = gva, a1 = len, a2 = tag: write the test string

// Tags of HC_COPY_FROM / HC_COPY_TO: which FACT the harness prints.
#define TAG_COPY_FROM   0    // copy_from: the string crossing a page boundary
#define TAG_BAD_VS      1    // copy_bad_vs: runs into a hole in the guest's page table
#define TAG_BAD_G       2    // copy_bad_g: the guest page maps a GPA with no RAM
#define TAG_COPY_TO     3    // copy_to: the harness writes, the guest reads
#define TAG_BAD_RO      4    // copy_bad_ro: write to a page the guest maps read-only
#define NTAGS           5

// The 'ecall' test's SBI call: an EID no SBI implements (firmware range,
// not the kit's hypercall EID), so the stand-in SBI answers NOT_SUPPORTED.
#define TEST_SBI_EID   0x0B000000UL

// Guest virtual layout of the copy tests (the guest's own Sv39 table):
// two pages mapped in reverse order to two non-adjacent frames, a hole, a
// page whose GPA has no RAM behind it, a read-only page.
#define VA_WINDOW      0x40000000UL
#define VA_PAGE0       (VA_WINDOW + 0x0000)
#define VA_PAGE1       (VA_WINDOW + 0x1000)
#define VA_HOLE        (VA_WINDOW + 0x2000)
#define VA_NOGPA       (VA_WINDOW + 0x3000)
#define VA_RO          (VA_WINDOW + 0x4000)
#define COPY_MAX       128

// Values both sides derive from the seed.
#define SEEDED(k, seed)        (((unsigned long)(k) << 32) | (seed))
// The byte accesses' GPAs always have non-zero low bits (1, 2 or 3, from
// the seed): htval holds GPA >> 2 and the two low bits come from stval, so
// a decoder that forgets them must fail in every run, whatever the seed.
// The grader's templates {seed_low1} and {seed_low2} are the same numbers.
#define SEED_LOW1(seed)        (((seed) & ~3UL) | (1 + (seed) % 3))
#define SEED_LOW2(seed)        (((seed) & ~3UL) | (1 + ((seed) >> 2) % 3))
#define GPA_LOAD32(seed)       SEEDED(1, SEED_LOW1(seed))             // lb
#define GPA_LOAD16(seed)       ((2UL << 36) | ((seed) << 4))          // c.lw
#define GPA_STORE32(seed)      SEEDED(3, SEED_LOW2(seed))             // sb
#define GPA_STORE16(seed)      ((4UL << 36) | ((seed) << 4) | 8)      // c.sd
#define GPA_FETCH(seed)        ((5UL << 36) | ((seed) << 4))          // jalr
#define GPA_NORAM(seed)        (0x100000000UL + (((seed) & 0xffff) << 12))
#define HCSR_READ_VALUE(seed)  SEEDED(0xc5, seed)
#define COPY_FROM_OFFSET(seed) (8 + ((seed) % 24))   // bytes before the page boundary
#define COPY_TO_OFFSET(seed)   (12 + ((seed) >> 8) % 20)

#endif
