#!/usr/bin/env bash
# setup.sh: `make setup`. Installs the kit's packages with apt (sudo when not
# root), then prints what it found. Safe to run again: apt is skipped when
# everything is installed already.
set -euo pipefail
cd "$(dirname "$0")/../.."

mapfile -t pkgs < <(grep -vE '^\s*(#|$)' .devcontainer/packages.txt)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	if ! command -v apt-get >/dev/null; then
		echo "setup: this is not a Debian/Ubuntu system; install these yourself: ${missing[*]}" >&2
		exit 1
	fi
	sudo=""
	if [ "$(id -u)" != 0 ]; then
		command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
		sudo=sudo
	fi
	echo "setup: installing ${missing[*]}"
	$sudo apt-get update -qq
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
	echo "setup: all ${#pkgs[@]} packages already installed"
fi

echo
echo "Versions found:"
first_line() { "$@" 2>/dev/null | head -n 1 || true; }
printf '  %-28s %s\n' "qemu-system-riscv64" "$(first_line qemu-system-riscv64 --version)"
printf '  %-28s %s\n' "riscv64-unknown-elf-gcc" "$(first_line riscv64-unknown-elf-gcc --version)"
printf '  %-28s %s\n' "gdb-multiarch" "$(first_line gdb-multiarch --version)"
printf '  %-28s %s\n' "python3" "$(first_line python3 --version)"
printf '  %-28s %s\n' "bwrap (grading sandbox)" "$(first_line bwrap --version || echo missing)"
uboot=/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin
printf '  %-28s %s\n' "U-Boot (S-mode, lab 10)" "$([ -f $uboot ] && echo $uboot || echo missing)"

# Does QEMU's default RISC-V CPU have the H extension? OpenSBI says so in
# its banner ("Boot HART Base ISA : rv64imafdch"); no kernel is needed.
isa=$(timeout 2 qemu-system-riscv64 -machine virt -nographic -bios default -no-reboot \
	-monitor none 2>/dev/null </dev/null | tr -d '\r' | sed -n 's/^Boot HART Base ISA *: *//p' | head -n 1 || true)
case "$isa" in
	rv64*h*) echo "  H extension: present (OpenSBI reports base ISA $isa)" ;;
	"") echo "  H extension: could not boot QEMU to find out" ; exit 1 ;;
	*) echo "  H extension: ABSENT (base ISA $isa): this QEMU cannot run the labs"; exit 1 ;;
esac
echo
echo "Ready. Next: make test   (or make qemu LAB=1, make grade LAB=1)"
