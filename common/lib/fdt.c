// fdt.c: reading the flattened device tree (Devicetree Specification v0.4,
// 5.2 header, 5.4 structure block). Every token is a big-endian u32; names
// and property values are padded to 4 bytes.
#include "fdt.h"
#include "string.h"

#define FDT_BEGIN_NODE 1
#define FDT_END_NODE   2
#define FDT_PROP       3
#define FDT_NOP        4
#define FDT_END        9

struct fdt_header {
	u32 magic, totalsize, off_dt_struct, off_dt_strings, off_mem_rsvmap;
	u32 version, last_comp_version, boot_cpuid_phys, size_dt_strings, size_dt_struct;
};

u32 fdt32(const void *p)
{
	const u8 *b = p;
	return (u32)b[0] << 24 | (u32)b[1] << 16 | (u32)b[2] << 8 | b[3];
}

u64 fdt64(const void *p)
{
	return (u64)fdt32(p) << 32 | fdt32((const u8 *)p + 4);
}

static u32 hdr(const void *fdt, int field)
{
	return fdt32((const u32 *)fdt + field);
}
#define H_MAGIC 0
#define H_TOTALSIZE 1
#define H_STRUCT 2
#define H_STRINGS 3
#define H_STRUCT_SIZE 9

int fdt_check(const void *fdt)
{
	if (!fdt || ((ulong)fdt & 3) || hdr(fdt, H_MAGIC) != FDT_MAGIC)
		return -1;
	return hdr(fdt, H_TOTALSIZE) < sizeof(struct fdt_header) ? -1 : 0;
}

u32 fdt_totalsize(const void *fdt)
{
	return hdr(fdt, H_TOTALSIZE);
}

static const u8 *structs(const void *fdt)
{
	return (const u8 *)fdt + hdr(fdt, H_STRUCT);
}

static u32 token(const void *fdt, int off)
{
	return fdt32(structs(fdt) + off);
}

// Offset of the token after the one at `off` (nodes: after their name).
static int skip_token(const void *fdt, int off)
{
	u32 tok = token(fdt, off);
	off += 4;
	if (tok == FDT_BEGIN_NODE)
		off += ALIGN_UP(strlen((const char *)structs(fdt) + off) + 1, 4);
	else if (tok == FDT_PROP)
		off += 8 + ALIGN_UP(fdt32(structs(fdt) + off), 4);
	return off;
}

// Offset just after the END_NODE that closes the node at `node`.
static int node_end(const void *fdt, int node)
{
	int depth = 0, off = node;
	u32 limit = hdr(fdt, H_STRUCT_SIZE);
	while ((u32)off < limit) {
		u32 tok = token(fdt, off);
		if (tok == FDT_BEGIN_NODE)
			depth++;
		else if (tok == FDT_END_NODE && --depth == 0)
			return off + 4;
		else if (tok == FDT_END)
			return -1;
		off = skip_token(fdt, off);
	}
	return -1;
}

const char *fdt_node_name(const void *fdt, int node)
{
	return (const char *)structs(fdt) + node + 4;
}

// First token inside the node that is not a property.
static int first_child_token(const void *fdt, int node)
{
	int off = skip_token(fdt, node);
	while (token(fdt, off) == FDT_PROP || token(fdt, off) == FDT_NOP)
		off = skip_token(fdt, off);
	return off;
}

int fdt_first_subnode(const void *fdt, int node)
{
	int off = first_child_token(fdt, node);
	return token(fdt, off) == FDT_BEGIN_NODE ? off : -1;
}

int fdt_next_subnode(const void *fdt, int node)
{
	int off = node_end(fdt, node);
	if (off < 0)
		return -1;
	while (token(fdt, off) == FDT_NOP)
		off += 4;
	return token(fdt, off) == FDT_BEGIN_NODE ? off : -1;
}

// Match one path component against a node name; "cpus" also matches "cpus@0".
static int name_matches(const char *name, const char *comp, int len)
{
	return !strncmp(name, comp, len) && (name[len] == '\0' || name[len] == '@');
}

