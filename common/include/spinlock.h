// spinlock.h: a test-and-set lock with amoswap (A extension). Interrupts are
// not disabled: the runtime never takes a lock in an interrupt handler.
#ifndef SPINLOCK_H
#define SPINLOCK_H

struct spinlock {
	volatile unsigned int locked;
};

#define SPINLOCK_INIT { 0 }

void spin_lock(struct spinlock *lk);
void spin_unlock(struct spinlock *lk);

#endif
