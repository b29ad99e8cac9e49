// string.c: freestanding string functions (see string.h).
#include "string.h"

// memset and memcpy move 8 bytes at a time where both sides are 8-byte
// aligned: byte loops made them most of a hypercall's cost and most of the
// time spent clearing a guest's RAM (docs/bench.md). Misaligned 8-byte
// accesses are legal on RISC-V but may be slow or trap, so the word loop
// only runs on aligned addresses.
#define WORD sizeof(u64)

static int aligned(const void *p)
{
	return ((ulong)p & (WORD - 1)) == 0;
}

void *memset(void *dst, int c, size_t n)
{
	u8 *d = dst;
	while (n && !aligned(d)) {
		*d++ = (u8)c;
		n--;
	}
	u64 pattern = 0x0101010101010101UL * (u8)c;
	for (; n >= WORD; n -= WORD, d += WORD)
		*(u64 *)d = pattern;
	while (n--)
		*d++ = (u8)c;
	return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;
	if (((ulong)d & (WORD - 1)) == ((ulong)s & (WORD - 1))) {
		while (n && !aligned(d)) {
			*d++ = *s++;
			n--;
		}
		for (; n >= WORD; n -= WORD, d += WORD, s += WORD)
			*(u64 *)d = *(const u64 *)s;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;
	if (d < s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (u8)*a - (u8)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, (size_t)-1);
}

char *strchr(const char *s, int c)
{
	for (; *s; s++)
		if (*s == (char)c)
			return (char *)s;
	return c ? NULL : (char *)s;
}

char *strstr(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);
	for (; *haystack; haystack++)
		if (!strncmp(haystack, needle, n))
			return (char *)haystack;
	return n ? NULL : (char *)haystack;
}
