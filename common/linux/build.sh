#!/usr/bin/env bash
# build.sh: `make linux`. Builds the kit's Linux guest from Debian's
# linux-source-6.1 package: tinyconfig + kit.config, with init.c as the only
# program of a built-in initramfs (initramfs.list), for riscv64.
#
# Results (build/ belongs to the kit, never to a graded submission):
#   build/linux/Image     the raw image to boot (-kernel, or make run GUEST=linux)
#   build/linux/vmlinux   the same kernel as an ELF with symbols, for gdb
# Both are links into build/linux/k-KEY/, where KEY is a hash of everything
# the kernel is made of: the versions of the source, compiler and C library
# packages, and the files of common/linux/ that go into it. Same key, same
# kernel: a second run only checks the key (well under a second).
#
# Building: the source is extracted once per source version into
# build/linux/src/VERSION, and compiled out of tree (O=) into
# build/linux/obj/VERSION. That object tree is kept, so a change to init.c
# costs a relink (under half a minute) and a change to kit.config only what
# it touches.
# Log of the last build: build/linux/build.log.
#
# Options (for the grader, grader/linux.py): --check-tools only says what is
# missing (exit 2) or nothing (exit 0); --cached exits 0 when the kernel is
# built already (and links it), 1 when a build would be needed.
# Environment: LINUX_JOBS (default: all cores), LINUX_V=1 (show kbuild's
# output), LINUX_CROSS_COMPILE (default riscv64-linux-gnu-).
set -euo pipefail
cd "$(dirname "$0")/../.."

HERE=common/linux
OUT=build/linux
SRC_PKG=linux-source-6.1
TARBALL=/usr/src/linux-source-6.1.tar.xz
CROSS=${LINUX_CROSS_COMPILE:-riscv64-linux-gnu-}
JOBS=${LINUX_JOBS:-$(nproc 2>/dev/null || echo 2)}
# Every file whose content goes into the kernel, or into how it is built.
INPUTS=("$HERE/kit.config" "$HERE/init.c" "$HERE/initramfs.list" "$HERE/build.sh" "$HERE/check-config.sh")

start=$EPOCHREALTIME
say() { echo "make linux: $*"; }
die() { echo "make linux: $*" >&2; exit 1; }
elapsed() {
	local s=$(( ${EPOCHREALTIME/./} / 1000 - ${start/./} / 1000 ))   # ms
	if [ $s -ge 60000 ]; then printf '%dm%02ds' $((s / 60000)) $((s / 1000 % 60))
	else printf '%d.%03d s' $((s / 1000)) $((s % 1000)); fi
}

# The kit's Makefile passes its own command-line variables (GUEST=, SMP=, V=)
# down in MAKEFLAGS: the kernel's make must not see them.
unset MAKEFLAGS MFLAGS MAKEOVERRIDES MAKELEVEL

# ---- what is installed -------------------------------------------------------
# Packages (from .devcontainer/packages.txt) and the command each one gives.
check_tools() {
	local missing=() pair
	for pair in "${CROSS}gcc:gcc-riscv64-linux-gnu" flex:flex bison:bison bc:bc \
		cpio:cpio xz:xz-utils make:make gcc:gcc; do
		command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
	done
	[ -f "$TARBALL" ] || missing=("$SRC_PKG" "${missing[@]}")
	# A static init needs the riscv64 C library (its crt1.o is enough to tell).
	[ -f /usr/riscv64-linux-gnu/lib/crt1.o ] || missing+=(libc6-dev-riscv64-cross)
	[ ${#missing[@]} -eq 0 ] && return
	echo "make linux: not installed: ${missing[*]}" >&2
	if [ ! -f "$TARBALL" ]; then
		echo "  The kernel is built from Debian 12's $SRC_PKG package ($TARBALL)." >&2
		if dpkg-query -W -f='${Status}' "$SRC_PKG" >/dev/null 2>&1 || \
			apt-cache show "$SRC_PKG" >/dev/null 2>&1; then
			echo "  Install it with: make setup" >&2
		else
			echo "  This system's apt does not offer it (Ubuntu, for one, does not package it):" >&2
			echo "  use the kit's dev container (.devcontainer/, Debian 12) for make linux." >&2
		fi
	else
		echo "  Install them with: make setup" >&2
	fi
	exit 2
}

# ---- the key -------------------------------------------------------------------
pkg_versions() {
	dpkg-query -W -f='${Package} ${Version}\n' "$SRC_PKG" gcc-riscv64-linux-gnu \
		libc6-dev-riscv64-cross 2>/dev/null || true
}

mode=${1:-build}
case $mode in
	build|--check-tools|--cached) ;;
	*) die "usage: build.sh [--check-tools | --cached]" ;;
