"""Just enough of ELF to audit a relocatable object or an image: its
sections (name, type) and its symbol table (name, binding, section).

Standard library only, and safe on hostile input: every offset is checked,
and anything that does not add up raises ElfError (the object is then
refused, not trusted). ELF32 and ELF64, either byte order.
"""

import struct

SHT_SYMTAB = 2
SHT_INIT_ARRAY, SHT_FINI_ARRAY, SHT_PREINIT_ARRAY = 14, 15, 16
SHN_UNDEF = 0
SHN_LORESERVE = 0xff00
SHN_XINDEX = 0xffff
STB_LOCAL, STB_GLOBAL, STB_WEAK = 0, 1, 2
STT_SECTION, STT_FILE = 3, 4
STT_GNU_IFUNC = 10                  # a function whose address a resolver picks at load time
MAX_SECTIONS = 1 << 16
MAX_SYMBOLS = 1 << 20


class ElfError(ValueError):
    """Not an ELF file this reader can vouch for."""


class Section:
    def __init__(self, name, type_, flags, offset, size, link, entsize):
        self.name, self.type, self.flags = name, type_, flags
        self.offset, self.size, self.link, self.entsize = offset, size, link, entsize


class Symbol:
    def __init__(self, name, bind, type_, shndx, section):
        self.name, self.bind, self.type, self.shndx = name, bind, type_, shndx
        self.section = section          # the section's name, "" when undefined or special

    @property
    def defined(self):
        return self.shndx != SHN_UNDEF

    @property
    def is_global(self):
        return self.bind != STB_LOCAL


class Object:
    def __init__(self, sections, symbols):
        self.sections = sections
        self.symbols = symbols          # global and weak ones (_symbols)

    def defined(self):
        """Global (or weak) symbols this file defines."""
        return {s.name for s in self.symbols if s.is_global and s.defined and s.name}

    def undefined(self):
        """Symbols this file uses and does not define."""
        return {s.name for s in self.symbols if s.is_global and not s.defined and s.name}


def _cstr(data, table_off, table_size, off):
    if off >= table_size:
        raise ElfError("a name points outside its string table")
    start = table_off + off
    end = data.find(b"\0", start, table_off + table_size)
    if end < 0:
        raise ElfError("a name runs past its string table")
    return data[start:end].decode("utf-8", "backslashreplace")


def parse(data):
    """An Object from the bytes of an ELF file."""
    try:
        return _parse(data)
    except (struct.error, IndexError, OverflowError) as e:
        raise ElfError(f"malformed: {e}") from None


def _parse(data):
    if len(data) < 52 or data[:4] != b"\x7fELF":
        raise ElfError("not an ELF file")
    cls, order = data[4], data[5]
    if cls not in (1, 2) or order not in (1, 2):
        raise ElfError("unknown ELF class or byte order")
    e = "<" if order == 1 else ">"
    if cls == 2:
        if len(data) < 64:
            raise ElfError("truncated header")
        shoff, = struct.unpack_from(e + "Q", data, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from(e + "HHH", data, 0x3a)
        shfmt, symfmt = e + "IIQQQQIIQQ", e + "IBBHQQ"
    else:
        shoff, = struct.unpack_from(e + "I", data, 0x20)
        shentsize, shnum, shstrndx = struct.unpack_from(e + "HHH", data, 0x2e)
        shfmt, symfmt = e + "IIIIIIIIII", e + "IIIBBH"
    if shoff == 0:
        return Object([], [])
    if shentsize != struct.calcsize(shfmt):
        raise ElfError("unexpected section header size")
    raw = _headers(data, shoff, shentsize, shnum, shfmt)
    if shnum == 0:                      # extended numbering: the count is in section 0
        raw = _headers(data, shoff, shentsize, _count(raw[0][5]), shfmt)
    if shstrndx == SHN_XINDEX:
        shstrndx = raw[0][6]
    sections = _sections(data, raw, shstrndx)
    return Object(sections, _symbols(data, sections, symfmt, cls))


def _count(n):
    if not 0 < n <= MAX_SECTIONS:
        raise ElfError("bad section count")
    return n


def _headers(data, shoff, shentsize, shnum, fmt):
    if shnum > MAX_SECTIONS or shoff + shentsize * max(shnum, 1) > len(data):
        raise ElfError("section headers outside the file")
    out = []
    for i in range(max(shnum, 1)):
        f = struct.unpack_from(fmt, data, shoff + i * shentsize)
        # kept: name, type, flags, addr, offset, size, link, entsize
        out.append((f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[9]))
    return out


def _sections(data, raw, shstrndx):
    if not 0 <= shstrndx < len(raw):
        raise ElfError("no section name table")
    _, _, _, _, str_off, str_size, _, _ = raw[shstrndx]
    if str_off + str_size > len(data):
        raise ElfError("section name table outside the file")
    out = []
    for name, type_, flags, _, off, size, link, entsize in raw:
        out.append(Section(_cstr(data, str_off, str_size, name) if str_size else "",
                           type_, flags, off, size, link, entsize))
    return out


def _symbols(data, sections, fmt, cls):
    """The symbols that linking sees across files: global and weak ones.
    The local ones (a file's sections, static names: most of a table) are
    checked only as far as their names' offsets, never read: nothing here
    looks at them, and the audit reads about 90 objects a build."""
    out = []
    size = struct.calcsize(fmt)
    names = [s.name for s in sections]
    nsec = min(SHN_LORESERVE, len(sections))
    for tab in (s for s in sections if s.type == SHT_SYMTAB):
        if tab.entsize != size or tab.offset + tab.size > len(data) or \
                not 0 <= tab.link < len(sections):
            raise ElfError("bad symbol table")
        strtab = sections[tab.link]
        str_off, str_size = strtab.offset, strtab.size
        if str_off + str_size > len(data):
            raise ElfError("symbol names outside the file")
        # (ELF: a string table ends with a NUL, so no name can run past it)
        if str_size and data[str_off + str_size - 1] != 0:
            raise ElfError("a symbol name table that does not end with a NUL")
        count = tab.size // size
        if count > MAX_SYMBOLS:
            raise ElfError("too many symbols")
        for f in struct.iter_unpack(fmt, data[tab.offset:tab.offset + count * size]):
            if cls == 2:
                name, info, shndx = f[0], f[1], f[3]
            else:
                name, info, shndx = f[0], f[3], f[5]
            if name and name >= str_size:
                raise ElfError("a name points outside its string table")
            if info >> 4 == STB_LOCAL:
                continue
            start = str_off + name
            text = data[start:data.index(b"\0", start)].decode("utf-8", "backslashreplace") \
                if str_size else ""
            out.append(Symbol(text, info >> 4, info & 0xf, shndx,
                              names[shndx] if 0 < shndx < nsec else ""))
    return out


def read(path, limit=64 << 20):
    """parse() of a file (at most limit bytes: a bigger object is refused)."""
    with open(path, "rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise ElfError(f"larger than {limit >> 20} MiB")
    return parse(data)
