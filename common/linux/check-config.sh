#!/usr/bin/env bash
# check-config.sh FRAGMENT DOTCONFIG: does the kernel's generated .config
# really hold every option of the fragment? Kconfig drops an option whose
# dependencies are not met without a word (CONFIG_HVC_RISCV_SBI=y without
# CONFIG_RISCV_SBI_V01, say), so a kernel could build fine and lack what the
# kit needs. Prints every option that did not stick and exits 1; silent and
# 0 when all did. build.sh runs it after every configuration.
set -euo pipefail
frag=$1
dotconfig=$2

missing=0
while IFS= read -r line; do
	if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
		name=${BASH_REMATCH[1]}
		# An option asked for as y/m/value must appear exactly so.
		grep -qxF -- "$line" "$dotconfig" && continue
		have=$(grep -E "^(# )?$name[= ]" "$dotconfig" | head -n 1 || true)
	elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
		name=${BASH_REMATCH[1]}
		# An option asked to be off may also be absent (not even offered).
		grep -qE "^$name=" "$dotconfig" || continue
		have=$(grep -E "^$name=" "$dotconfig" | head -n 1)
	else
		continue
	fi
	echo "  wanted: $line"
	echo "     got: ${have:-(absent: no such option, or its dependencies are not met)}"
	missing=$((missing + 1))
done < "$frag"

if [ "$missing" -gt 0 ]; then
	echo "check-config: $missing option(s) of $frag are not in $dotconfig" >&2
	exit 1
fi
