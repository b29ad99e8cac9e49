// printf.c: a small printf shared by the hypervisor and the guest runtime.
// Output is formatted into a line buffer and handed to console_write() in
// one piece, under a lock, so lines from different harts never interleave.
#include "printf.h"
#include "string.h"
#include "spinlock.h"

struct out {
	char *buf;
	size_t size, len;     // len counts every character, even those cut off
};

static void out_c(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_pad(struct out *o, int n, char c)
{
	while (n-- > 0)
		out_c(o, c);
}

static void out_num(struct out *o, u64 v, int base, int neg, int width,
		    int zero, int left, int upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	int len = n + neg;
	if (!left && !zero)
		out_pad(o, width - len, ' ');
	if (neg)
		out_c(o, '-');
	if (!left && zero)
		out_pad(o, width - len, '0');
	while (n)
		out_c(o, tmp[--n]);
	if (left)
		out_pad(o, width - len, ' ');
}

static void out_str(struct out *o, const char *s, int width, int left)
{
	if (!s)
		s = "(null)";
	int len = (int)strlen(s);
	if (!left)
		out_pad(o, width - len, ' ');
	while (*s)
		out_c(o, *s++);
	if (left)
		out_pad(o, width - len, ' ');
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			out_c(&o, *fmt);
			continue;
		}
		int zero = 0, left = 0, width = 0, lng = 0;
		for (fmt++; *fmt == '0' || *fmt == '-'; fmt++)
			*fmt == '0' ? (zero = 1) : (left = 1);
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		for (; *fmt == 'l' || *fmt == 'z'; fmt++)
			lng = 1;
		switch (*fmt) {
		case 'd': case 'i': {
			s64 v = lng ? va_arg(ap, s64) : va_arg(ap, int);
			out_num(&o, v < 0 ? -(u64)v : (u64)v, 10, v < 0, width, zero, left, 0);
			break;
		}
		case 'u': case 'x': case 'X': case 'o': {
			u64 v = lng ? va_arg(ap, u64) : va_arg(ap, unsigned int);
			int base = *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16;
			out_num(&o, v, base, 0, width, zero, left, *fmt == 'X');
			break;
		}
		case 'p':
			out_str(&o, "0x", 0, 0);
			out_num(&o, (u64)va_arg(ap, void *), 16, 0, 16, 1, 0, 0);
			break;
		case 's':
			out_str(&o, va_arg(ap, const char *), width, left);
			break;
		case 'c':
			out_c(&o, (char)va_arg(ap, int));
			break;
		case '%':
			out_c(&o, '%');
			break;
		case '\0':
			fmt--;      // a lone '%' at the end: print nothing more
			break;
		default:        // unknown conversion: show it as it was written
			out_c(&o, '%');
			out_c(&o, *fmt);
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static struct spinlock print_lock = SPINLOCK_INIT;

int vprintf(const char *fmt, va_list ap)
{
	char line[256];
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	size_t len = n < (int)sizeof(line) ? (size_t)n : sizeof(line) - 1;
	spin_lock(&print_lock);
	console_write(line, len);
	spin_unlock(&print_lock);
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

void puts_raw(const char *s)
{
	spin_lock(&print_lock);
	console_write(s, strlen(s));
	spin_unlock(&print_lock);
}
