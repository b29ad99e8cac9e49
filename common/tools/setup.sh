#!/usr/bin/env bash
# setup.sh: `make setup`. Installs the kit's packages with apt (sudo when not
# root), then prints what it found. Safe to run again: apt is skipped when
# everything is installed already.
set -euo pipefail
cd "$(dirname "$0")/../.."

mapfile -t pkgs < <(grep -vE '^\s*(#|$)' .devcontainer/packages.txt)
# Packages under a comment block that starts "# optional, for X" serve only X:
# where apt does not offer one (Ubuntu has no linux-source-6.1), setup says
# so and installs the rest.
declare -A optional_for=()
while IFS=$'\t' read -r pkg why; do optional_for[$pkg]=$why; done < <(awk '
	/^# optional, for / { why = $0; sub(/^# optional, for /, "", why); sub(/ *[(:,].*/, "", why); incomment = 1; next }
	/^#/ { if (!incomment) why = ""; incomment = 1; next }
	/^[ \t]*$/ { next }
	{ incomment = 0; if (why != "") print $1 "\t" why }' .devcontainer/packages.txt)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

unavailable=()
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
	$sudo apt-get update -qq
	# One package apt does not know would make it install nothing at all.
	offered=()
	for p in "${missing[@]}"; do
		# (Read whole first: grep -q stopping early would kill apt-cache with
		# SIGPIPE, and pipefail would call that "not offered".)
		policy=$(LC_ALL=C apt-cache policy "$p" 2>/dev/null || true)
		if grep -q 'Candidate: [^(]' <<<"$policy"; then
			offered+=("$p")
		else
			unavailable+=("$p")
		fi
	done
	if [ ${#offered[@]} -gt 0 ]; then
		echo "setup: installing ${offered[*]}"
		$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${offered[@]}"
	fi
else
	echo "setup: all ${#pkgs[@]} packages already installed"
fi

required_gone=()
for p in "${unavailable[@]}"; do
	if [ -n "${optional_for[$p]:-}" ]; then
		echo "setup: $p is not offered by this system's apt sources: ${optional_for[$p]} needs it" \
			"and will not work here (everything else does). It is in Debian 12;" \
			"the kit's dev container (.devcontainer/) has it." >&2
	else
		required_gone+=("$p")
	fi
done
if [ ${#required_gone[@]} -gt 0 ]; then
	echo "setup: not offered by this system's apt sources: ${required_gone[*]} (the kit needs them)" >&2
	exit 1
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
linux_src=/usr/src/linux-source-6.1.tar.xz
printf '  %-28s %s\n' "Linux source (make linux)" \
	"$([ -f $linux_src ] && echo "$linux_src ($(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null))" \
		|| echo "missing: make linux cannot build the kit's Linux guest")"

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
