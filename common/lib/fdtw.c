// fdtw.c: a sequential flattened-device-tree writer (see fdtw.h). Layout
// produced (Devicetree spec 5.1): header (40 bytes), an empty memory
// reservation map (16 zero bytes), the structure block, the strings block.
#include "fdtw.h"
#include "fdt.h"
#include "string.h"

#define HDR_SIZE     40
#define RSVMAP_SIZE  16
#define TOK_BEGIN_NODE 1
#define TOK_END_NODE   2
#define TOK_PROP       3
#define TOK_END        9

static void put32(u8 *p, u32 v)
{
	p[0] = (u8)(v >> 24), p[1] = (u8)(v >> 16), p[2] = (u8)(v >> 8), p[3] = (u8)v;
}

static void emit(struct fdtw *w, const void *data, ulong len)
{
	ulong padded = ALIGN_UP(len, 4);
	if (w->error || w->off + padded > w->size) {
		w->error = 1;
		return;
	}
	memcpy(w->buf + w->off, data, len);
	memset(w->buf + w->off + len, 0, padded - len);
	w->off += padded;
}

static void emit32(struct fdtw *w, u32 v)
{
	u8 b[4];
	put32(b, v);
	emit(w, b, 4);
}

void fdtw_begin(struct fdtw *w, void *buf, ulong size, char *strings_buf, ulong strings_size)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->size = size;
	w->strings = strings_buf;
	w->strings_cap = strings_size;
	w->off = HDR_SIZE + RSVMAP_SIZE;
	if (size < w->off)
		w->error = 1;
	else
		memset(buf, 0, w->off);
}

void fdtw_begin_node(struct fdtw *w, const char *name)
{
	emit32(w, TOK_BEGIN_NODE);
	emit(w, name, strlen(name) + 1);
	w->depth++;
}

void fdtw_end_node(struct fdtw *w)
{
	emit32(w, TOK_END_NODE);
	if (--w->depth < 0)
		w->error = 1;
}

// Offset of name in the strings block, adding it if new.
static u32 string_offset(struct fdtw *w, const char *name)
{
	for (ulong i = 0; i < w->strings_len; i += strlen(w->strings + i) + 1)
		if (!strcmp(w->strings + i, name))
			return (u32)i;
	ulong n = strlen(name) + 1;
	if (w->strings_len + n > w->strings_cap) {
		w->error = 1;
		return 0;
	}
	memcpy(w->strings + w->strings_len, name, n);
	w->strings_len += n;
	return (u32)(w->strings_len - n);
}

void fdtw_prop(struct fdtw *w, const char *name, const void *val, ulong len)
{
	emit32(w, TOK_PROP);
	emit32(w, (u32)len);
	emit32(w, string_offset(w, name));
	emit(w, val, len);
}

void fdtw_prop_u32(struct fdtw *w, const char *name, u32 val)
{
	u8 b[4];
	put32(b, val);
	fdtw_prop(w, name, b, 4);
}

void fdtw_prop_u64(struct fdtw *w, const char *name, u64 val)
{
	fdtw_prop_cells64(w, name, &val, 1);
}

void fdtw_prop_str(struct fdtw *w, const char *name, const char *val)
{
	fdtw_prop(w, name, val, strlen(val) + 1);
}

void fdtw_prop_cells64(struct fdtw *w, const char *name, const u64 *cells, int n)
{
	u8 b[8 * 8];
	if (n < 0 || n > 8) {
		w->error = 1;
		return;
	}
	for (int i = 0; i < n; i++) {
		put32(b + 8 * i, (u32)(cells[i] >> 32));
		put32(b + 8 * i + 4, (u32)cells[i]);
	}
	fdtw_prop(w, name, b, 8 * (ulong)n);
}

void fdtw_prop_cells32(struct fdtw *w, const char *name, const u32 *cells, int n)
{
	u8 b[4 * FDTW_MAX_CELLS32];
	if (n < 0 || n > FDTW_MAX_CELLS32) {
		w->error = 1;
		return;
	}
	for (int i = 0; i < n; i++)
		put32(b + 4 * i, cells[i]);
	fdtw_prop(w, name, b, 4 * (ulong)n);
}

void fdtw_prop_empty(struct fdtw *w, const char *name)
{
	fdtw_prop(w, name, NULL, 0);
}

ulong fdtw_finish(struct fdtw *w)
{
	emit32(w, TOK_END);
	ulong struct_size = w->off - HDR_SIZE - RSVMAP_SIZE;
	ulong strings_off = w->off;
	emit(w, w->strings, w->strings_len);
	if (w->error || w->depth != 0)
		return 0;
	u32 fields[10] = {
		FDT_MAGIC, (u32)w->off, HDR_SIZE + RSVMAP_SIZE, (u32)strings_off, HDR_SIZE,
		17, 16, 0, (u32)w->strings_len, (u32)struct_size,
	};
	for (int i = 0; i < 10; i++)
		put32(w->buf + 4 * i, fields[i]);
	return w->off;
}
