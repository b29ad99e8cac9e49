// guest_load.c: the lab's guest program, linked into the image by
// guest_blob.S. Only built for labs that have a guest (see the Makefile).
#include "hyp.h"
#include "minisbi.h"

extern const char guest_image_start[], guest_image_end[];

ulong guest_image_size(void)
{
	return (ulong)(guest_image_end - guest_image_start);
}

ulong guest_image_load(ulong dest)
{
	memcpy((void *)dest, guest_image_start, guest_image_size());
	asm volatile("fence.i" ::: "memory");   // we wrote code: sync the I-side
	return guest_image_size();
}
