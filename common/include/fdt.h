// fdt.h: a minimal reader for the flattened device tree that OpenSBI passes
// in a1 (Devicetree Specification v0.4, chapter 5). Read-only, no allocation.
#ifndef FDT_H
#define FDT_H

#include "types.h"

#define FDT_MAGIC 0xd00dfeed

// Low level: nodes are named by their offset in the structure block.
int  fdt_check(const void *fdt);                   // 0 if the header is sane
u32  fdt_totalsize(const void *fdt);
int  fdt_path_offset(const void *fdt, const char *path); // "/cpus", "/chosen"; -1 if absent
int  fdt_first_subnode(const void *fdt, int node); // -1 if none
int  fdt_next_subnode(const void *fdt, int node);  // -1 after the last
const char *fdt_node_name(const void *fdt, int node);   // "cpu@0"
const void *fdt_getprop(const void *fdt, int node, const char *name, int *lenp);
int  fdt_prop_is(const void *fdt, int node, const char *name, const char *str);

// Big-endian cells, as stored in the tree.
u32  fdt32(const void *p);
u64  fdt64(const void *p);

// High level: what the runtime needs about the machine.
struct fdt_platform {
	ulong mem_base, mem_size;     // first /memory node
	int   nharts;                 // cpu nodes with device_type "cpu", not disabled
	ulong hartids[8];
	ulong timebase;               // /cpus timebase-frequency
	ulong uart_base;              // first ns16550a
	const char *bootargs;         // /chosen bootargs, or ""
	const char *isa;              // riscv,isa of the first cpu
};
int fdt_read_platform(const void *fdt, struct fdt_platform *p);

#endif
