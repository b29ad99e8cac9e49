// kalloc.c: physical pages for page tables and guest memory. Single pages
// come from a free list, then from a bump pointer; aligned runs (a 16 KiB
// G-stage root, a guest's RAM) come from the bump pointer, and the pages
// skipped to align it go on the free list.
#include "hyp.h"

struct run {
	struct run *next;
};

static struct spinlock lock = SPINLOCK_INIT;
static struct run *freelist;
static ulong next_page, limit, nfree;

void kalloc_init(ulong start, ulong end)
{
	next_page = ALIGN_UP(start, PAGE_SIZE);
	limit = ALIGN_DOWN(end, PAGE_SIZE);
	freelist = NULL;
	nfree = 0;
}

// Pages are handed out zeroed: no data of the hypervisor (or of an earlier
// guest) may reach a guest. zero_pages() reads each 64-byte block first and
// clears it only if it is not zero. The result is the same as memset(), but a page
// nobody ever wrote is only read: under QEMU, reading never-touched guest
// RAM does not make the host allocate it, writing does. Clearing a 128 MiB
// guest that way cost 0.04 s, with outliers of 0.3 s (docs/bench.md);
// checking it costs 0.02 s, steadily.
static void zero_pages(void *p, ulong npages)
{
	u64 *w = p, *end = w + npages * PAGE_SIZE / sizeof(u64);
	for (; w < end; w += 8)
		if (w[0] | w[1] | w[2] | w[3] | w[4] | w[5] | w[6] | w[7])
			w[0] = w[1] = w[2] = w[3] = w[4] = w[5] = w[6] = w[7] = 0;
}

static void push_free(void *p)
{
	struct run *r = p;
	r->next = freelist;
	freelist = r;
	nfree++;
}

void *kalloc(void)
{
	void *p = NULL;
	spin_lock(&lock);
	if (freelist) {
		p = freelist;
		freelist = freelist->next;
		nfree--;
	} else if (next_page + PAGE_SIZE <= limit) {
		p = (void *)next_page;
		next_page += PAGE_SIZE;
	}
	spin_unlock(&lock);
	if (p)
		zero_pages(p, 1);
	return p;
}

void *kalloc_pages(ulong npages, ulong align)
{
	void *p = NULL;
	if (align < PAGE_SIZE)
		align = PAGE_SIZE;
	spin_lock(&lock);
	ulong base = ALIGN_UP(next_page, align);
	if (base + npages * PAGE_SIZE <= limit && base >= next_page) {
		for (; next_page < base; next_page += PAGE_SIZE)
			push_free((void *)next_page);
		p = (void *)base;
		next_page = base + npages * PAGE_SIZE;
	}
	spin_unlock(&lock);
	if (p)
		zero_pages(p, npages);
	return p;
}

void kfree(void *page)
{
	if (!page || ((ulong)page & (PAGE_SIZE - 1)))
		panic("kfree: bad page %p", page);
	spin_lock(&lock);
	push_free(page);
	spin_unlock(&lock);
}

ulong kalloc_free_pages(void)
{
	return nfree + (limit - next_page) / PAGE_SIZE;
}
