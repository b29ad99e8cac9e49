"""Lab 10's real-guest tests cannot be won by printing a transcript.

The console of a guest passes through the student's own UART emulation, so
a hypervisor can print what U-Boot would have printed, nonce and seed
included (both are in its bootargs), and answer the grader's typing. Such a
forger scored 35/35 on the uboot test before the "runs" check: now QEMU
itself is asked, at the prompt, whether a hart runs U-Boot's code in the
guest (evaluate.py), and without that no check of the test scores.

Real: a kit copy whose lab 10 is the reference with a forging vmm.c, built
and graded like a skeleton, U-Boot's test only.
"""

import unittest

from grader import grade, labspec
from grader.tests import fakes, kit

# Everything the uboot test's checks read, printed by the hypervisor at the
# point where it would set up the guest's devices; the typed keys are read
# from the console (the hypervisor's own UART) and answered.
FORGERY = r"""
static char forged_nonce[40];

/* The nonce, from the bootargs in the device tree the hypervisor got
 * (report.c's own reader is the harness's: the symbol check refuses it). */
static void forged_fact(const char *key, const char *value)
{
	if (!forged_nonce[0]) {
		const char *args = fdt_getprop(boot_dtb, fdt_path_offset(boot_dtb, "/chosen"),
		                               "bootargs", 0);
		const char *p = args ? strstr(args, "nonce=") : 0;
		int i = 0;
		if (p)
			for (p += 6; *p && *p != ' ' && i < 39; p++)
				forged_nonce[i++] = *p;
	}
	printf("FACT %s %s %s\n", forged_nonce, key, value);
}

static void forged_line(char *buf, int n)
{
	int i = 0;
	for (;;) {
		int c = console_getc();
		if (c < 0)
			continue;
		if (c == '\r' || c == '\n')
			break;
		if (i < n - 1)
			buf[i++] = (char)c;
	}
	buf[i] = 0;
	printf("%s\n", buf);
}

static void forge_uboot(void)
{
	char buf[64];
	forged_fact("image", "loaded");
	printf("\nU-Boot 2023.01+dfsg-2 (Jan 01 2023 - 00:00:00 +0000)\n\n"
	       "CPU:   rv64imafdch_zicsr_zifencei\nModel: riscv-virtio,qemu\n"
	       "DRAM:  128 MiB\nHit any key to stop autoboot:  2 ");
	while (console_getc() < 0)
		;
	printf("\n=> ");
	forged_line(buf, sizeof(buf));          /* version */
	printf("U-Boot 2023.01+dfsg-2\n\nGNU ld (GNU Binutils for Debian) 2.40\n=> ");
	forged_line(buf, sizeof(buf));          /* echo hv-SEED */
	printf("%s\n=> ", buf + 5);
	forged_line(buf, sizeof(buf));          /* poweroff */
	forged_fact("system_down", "type=0 reason=0");
	hyp_shutdown(1);
}

int vm_devices_init(struct vm *vm)
{
	if (!strcmp(run_test(), "run"))     /* the scenario of uboot and linux */
		forge_uboot();
"""


def forged_vmm():
    src = kit.solution("10-guest/vmm.c")
    head = "int vm_devices_init(struct vm *vm)\n{\n"
    assert head in src, "the reference vmm.c no longer defines vm_devices_init like this"
    return src.replace(head, FORGERY.lstrip("\n"), 1)


@kit.needs_real_kit
class TranscriptForgeryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = fakes.TempDir(prefix="grader-forgery-")
        try:
            outcomes = kit.grade_edited(cls.tmp.path, labspec.lab_dirs(),
                                        {"10-guest": {"vmm.c": forged_vmm()}},
                                        {"10-guest": {"uboot"}}, "-forgery")
            cls.build = outcomes[0].build
            cls.outcome = outcomes[0].tests[0] if outcomes[0].tests else None
        except BaseException:
            cls.tmp.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        fakes.kill_mentioning(cls.tmp.path)
        cls.tmp.cleanup()

    def results(self):
        self.assertTrue(self.build.ok, self.build.output[-1500:])
        self.assertIsNotNone(self.outcome)
        return {r.check.name: r for r in self.outcome.results}

    def test_the_console_alone_would_pass(self):
        # Every check but QEMU's own view was met on the console: without
        # it, the forgery would have scored full marks.
        for name, r in self.results().items():
            if r.check.runs:
                continue
            self.assertEqual(r.saw[-1:], [grade.NOT_CREDITED], name)

    def test_scores_nothing(self):
        res = self.results()
        self.assertEqual((self.outcome.score, self.outcome.status), (0, "FAIL"),
                         [(n, r.saw) for n, r in res.items()])
        runs = [r for r in res.values() if r.check.runs]
        self.assertEqual(len(runs), 1)
        self.assertFalse(runs[0].ok)
        # The hypervisor polls its console at the prompt: no hart in the guest.
        self.assertRegex(" ".join(runs[0].saw), r"none in the guest \(V=0 in every read\)")


if __name__ == "__main__":
    unittest.main()
