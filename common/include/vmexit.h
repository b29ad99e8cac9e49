// vmexit.h: why the guest stopped running, decoded (lab 6 on).
//
// vcpu_run() (lab 4) returns with the raw trap in v->trap (scause, stval,
// htval, htinst) and the guest's pc in v->sepc. vm_exit_decode() turns that
// into a struct vm_exit: one reason plus the few values that matter for it,
// so that the rest of the hypervisor never looks at scause again.
//
// The reasons follow the reference design (ArceOS riscv_vcpu /
// axvcpu::AxVCpuExitReason), in C: an enum plus a union of small structs.
//
//   reason                  AxVCpuExitReason      produced by
//   EXIT_NOTHING            Nothing               any lab: handled, just resume
//   EXIT_HYPERCALL          Hypercall{nr,args}    lab 6: VS ecall, a7 = kit EID
//   EXIT_SBI_CALL           (riscv_vcpu handles   lab 6: any other VS ecall;
//                           SBI inside the vCPU)  lab 7's SBI turns it into
//                                                 NOTHING / CPU_UP / ...
//   EXIT_MMIO_READ          MmioRead              lab 9, from NESTED_PAGE_FAULT
//   EXIT_MMIO_WRITE         MmioWrite             lab 9, from NESTED_PAGE_FAULT
//   EXIT_NESTED_PAGE_FAULT  NestedPageFault       lab 6: scause 20, 21, 23
//   EXIT_VIRTUAL_INSN       (SysRegRead/Write)    lab 6: scause 22, not wfi
//   EXIT_EXTERNAL_IRQ       ExternalInterrupt     lab 6: HS external interrupt
//   EXIT_TIMER              (Nothing + timer)     lab 6: HS timer interrupt
//   EXIT_HALT               Halt                  lab 6: wfi with hstatus.VTW
//   EXIT_CPU_UP             CpuUp                 lab 8: SBI HSM hart_start
//   EXIT_CPU_DOWN           CpuDown               lab 8: SBI HSM hart_stop
//   EXIT_SYSTEM_DOWN        SystemDown            lab 7: SBI SRST
//   EXIT_HOST_IPI           (an IPI between the   lab 6: HS software interrupt:
//                           hypervisor's harts)   another hart left requests
//   EXIT_UNKNOWN            (an Err)              anything else: dumped, the
//                                                 guest must not be resumed
//
// Who moves the guest's pc (v->sepc)?
//  - ecall (HYPERCALL, SBI_CALL) and wfi (HALT) always complete: the decoder
//    advances sepc past them (4 bytes: neither has a compressed form), and
//    the handler only writes results (a0/a1) into v->gprs.
//  - NESTED_PAGE_FAULT and VIRTUAL_INSN leave sepc AT the instruction: the
//    handler either retries it (after mapping the page) or emulates it and
//    then adds insn.len (2 or 4) itself.
//  - interrupts (TIMER, EXTERNAL_IRQ, HOST_IPI) never move sepc: nothing was
//    executed.
#ifndef VMEXIT_H
#define VMEXIT_H

#include "types.h"
#include "riscv.h"
#include "guestmem.h"
#include "vcpu.h"

// The length of the ecall an EXIT_HYPERCALL or EXIT_SBI_CALL came from (see
// above): after vm_exit_decode(), v->sepc == e->pc + VMEXIT_ECALL_LEN.
#define VMEXIT_ECALL_LEN  4

enum vm_exit_reason {
	EXIT_UNKNOWN = 0,        // 0 so that a forgotten field reads as "unknown"
	EXIT_NOTHING,
	EXIT_HYPERCALL,
	EXIT_SBI_CALL,
	EXIT_MMIO_READ,
	EXIT_MMIO_WRITE,
	EXIT_NESTED_PAGE_FAULT,
	EXIT_VIRTUAL_INSN,
	EXIT_EXTERNAL_IRQ,
	EXIT_TIMER,
	EXIT_HALT,
	EXIT_CPU_UP,
	EXIT_CPU_DOWN,
	EXIT_SYSTEM_DOWN,
	EXIT_HOST_IPI,
	EXIT_REASON_COUNT
};

// The kit's hypercall ABI (sbi.h, SBI_EXT_RVHLAB_HYPERCALL): a7 = the EID,
// a6 = hypercall number, a0-a5 = arguments; results in a0 (error) and a1.
#define HYPERCALL_NARGS 6

// args points at the guest's own a0..a5 (&v->gprs[REG_A0]): nothing is
// copied (an ecall is the most frequent exit), and whoever answers the call
// reads args[0] .. args[HYPERCALL_NARGS - 1] where the switch saved them.
struct vm_exit_hypercall {
	ulong nr;                        // a6
	const ulong *args;               // a0..a5
};

// Any other ecall from VS: an SBI call (SBI spec 3: a7 = EID, a6 = FID).
struct vm_exit_sbi_call {
	ulong eid;                       // a7
	ulong fid;                       // a6
	const ulong *args;               // a0..a5, as for a hypercall
};

