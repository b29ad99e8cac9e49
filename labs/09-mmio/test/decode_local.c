// decode_local.c: the decode suite's backend that calls insn_decode_mem()
// and mmio_extend() in this program: in QEMU for the harness's "decoder"
// test, and on the host in the program the oracle starts (host/).
#include "types.h"
#include "string.h"
#include "guestmem.h"
#include "mmio.h"
#include "decode_suite.h"

static int local_decode(const struct guest_insn *insn, struct decode_answer *ans, u32 n)
{
	for (u32 i = 0; i < n; i++) {
		struct insn_mem m;
		memset(&m, 0xee, sizeof(m));       // fields the decoder forgets show up
		int rc = insn_decode_mem(&insn[i], &m);
		ans[i] = (struct decode_answer){ m.offset, rc, m.cls, m.width, m.sign_extend,
						 m.reg, m.base, m.len };
	}
	return 0;
}

static int local_extend(const struct extend_query *q, ulong *out, u32 n)
{
	for (u32 i = 0; i < n; i++)
		out[i] = mmio_extend(q[i].raw, q[i].width, q[i].sign_extend);
	return 0;
}

const struct decode_backend decode_local = { local_decode, local_extend, "" };
