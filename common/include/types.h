// types.h: fixed-width types for a freestanding RV64 build (no libc).
#ifndef TYPES_H
#define TYPES_H

typedef unsigned char      u8;
typedef unsigned short     u16;
typedef unsigned int       u32;
typedef unsigned long      u64;
typedef signed char        s8;
typedef short              s16;
typedef int                s32;
typedef long               s64;
typedef unsigned long      ulong;
typedef unsigned long      size_t;
typedef long               ssize_t;
typedef unsigned long      uintptr_t;
typedef int                bool;

#define true  1
#define false 0
#define NULL  ((void *)0)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)   (((x) + (a) - 1) & ~((a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((a) - 1))
#define offsetof(t, m) __builtin_offsetof(t, m)
#define UNUSED(x) ((void)(x))
#define NORETURN __attribute__((noreturn))
#define WEAK __attribute__((weak))

#endif
