// main.c: the lab 10 test guest's entry and trap dispatch (lab10guest.h).
#include "lab10guest.h"

static int irq_scenario;

void guest_trap(struct trapframe *tf)
{
	if (irq_scenario)
		irq_trap(tf);
	else
		vinsn_trap(tf);
}

int guest_main(ulong hartid, ulong arg)
{
	if (!strcmp(run_test(), "interrupts")) {
		irq_scenario = 1;
		return irq_main(hartid, (const void *)arg);
	}
	return vinsn_main();
}
