// spinlock.c: amoswap.w.aq takes the lock, amoswap.w.rl releases it, so
// everything done under the lock is ordered inside it (RVWMO, ISA vol. I 17).
#include "spinlock.h"

void spin_lock(struct spinlock *lk)
{
	unsigned int old;
	do {
		asm volatile("amoswap.w.aq %0, %1, (%2)"
			     : "=r"(old) : "r"(1), "r"(&lk->locked) : "memory");
	} while (old);
}

void spin_unlock(struct spinlock *lk)
{
	asm volatile("amoswap.w.rl zero, zero, (%0)" : : "r"(&lk->locked) : "memory");
}