esac
check_tools
[ "$mode" = --check-tools ] && exit 0
versions=$(pkg_versions)
src_version=$(awk -v p="$SRC_PKG" '$1 == p {print $2}' <<<"$versions")
# Not from dpkg (copied by hand): the tarball's size and time stand in.
[ -n "$src_version" ] || src_version=unpackaged-$(stat -c '%s-%Y' "$TARBALL")
key=$( { echo "$versions"; echo "cross $CROSS"; sha256sum "${INPUTS[@]}"; } | sha256sum | cut -c1-16)
KDIR=$OUT/k-$key

link_results() {
	ln -sfn "k-$key/Image" "$OUT/Image"
	ln -sfn "k-$key/vmlinux" "$OUT/vmlinux"
	touch "$KDIR"           # most recently used: kept by prune_old
}

# Exits when the kernel of this key is built already.
cache_hit() {
	if [ -f "$KDIR/Image" ]; then
		link_results
		say "up to date, from the cache: $OUT/Image (Linux $(cat "$KDIR/release"), $KDIR; $(elapsed))"
		exit 0
	fi
}

if [ "$mode" = --cached ]; then
	[ -f "$KDIR/Image" ] || exit 1
	link_results
	exit 0
fi
cache_hit
mkdir -p "$OUT"
exec 9>"$OUT/.lock"
if ! flock -n 9; then
	say "another make linux is building in this kit; waiting for it"
	flock 9
	cache_hit
fi

# ---- source and configuration ----------------------------------------------------
SRC=$OUT/src/$src_version
OBJ=$OUT/obj/$src_version
KMAKE=(make -C "$SRC/$SRC_PKG" O="$PWD/$OBJ" ARCH=riscv CROSS_COMPILE="$CROSS"
	KBUILD_BUILD_USER=rvh KBUILD_BUILD_HOST=rvh-labs)
LOG=$OUT/build.log
: >"$LOG"

# Runs a step with its output in the log; on failure says which step failed,
# shows the end of the log and where the whole of it is.
step() {
	local what=$1; shift
	echo "### $what: $*" >>"$LOG"
	if ! "$@" >>"$LOG" 2>&1; then
		echo "make linux: FAILED: $what" >&2
		tail -n 20 "$LOG" | sed 's/^/  | /' >&2
		echo "make linux: the whole log is $LOG (after $(elapsed))" >&2
		exit 1
	fi
}

if [ -f "$OBJ/init/main.o" ]; then
	say "rebuilding (something in common/linux/ or a package changed); reusing the kernel" \
		"objects in $OBJ, so only what changed is compiled: under half a minute for" \
		"init.c, up to a few minutes for kit.config"
else
	say "building Linux from Debian's $SRC_PKG $src_version for riscv64 (tinyconfig +" \
		"$HERE/kit.config, $HERE/init.c as /init). The first build takes about 5 minutes" \
		"on 2 cores; later ones reuse it (cached in $OUT/)."
fi

if [ ! -f "$SRC/.extracted" ]; then
	say "extracting $TARBALL into $SRC (once per source version, about 15 s)"
	rm -rf "$SRC"
	mkdir -p "$SRC"
	step "extracting the kernel source" tar -xJf "$TARBALL" -C "$SRC"
	[ -f "$SRC/$SRC_PKG/Makefile" ] || die "FAILED: $TARBALL has no $SRC_PKG/Makefile"
	touch "$SRC/.extracted"
fi
mkdir -p "$OBJ/rvh-init"

# The configuration is made again only when kit.config (or the way it is made)
# changed: kbuild then recompiles only what the changed options touch.
config_key=$( { echo "$src_version"; sha256sum "$HERE/kit.config" "$HERE/build.sh"; } | sha256sum)
if [ "$(cat "$OBJ/.rvh-config-key" 2>/dev/null)" != "$config_key" ]; then
	say "configuring: tinyconfig + $HERE/kit.config"
	rm -f "$OBJ/.rvh-config-key"
	step "make tinyconfig" "${KMAKE[@]}" tinyconfig
	step "merging $HERE/kit.config" "$SRC/$SRC_PKG/scripts/kconfig/merge_config.sh" -m \
		-O "$OBJ" "$OBJ/.config" "$HERE/kit.config"
	step "make olddefconfig" "${KMAKE[@]}" olddefconfig
	if ! bash "$HERE/check-config.sh" "$HERE/kit.config" "$OBJ/.config" >"$OUT/config-check.txt" 2>&1; then
		cat "$OUT/config-check.txt" >&2
		die "FAILED: the kernel configuration lacks options that $HERE/kit.config asks for" \
			"(see above: an unmet dependency; the whole .config is $OBJ/.config)"
	fi
	echo "$config_key" >"$OBJ/.rvh-config-key"
