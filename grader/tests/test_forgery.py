"""Lab 10's real-guest tests cannot be won by printing a transcript.

The console of a guest passes through the student's own UART emulation, so
a hypervisor can print what U-Boot and Linux would have printed, nonce and
seed included (both are in its bootargs), and answer the grader's typing.
Such forgers scored full marks on uboot and linux before the "runs" check
(guestcode.py): QEMU itself is now asked, while the guest boots and at its
prompt, whether a hart runs the guest's code where the guest has it, and
without that no check of the test scores.

Real: a kit copy whose lab 10 is the reference with a forging vmm.c, built
and graded like a skeleton, uboot and linux. Two forgers (a hostile review
found both when the check only asked for the image's bytes at some pc):
the vCPU parked on a `c.j .` inside the loaded image, and on zeroed RAM
with its trap vector at its own pc (16 zero bytes are "in" either image).
No device, no PLIC, no exit handling: the hypervisor prints the transcript
and answers each line typed.
"""

import os
import unittest

from grader import grade, guestload, labspec
from grader.tests import fakes, kit

UBOOT = "/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin"

FORGER = r"""
static char nonce[40];
static int is_linux, step, len;
static char line[80];

/* The nonce, from the bootargs in the device tree the hypervisor got
 * (report.c's own reader is the harness's: the symbol check refuses it). */
static void get_nonce(void)
{
	const char *args = fdt_getprop(boot_dtb, fdt_path_offset(boot_dtb, "/chosen"),
	                               "bootargs", 0);
	const char *p = args ? strstr(args, "nonce=") : 0;
	int i = 0;
	if (p)
		for (p += 6; *p && *p != ' ' && i < 39; p++)
			nonce[i++] = *p;
}

int vm_devices_init(struct vm *vm)
{
	UNUSED(vm);
	return 0;
}

void vm_vcpu_init(struct vm *vm, struct vcpu *v)
{
	get_nonce();
	is_linux = vm->nvcpus > 1;
	START
	if (!is_linux)
		printf("\nU-Boot 2023.01+dfsg-2 (Jan 01 2023 - 00:00:00 +0000)\n\n"
		       "CPU:   rv64imafdch_zicsr_zifencei\nModel: riscv-virtio,qemu\n"
		       "DRAM:  128 MiB\nHit any key to stop autoboot:  2 ");
	else
		printf("[    0.000000] Linux version 6.1\n"
		       "[    0.100000] smp: Brought up 1 node, 4 CPUs\n"
		       "[    0.400000] Run /init as init process\n"
		       "rvh-init: Linux 6.1.0, 4 cpu(s) online: 0-3\n# ");
}

static enum vm_verdict on_line(void)
{
	if (!is_linux) {
		switch (step++) {
		case 0: printf("U-Boot 2023.01+dfsg-2\n\nGNU ld (GNU Binutils for Debian) 2.40\n=> "); break;
		case 1: printf("%s\n=> ", line + 5); break;
		default:
			printf("FACT %s system_down type=0 reason=0\n", nonce);
			return VM_STOP_OK;
		}
		return VM_RESUME;
	}
	switch (step++) {
	case 0: printf("uptime: 1.000 s\n# "); break;
	case 1: printf("# "); break;
	case 2: printf("uptime: 1.400 s\n# "); break;
	case 3: printf(" 10:          5          0          0          0  SiFive PLIC  10 Level     ttyS0\n# "); break;
	case 4: printf("%s\n# ", line + 5); break;
	case 5: printf(" 10:         25          0          0          0  SiFive PLIC  10 Level     ttyS0\n# "); break;
	default:
		printf("[    9.000000] reboot: Power down\n");
		printf("FACT %s system_down type=0 reason=0\n", nonce);
		return VM_STOP_OK;
	}
	return VM_RESUME;
}

enum vm_verdict vmm_handle_exit(struct vm *vm, struct vcpu *v, struct vm_exit *e)
{
	int c;
	UNUSED(vm); UNUSED(v);
	if (e->reason != EXIT_EXTERNAL_IRQ || !console_irq_claim())
		return VM_RESUME;
	while ((c = console_getc()) >= 0) {
		if (!is_linux && step == 0 && len == 0 && c == ' ' && !line[0]) {
			line[0] = 1;            /* the key that stops autoboot */
			printf("\n=> ");
			continue;
		}
		if (c == '\r' || c == '\n') {
			line[len] = 0;
			printf("%s\n", line);
			len = 0;
			if (on_line() != VM_RESUME)
				return VM_STOP_OK;
			continue;
		}
		if (len < (int)sizeof(line) - 1)
			line[len++] = (char)c;
	}
	return VM_RESUME;
}
"""

