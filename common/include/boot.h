// boot.h: lab 1's interface. The harness (labs/01-boot/test/) calls these
// and prints what they return; you implement them in labs/01-boot/boot.c.
#ifndef BOOT_H
#define BOOT_H

#include "types.h"

#define NOT_IMPLEMENTED (-1)

// 1 if this hart implements the H extension, 0 if not.
int hext_detect(void);

struct sbi_info {
	ulong spec_major, spec_minor;   // SBI specification version
	long  impl_id;                  // 1 = OpenSBI (SBI spec 4.9)
	long  impl_version;             // encoding is implementation-defined
};
// Fill *out from the SBI base extension. 0 on success.
int sbi_info_read(struct sbi_info *out);

struct platform_info {
	int   nharts;                   // cpu nodes under /cpus
	ulong mem_base, mem_size;       // the first /memory node's reg
};
// Fill *out from the device tree at dtb. 0 on success.
int platform_read(const void *dtb, struct platform_info *out);

#endif
