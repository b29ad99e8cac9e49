// channel.c: the harness side of the test channel (lab7.h), and the
// hypercalls the 'hypercall' test makes (vsbi_hypercall()).
//
// Nothing here goes through your SBI: the channel reads the guest's lines
// straight from the host memory behind its RAM (vm_ram_hva), so a broken
// console or DBCN cannot hide the verdicts.
#include "hyp.h"
#include "vcpu.h"
#include "vmexit.h"
#include "vsbi.h"
#include "lab7.h"
#include "lab7harness.h"

static void print_line(ulong gpa, ulong len)
{
	char buf[LAB7_LINE_MAX + 1];
	if (len > LAB7_LINE_MAX)
		len = LAB7_LINE_MAX;
	const char *src = vm_ram_hva(&lab7_ram, gpa);
	if (!src || (len && !vm_ram_hva(&lab7_ram, gpa + len - 1))) {
		printf("lab7: the guest's line at 0x%lx is not in its RAM\n", gpa);
		return;
	}
	for (ulong i = 0; i < len; i++)
		buf[i] = src[i] >= ' ' && src[i] < 0x7f ? src[i] : '?';
	buf[len] = '\0';
	printf("%s\n", buf);
}

// What the harness saw of your virtual timer (graded in the timer tests).
static void print_timer_facts(void)
{
	fact("host_timer_exits", "%lu", lab7_timer_exits);
	fact("vstip_injections", "%lu", lab7_vstip_injections);
}

enum lab7_verdict lab7_channel(struct vcpu *v, const struct vm_exit *e)
{
	const ulong *a = e->sbi.args;
	struct sbiret r = { SBI_SUCCESS, 0 };
	switch (e->sbi.fid) {
	case LAB7_PRINT:
		print_line(a[0], a[1]);
		break;
	case LAB7_DONE:
		print_timer_facts();
		printf("lab7: the guest finished its checks%s\n", a[0] ? "" : " (and failed)");
		return a[0] ? LAB7_STOP_OK : LAB7_STOP_FAIL;
	case LAB7_HOST_BASE:
		r = sbi_ecall(SBI_EXT_BASE, a[0], 0, 0, 0, 0, 0, 0);
		break;
	default:
		r.error = SBI_ERR_NOT_SUPPORTED;
	}
	v->gprs[REG_A0] = (ulong)r.error;
	v->gprs[REG_A1] = (ulong)r.value;
	return LAB7_RESUME;
}

// The 'hypercall' test's one hypercall number is the seed: report exactly
// what arrived, answer a value computed from it. Any other number is not a
// hypercall of this VM.
long vsbi_hypercall(struct vcpu *v, ulong nr, const ulong *args, ulong *value)
{
	UNUSED(v);
	if (nr != lab7_seed) {
		printf("lab7: hypercall 0x%lx: not one of this test's\n", nr);
		return SBI_ERR_NOT_SUPPORTED;
	}
	fact("hypercall", "nr=0x%lx args=0x%lx,0x%lx,0x%lx,0x%lx,0x%lx,0x%lx", nr, args[0],
	     args[1], args[2], args[3], args[4], args[5]);
	*value = HC_RESULT(nr, args);
	return SBI_SUCCESS;
}