fi

# ---- the init and the initramfs ------------------------------------------------
# Replaced only when different: kbuild rebuilds the initramfs when a file in
# the list is newer than it.
install_if_changed() {
	if ! cmp -s "$1" "$2"; then mv -f "$1" "$2"; else rm -f "$1"; fi
}
step "compiling $HERE/init.c (static, glibc)" "${CROSS}gcc" -static -std=gnu11 -Os -s \
	-Wall -Wextra -Werror -o "$OBJ/rvh-init/init.new" "$HERE/init.c"
install_if_changed "$OBJ/rvh-init/init.new" "$OBJ/rvh-init/init"
cp "$HERE/initramfs.list" "$OBJ/rvh-init/initramfs.list.new"
install_if_changed "$OBJ/rvh-init/initramfs.list.new" "$OBJ/rvh-init/initramfs.list"

# ---- the kernel ------------------------------------------------------------------
# make in the foreground (Ctrl-C stops it), a line every 30 s from a helper in
# the background: a 5-minute silence looks like a hang. The helper's sleep
# holds neither the output (a reader waits for its end) nor the lock.
say "compiling the kernel with $JOBS job(s); log: $LOG"
echo "### make Image" >>"$LOG"
heartbeat() {
	while sleep 30 </dev/null >/dev/null 2>&1 9>&-; do
		say "  ... $(elapsed): $(grep -c '^  CC ' "$LOG" || true) files compiled so far"
	done
}
heartbeat &
hb=$!
trap 'kill $hb 2>/dev/null || true' EXIT
rc=0
if [ "${LINUX_V:-0}" = 1 ]; then
	"${KMAKE[@]}" -j"$JOBS" Image 2>&1 | tee -a "$LOG" || rc=${PIPESTATUS[0]}
else
	"${KMAKE[@]}" -j"$JOBS" Image >>"$LOG" 2>&1 || rc=$?
fi
kill $hb 2>/dev/null || true
if [ $rc -ne 0 ]; then
	echo "make linux: FAILED: compiling the kernel (make Image in $OBJ, exit status $rc)" >&2
	grep -E ': (fatal )?error:|\*\*\*' "$LOG" | tail -n 10 | sed 's/^/  | /' >&2 || true
	tail -n 10 "$LOG" | sed 's/^/  | /' >&2
	echo "make linux: the whole log is $LOG (after $(elapsed))" >&2
	exit 1
fi

# ---- results -------------------------------------------------------------------
# Into a temporary directory first, renamed when complete: an interrupted
# build never leaves a k-KEY that looks finished.
rm -rf "$KDIR.tmp"
mkdir -p "$KDIR.tmp"
cp "$OBJ/arch/riscv/boot/Image" "$OBJ/vmlinux" "$OBJ/System.map" "$KDIR.tmp/"
cp "$OBJ/.config" "$KDIR.tmp/config"
cp "$OBJ/include/config/kernel.release" "$KDIR.tmp/release"
{ echo "$versions"; echo "cross $CROSS"; sha256sum "${INPUTS[@]}"; } >"$KDIR.tmp/inputs"
rm -rf "$KDIR"
mv "$KDIR.tmp" "$KDIR"
link_results

# Keep the three most recently used kernels, and only the current source
# version's source and object trees (about 2 GB together).
prune_old() {
	local d
	for d in $(ls -1dt "$OUT"/k-* 2>/dev/null | tail -n +4); do rm -rf "$d"; done
	for d in "$OUT"/src/* "$OUT"/obj/*; do
		[ -d "$d" ] && [ "${d##*/}" != "$src_version" ] || continue
		say "removing $d (an older source version)"
		rm -rf "$d"
	done
}
prune_old

size=$(stat -c %s "$KDIR/Image")
say "built $OUT/Image ($((size / 1024)) KiB, Linux $(cat "$KDIR/release")) and $OUT/vmlinux" \
	"in $(elapsed)"
