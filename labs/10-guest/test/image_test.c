// image_test.c: scenario "image_checks": your image_check() and
// vm_load_image() on images the harness makes itself (no QEMU loader).
//
// Every check also asks that a good image (seeded size and contents) is
// accepted: a check that refuses everything is no check.
#include "hyp.h"
#include "lab10.h"

#define TEST_RAM     (40UL << 20)    // room for a 38 MiB image
#define INSN_AUIPC   0x00000297U     // auipc t0, 0: a 32-bit instruction
#define INSN_C_LI    0x4501U         // c.li a0, 0: a 16-bit instruction

static struct vm vm;
static ulong seed_state;
static u8 *window = (u8 *)GUEST_BARE_BASE;   // where QEMU's loader would put it
static ulong good_size;

static void put32le(u8 *p, u32 v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (u8)(v >> (8 * i));
}

// A good image in the loader window: a real first instruction, then noise.
static void make_good_image(void)
{
	good_size = 4096 + (rand_next(&seed_state) % (1UL << 20));
	for (ulong i = 0; i < good_size; i += 8) {
		ulong r = rand_next(&seed_state);
		memcpy(window + i, &r, good_size - i < 8 ? good_size - i : 8);
	}
	put32le(window, INSN_AUIPC);
}

static int good_accepted(void)
{
	return image_check(window, good_size, GUEST_IMAGE_MAX) == IMAGE_OK;
}

// image_check() on a small buffer whose first bytes are given.
static enum image_error check_head(const u8 *head, ulong n, ulong size)
{
	static u8 buf[64];
	memset(buf, 0x13, sizeof(buf));          // 0x13 0x13...: not a magic number
	memcpy(buf, head, n);
	return image_check(buf, size, GUEST_IMAGE_MAX);
}

static void expect_code(const char *name, enum image_error got, enum image_error want)
{
	check(name, got == want && good_accepted(), "expected %d (%s), got %d (%s)%s", want,
	      image_error_str(want), got, image_error_str(got),
	      good_accepted() ? "" : "; and a good image was refused");
}

static int ram_untouched(ulong len)
{
	const u8 *p = vm_gpa_to_hva(&vm, GUEST_IMAGE_GPA, len);
	for (ulong i = 0; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

static void test_load(void)
{
	ulong over = GUEST_IMAGE_MAX + 1 + rand_next(&seed_state) % 4096;
	enum image_error big = vm_load_image(&vm, window, over);
	int untouched = ram_untouched(4096);
	check("image_too_large", big == IMAGE_TOO_LARGE && untouched && good_accepted() &&
	      image_check(window, GUEST_IMAGE_MAX, GUEST_IMAGE_MAX) == IMAGE_OK,
	      "vm_load_image(%lu bytes, room %lu): %s%s; exactly %lu bytes: %s", over,
	      vm_image_room(&vm), image_error_str(big), untouched ? "" : ", yet it wrote guest RAM",
	      GUEST_IMAGE_MAX,
	      image_error_str(image_check(window, GUEST_IMAGE_MAX, GUEST_IMAGE_MAX)));

	enum image_error err = vm_load_image(&vm, window, good_size);
	const u8 *dst = vm_gpa_to_hva(&vm, GUEST_IMAGE_GPA, good_size + 1);
	int same = err == IMAGE_OK && !memcmp(dst, window, good_size);
	check("image_load", same && vm.entry == GUEST_IMAGE_GPA && vm.image_size == good_size &&
	      dst[good_size] == 0 && dst[-1] == 0,
	      "%lu-byte image: %s, copy %s, entry 0x%lx (want 0x%lx), image_size %lu", good_size,
	      image_error_str(err), same ? "exact" : "differs", vm.entry, GUEST_IMAGE_GPA,
	      vm.image_size);
}

static void test_formats(void)
{
	static const u8 elf[] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0 };
	static const u8 uimage[] = { 0x27, 0x05, 0x19, 0x56, 0, 0, 0, 0 };
	static const u8 gzip[] = { 0x1f, 0x8b, 0x08, 0x00 };
	expect_code("image_empty", image_check(window, 0, GUEST_IMAGE_MAX), IMAGE_EMPTY);
	expect_code("image_elf", check_head(elf, sizeof(elf), 4096), IMAGE_ELF);
	enum image_error u = check_head(uimage, sizeof(uimage), 4096);
	enum image_error g = check_head(gzip, sizeof(gzip), 4096);
	check("image_wrapped", u == IMAGE_UIMAGE && g == IMAGE_COMPRESSED && good_accepted(),
	      "uImage: %s; gzip: %s", image_error_str(u), image_error_str(g));
}

// ISA vol. I, "Base Instruction-Length Encoding".
static void test_not_code(void)
{
	static const u8 zeros[4] = { 0, 0, 0, 0 };
	static const u8 ones[4] = { 0xff, 0xff, 0xff, 0xff };
	static const u8 long48[4] = { 0x1f, 0x00, 0x00, 0x00 };     // bits 4:0 = 11111
	u8 c_li[2] = { INSN_C_LI & 0xff, INSN_C_LI >> 8 }, auipc[4];
	put32le(auipc, INSN_AUIPC);
	enum image_error z = check_head(zeros, 4, 4096), o = check_head(ones, 4, 4096),
		l = check_head(long48, 4, 4096), c = check_head(c_li, 2, 4096),
		half = check_head(auipc, 4, 2), one = check_head(c_li, 2, 1);
	check("image_not_code", z == IMAGE_NOT_CODE && o == IMAGE_NOT_CODE &&
	      l == IMAGE_NOT_CODE && half == IMAGE_NOT_CODE && one == IMAGE_NOT_CODE &&
	      c == IMAGE_OK && good_accepted(),
	      "zeros: %d, ones: %d, 48-bit parcel: %d, 2-byte image of a 32-bit insn: %d, "
	      "1-byte image: %d (want %d each); c.li first: %d (want 0)", z, o, l, half, one,
	      IMAGE_NOT_CODE, c);
}

int image_test(void)
{
	seed_state = run_seed() | 1;
	if (vm_create(&vm, TEST_RAM, 1))
		return 1;
	make_good_image();
	fact("good_image_size", "%lu", good_size);
	test_formats();
	test_not_code();
	test_load();
	return 0;
}
