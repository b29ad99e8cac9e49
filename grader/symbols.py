"""What student objects may define and use: the symbol check of a build.

After a lab's image is linked, every object compiled from a student file
(of that lab and of the earlier labs in the image, and the host test's) is
read (grader/elf.py) and held against the lab's allow-list, derived from
the kit itself:

  define   names the kit's headers (common/include/*.h) declare and no kit
           object of the image defines: the lab's own API. A student file
           that defines printf, check, main, _start or a harness function
           would replace the kit's (in the host program, the C library's).
  use      what the image's kit runtime (common/lib, common/hyp) defines,
           what student files define, and what the link itself provides
           (linker-script symbols, libgcc), minus the report API: the
           functions that print results or hand out the run's nonce
           (everything common/lib/report.c defines but run_test, run_seed,
           rand_next).
  never    constructors and destructors: .init_array, .ctors, .init and
           their kin, which run code before the harness does.

A lab.json may add names: "symbols": {"define": [...], "use": [...]}
(labspec.py validates them). A refused build says which file, which
symbol and why; the build then counts as failed.
"""

import glob
import os
import re

from . import elf

REPORT_SOURCE = "common/lib/report.c"
REPORT_ALLOWED = {"run_test", "run_seed", "rand_next"}      # no verdict, no nonce
RUNTIME_DIRS = ("common/lib/", "common/hyp/")
CONSTRUCTOR = re.compile(r"^\.(init_array|fini_array|preinit_array|ctors|dtors|init|fini)"
                         r"(\..*)?$")
CONSTRUCTOR_TYPES = (elf.SHT_INIT_ARRAY, elf.SHT_FINI_ARRAY, elf.SHT_PREINIT_ARRAY)
# What a host C compiler may add to any object on its own (stack protector,
# _FORTIFY_SOURCE variants of allowed functions, the GOT).
HOST_EXTRA_USE = {"__stack_chk_fail", "__stack_chk_guard", "_GLOBAL_OFFSET_TABLE_"}
_IDENT = re.compile(r"\b[A-Za-z_]\w*\b")
_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)


def header_names(root):
    """Every identifier the kit's headers mention (comments left out): a
    generous reading of "declared", narrowed by what the kit defines."""
    names = set()
    for path in sorted(glob.glob(os.path.join(root, "common", "include", "*.h"))):
        with open(path, encoding="utf-8", errors="replace") as f:
            names |= set(_IDENT.findall(_COMMENT.sub(" ", f.read())))
    return names


def _srcdir(variant, lab_dirname, this_lab):
    if variant == "sol" or (variant == "skel" and lab_dirname != this_lab):
        return "solutions"
    return "labs"


def student_objects(build_dir, labs_in_image, lab, variant):
    """{object path: student file (kit-relative)} of the image and of the
    host test (host-obj/), for the files that exist."""
    out = {}
    for other in labs_in_image:
        src = _srcdir(variant, other.dirname, lab.dirname)
        for name in other.student_files:
            rel = f"{src}/{other.dirname}/{name}"
            for tree in ("obj", "host-obj"):
                path = os.path.join(build_dir, tree, rel + ".o")
                if os.path.isfile(path):
                    out[path] = rel
    return out


class Policy:
    def __init__(self, may_define, may_use, kit_defines, kit_strong, report):
        self.may_define = may_define
        self.may_use = may_use
        self.kit_defines = kit_defines      # name -> the kit file that defines it
        self.kit_strong = kit_strong        # ...of which not weak: a weak one of ours loses
        self.report = report


