// lab10hc.h: the one hypercall the lab 10 harness answers, for its test
// guest (virtual_insn). A guest ecall with a7 = SBI_EXT_RVHLAB_HYPERCALL
// and a6 = LAB10_HC_MIX gets {0, lab10_mix(a0..a5)}, whichever way the VMM
// answers it: through its run loop, or the world switch's fast path
// (docs/labs/04-switch.md, "The fast path"), so that a fast path is run and
// checked too.
#ifndef LAB10HC_H
#define LAB10HC_H

#define LAB10_HC_MIX  0xa10

static inline unsigned long lab10_mix(const unsigned long *a)
{
	unsigned long x = 0x9e3779b97f4a7c15UL;
	for (int i = 0; i < 6; i++)
		x = (x ^ a[i]) * 0xbf58476d1ce4e5b9UL + (unsigned long)i;
	return x ^ (x >> 31);
}

#endif
