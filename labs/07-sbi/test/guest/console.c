// console.c: the console calls: legacy putchar/getchar (SBI 5.2, 5.3) and
// the Debug Console extension (SBI 12) with guest-physical buffers.
#include "lab7guest.h"

#define INPUT_LEN     8          // the grader types the seed, 8 hex digits
#define POLL_MAX      300000     // reads before giving up on the input (about
				 // 5 s: each is an exit and a firmware call)

// ---------------------------------------------------------------- legacy
// a6 is ignored by legacy calls and a1 is preserved (SBI 5): both get
// seed-derived junk, and a1 must come back unchanged.
static int legacy_puts(const char *s, ulong junk)
{
	int ok = 1;
	for (; *s; s++) {
		struct sbiret r = sbi_ecall(SBI_EXT_LEGACY_CONSOLE_PUTCHAR, junk, (u8)*s, junk, 0, 0,
					    0, 0);
		ok &= r.error == 0 && (ulong)r.value == junk;
	}
	return ok;
}

static long legacy_getchar(void)
{
	return sbi0(SBI_EXT_LEGACY_CONSOLE_GETCHAR, seed).error;
}

// Reads until INPUT_LEN characters came, each with read_one(); 0 when the
// input did not come or a call failed.
static int read_input(char *buf, long (*read_one)(char *c))
{
	ulong got = 0;
	for (ulong i = 0; i < POLL_MAX && got < INPUT_LEN; i++) {
		long n = read_one(buf + got);
		if (n < 0) {
			t_line("guest: reading character %lu failed", got + 1);
			return 0;
		}
		got += (ulong)n;
	}
	buf[got] = '\0';
	if (got < INPUT_LEN)
		t_line("guest: only %lu of %d characters came in %d reads", got, INPUT_LEN, POLL_MAX);
	return got == INPUT_LEN;
}

static long getchar_one(char *c)
{
	long ch = legacy_getchar();
	if (ch == -1)
		return 0;
	if (ch < 0 || ch > 255)
		return -1;
	*c = (char)ch;
	return 1;
}

void test_console(void)
{
	char line[80], in[INPUT_LEN + 1] = "";
	snprintf(line, sizeof(line), "lab7 legacy console %08lx: putchar works\n", seed);
	int ok = legacy_puts(line, SEEDED(0xa1, seed));
	t_check("putchar_ret", ok, "legacy putchar must return 0 in a0 and leave a1 unchanged");
	long first = legacy_getchar();
	t_check("getchar_empty", first == -1 && ok,
		"nothing typed yet: legacy getchar must return -1, got %ld", first);
	t_line("lab7: waiting for %d characters of input (legacy getchar)", INPUT_LEN);
	ok = read_input(in, getchar_one);
	t_fact("getchar", "%s", ok ? in : "(no input)");
}

// ---------------------------------------------------------------- DBCN
static struct sbiret dbcn(ulong fid, ulong n, ulong lo, ulong hi)
{
	return sbi3(SBI_EXT_DBCN, fid, n, lo, hi);
}

// SBI 12.1: a write may be partial; loop like a kernel would.
static long dbcn_write_all(ulong pa, ulong len, ulong *written)
{
	*written = 0;
	while (*written < len) {
		struct sbiret r = dbcn(SBI_DBCN_WRITE, len - *written, pa + *written, 0);
		if (r.error || r.value <= 0)
			return r.error ? r.error : SBI_ERR_FAILED;
		*written += (ulong)r.value;
	}
	return 0;
}

// The decoy: the same length, where a reading of pa as a VIRTUAL address
// would find its bytes (virtual pa + i is physical swap_va(pa + i)).
static void put_decoy(ulong pa, ulong len)
{
	static const char text[] = "lab7 decoy: DBCN read the buffer through the guest's page table";
	for (ulong i = 0; i < len; i++)
		*(volatile char *)(pa + i) = i + 1 == len ? '\n' : i < sizeof(text) - 1 ? text[i] : ' ';
}