def policy(root, build_dir, students, lab):
    """The allow-lists of one image (see the module's docstring)."""
    kit_defines, kit_strong, runtime, report = {}, set(), set(), set()
    for path in glob.glob(os.path.join(build_dir, "obj", "**", "*.o"), recursive=True):
        if path in students:
            continue
        rel = os.path.relpath(path, os.path.join(build_dir, "obj"))[:-2]
        obj = elf.read(path)
        names = obj.defined()
        kit_strong |= {s.name for s in obj.symbols
                       if s.bind == elf.STB_GLOBAL and s.defined and s.name}
        for n in names:
            kit_defines.setdefault(n, rel)
        if rel.startswith(RUNTIME_DIRS):
            runtime |= names
        if rel == REPORT_SOURCE:
            report = names - REPORT_ALLOWED
    student_defs = set()
    for path in students:
        student_defs |= elf.read(path).defined()
    image = os.path.join(build_dir, "hyp.elf")
    linked = elf.read(image).defined() if os.path.isfile(image) else set()
    from_link = linked - set(kit_defines) - student_defs    # linker script, libgcc
    extra = lab.symbols
    declared = header_names(root)
    may_define = (declared - set(kit_defines) - report) | set(extra.get("define", ()))
    # The kit's runtime, and whatever else of the kit its headers declare
    # (a harness helper the lab's API offers, vmm.h's vm_gpa_to_hva).
    kit_api = runtime | (declared & set(kit_defines))
    may_use = ((kit_api | student_defs | from_link) - report) | set(extra.get("use", ()))
    return Policy(may_define, may_use, kit_defines, kit_strong, report)


def problems(obj, rel, pol, host=False):
    """Why one student object may not be linked ([] when it may)."""
    out = []
    use = pol.may_use | (HOST_EXTRA_USE | {f"__{n}_chk" for n in pol.may_use} if host else set())
    for s in obj.sections:
        if CONSTRUCTOR.match(s.name) or s.type in CONSTRUCTOR_TYPES:
            out.append(f"{rel} has a {s.name or 'constructor'} section: code that would run "
                       "before the harness (constructors and destructors are not allowed)")
    for sym in sorted((s for s in obj.symbols if s.is_global and s.defined and s.name),
                      key=lambda s: s.name):
        name = sym.name
        if sym.type == elf.STT_GNU_IFUNC:
            out.append(f"{rel} defines '{name}' as an ifunc: its resolver would run before "
                       "the harness, like a constructor")
            continue
        if name in pol.may_define:
            continue
        # A weak default the kit's own definition replaces: the object's calls
        # then go to the kit's, so the name must be one it may call anyway
        # (a weak 'check' would hand it the report API unseen).
        if not host and sym.bind == elf.STB_WEAK and name in pol.kit_strong and name in use:
            continue
        if name in pol.report:
            why = "the kit's report function (result lines are printed by the harness only)"
        elif name in pol.kit_defines:
            why = f"the kit's own ({pol.kit_defines[name]}): yours would replace it"
        else:
            why = ("not part of the lab's API (the kit's headers): make it static"
                   + (", or it would replace the C library's" if host else ""))
        out.append(f"{rel} defines '{name}': {why}")
    for name in sorted(obj.undefined()):
        if name in use:
            continue
        if name in pol.report:
            why = "the report API, which only the harness may call (it prints result lines " \
                  "or gives the run's nonce)"
        elif name in pol.kit_defines:
            why = f"defined by the test harness ({pol.kit_defines[name]}), not by the " \
                  "kit's runtime"
        else:
            why = "neither the kit's runtime nor a student file defines it" + \
                  (" (the host program may not call the C library)" if host else "")
        out.append(f"{rel} uses '{name}': {why}")
    return out


def check(root, build_dir, labs_in_image, lab, variant):
    """Problems of every student object of a build ([] when all is well)."""
    students = student_objects(build_dir, labs_in_image, lab, variant)
    if not students:
        return []           # nothing of a student's was compiled (a kit without objects)
    try:
        pol = policy(root, build_dir, students, lab)
    except (OSError, elf.ElfError) as e:
        return [f"the kit's objects cannot be read: {e}"]
    out = []
    for path, rel in sorted(students.items()):
        try:
            obj = elf.read(path)
        except (OSError, elf.ElfError) as e:
            out.append(f"{rel}: the object cannot be read ({e})")
            continue
        out += problems(obj, rel + (" (host test)" if "/host-obj/" in path else ""), pol,
                        host="/host-obj/" in path)
    return out
