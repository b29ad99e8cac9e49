/*
 * decode_oracle.c: the lab-9 host test's verdicts, exhaustively.
 *
 *   host-oracle <nonce> [seed] [--] <program> [args...]
 *
 * Built from the kit's files only (this file, spawn.c, ../decode_suite.c):
 * no student code is linked in, and solutions/ is not needed. It starts
 * <program> (the grader gives build/<lab>-<variant>/host-test, run in its
 * sandbox: your insn_decode.c and host/decode_host.c), sends it every
 * encoding of the suite in batches through a pipe, and judges the answers
 * (decode_suite.c, which also says what was expected and what was seen).
 * It prints one line per group, in the grader's format:
 *   CHECK <nonce> decode_load PASS
 *   CHECK <nonce> decode_c_lwsp_ldsp FAIL 3 of 3968 cases wrong; first: ...
 * and exits with status 0 once every line is printed (the verdicts are in
 * the lines), 2 on a usage error.
 */
#include "types.h"
#include "printf.h"
#include "guestmem.h"
#include "decode_suite.h"
#include "decode_wire.h"
#include "spawn.h"

static const char *nonce;
static int to_program, from_program, gone, finished;
static char why[200];

// The program is gone (or never came): say how it ended, once.
static void stopped(void)
{
	char ended[160];
	gone = 1;
	if (finished)
		return;
	finished = 1;
	spawn_finish(to_program, from_program, ended, sizeof(ended));
	snprintf(why, sizeof(why), "the decoder program stopped answering (%s)",
		 ended[0] ? ended : "it closed its output");
}

static struct wire_insn out_insn[WIRE_MAX];
static struct wire_answer in_ans[WIRE_MAX];
static struct wire_extend out_ext[WIRE_MAX];

static int ask(u32 op, const void *query, unsigned long qsize, void *answer,
	       unsigned long asize, u32 n)
{
	struct wire_header h = { op, n };
	if (!gone && (spawn_write(to_program, &h, sizeof(h)) ||
		      spawn_write(to_program, query, qsize * n) ||
		      spawn_read(from_program, answer, asize * n)))
		stopped();
	return gone ? -1 : 0;
}

static int pipe_decode(const struct guest_insn *insn, struct decode_answer *ans, u32 n)
{
	for (u32 i = 0; i < n; i++)
		out_insn[i] = (struct wire_insn){ insn[i].bits, insn[i].len, { 0, 0, 0 } };
	if (ask(WIRE_DECODE, out_insn, sizeof(out_insn[0]), in_ans, sizeof(in_ans[0]), n))
		return -1;
	for (u32 i = 0; i < n; i++)
		ans[i] = (struct decode_answer){ in_ans[i].offset, in_ans[i].rc, in_ans[i].cls,
						 in_ans[i].width, in_ans[i].sign_extend,
						 in_ans[i].reg, in_ans[i].base, in_ans[i].len };
	return 0;
}

static int pipe_extend(const struct extend_query *q, ulong *out, u32 n)
{
	for (u32 i = 0; i < n; i++)
		out_ext[i] = (struct wire_extend){ q[i].raw, q[i].width, q[i].sign_extend,
						   { 0, 0, 0, 0, 0, 0 } };
	return ask(WIRE_EXTEND, out_ext, sizeof(out_ext[0]), out, sizeof(*out), n);
}

static struct decode_backend piped = { pipe_decode, pipe_extend, why };

static void report(const char *group, int ok, const char *detail)
{
	printf("CHECK %s %s %s%s%s\n", nonce, group, ok ? "PASS" : "FAIL", *detail ? " " : "",
	       detail);
}

int main(int argc, char **argv)
{
	// The program starts after the FIRST "--" (its own command line, a
	// sandbox's, has more of them), or is the second argument.
	int prog = 2;
	for (int i = 2; i < argc && i <= 3; i++)
		if (argv[i][0] == '-' && argv[i][1] == '-' && !argv[i][2]) {
			prog = i + 1;
			break;
		}
	if (argc < 3 || prog >= argc) {
		printf("usage: %s <nonce> [seed] [--] <program> [args...]\n", argv[0]);
		return 2;
	}
	nonce = argv[1];
	if (spawn_start(&argv[prog], &to_program, &from_program)) {
		snprintf(why, sizeof(why), "the decoder program %s could not be started", argv[prog]);
		gone = finished = 1;
	}
	decode_suite_run(1, &piped, report);
	if (!finished) {
		char ended[160];
		if (spawn_finish(to_program, from_program, ended, sizeof(ended)) && ended[0])
			printf("host-oracle: after the last answer, the decoder program failed: %s\n",
			       ended);
	}
	return 0;
}
