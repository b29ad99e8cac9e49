// printf.h: formatted output on the console. Supports %d %i %u %x %X %o %p %s
// %c %%, the l/ll/z length modifiers, a width, and the '0' and '-' flags.
// Each call prints atomically with respect to other harts (one lock per call).
#ifndef PRINTF_H
#define PRINTF_H

#include "types.h"
#include <stdarg.h>

int  printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int  vprintf(const char *fmt, va_list ap);
int  snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int  vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
void puts_raw(const char *s);    // no newline added, no formatting

// Provided by the console of each side (hypervisor or guest).
void console_init(void);
void console_write(const char *s, size_t n);
int  console_getc(void);         // -1 when nothing is waiting

#endif