void test_dbcn_write(void)
{
	char s[96];
	paging_on();
	ulong len = (ulong)snprintf(s, sizeof(s),
				    "lab7 dbcn %08lx: this line crosses a page boundary\n", seed);
	// s at guest-physical [boundary - k, boundary - k + len).
	ulong pa = frames_pa() + PAGE_SIZE - (5 + seed % 20);
	phys_write_str(pa, s, len);
	put_decoy(pa, len);
	ulong written;
	long err = dbcn_write_all(pa, len, &written);
	t_check("dbcn_write_ret", err == 0 && written == len,
		"DBCN write of %lu bytes at guest-physical 0x%lx: error %ld, %lu bytes written",
		len, pa, err, written);
	struct sbiret zero = dbcn(SBI_DBCN_WRITE, 0, pa, 0);
	t_check("dbcn_write_zero", zero.error == 0 && zero.value == 0 && err == 0,
		"DBCN write of 0 bytes: expected {0, 0}, got {%ld, %ld}", zero.error, zero.value);
	snprintf(s, sizeof(s), "lab7 byte %08lx\n", seed);
	int ok = 1;
	for (char *p = s; *p; p++) {
		struct sbiret r = dbcn(SBI_DBCN_WRITE_BYTE, (u8)*p, 0, 0);
		ok &= r.error == 0 && r.value == 0;
	}
	t_check("dbcn_write_byte_ret", ok, "DBCN write_byte must return {0, 0}");
}

// Where the next typed bytes go, and how many are still missing: each call
// asks for all of them, so that the 8 bytes, which arrive together, mostly
// land in one call that crosses the page boundary.
static ulong read_pa, read_left, read_calls;

static long dbcn_read_one(char *c)
{
	UNUSED(c);
	struct sbiret r = dbcn(SBI_DBCN_READ, read_left, read_pa, 0);
	if (r.error || r.value < 0 || (ulong)r.value > read_left)
		return -1;
	read_pa += (ulong)r.value;
	read_left -= (ulong)r.value;
	read_calls += r.value > 0;
	return r.value;
}

void test_dbcn_read(void)
{
	char in[INPUT_LEN + 1], scratch[INPUT_LEN + 1];
	paging_on();
	ulong pa = frames_pa() + PAGE_SIZE - (1 + seed % (INPUT_LEN - 1));
	phys_write_str(pa, "........", INPUT_LEN);
	struct sbiret r = dbcn(SBI_DBCN_READ, INPUT_LEN, pa, 0);
	t_check("dbcn_read_empty", r.error == 0 && r.value == 0,
		"nothing typed yet: DBCN read must return {0, 0}, got {%ld, %ld}", r.error, r.value);
	t_line("lab7: waiting for %d characters of input (DBCN read)", INPUT_LEN);
	read_pa = pa;
	read_left = INPUT_LEN;
	int ok = read_input(scratch, dbcn_read_one);
	t_line("guest: the input came in %lu DBCN read(s), to guest-physical 0x%lx", read_calls,
	       pa);
	phys_read_str(in, pa, INPUT_LEN);
	in[INPUT_LEN] = '\0';
	t_fact("dbcn_read", "%s", ok ? in : "(no input)");
}

// Bad buffers (SBI 3.2 "shared memory physical address range", 12.1,
// 12.2): SBI_ERR_INVALID_PARAM, nothing printed, and the guest goes on.
void test_dbcn_bad(void)
{
	char s[64], tail[32];
	snprintf(s, sizeof(s), "lab7 dbcn good %08lx\n", seed);
	ulong len = strlen(s), written;
	long good = dbcn_write_all((ulong)s, len, &written);
	snprintf(tail, sizeof(tail), "lab7 tail %08lx\n", seed);
	ulong tail_pa = LAB7_RAM_END - 12;       // 12 bytes of RAM, then nothing
	memcpy((void *)tail_pa, tail, 12);
	const struct { const char *what; ulong fid, n, lo, hi; } bad[] = {
		{ "a guest-physical address with no RAM", SBI_DBCN_WRITE, 16,
		  0x100000000UL + ((seed & 0xffff) << 12), 0 },
		{ "a buffer running off the end of RAM", SBI_DBCN_WRITE, strlen(tail), tail_pa, 0 },
		{ "base_addr_hi != 0 (beyond 64 bits)", SBI_DBCN_WRITE, 8, (ulong)s,
		  1 + seed % 7 },
		{ "a range that wraps around", SBI_DBCN_WRITE, 64, ~0UL - 15, 0 },
		{ "a read into no RAM", SBI_DBCN_READ, 8, 0x100000000UL + (seed & 0xfff000), 0 },
	};
	int ok = good == 0;
	char why[140] = "a good buffer did not print";
	for (ulong i = 0; i < ARRAY_SIZE(bad) && ok; i++) {
		struct sbiret r = dbcn(bad[i].fid, bad[i].n, bad[i].lo, bad[i].hi);
		ok = r.error == SBI_ERR_INVALID_PARAM;
		if (!ok)
			snprintf(why, sizeof(why), "%s: expected SBI_ERR_INVALID_PARAM (-3), got %ld",
				 bad[i].what, r.error);
	}
	t_check("dbcn_bad_param", ok, "%s", why);
	t_check("dbcn_bad_survived", good == 0, "the guest runs on after bad buffers");
}
