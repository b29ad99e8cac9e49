// canary.c: seeded patterns for host memory the fuzz guest must not reach
// (canary.h). Each word is a multiply-xorshift mix of the seed and its
// index: different for every word and every seed, and nothing a guest
// that writes at random is likely to write.
#include "canary.h"

static ulong canary_word(ulong seed, ulong i)
{
	ulong x = (seed ^ 0xc0ffee5eedUL) + i * 0x9e3779b97f4a7c15UL;
	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9UL;
	return x ^ (x >> 29);
}

void canary_fill(ulong *p, ulong nwords, ulong seed)
{
	for (ulong i = 0; i < nwords; i++)
		p[i] = canary_word(seed, i);
}

ulong canary_bad(const ulong *p, ulong nwords, ulong seed)
{
	ulong bad = 0;
	for (ulong i = 0; i < nwords; i++)
		bad += p[i] != canary_word(seed, i);
	return bad;
}
