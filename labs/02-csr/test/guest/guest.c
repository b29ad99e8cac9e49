#include "guest.h"

int guest_main(ulong hartid, ulong arg)
{
	printf("guest: hello from VS-mode, hart %lu, a1=0x%lx\n", hartid, arg);
	check("guest_runs", 1, NULL);
	asm volatile("csrr t0, hstatus" ::: "t0");
	return 0;
}
