# Lab 10's own guest (test virtual_insn) is a raw image for vm_load_image(),
# like U-Boot: it is linked to run at GUEST_IMAGE_GPA (vmm.h).
GUEST_BASE := 0x80200000
