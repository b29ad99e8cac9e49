// exceptions.c: guest scenarios for synchronous traps the guest kernel
// should handle itself: breakpoints, illegal instructions, ecalls from its
// own VU-mode program. Each one traps a seed-dependent number of times and
// checks, after every trap, that the guest's handler saw it (count, sepc).
// Whether the hypervisor saw it too is the harness's side of the story.
#include "deleg_guest.h"

#define USER_STACK_SIZE 4096
static u8 user_stack[USER_STACK_SIZE] __attribute__((aligned(16)));

// ebreak (4 bytes) or c.ebreak (2 bytes); returns its address.
static ulong trap_ebreak(int compressed)
{
	ulong pc;
	if (compressed)
		asm volatile("1: c.ebreak\n lla %0, 1b" : "=r"(pc) : : "memory");
	else
		asm volatile(".option push\n.option norvc\n1: ebreak\n.option pop\n"
			     "lla %0, 1b" : "=r"(pc) : : "memory");
	return pc;
}

// A VS-mode read of an M-mode CSR: illegal instruction (Priv. 8.6.1; it is
// not a virtual-instruction exception because HS could not do it either).
static ulong trap_illegal(void)
{
	ulong pc;
	asm volatile(".option push\n.option norvc\n1: csrr t0, mstatus\n.option pop\n"
		     "lla %0, 1b" : "=r"(pc) : : "t0", "memory");
	return pc;
}

// Did exactly one more trap of this cause reach vstvec, at pc?
static int took(ulong cause, ulong before, ulong pc)
{
	return seen.exc[cause] == before + 1 && seen.last_sepc == pc;
}

int scenario_breakpoint(void)
{
	ulong nb = deleg_count(CNT_BREAKPOINT), np = deleg_count(CNT_PROBE_ECALL);
	ulong ok = 0, probes_ok = 0;
	for (ulong i = 0; i < nb || i < np; i++) {
		if (i < nb) {
			ulong before = seen.exc[CAUSE_BREAKPOINT];
			ok += took(CAUSE_BREAKPOINT, before, trap_ebreak(i & 1));
		}
		if (i < np) {
			// A VS ecall can never be delegated: the hypervisor answers
			// with how many probes it has seen (a1).
			struct sbiret r = sbi_ecall(DELEG_PROBE_EID, 0, 0, 0, 0, 0, 0, 0);
			probes_ok += r.error == 0 && r.value == (long)(i + 1);
		}
	}
	printf("guest: %lu of %lu breakpoints reached my vstvec; %lu of %lu probe ecalls answered\n",
	       ok, nb, probes_ok, np);
	check("guest_breakpoint", ok == nb && seen.exc[CAUSE_BREAKPOINT] == nb,
	      "%lu ebreaks, %lu handled correctly by the guest, %lu seen", nb, ok,
	      seen.exc[CAUSE_BREAKPOINT]);
	check("guest_probe_ecalls", probes_ok == np, "%lu of %lu probe ecalls answered", probes_ok,
	      np);
	return 0;
}

int scenario_illegal(void)
{
	ulong n = deleg_count(CNT_ILLEGAL), ok = 0;
	for (ulong i = 0; i < n; i++) {
		ulong before = seen.exc[CAUSE_ILLEGAL_INSTRUCTION];
		ok += took(CAUSE_ILLEGAL_INSTRUCTION, before, trap_illegal());
	}
	printf("guest: %lu of %lu illegal instructions reached my vstvec (stval 0x%lx)\n", ok, n,
	       seen.last_stval);
	check("guest_illegal", ok == n && seen.exc[CAUSE_ILLEGAL_INSTRUCTION] == n,
	      "%lu illegal instructions, %lu handled correctly by the guest, %lu seen", n, ok,
	      seen.exc[CAUSE_ILLEGAL_INSTRUCTION]);
	return 0;
}

// The guest kernel runs a VU-mode program that makes n system calls (ecall
// from VU = cause 8) and one exit call; each should land in vstvec.
int scenario_user_ecall(void)
{
	ulong n = deleg_count(CNT_USER_ECALL);
	user_run(n, (ulong)user_stack + USER_STACK_SIZE);
	ulong got = seen.exc[CAUSE_USER_ECALL];
	int from_user = seen.last_from_user;
	printf("guest: my VU program made %lu ecalls; my vstvec saw %lu, last a0 %lu\n", n + 1,
	       got, seen.user_result);
	check("guest_user_ecall", got == n + 1 && from_user && seen.user_result == n,
	      "expected %lu ecalls from VU (SPP=0) and result %lu; saw %lu, SPP=%d, result %lu",
	      n + 1, n, got, !from_user, seen.user_result);
	return 0;
}
