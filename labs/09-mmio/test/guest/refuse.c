// refuse.c: accesses that must be refused, the way lab 9 refuses them: the
// guest receives a load access fault (5) or store/AMO access fault (7) at
// its own trap vector, with stval = the address it used and sepc = the
// access, exactly as from a bus error on real hardware. The guest's handler
// records the trap and skips the instruction.
#include "lab9guest.h"


#define DECLARE(name) refuse_fn refuse_##name; extern const char refuse_##name##_at[]
DECLARE(amo); DECLARE(lr); DECLARE(flw); DECLARE(fsd); DECLARE(cfld);
DECLARE(ld); DECLARE(lw); DECLARE(sw); DECLARE(sh); DECLARE(user);

// A refused access in VS-mode by probe refuse_<probe> at addr.
#define RCASE(what, probe, addr, cause, int_dest) \
	{ what, refuse_##probe, refuse_##probe##_at, addr, cause, int_dest, 0, 0 }

static void refuse_all(const char *check_name, const struct rcase *cases, int n)
{
	for (int i = 0; i < n; i++)
		if (!refuse_one(check_name, &cases[i]))
			return;
	check(check_name, 1, NULL);
}

// The injected trap must look like a real one (Priv. 4.1.1): SPIE takes
// the SIE the guest had, SIE is cleared. The guest has no interrupt
// enabled in sie, so SIE = 1 changes nothing else.
static void refuse_atomic(ulong dev)
{
	const struct rcase amo = RCASE("amoadd.w", amo, dev + 0x40, CAUSE_STORE_ACCESS, 1);
	const struct rcase lr = RCASE("lr.d", lr, dev + 0x48, CAUSE_LOAD_ACCESS, 1);
	csr_set(sstatus, SSTATUS_SIE);
	int ok = refuse_one("refuse_atomic", &amo);
	csr_clear(sstatus, SSTATUS_SIE);
	if (ok && ((seen.sstatus & (SSTATUS_SPIE | SSTATUS_SIE)) != SSTATUS_SPIE)) {
		check("refuse_atomic", 0, "in the handler sstatus.SPIE = %d and SIE = %d; expected "
		      "1 and 0 (SIE was 1 at the access)", !!(seen.sstatus & SSTATUS_SPIE),
		      !!(seen.sstatus & SSTATUS_SIE));
		return;
	}
	if (ok && refuse_one("refuse_atomic", &lr))
		check("refuse_atomic", 1, NULL);
}

void test_refuse(void)
{
	ulong dev = testdev_base + 8 * (rand_next(&rng) % (TESTDEV_SIZE / 16));
	ulong nodev = NODEV_GPA(seed);
	csr_write(stvec, (ulong)guest_trapvec);
	csr_set(sstatus, SSTATUS_FS_INITIAL);        // FP on, so flw/fsd reach memory
	refuse_atomic(testdev_base + 0x100);
	const struct rcase fp[] = {
		RCASE("flw", flw, dev, CAUSE_LOAD_ACCESS, 0),
		RCASE("fsd", fsd, dev + 8, CAUSE_STORE_ACCESS, 0),
		RCASE("c.fld", cfld, dev + 8, CAUSE_LOAD_ACCESS, 0),
	};
	refuse_all("refuse_fp", fp, ARRAY_SIZE(fp));
	const struct rcase mis[] = {
		RCASE("lw", lw, dev + 2, CAUSE_LOAD_ACCESS, 1),
		RCASE("sh", sh, dev + 1, CAUSE_STORE_ACCESS, 0),
		RCASE("ld", ld, dev + 4, CAUSE_LOAD_ACCESS, 1),
	};
	refuse_all("refuse_misaligned", mis, ARRAY_SIZE(mis));
	const struct rcase none[] = {
		RCASE("ld", ld, nodev, CAUSE_LOAD_ACCESS, 1),
		RCASE("sw", sw, nodev + 4, CAUSE_STORE_ACCESS, 0),
		RCASE("sh", sh, nodev + 0x102, CAUSE_STORE_ACCESS, 0),
	};
	refuse_all("refuse_nodev", none, ARRAY_SIZE(none));
	// From VU-mode: the guest's handler must see SPP = 0 (it came from U)
	// and still run in VS-mode.
	const struct rcase user = { "ld in VU-mode", refuse_user, refuse_user_at, nodev + 8,
				    CAUSE_LOAD_ACCESS, 1, 1, 0 };
	if (refuse_one("refuse_from_user", &user))
		check("refuse_from_user", 1, NULL);
	const struct rcase err[] = {
		RCASE("lw", lw, GUEST_UART_BASE, CAUSE_LOAD_ACCESS, 1),
	};
	refuse_all("refuse_device_error", err, ARRAY_SIZE(err));
	// And the device still works.
	ulong off = 8 * (rand_next(&rng) % (TESTDEV_SIZE / 8));
	ulong want = hcall(HC_PEEK, off), got = *(volatile ulong *)(testdev_base + off);
	check("refuse_then_emulate", got == want,
	      "ld after the refusals gave 0x%lx, expected 0x%lx", got, want);
}
