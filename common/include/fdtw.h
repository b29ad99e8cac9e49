// fdtw.h: writing a flattened device tree (Devicetree Specification v0.4,
// chapter 5), for the device tree a hypervisor hands its guest. Sequential:
// begin, nodes and properties in order, finish. Errors are sticky: check
// the result of fdtw_finish() only.
#ifndef FDTW_H
#define FDTW_H

#include "types.h"

struct fdtw {
	u8   *buf;          // the whole blob: header, reserve map, structure
	ulong size;         // capacity of buf
	ulong off;          // end of the structure block so far
	char *strings;      // property names, gathered here and copied at finish
	ulong strings_len, strings_cap;
	int   depth;
	int   error;
};

// strings_buf holds the property names until fdtw_finish() copies them.
void fdtw_begin(struct fdtw *w, void *buf, ulong size, char *strings_buf, ulong strings_size);
void fdtw_begin_node(struct fdtw *w, const char *name);   // "" for the root
void fdtw_end_node(struct fdtw *w);
void fdtw_prop(struct fdtw *w, const char *name, const void *val, ulong len);
void fdtw_prop_u32(struct fdtw *w, const char *name, u32 val);
void fdtw_prop_u64(struct fdtw *w, const char *name, u64 val);
void fdtw_prop_str(struct fdtw *w, const char *name, const char *val);
// A reg/ranges-style list of 64-bit cells (#address-cells = #size-cells = 2).
void fdtw_prop_cells64(struct fdtw *w, const char *name, const u64 *cells, int n);
// A list of 32-bit cells (interrupts-extended: phandle, interrupt, ...), at
// most FDTW_MAX_CELLS32.
#define FDTW_MAX_CELLS32 32
void fdtw_prop_cells32(struct fdtw *w, const char *name, const u32 *cells, int n);
// A property with no value: a flag ("interrupt-controller", "ranges").
void fdtw_prop_empty(struct fdtw *w, const char *name);
// Total size of the finished blob, or 0 if anything overflowed or nodes
// were left open.
ulong fdtw_finish(struct fdtw *w);

#endif