int fdt_path_offset(const void *fdt, const char *path)
{
	if (fdt_check(fdt) || path[0] != '/')
		return -1;
	int node = 0;
	while (token(fdt, node) == FDT_NOP)
		node += 4;
	for (const char *p = path + 1; *p;) {
		const char *slash = strchr(p, '/');
		int len = slash ? (int)(slash - p) : (int)strlen(p);
		int child = fdt_first_subnode(fdt, node);
		while (child >= 0 && !name_matches(fdt_node_name(fdt, child), p, len))
			child = fdt_next_subnode(fdt, child);
		if (child < 0)
			return -1;
		node = child;
		p += len;
		if (*p == '/')
			p++;
	}
	return node;
}

const void *fdt_getprop(const void *fdt, int node, const char *name, int *lenp)
{
	const char *strings = (const char *)fdt + hdr(fdt, H_STRINGS);
	int off = skip_token(fdt, node);
	for (;;) {
		u32 tok = token(fdt, off);
		if (tok == FDT_NOP) {
			off += 4;
			continue;
		}
		if (tok != FDT_PROP)
			return NULL;
		const u8 *p = structs(fdt) + off;
		if (!strcmp(strings + fdt32(p + 8), name)) {
			if (lenp)
				*lenp = (int)fdt32(p + 4);
			return p + 12;
		}
		off = skip_token(fdt, off);
	}
}

int fdt_prop_is(const void *fdt, int node, const char *name, const char *str)
{
	int len;
	const char *v = fdt_getprop(fdt, node, name, &len);
	return v && len > 0 && !strcmp(v, str);
}

// Is `str` one of the NUL-separated strings in a stringlist property?
static int stringlist_has(const char *list, int len, const char *str)
{
	for (int i = 0; i < len; i += (int)strlen(list + i) + 1)
		if (!strcmp(list + i, str))
			return 1;
	return 0;
}

static void read_cpus(const void *fdt, struct fdt_platform *p)
{
	int cpus = fdt_path_offset(fdt, "/cpus");
	if (cpus < 0)
		return;
	const void *tb = fdt_getprop(fdt, cpus, "timebase-frequency", NULL);
	if (tb)
		p->timebase = fdt32(tb);
	for (int n = fdt_first_subnode(fdt, cpus); n >= 0; n = fdt_next_subnode(fdt, n)) {
		if (!fdt_prop_is(fdt, n, "device_type", "cpu") ||
		    fdt_prop_is(fdt, n, "status", "disabled"))
			continue;
		const void *reg = fdt_getprop(fdt, n, "reg", NULL);
		if (reg && p->nharts < (int)ARRAY_SIZE(p->hartids))
			p->hartids[p->nharts] = fdt32(reg);
		if (!p->isa)
			p->isa = fdt_getprop(fdt, n, "riscv,isa", NULL);
		p->nharts++;
	}
}

static void read_soc(const void *fdt, struct fdt_platform *p)
{
	int soc = fdt_path_offset(fdt, "/soc");
	if (soc < 0)
		return;
	for (int n = fdt_first_subnode(fdt, soc); n >= 0; n = fdt_next_subnode(fdt, n)) {
		int len;
		const char *compat = fdt_getprop(fdt, n, "compatible", &len);
		const void *reg = fdt_getprop(fdt, n, "reg", NULL);
		if (compat && reg && !p->uart_base && stringlist_has(compat, len, "ns16550a"))
			p->uart_base = fdt64(reg);   // QEMU virt: #address-cells = 2
	}
}

int fdt_read_platform(const void *fdt, struct fdt_platform *p)
{
	memset(p, 0, sizeof(*p));
	p->bootargs = "";
	if (fdt_check(fdt))
		return -1;
	int root = fdt_path_offset(fdt, "/");
	for (int n = fdt_first_subnode(fdt, root); n >= 0; n = fdt_next_subnode(fdt, n)) {
		if (!fdt_prop_is(fdt, n, "device_type", "memory"))
			continue;
		const u8 *reg = fdt_getprop(fdt, n, "reg", NULL);
		if (reg) {   // QEMU virt: #address-cells = #size-cells = 2
			p->mem_base = fdt64(reg);
			p->mem_size = fdt64(reg + 8);
			break;
		}
	}
	read_cpus(fdt, p);
	read_soc(fdt, p);
	int chosen = fdt_path_offset(fdt, "/chosen");
	const char *args = chosen >= 0 ? fdt_getprop(fdt, chosen, "bootargs", NULL) : NULL;
	if (args)
		p->bootargs = args;
	return 0;
}
