"""What a real guest looks like to QEMU: the "runs" check of lab 10's real
guests (labspec.py, evaluate.py).

The console of a guest passes through the student's own UART emulation, so
it cannot tell a booted guest from a hypervisor that prints what one would.
QEMU's view can: at input steps marked "look" the grader stops the machine
and reads the harts through QEMU's monitor (monitor.look). A look holds
when some hart is in the guest (V=1) where the guest itself would be:

- its pc and its trap vector (the guest's stvec) hold the guest image's
  code, read through the hart's own translation, both at the one place the
  image has in memory: for the kit's Linux, the kernel's link addresses
  (System.map: no relocation in 6.1), with paging on and stvec at
  handle_exception; for a raw image without symbols (U-Boot, which moves
  itself to the top of RAM), the same page-aligned offset for both;
- the code at the pc is not a loop on itself nor one byte repeated
  (zeroed RAM "is in" every image at almost every offset);
- the whole page of code around the pc is the image's (a few instructions
  written into the image would make any stretch of it a loop), and its
  return address (ra) is in the image too (every pc of the reference's
  looks has it: 20 runs measured);
- a look marked "boot" (while the guest boots) sees it at BOOTING_PCS
  different pcs at one place: a guest at work, not a hart parked in a loop.

And between the first and the last look the guest made progress of its
own: for Linux, its jiffies (read at the symbol, through the guest's page
tables) went up. Every look must hold (docs/instructors.md, section 9, says
what a forger would still have to do).
"""

import os

from . import guestload

PAGE = 4096
IMAGE_MAX = 256 << 20       # bytes of a guest image read (the kit's Linux: ~3 MiB)
SELF_JUMPS = (b"\x01\xa0", b"\x6f\x00\x00\x00")    # c.j . and j .
CODE = 16                   # bytes at the pc looked up in the image
LINUX_SYMBOLS = ("_start", "handle_exception", "jiffies")
# A look while the guest boots must see it at work at this many pcs of one
# copy of its code. The reference, on a machine loaded with 3 busy loops
# more than its 2 cores: U-Boot printing its DRAM size at 8 of the 8 pcs
# read (9 runs), Linux having brought up its CPUs at 5-8 (15 runs; at its
# init's start, where it idles, once at 1: the look moved).
BOOTING_PCS = 3


class Profile:
    """image: the bytes of the image file. base: the address of image[0]
    (None: wherever it was loaded, page-aligned). trap: the guest's trap
    vector (None: anywhere in the image, at the pc's offset). paging: its
    pc is a virtual address with paging on. progress: (name, address,
    size) of a counter that must go up from look to look, or None."""

    def __init__(self, name, image, base=None, trap=None, paging=False, progress=None):
        self.name, self.image, self.base, self.trap = name, image, base, trap
        self.paging, self.progress = paging, progress

    def memory(self):
        """What a look must read besides the harts (monitor.look)."""
        return [self.progress] if self.progress else []


def for_image(image_name, root):
    """The Profile of a test's guest image ("linux": the kit's kernel), or
    an error text (a kit problem, never the student's)."""
    path = guestload.resolve(image_name, root)
    image = _read(path)
    if image is None:
        return f"cannot read the guest image {path}"
    if image_name != guestload.LINUX:
        return Profile(os.path.basename(path), image)
    symbols = _system_map(os.path.join(os.path.dirname(os.path.realpath(path)), "System.map"))
    missing = [s for s in LINUX_SYMBOLS if s not in symbols]
    if missing:
        return f"no {', '.join(missing)} in the kernel's System.map (make linux)"
    return Profile("Image", image, base=symbols["_start"], trap=symbols["handle_exception"],
                   paging=True, progress=("jiffies", symbols["jiffies"], 8))


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read(IMAGE_MAX)
    except (OSError, TypeError):
        return None


def _system_map(path):
    out = {}
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3 and parts[2] in LINUX_SYMBOLS:
                    out[parts[2]] = int(parts[0], 16)
    except (OSError, ValueError):
        return {}
    return out


