/*
 * decode_host.c: the student side of the lab-9 host test. It only turns
 * encodings into decoded fields: it reads batches of queries on stdin,
 * runs your insn_decode_mem() / mmio_extend() on each (decode_local.c),
 * and writes the answers on stdout (decode_wire.h). It prints no verdict.
 *
 * The verdicts come from the oracle (../oracle/decode_oracle.c), built
 * from the kit's files only: it makes every encoding, starts this program,
 * and judges the answers. The grader runs this program in its sandbox and
 * the oracle outside it. By hand, after make LAB=9:
 *
 *   build/09-mmio-student/host-oracle mynonce build/09-mmio-student/host-test
 *
 * Only the kit's own headers are included; read, write and _exit are
 * declared here with the kit's types (they match the host C library's).
 */
#include "types.h"
#include "guestmem.h"
#include "decode_suite.h"
#include "decode_wire.h"

ssize_t read(int fd, void *buf, size_t n);
ssize_t write(int fd, const void *buf, size_t n);
void _exit(int status) __attribute__((noreturn));

static struct guest_insn insn[WIRE_MAX];
static struct decode_answer ans[WIRE_MAX];
static struct extend_query ext[WIRE_MAX];
static ulong extended[WIRE_MAX];
static union {
	struct wire_insn insn[WIRE_MAX];
	struct wire_extend ext[WIRE_MAX];
	struct wire_answer ans[WIRE_MAX];
} buf;

// All n bytes, or exit: 0 at a clean end of input, 3 on a broken pipe.
static void read_all(void *p, size_t n, int at_start)
{
	char *c = p;
	while (n) {
		ssize_t got = read(0, c, n);
		if (got <= 0)
			_exit(at_start && got == 0 ? 0 : 3);
		c += got, n -= got, at_start = 0;
	}
}

static void write_all(const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t put = write(1, c, n);
		if (put <= 0)
			_exit(3);
		c += put, n -= put;
	}
}

static void answer_decodes(u32 n)
{
	read_all(buf.insn, n * sizeof(buf.insn[0]), 0);
	for (u32 i = 0; i < n; i++)
		insn[i] = (struct guest_insn){ buf.insn[i].bits, buf.insn[i].len,
					       INSN_FROM_MEMORY };
	decode_local.decode(insn, ans, n);
	for (u32 i = 0; i < n; i++)
		buf.ans[i] = (struct wire_answer){ ans[i].offset, ans[i].rc, ans[i].cls,
						   ans[i].width, ans[i].sign_extend, ans[i].reg,
						   ans[i].base, ans[i].len, { 0, 0 } };
	write_all(buf.ans, n * sizeof(buf.ans[0]));
}

static void answer_extends(u32 n)
{
	read_all(buf.ext, n * sizeof(buf.ext[0]), 0);
	for (u32 i = 0; i < n; i++)
		ext[i] = (struct extend_query){ buf.ext[i].raw, buf.ext[i].width,
						buf.ext[i].sign_extend };
	decode_local.extend(ext, extended, n);
	write_all(extended, n * sizeof(extended[0]));
}

int main(void)
{
	for (;;) {
		struct wire_header h;
		read_all(&h, sizeof(h), 1);
		if (h.n > WIRE_MAX)
			_exit(2);
		if (h.op == WIRE_DECODE)
			answer_decodes(h.n);
		else if (h.op == WIRE_EXTEND)
			answer_extends(h.n);
		else
			_exit(2);
	}
}
