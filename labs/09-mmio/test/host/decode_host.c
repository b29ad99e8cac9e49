/*
 * decode_host.c: the lab-9 decoder tests on the host, exhaustively.
 *
 * Build and run from the repository root, with the host's gcc (no make
 * needed; use solutions/09-mmio/insn_decode.c for the reference):
 *
 *   mkdir -p build/09-mmio-host
 *   gcc -std=gnu11 -O2 -Wall -Wextra -Werror -fno-builtin -Icommon/include \
 *       -Ilabs/09-mmio/test -o build/09-mmio-host/decode_host \
 *       labs/09-mmio/test/host/decode_host.c labs/09-mmio/test/decode_suite.c \
 *       labs/09-mmio/insn_decode.c
 *   build/09-mmio-host/decode_host <nonce>
 *
 * It prints one line per group of encodings, in the grader's format:
 *   CHECK <nonce> decode_load PASS
 *   CHECK <nonce> decode_c_lwsp_ldsp FAIL 3 of 3968 encodings wrong; first: ...
 * and exits with status 0 once every line is printed (the verdicts are in
 * the lines), or 2 when the nonce is missing. The 32-bit forms are tried
 * with every rd/rs2, rs1 and 12-bit immediate (about 46 million decodes,
 * well under a second); the compressed forms with every register and
 * offset.
 *
 * Only the kit's own headers are included (types.h, printf.h, string.h):
 * their declarations match the host C library's printf, snprintf and
 * memset, which the program links with.
 */
#include "types.h"
#include "printf.h"
#include "decode_suite.h"

static const char *nonce;

static void report(const char *group, int ok, const char *detail)
{
	printf("CHECK %s %s %s%s%s\n", nonce, group, ok ? "PASS" : "FAIL", *detail ? " " : "",
	       detail);
}

int main(int argc, char **argv)
{
	if (argc < 2) {    // the grader also passes the seed: not needed here
		printf("usage: %s <nonce> [seed]\n", argv[0]);
		return 2;
	}
	nonce = argv[1];
	decode_suite_run(1, report);
	return 0;
}