def judge(profile, looks):
    """(True, "") when every look saw the guest at its place and it made
    progress; else (False, what QEMU saw instead)."""
    if not looks:
        return False, ("no look at the harts: the run never came to the input step that takes "
                       "it")
    for i, look in enumerate(looks):
        why = _judge_look(profile, look, BOOTING_PCS if look.get("kind") == "boot" else 1)
        if why:
            return False, f"look {i + 1} of {len(looks)}: {why}"
    if profile.progress:
        name, _, _ = profile.progress
        values = [int.from_bytes(look["memory"][name], "little")
                  if name in look.get("memory", {}) else None for look in looks]
        if None in values:
            return False, f"could not read the guest's {name} through its page tables"
        if len(values) < 2 or values[-1] <= values[0]:
            return False, (f"the guest's {name} did not go up between the looks: "
                           + " -> ".join(str(v) for v in values))
    return True, ""


def _judge_look(profile, look, need):
    """None when at least `need` distinct pcs of harts in the guest were at
    the guest's code, at one place; else why not."""
    reads = look.get("reads") or []
    if not reads:
        return "QEMU's monitor did not answer"
    harts = look.get("harts") or []
    if not harts:
        pcs = sorted({f"{c.get('pc', 0):#x}" for read in reads for c in read})
        return (f"{len(reads)} reads of {len(reads[0])} hart(s): none in the guest (V=0 in "
                f"every read), pc {', '.join(pcs[:4])}")
    at_base, whys = {}, []
    for h in harts:
        bases, why = _hart_bases(profile, h)
        whys.append(why)
        for base in bases:
            at_base.setdefault(base, set()).add(h["pc"])
    best = max((len(pcs) for pcs in at_base.values()), default=0)
    if best >= need:
        return None
    if best:
        return (f"the guest's code at only {best} pc(s) of the {len(harts)} seen in the guest, "
                f"where a booting guest runs through many (at least {need})")
    h = harts[0]
    return f"hart {h['cpu']} in the guest at pc {h['pc']:#x}: {whys[0]}"


def _hart_bases(profile, h):
    """The places (the address of image[0]) at which hart entry h's page of
    code and its trap vector are the image's: (set, "") or (empty set, why
    not)."""
    page, trap_code, pc, stvec = h.get("page"), h.get("trap_code"), h["pc"], h.get("stvec")
    if not page or len(page) != PAGE:
        return set(), "QEMU could not read the code at its pc"
    code = page[pc % PAGE:pc % PAGE + CODE]
    if len(set(code)) == 1 or code.startswith(SELF_JUMPS):
        return set(), f"a loop on itself, not the guest at work ({code.hex()})"
    if profile.paging and not (h.get("satp") or 0) >> 60:
        return set(), "paging is off (satp.MODE = Bare): not the kernel"
    if profile.trap is not None and stvec != profile.trap:
        return set(), f"its trap vector {stvec or 0:#x} is not the kernel's ({profile.trap:#x})"
    if stvec == pc:
        return set(), "its trap vector is its own pc"
    if not trap_code:
        return set(), "QEMU could not read the code at its trap vector"
    if profile.base is not None:
        bases = {profile.base}
    else:
        bases = {pc - at for at in _offsets(profile.image, code) if (pc - at) % PAGE == 0}
    bases = {b for b in bases if _at(profile.image, pc - b, code) and
             _at(profile.image, stvec - b, trap_code)}
    if not bases:
        return set(), (f"its code ({code.hex()}) and its trap vector's are not "
                       f"{profile.name}'s at one place")
    # The whole page, not only the bytes at the pc: a few instructions
    # written just past them would make any stretch of the image a loop.
    bases = {b for b in bases if _same_page(profile.image, pc - pc % PAGE - b, page)}
    if not bases:
        return set(), (f"the page of code around its pc is not {profile.name}'s "
                       "(written to?)")
    # Where it returns to: the guest's own code calls the guest's own code.
    # A hart bounced through ret instructions of the image by code of the
    # hypervisor's (a hostile review's forger) returns elsewhere.
    ra = h.get("ra") or 0
    bases = {b for b in bases if 0 <= ra - b < len(profile.image)}
    if not bases:
        return set(), f"its return address {ra:#x} is not in {profile.name}"
    return bases, ""


def _same_page(image, off, page):
    """page equals the image from off on, as far as the image goes."""
    lo = max(off, 0)
    hi = min(off + PAGE, len(image))
    return lo < hi and image[lo:hi] == page[lo - off:hi - off]


def _offsets(image, data):
    at = image.find(data)
    while at >= 0:
        yield at
        at = image.find(data, at + 1)


def _at(image, off, data):
    return 0 <= off and image[off:off + len(data)] == data