# How the forger starts its one vCPU: parked where the old check was satisfied.
SPIN = "vcpu_init(v, vm->entry + (is_linux ? {linux:#x}UL : {uboot:#x}UL), v->hartid, vm->dtb_gpa);"
ZEROS = ("ulong pc = vm->ram_gpa + (96UL << 20);\n\tvcpu_init(v, pc, v->hartid, vm->dtb_gpa);\n"
         "\tv->vs.vstvec = pc;")


def self_jump(path):
    """The offset of a `c.j .` (0xa001) at an even offset of the image."""
    with open(path, "rb") as f:
        data = f.read()
    at = data.find(b"\x01\xa0")
    while at % 2:
        at = data.find(b"\x01\xa0", at + 1)
    assert at > 0, f"no c.j . in {path}"
    return at


def forger(start):
    src = FORGER.replace("START", start)
    return '#include "hyp.h"\n#include "vmm.h"\n#include "vsbi.h"\n#include "smp.h"\n' + src


@kit.needs_real_kit
@unittest.skipUnless(os.path.isfile(UBOOT), "needs u-boot-qemu (make setup)")
class TranscriptForgeryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = fakes.TempDir(prefix="grader-forgery-")
        cls.outcomes = {}
        try:
            spin = SPIN.format(uboot=self_jump(UBOOT),
                               linux=self_jump(guestload.linux_image(kit.ROOT)))
            for name, start in (("spin", spin), ("zeros", ZEROS)):
                root = os.path.join(cls.tmp.path, name)
                os.mkdir(root)
                out = kit.grade_edited(root, labspec.lab_dirs(),
                                       {"10-guest": {"vmm.c": forger(start)}},
                                       {"10-guest": {"uboot", "linux"}}, "-forgery-" + name)[0]
                cls.outcomes[name] = out
        except BaseException:
            cls.tmp.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        fakes.kill_mentioning(cls.tmp.path)
        cls.tmp.cleanup()

    def each(self):
        self.assertEqual(sorted(self.outcomes), ["spin", "zeros"])
        for name, o in self.outcomes.items():
            self.assertTrue(o.build.ok, o.build.output[-1500:])
            self.assertEqual(sorted(t.test.name for t in o.tests), ["linux", "uboot"])
            for t in o.tests:
                yield f"{name}/{t.test.name}", t, {r.check.name: r for r in t.results}

    def test_the_console_alone_would_pass(self):
        # Every check but QEMU's own view was met on the console: without
        # it, each forgery would have scored full marks.
        for what, t, results in self.each():
            for name, r in results.items():
                if not r.check.runs:
                    self.assertEqual(r.saw[-1:], [grade.NOT_CREDITED], f"{what}: {name}")

    def test_scores_nothing(self):
        for what, t, results in self.each():
            self.assertEqual((t.score, t.status), (0, "FAIL"), what)
            runs = [r for r in results.values() if r.check.runs]
            self.assertEqual(len(runs), 1, what)
            self.assertFalse(runs[0].ok, what)
            # A hart in the guest, but on a loop of its own, not the guest at work.
            self.assertIn("a loop on itself", " ".join(runs[0].saw), what)


if __name__ == "__main__":
    unittest.main()