// What kind of access faulted: the PTE permission it needed (riscv.h), so
// a handler can pass it straight to gstage_map() (lab 5).
#define GUEST_ACCESS_READ   PTE_R    // load guest-page fault (21)
#define GUEST_ACCESS_WRITE  PTE_W    // store/AMO guest-page fault (23)
#define GUEST_ACCESS_EXEC   PTE_X    // instruction guest-page fault (20)

// Guest-page fault (Priv. 8.6.1, causes 20, 21, 23): G-stage translation
// refused the access. htval holds the guest-physical address shifted right
// by 2 (Priv. 8.2, "Hypervisor Trap Value Register"); stval its low bits.
struct vm_exit_page_fault {
	ulong gpa;          // faulting guest-physical address: htval << 2 | stval & 3
	ulong gva;          // stval: the guest-virtual address (if gva_valid)
	u8    access;       // GUEST_ACCESS_*
	u8    gva_valid;    // hstatus.GVA: stval holds a guest-virtual address
	struct guest_insn insn;  // the faulting load/store (len 0 for a fetch
	                         // fault: there is no instruction to read)
};

// Lab 9: a load from an emulated device (the page fault, decoded).
struct vm_exit_mmio_read {
	ulong gpa;
	u8    width;        // bytes: 1, 2, 4, 8
	u8    reg;          // destination register number
	u8    sign_extend;  // 0 for lbu/lhu/lwu, 1 for every other load (mmio.h)
};

// Lab 9: a store to an emulated device.
struct vm_exit_mmio_write {
	ulong gpa;
	u8    width;
	ulong data;         // the register's value, truncated to width
};

// Virtual-instruction exception (Priv. 8.6.1, cause 22) other than wfi:
// the guest ran something only HS-mode may run (an H or VS CSR access,
// hfence, a trapped sret/sfence.vma, a counter with hcounteren clear).
// sepc is at the instruction; the handler emulates it (and adds insn.len)
// or reflects an illegal-instruction exception to the guest.
struct vm_exit_virtual_insn {
	struct guest_insn insn;
	u8  is_csr;     // a Zicsr instruction (opcode SYSTEM, funct3 != 0):
	u8  op;         //   funct3: 1 CSRRW, 2 CSRRS, 3 CSRRC, 5-7 the I forms
	u8  rd;         //   destination register number
	u8  rs1;        //   source register number, or the 5-bit immediate
	u16 csr;        //   CSR number, insn[31:20]
};

// An interrupt for the hypervisor arrived while the guest ran.
struct vm_exit_irq {
	ulong irq;      // interrupt number (scause without bit 63)
};

// Lab 7 (SRST) and lab 8 (HSM) fill these.
struct vm_exit_cpu_up {
	ulong target;   // hart id the guest asked to start
	ulong entry;    // its start address (guest-physical)
	ulong arg;      // opaque, for the new vCPU's a1
};
struct vm_exit_cpu_down {
	ulong state;    // reserved (0)
};
struct vm_exit_system_down {
	ulong type;     // SBI_SRST_TYPE_*
	ulong reason;   // SBI_SRST_REASON_*
};

// The raw trap of an exit nobody understood (for logs).
struct vm_exit_unknown {
	ulong scause, stval, htval, htinst;
};

struct vm_exit {
	enum vm_exit_reason reason;
	ulong scause;       // the raw cause (for logs; use reason to decide)
	ulong pc;           // the guest's pc at the exit, before any advance
	union {
		struct vm_exit_hypercall    hypercall;
		struct vm_exit_sbi_call     sbi;
		struct vm_exit_page_fault   page_fault;
		struct vm_exit_mmio_read    mmio_read;
		struct vm_exit_mmio_write   mmio_write;
		struct vm_exit_virtual_insn vinsn;
		struct vm_exit_irq          irq;
		struct vm_exit_cpu_up       cpu_up;
		struct vm_exit_cpu_down     cpu_down;
		struct vm_exit_system_down  system_down;
		struct vm_exit_unknown      unknown;
	};
};

// Lab 6 (labs/06-trap/exit.c): decode the exit vcpu_run() just returned
// from into *e, through a table indexed by the cause. It writes reason,
// scause, pc and the part of the union that belongs to the reason (all of
// that part); the rest of *e is left as it was: read only the fields of
// e->reason. Moves v->sepc as the
// rules above say. An unknown cause prints a decoded dump (vcpu_dump) and
// gives EXIT_UNKNOWN: the caller must then stop the guest. Returns e->reason.
enum vm_exit_reason vm_exit_decode(struct vcpu *v, struct vm_exit *e);

// Lab 6: the kit's decoded register dump (trap_dump, trap.h) for the
// guest's state in *v: cause name, sepc, stval, htval, htinst, the
// instruction, every register.
void vcpu_dump(const struct vcpu *v, const char *why);

// "hypercall", "nested_page_fault"... (common/hyp/vmexit_names.c).
const char *vm_exit_reason_name(enum vm_exit_reason reason);

#endif
