# guest_blob.S: the lab's guest program, linked into the hypervisor image as
# raw bytes. The harness copies it to guest memory (guest_image_load) and
# starts it at guest_image_entry, the address it was linked for.
	.section .rodata
	.balign 4096
	.globl guest_image_start, guest_image_end, guest_image_entry
guest_image_start:
	.incbin GUEST_BIN
guest_image_end:
	.balign 8
guest_image_entry:
	.dword GUEST_LOAD
