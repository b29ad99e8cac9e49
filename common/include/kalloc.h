// kalloc.h: the hypervisor's physical page allocator. Pages come from
// [KALLOC_BASE, end of RAM); all memory it hands out is zeroed.
#ifndef KALLOC_H
#define KALLOC_H

#include "types.h"

void  kalloc_init(ulong start, ulong end);
void *kalloc(void);                          // one 4 KiB page, or NULL
void *kalloc_pages(ulong npages, ulong align); // contiguous, aligned; or NULL
void  kfree(void *page);                     // one page from kalloc()
ulong kalloc_free_pages(void);

#endif
