# RISC-V Hypervisor Labs: one Makefile for building, running, debugging and
# grading every lab. `make help` lists the targets.
#
# An image for lab n = common/ runtime + the student files of labs 1..n
# (*.c, *.S at the top of each labs/NN-name/) + from lab 8 on the VM run loop
# (common/vm/) + lab n's test harness
# (labs/NN-name/test/*.c) + lab n's guest program (labs/NN-name/test/guest/),
# if it has one.

SHELL := /bin/bash
.DEFAULT_GOAL := build
.SUFFIXES:

# ---- which lab, which sources ------------------------------------------------
# LAB may be a number (3, 03) or a name (deleg, 03-deleg). make's own
# functions, not $(shell): every make reads this, and the grader runs
# hundreds of builds (with a shell and a sed per lab, a warm build took
# 0.088 CPU s; without, 0.056).
strip0 = $(if $(filter 0%,$(1)),$(if $(filter 0,$(1)),0,$(call strip0,$(patsubst 0%,%,$(1)))),$(1))
two_digits = $(if $(filter 0 1 2 3 4 5 6 7 8 9,$(1)),0$(1),$(1))
upto = $(if $(1),$(firstword $(1)) $(if $(filter $(2),$(firstword $(1))),,$(call \
	upto,$(wordlist 2,$(words $(1)),$(1)),$(2))))
