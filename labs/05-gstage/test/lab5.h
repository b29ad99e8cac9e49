// lab5.h: how lab 5's harness (HS-mode) and its test guest (VS-mode) talk.
//
// The guest is a probe runner. It asks the harness for the guest-physical
// addresses of this run's test pages (HC_ADDR), picks offsets inside them
// from the run's seed, touches them with one load, store or call each
// (probe.S), and reports what happened (HC_REPORT). The harness keeps its
// own model of what the G-stage should map and judges every report against
// it: a mapped, permitted access must succeed with the host page's contents;
// anything else must end in a guest-page fault at exactly that GPA.
//
// Calls are SBI ecalls with a7 = LAB5_EID, a6 = function, arguments in
// a0-a3, result in a0. The EID is in the firmware-specific range
// 0x0A000000-0x0AFFFFFF (SBI spec 3, "SBI extension IDs").
#ifndef LAB5_H
#define LAB5_H

#define LAB5_EID 0x0A000005UL

enum lab5_call {
	HC_HELLO,    // a0, a1 = [start, end) of the guest's probe code
	HC_ADDR,     // a0 = enum lab5_addr -> a0 = GPA
	HC_REPORT,   // a0 = check | kind << 8, a1 = GPA, a2 = faulted, a3 = value
	HC_ACTION,   // a0 = enum lab5_action -> a0 = 0 done, -1 failed
	HC_DONE,     // the scenario is over: the harness reports and stops
};

// Probe kinds. Loads report the value read; stores report the value
// written; a call reports what the code it called returned in a0.
enum lab5_kind { K_LD, K_LBU, K_SD, K_SB, K_CALL, K_COUNT };

// Addresses the guest can ask for (HC_ADDR). All are chosen per run.
enum lab5_addr {
	A_DATA,        // guest_reads: a host page filled with a pattern
	A_RO,          // store_fault: mapped read-only
	A_RW,          // store_fault: mapped RW, then protected R, then RW again
	A_RAM_END,     // first GPA after guest RAM (unmapped)
	A_HOLE,        // a page far from everything (unmapped)
	A_UNMAP,       // load_fault: mapped, then unmapped while the guest runs
	A_CODE_X,      // fetch_fault: a code stub in an R|X page
	A_CODE_NX,     // fetch_fault: the same stub in an R|W page
	A_MEGA,        // megapage: a 2 MiB aligned GPA with a 2 MiB leaf
	A_REMAP,       // remap: first backed by page A, then by page B
	A_ISO_NEXT,    // isolation: the page after a 4 KiB mapping whose host
	               // neighbour holds the canary
	A_ISO_CANARY,  // isolation: the canary's host address used as a GPA
	A_ISO_HIGH,    // isolation: the same + 2^39 (root entries 512-1023)
	A_ISO_ROOT,    // isolation: the G-stage root's host address as a GPA
	A_COUNT
};

// Mid-run changes the guest asks for (HC_ACTION).
enum lab5_action {
	ACT_PROTECT_R,   // store_fault: gstage_protect(A_RW, R)
	ACT_PROTECT_RW,  // store_fault: gstage_protect(A_RW, R|W)
	ACT_UNMAP,       // load_fault: gstage_unmap(A_UNMAP)
	ACT_REMAP,       // remap: unmap A_REMAP, map it onto page B
};

// Every check a lab-5 run can report. A guest report names the check it
// counts for; the harness prints each check of the running test once.
enum lab5_check {
	C_GUEST_BOOTS, C_HGATP, C_LEAF_BITS, C_READS, C_WRITES,
	C_RO_LOAD, C_RO_STORE, C_PROTECT_R, C_PROTECT_RW,
	C_LOAD_UNMAPPED, C_UNMAP,
	C_FETCH_EXEC, C_FETCH_UNMAPPED, C_FETCH_NOEXEC,
	C_MEGA_LEAF, C_MEGA_TRANSLATE, C_MEGA_READS, C_MEGA_HOST,
	C_REMAP_BEFORE, C_REMAP_AFTER, C_REMAP_WRITE,
	C_ISO_FAULTS, C_ISO_CANARY,
	C_FENCE_UNMAP, C_FENCE_PROTECT, C_FENCE_ACTIVATE,
	C_ROOT, C_HGATP_FN, C_BAD_ARGS, C_OVERLAP, C_TOP_OF_RANGE,
	C_TRANSLATE, C_UNMAP_API, C_PROTECT_API,
	C_COUNT
};

// The code stub the harness writes into A_CODE_X and A_CODE_NX pages:
//     auipc a0, 0 ; ld a0, 16(a0) ; ret ; (pad) ; .dword value
// so a call returns the doubleword 16 bytes after the stub's start.
#define STUB_VALUE_OFFSET 16
#define STUB_SIZE         24

#define MEGA_SIZE (2UL * 1024 * 1024)   // a 2 MiB (level-1) leaf

#endif
