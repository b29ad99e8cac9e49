// pagefault.c: page faults of both stages, from the guest's side.
//
// VS-stage faults (the guest's own page table says no): fetch, load and
// store page faults (12, 13, 15) belong to the guest kernel. G-stage faults
// (the hypervisor's table says no): guest-page faults (20, 21, 23) belong to
// the hypervisor and can never be delegated; the guest never sees them, it
// only notices that its load worked after the hypervisor mapped the page.
#include "deleg_guest.h"

typedef void (*fn_t)(void);

// Fetch page faults: call into the unmapped page. The guest's handler makes
// the call "return" (sepc = ra), as if the function had been empty.
static ulong fetch_faults(ulong base, ulong n)
{
	ulong ok = 0;
	for (ulong i = 0; i < n; i++) {
		ulong target = base + i * 4, before = seen.exc[CAUSE_FETCH_PAGE_FAULT];
		((fn_t)target)();
		ok += seen.exc[CAUSE_FETCH_PAGE_FAULT] == before + 1 && seen.last_sepc == target &&
		      seen.last_stval == target;
	}
	return ok;
}

static ulong load_faults(ulong base, ulong n)
{
	ulong ok = 0;
	for (ulong i = 0; i < n; i++) {
		ulong addr = base + i * 8, before = seen.exc[CAUSE_LOAD_PAGE_FAULT];
		(void)*(volatile ulong *)addr;
		ok += seen.exc[CAUSE_LOAD_PAGE_FAULT] == before + 1 && seen.last_stval == addr;
	}
	return ok;
}

static ulong store_faults(ulong base, ulong n)
{
	ulong ok = 0;
	for (ulong i = 0; i < n; i++) {
		ulong addr = base + 0x800 + i * 8, before = seen.exc[CAUSE_STORE_PAGE_FAULT];
		*(volatile ulong *)addr = i;
		ok += seen.exc[CAUSE_STORE_PAGE_FAULT] == before + 1 && seen.last_stval == addr;
	}
	return ok;
}

// Loads from the G-stage hole: mapped by the guest (identity), not by the
// hypervisor until the guest-page fault. Each load should return the
// pattern the hypervisor put into the page it mapped.
static ulong gstage_loads(ulong n)
{
	ulong ok = 0;
	for (ulong i = 0; i < n; i++) {
		ulong before = seen.exc[CAUSE_LOAD_PAGE_FAULT];
		ulong v = *(volatile ulong *)(GSTAGE_HOLE_GPA + i * PAGE_SIZE + 8 * i);
		ok += v == gstage_pattern(i) && seen.exc[CAUSE_LOAD_PAGE_FAULT] == before;
	}
	return ok;
}

int scenario_page_fault(void)
{
	ulong nf = deleg_count(CNT_FETCH_PF), nl = deleg_count(CNT_LOAD_PF);
	ulong ns = deleg_count(CNT_STORE_PF), ng = deleg_count(CNT_GSTAGE_PF);
	ulong page = vs_unmapped_page();
	vs_paging_on();
	printf("guest: vsatp=0x%lx, unmapped page at 0x%lx\n", csr_read(satp), page);
	ulong okf = fetch_faults(page, nf);
	ulong okl = load_faults(page, nl);
	ulong oks = store_faults(page, ns);
	ulong okg = gstage_loads(ng);
	printf("guest: page faults in my vstvec: fetch %lu/%lu load %lu/%lu store %lu/%lu; "
	       "G-stage hole reads %lu/%lu\n", okf, nf, okl, nl, oks, ns, okg, ng);
	check("guest_fetch_page_fault", okf == nf && seen.exc[CAUSE_FETCH_PAGE_FAULT] == nf,
	      "%lu fetch page faults, %lu handled correctly by the guest", nf, okf);
	check("guest_load_page_fault", okl == nl && seen.exc[CAUSE_LOAD_PAGE_FAULT] == nl,
	      "%lu load page faults, %lu handled correctly by the guest", nl, okl);
	check("guest_store_page_fault", oks == ns && seen.exc[CAUSE_STORE_PAGE_FAULT] == ns,
	      "%lu store page faults, %lu handled correctly by the guest", ns, oks);
	check("guest_gstage_reads", okg == ng, "%lu reads from the G-stage hole, %lu returned the "
	      "hypervisor's pattern", ng, okg);
	return 0;
}