LAB ?= 1
LABDIR := $(firstword $(wildcard labs/$(LAB) labs/*-$(LAB)) \
	$(wildcard labs/$(call two_digits,$(call strip0,$(LAB)))-*))
LABNAME := $(notdir $(LABDIR))
LABN := $(call strip0,$(firstword $(subst -, ,$(LABNAME))))
ALL_LABS := $(sort $(notdir $(wildcard labs/[0-9][0-9]-*)))
# The labs up to this one (ALL_LABS is in order).
LABS_UPTO := $(strip $(if $(filter $(LABNAME),$(ALL_LABS)),$(call upto,$(ALL_LABS),$(LABNAME))))

# Where each lab's student files come from:
#   default     labs/       (your work)
#   SOLUTION=1  solutions/  (the reference answers)
#   SKELETON=1  solutions/ for the labs before LAB, labs/ for LAB itself
#               (make test uses it to prove the skeleton scores zero)
ifeq ($(SOLUTION),1)
VARIANT := sol
srcdir = solutions/$(1)
else ifeq ($(SKELETON),1)
VARIANT := skel
srcdir = $(if $(filter $(1),$(LABNAME)),labs/$(1),solutions/$(1))
else
VARIANT := student
srcdir = labs/$(1)
endif

# BENCH=1 (make bench, docs/bench.md): lab n's harness and guest program come
# from solutions/bench/ instead of labs/NN-name/test/, built in its own dir.
TESTDIR := $(LABDIR)/test
ifeq ($(BENCH),1)
TESTDIR := solutions/bench
VARIANT := $(VARIANT)-bench
endif
# FUZZ=1 (make fuzz, docs/fuzz.md): the same with solutions/fuzz/.
# FUZZ=smp: solutions/fuzz/smp/, for lab 8's SMP VM (scenario hsm).
ifeq ($(FUZZ),1)
TESTDIR := solutions/fuzz
VARIANT := $(VARIANT)-fuzz
else ifeq ($(FUZZ),smp)
TESTDIR := solutions/fuzz/smp
VARIANT := $(VARIANT)-fuzz-smp
endif

BUILD := build/$(LABNAME)-$(VARIANT)
KERNEL := $(BUILD)/hyp.elf

# ---- toolchain ---------------------------------------------------------------
ifndef CROSS_COMPILE
CROSS_COMPILE := $(shell for p in riscv64-unknown-elf- riscv64-linux-gnu- riscv64-elf-; do \
	command -v $${p}gcc >/dev/null 2>&1 && { echo $$p; break; }; done)
endif
CC := $(CROSS_COMPILE)gcc
OBJCOPY := $(CROSS_COMPILE)objcopy
OBJDUMP := $(CROSS_COMPILE)objdump
QEMU ?= qemu-system-riscv64
GDB ?= gdb-multiarch
PYTHON ?= python3

# GCC 12 refuses "h" in -march (docs/qemu-facts.md): C code enables it per asm block
# with ".option arch, +h"; assembly files get it from the assembler flag.
# No frame pointers (GCC's -O2 default): gdb unwinds from the -g debug info,
# and a frame pointer costs every function 3-5 instructions, leaf ones
# included (docs/bench.md: about 30 of a full exit, 60 of an MMIO read).
# Linker relaxation on (GCC's default): a call becomes one jal instead of
# auipc+jalr. No gp-relative addressing comes of it: the linker scripts define
# no __global_pointer$, so gp stays unused (switch.S's fast path relies on it).
# docs/bench.md: 5 instructions of a full exit, 11 of an MMIO read.
ARCH := -march=rv64imac_zicsr_zifencei -mabi=lp64
CFLAGS := $(ARCH) -mcmodel=medany -ffreestanding -fno-common \
	-fno-stack-protector -fno-pie -O2 -g \
	-Wall -Wextra -Werror -std=gnu11 -Icommon/include \
	-DLAB_NAME='"$(LABNAME)"' -DLAB_NUMBER=$(LABN) $(EXTRA_CFLAGS)
ASFLAGS := $(ARCH) -Wa,-march=rv64imac_zicsr_zifencei_h -g \
	-Icommon/include -D__ASSEMBLER__
LDFLAGS := -nostdlib -static -Wl,--build-id=none -Wl,--no-warn-rwx-segments

# Dependency files: every header (-MD, system headers too) and what the
# assembler read (.include, .incbin: --MD). The grader's audit reads both
# (grader/deps.py).
DEPFLAGS = -MD -MP -Wa,--MD=$(@:.o=.as.d)

# Quiet by default; V=1 shows every command.
ifeq ($(V),1)
Q :=
say := @true
else
Q := @
say := @echo
endif

# ---- sources -----------------------------------------------------------------
srcs_in = $(wildcard $(1)/*.c $(1)/*.S)
COMMON_LIB := $(call srcs_in,common/lib)
# common/vm/: the VM run loop (vm.h), which calls into labs 4-8: from lab 8 on.
COMMON_VM := $(if $(filter-out 1 2 3 4 5 6 7,$(LABN)),$(call srcs_in,common/vm))
HYP_SRCS := $(call srcs_in,common/hyp) $(COMMON_LIB) $(COMMON_VM) \
	$(foreach d,$(LABS_UPTO),$(call srcs_in,$(call srcdir,$(d)))) \
	$(call srcs_in,$(TESTDIR))
# guest_*.{c,S} in common/hyp embed and load a guest: only for labs with one.
HYP_SRCS := $(filter-out common/hyp/guest_%,$(HYP_SRCS))
GUEST_SRCS := $(call srcs_in,$(TESTDIR)/guest)
GUEST_BASE := 0x81000000
# A lab's test/lab.mk may set GUEST_BASE and add harness helpers from
# common/harness/ to HARNESS_SRCS.
HARNESS_SRCS :=
HOST_TEST_SRCS :=
HOST_STUDENT_SRCS :=
HOST_ORACLE_SRCS :=
HOST_ORACLE_CFLAGS :=
-include $(TESTDIR)/lab.mk
HYP_SRCS += $(HARNESS_SRCS)

ifneq ($(GUEST_SRCS),)
GUEST_ALL := $(call srcs_in,common/guest) $(COMMON_LIB) $(GUEST_SRCS)
GUEST_ELF := $(BUILD)/guest.elf
GUEST_BIN := $(BUILD)/guest.bin
GUEST_OBJS := $(patsubst %,$(BUILD)/guest-obj/%.o,$(GUEST_ALL))
HYP_OBJS_EXTRA := $(BUILD)/obj/guest_blob.o $(BUILD)/obj/common/hyp/guest_load.c.o
endif
HYP_OBJS := $(patsubst %,$(BUILD)/obj/%.o,$(HYP_SRCS)) $(HYP_OBJS_EXTRA)

# ---- rules -------------------------------------------------------------------
# COMPDB: the compilation database of the lab being built, for clangd and VS
# Code's C/C++ extension (.clangd, .vscode/settings.json), rewritten by every
# build before compiling; the grader's builds set COMPDB= to leave it alone.
COMPDB ?= build/compile_commands.json

# Objects depend on the flags they were built with, not only on their
# sources: FLAGS_FILE holds the compilers and flags of the last build and
# is rewritten (its time moves) only when they change (its rule is below,
# once every flag is known), so a changed Makefile or EXTRA_CFLAGS rebuilds.
FLAGS_FILE := $(BUILD)/flags.txt

.PHONY: build check-lab compdb
build: check-lab $(if $(COMPDB),compdb) $(KERNEL)

check-lab:
	@if [ -z "$(LABDIR)" ]; then echo "make: no lab $(LAB) (labs: $(ALL_LABS))" >&2; exit 2; fi
	@if [ -z "$(CROSS_COMPILE)" ]; then echo "make: no RISC-V cross compiler found; run 'make setup' or set CROSS_COMPILE" >&2; exit 2; fi

$(BUILD)/obj/%.c.o: %.c $(FLAGS_FILE)
	@mkdir -p $(@D)
	$(say) "  CC      $<"
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) -c $< -o $@
$(BUILD)/obj/%.S.o: %.S $(FLAGS_FILE)
	@mkdir -p $(@D)
	$(say) "  AS      $<"
	$(Q)$(CC) $(ASFLAGS) $(DEPFLAGS) -c $< -o $@
$(BUILD)/guest-obj/%.c.o: %.c $(FLAGS_FILE)
	@mkdir -p $(@D)
	$(say) "  CC      $< (guest)"
	$(Q)$(CC) $(CFLAGS) -DGUEST $(DEPFLAGS) -c $< -o $@
$(BUILD)/guest-obj/%.S.o: %.S $(FLAGS_FILE)
	@mkdir -p $(@D)
	$(say) "  AS      $< (guest)"
	$(Q)$(CC) $(ASFLAGS) -DGUEST $(DEPFLAGS) -c $< -o $@

$(GUEST_ELF): $(GUEST_OBJS) common/guest/guest.ld $(FLAGS_FILE)
	$(say) "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -Wl,--defsym=GUEST_BASE=$(GUEST_BASE) -T common/guest/guest.ld \
		-o $@ $(GUEST_OBJS) -lgcc
$(GUEST_BIN): $(GUEST_ELF)
	$(Q)$(OBJCOPY) -O binary $< $@
$(BUILD)/obj/guest_blob.o: common/hyp/guest_blob.S $(GUEST_BIN)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ASFLAGS) -DGUEST_BIN='"$(GUEST_BIN)"' -DGUEST_LOAD=$(GUEST_BASE) $(DEPFLAGS) \
		-c $< -o $@

$(KERNEL): $(HYP_OBJS) common/hyp/hyp.ld $(FLAGS_FILE)
	$(say) "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -T common/hyp/hyp.ld -o $@ $(HYP_OBJS) -lgcc
	$(say) "built $@ ($(VARIANT) files of $(LABS_UPTO))"

-include $(HYP_OBJS:.o=.d) $(GUEST_OBJS:.o=.d)

# Host-side unit tests: a lab with test/host/*.c gets $(BUILD)/host-test,
# the program that puts the lab's pure-C student files (HOST_STUDENT_SRCS,
# set in test/lab.mk) to work on data, linked from objects compiled with the
# host's C compiler: test/host/*.c, the lab's HOST_TEST_SRCS (test/ files)
# and the student files. It decides nothing: the lab's oracle,
# $(BUILD)/host-oracle, built from kit files only (HOST_ORACLE_SRCS), starts
# it, feeds it and judges its answers. The grader runs the oracle for tests
# marked "host": true, with the nonce and seed, and host-test in its sandbox.
HOSTCC ?= cc
HOST_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -fno-builtin -Icommon/include \
	-I$(LABDIR)/test
HOST_MAIN := $(wildcard $(LABDIR)/test/host/*.c)

# (FLAGS_FILE, above.) Its recipe runs whenever an object is wanted, and
# writes the file only when the flags differ: make compares the objects
# with the file's time after the recipe. Through the environment: the
# flags hold quotes.
$(FLAGS_FILE): export RVH_FLAGS := $(CC) $(CFLAGS) | $(ASFLAGS) | $(LDFLAGS) | \
	$(HOSTCC) $(HOST_CFLAGS)
.PHONY: FORCE
FORCE:
$(FLAGS_FILE): FORCE
	@mkdir -p $(@D)
	@printf '%s\n' "$$RVH_FLAGS" | cmp -s - $@ || printf '%s\n' "$$RVH_FLAGS" > $@
ifneq ($(HOST_MAIN),)
HOST_TEST := $(BUILD)/host-test
HOST_SRCS := $(HOST_MAIN) $(addprefix $(LABDIR)/,$(HOST_TEST_SRCS)) \
	$(addprefix $(call srcdir,$(LABNAME))/,$(HOST_STUDENT_SRCS))
HOST_OBJS := $(patsubst %,$(BUILD)/host-obj/%.o,$(HOST_SRCS))
build: $(HOST_TEST)
$(BUILD)/host-obj/%.c.o: %.c $(FLAGS_FILE)
	@mkdir -p $(@D)
	$(say) "  HOSTCC  $<"
	$(Q)$(HOSTCC) $(HOST_CFLAGS) $(DEPFLAGS) -c $< -o $@
$(HOST_TEST): $(HOST_OBJS)
	$(say) "  HOSTLD  $@"
	$(Q)$(HOSTCC) -o $@ $(HOST_OBJS)
-include $(HOST_OBJS:.o=.d)
endif
ifneq ($(HOST_ORACLE_SRCS),)
HOST_ORACLE ?= $(BUILD)/host-oracle
ORACLE_SRCS := $(addprefix $(LABDIR)/,$(HOST_ORACLE_SRCS))
build: $(HOST_ORACLE)
.PHONY: host-oracle
host-oracle: check-lab $(HOST_ORACLE)  ## the lab's host-test oracle (HOST_ORACLE=path)
# -iquote: kit headers for #include "..." only; <...> are the C library's.
$(HOST_ORACLE): $(ORACLE_SRCS) $(wildcard common/include/*.h $(LABDIR)/test/*.h \
		$(LABDIR)/test/oracle/*.h)
	@mkdir -p $(@D)
	$(say) "  HOSTCC  $@ (oracle)"
	$(Q)$(HOSTCC) -std=gnu11 -O2 -Wall -Wextra -Werror -fno-builtin $(HOST_ORACLE_CFLAGS) \
		-iquote common/include -iquote $(LABDIR)/test -o $@ $(ORACLE_SRCS)
endif

# The commands above, one entry per file (common/tools/compdb.py). The shell
# splits the flags exactly as it does for the compiler.
compdb: check-lab  ## build/compile_commands.json for LAB (every build writes it)
	@$(PYTHON) common/tools/compdb.py '$(or $(COMPDB),build/compile_commands.json)' \
		--cmd $(CC) $(CFLAGS) --files $(filter %.c,$(HYP_SRCS)) \
			$(if $(GUEST_SRCS),common/hyp/guest_load.c) \
		--cmd $(CC) $(ASFLAGS) --files $(filter %.S,$(HYP_SRCS)) \
		--cmd $(CC) $(CFLAGS) -DGUEST --files $(filter %.c,$(GUEST_ALL)) \
		--cmd $(CC) $(ASFLAGS) -DGUEST --files $(filter %.S,$(GUEST_ALL)) \
		$(if $(HOST_SRCS),--cmd $(HOSTCC) $(HOST_CFLAGS) --files $(HOST_SRCS))

# ---- running -----------------------------------------------------------------
SMP ?= 1
MEM ?= 128M
CPU ?= rv64
TEST ?=
# QEMUEXTRA: more QEMU options, e.g. QEMUEXTRA='-d int,guest_errors -D build/qemu.log'
QEMUEXTRA ?=
# DTB_CPU: boot with the device tree QEMU makes for that CPU instead (lab 1's
# hext_dt_lies: CPU=rv64,h=false DTB_CPU=rv64, a tree that says H on a hart
# without it), as the grader's "dtb_cpu" does.
DTB_CPU ?=
DTB_FILE := $(BUILD)/dtb-cpu.dtb
QEMUOPTS := -machine virt -nographic -bios default -no-reboot -cpu $(CPU) \
	-smp $(SMP) -m $(MEM) -kernel $(KERNEL) -append "test=$(TEST) nonce=interactive" \
	$(if $(DTB_CPU),-dtb $(DTB_FILE)) $(QEMUEXTRA)
DTB_PREREQ := $(if $(DTB_CPU),dtb-cpu)
GDBPORT ?= $(shell echo $$(( $$(id -u) % 5000 + 25000 )))

.PHONY: qemu qemu-gdb qemu-gdb-stop gdb dtb-cpu
qemu: build $(DTB_PREREQ)  ## run lab LAB in QEMU (Ctrl-A X quits)
	$(QEMU) $(QEMUOPTS)

# The tree of a machine like this one but with -cpu $(DTB_CPU) (QEMU writes it and exits).
dtb-cpu: build
	$(QEMU) -machine virt,dumpdtb=$(DTB_FILE) -bios default -display none -monitor none \
		-serial none -nic none -cpu $(DTB_CPU) -smp $(SMP) -m $(MEM)

qemu-gdb: build $(DTB_PREREQ)  ## QEMU halted, waiting for gdb on GDBPORT
	@echo "*** QEMU waits for gdb on localhost:$(GDBPORT); in another terminal: make gdb-attach LAB=$(LAB)$(if $(filter 1,$(SOLUTION)), SOLUTION=1)$(if $(filter 1,$(SKELETON)), SKELETON=1)"
	$(QEMU) $(QEMUOPTS) -S -gdb tcp:localhost:$(GDBPORT) -pidfile $(BUILD)/qemu-gdb.pid

# VS Code's postDebugTask: stop that QEMU by its pid (only if it still is that
# QEMU), never by a pattern that could match other processes.
qemu-gdb-stop:  ## stop the QEMU that 'make qemu-gdb LAB=n' started
	@pidfile='$(BUILD)/qemu-gdb.pid'; pid=$$(cat "$$pidfile" 2>/dev/null) || exit 0; \
	if grep -qaF -- "$$pidfile" "/proc/$$pid/cmdline" 2>/dev/null; then kill "$$pid"; fi; \
	rm -f "$$pidfile"

gdb-attach:  ## attach gdb-multiarch to a waiting 'make qemu-gdb'
	$(GDB) -q -x common/tools/gdbinit -ex 'target remote localhost:$(GDBPORT)' $(KERNEL)

gdb: build $(DTB_PREREQ)  ## QEMU + gdb in one terminal (serial output mirrored from a log)
	@GDB='$(GDB)' QEMU='$(QEMU)' PORT='$(GDBPORT)' KERNEL='$(KERNEL)' LOG='$(BUILD)/gdb-serial.log' \
		bash common/tools/gdb.sh $(filter-out -nographic,$(QEMUOPTS))


# ---- running a real guest (lab 10) --------------------------------------------
# make run [GUEST=image|linux] [INITRD=file] [GUEST_ARGS="..."] [SOLUTION=1]
#          [SMP=n] [MEM=512M] [GUEST_MEM=128M]
# boots lab 10's hypervisor with any raw S-mode image (default: Debian's
# U-Boot; GUEST=linux: the kit's own kernel, make linux). QEMU's loader puts
# the files into host memory and the bootargs tell the hypervisor where
# (grader/guestload.py: one layout for make run and the grader); one vCPU
# per physical hart (SMP, at most 8).
GUEST ?= /usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin
GUEST_MEM ?= 128M
INITRD ?=
GUEST_ARGS ?=
RUN_MEM := $(if $(filter command line environment,$(origin MEM)),$(MEM),512M)
RUN_KERNEL := build/10-guest-$(VARIANT)/hyp.elf
guest_mem_bytes = $(shell echo '$(GUEST_MEM)' | awk '/^[0-9]+[Mm]$$/ {print $$0 * 1048576; next} \
	/^[0-9]+[Gg]$$/ {print $$0 * 1073741824; next} /^[0-9]+$$/ {print $$0; next} {print "bad"}')
VM_MAX_VCPUS := 8
# The guest's command line: GUEST_ARGS, else for GUEST=linux the kit's default.
RUN_GUEST_ARGS = $(if $(filter command line environment,$(origin GUEST_ARGS)),$(GUEST_ARGS),$(if \
	$(filter linux,$(GUEST)),$(LINUX_BOOTARGS)))

.PHONY: run
run:  ## lab 10: boot GUEST (raw S-mode image or "linux"; default U-Boot) under your hypervisor
	@if [ '$(GUEST)' = /usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin ] && [ ! -f '$(GUEST)' ]; then \
		echo "make run: $(GUEST) not found (apt-get install u-boot-qemu)" >&2; exit 2; fi
	@if [ '$(guest_mem_bytes)' = bad ]; then echo "make run: GUEST_MEM='$(GUEST_MEM)': give bytes or e.g. 128M" >&2; exit 2; fi
	@if ! [ '$(SMP)' -ge 1 -a '$(SMP)' -le $(VM_MAX_VCPUS) ] 2>/dev/null; then echo "make run: SMP=$(SMP): \
		the hypervisor runs one vCPU per physical hart, 1 to $(VM_MAX_VCPUS) (VM_MAX_VCPUS, vm.h)" >&2; exit 2; fi
	$(if $(filter linux,$(GUEST)),@$(MAKE) --no-print-directory linux)
	@$(MAKE) --no-print-directory LAB=10 build
	@out=$$($(PYTHON) -m grader.guestload '$(GUEST)' $(if $(INITRD),--initrd '$(INITRD)') \
		$(if $(RUN_GUEST_ARGS),--args '$(RUN_GUEST_ARGS)')) || exit 2; mapfile -t a <<< "$$out"; \
	boot="$${a[-1]}"; unset 'a[-1]'; \
	echo "*** booting $(GUEST) on $(SMP) vCPU(s) with $(GUEST_MEM) of guest RAM; Ctrl-A X quits QEMU"; \
	set -x; $(QEMU) -machine virt -nographic -bios default -no-reboot -cpu $(CPU) -smp $(SMP) \
		-m $(RUN_MEM) -kernel $(RUN_KERNEL) "$${a[@]}" $(QEMUEXTRA) \
		-append "test=run nonce=interactive guest_mem=$(guest_mem_bytes) $$boot"

# ---- the kit's Linux guest (common/linux/) -------------------------------------
# make linux builds it from Debian's linux-source-6.1 (cached; the first build
# takes about 5 minutes on 2 cores). LINUX_IMAGE is what GUEST=linux means;
# LINUX_BOOTARGS its default command line (common/linux/bootargs, also read by
# the grader).
LINUX_IMAGE := build/linux/Image
LINUX_VMLINUX := build/linux/vmlinux
LINUX_BOOTARGS = $(shell grep -v '^\#' common/linux/bootargs)

.PHONY: linux run-native
linux:  ## build the kit's Linux guest: build/linux/Image, vmlinux (cached)
	@bash common/linux/build.sh

# make run-native [GUEST=linux|raw-image] [SMP=n] [GUEST_ARGS="..."] [GUEST_MEM=128M]
# boots the same guest as make run, without the hypervisor: straight on
# OpenSBI, with GUEST_MEM of RAM, for comparison. GUEST=linux is the kit's
# kernel (built first if needed), with LINUX_BOOTARGS unless GUEST_ARGS is given.
RUN_NATIVE_IMAGE := $(if $(filter linux,$(GUEST)),$(LINUX_IMAGE),$(GUEST))
RUN_NATIVE_ARGS := $(if $(filter command line environment,$(origin GUEST_ARGS)),$(GUEST_ARGS),$(if \
	$(filter linux,$(GUEST)),$(LINUX_BOOTARGS)))

run-native:  ## boot GUEST (linux: the kit's kernel, or a raw S-mode image) on QEMU without a hypervisor
	@if [ '$(guest_mem_bytes)' = bad ]; then echo "make run-native: GUEST_MEM='$(GUEST_MEM)': give bytes or e.g. 128M" >&2; exit 2; fi
	@$(if $(filter linux,$(GUEST)),$(MAKE) --no-print-directory linux,true)
	@if [ ! -r '$(RUN_NATIVE_IMAGE)' ]; then echo "make run-native: guest image '$(RUN_NATIVE_IMAGE)' not found or not readable$(if \
		$(filter $(GUEST),/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin), (apt-get install u-boot-qemu))" >&2; exit 2; fi
	@echo "*** booting $(RUN_NATIVE_IMAGE) natively (no hypervisor) on $(SMP) hart(s) with $(GUEST_MEM) of RAM; Ctrl-A X quits QEMU"
	$(QEMU) -machine virt -nographic -bios default -no-reboot -cpu $(CPU) -smp $(SMP) -m $(guest_mem_bytes)B \
		-kernel '$(RUN_NATIVE_IMAGE)' -append '$(RUN_NATIVE_ARGS)' $(QEMUEXTRA)

# ---- grading and self-test ---------------------------------------------------
GRADE_LAB := $(if $(filter command line environment,$(origin LAB)),--lab $(LAB))
GRADE_VARIANT := $(if $(filter 1,$(SOLUTION)),--solution,$(if $(filter 1,$(SKELETON)),--skeleton))
# REQUIRE_SANDBOX=1: refuse to grade without the full sandbox (docs/instructors.md).
GRADE_VARIANT += $(if $(filter 1,$(REQUIRE_SANDBOX)),--require-sandbox)

.PHONY: grade test docs setup clean help
grade:  ## grade LAB (or every lab), e.g. make grade LAB=1
	@$(PYTHON) -m grader grade $(GRADE_LAB) $(GRADE_VARIANT) $(GRADEFLAGS)

# make handin [LAB=n] [HANDIN_NAME=id]: docs/grading.md, "Handing in".
.PHONY: handin
handin:  ## pack your student files into build/handin-<name>-<date>.tar.gz, grade that archive
	@HANDIN_NAME='$(HANDIN_NAME)' $(PYTHON) -m grader handin $(GRADE_LAB)

test:  ## the kit proves itself: solutions full marks, skeletons zero, unit tests, gdb, editor
	@$(PYTHON) -m grader selftest $(GRADEFLAGS)

# Instructors (docs/bench.md): the reference's costs, measured (not part of make test).
.PHONY: bench
bench:  ## instructors: measure the reference hypervisor (exits, guest vs native, grading)
	@if [ ! -d solutions/bench ]; then echo "make bench: measures the reference solutions (instructors' copy only)" >&2; exit 2; fi
	@$(PYTHON) -m grader.bench $(BENCHFLAGS)

# Instructors (docs/fuzz.md): a seeded adversarial guest against the reference
# hypervisor (not part of make test, which runs a short one). SEED=, OPS=.
.PHONY: fuzz
fuzz:  ## instructors: adversarial guest vs the reference hypervisor (SEED=s OPS=n)
	@if [ ! -d solutions/fuzz ]; then echo "make fuzz: fuzzes the reference solutions (instructors' copy only)" >&2; exit 2; fi
	@$(PYTHON) -m grader.fuzz $(if $(SEED),--seed '$(SEED)') $(if $(OPS),--ops '$(OPS)') $(FUZZFLAGS)

# Instructors (docs/instructors.md): the student repository, and Gradescope.
.PHONY: handout gradescope
handout:  ## instructors: student repository in DEST=dir (FORCE=1 replaces it), checked
	@if [ -z '$(DEST)' ]; then echo "make handout: give DEST=dir" >&2; exit 2; fi
	@$(PYTHON) -m grader handout '$(DEST)' $(if $(filter 1,$(FORCE)),--force)

gradescope:  ## instructors: build/gradescope.zip (LAB=n, EXTRA_TESTS=dir of hidden tests)
	@$(PYTHON) -m grader gradescope --out build/gradescope.zip $(GRADE_LAB) \
		$(if $(EXTRA_TESTS),--extra-tests '$(EXTRA_TESTS)')

# The dev container, proven (docs/devcontainer.md): as root, with podman; keeps
# its images (about 2.3 GB) for the next run.
.PHONY: devcontainer-test devcontainer-clean
devcontainer-test:  ## build .devcontainer/ (podman) and make test inside it, on a clone
	@$(PYTHON) -m grader.devcontainer test

devcontainer-clean:  ## remove the dev container test's images and build/devcontainer/
	@$(PYTHON) -m grader.devcontainer clean

docs:  ## the handouts' test tables, from each lab.json (make test checks them)
	@$(PYTHON) -m grader.doctables --fix

setup:  ## install QEMU, the cross toolchain, gdb-multiarch... (apt)
	@bash common/tools/setup.sh

clean:  ## remove build/
	rm -rf build

help:  ## this list
	@echo "RISC-V Hypervisor Labs. Variables: LAB=n, SOLUTION=1, SMP, MEM, CPU, TEST, QEMUEXTRA, GDBPORT, CROSS_COMPILE, V=1, REQUIRE_SANDBOX=1"
	@grep -hE '^[a-z-]+:.*## ' Makefile | sed -E 's/^([a-z-]+):.*## /\1\t/' | \
		awk -F'\t' '{ printf "  make %-19s %s\n", $$1, $$2 }'
	@echo "labs: $(ALL_LABS)"
