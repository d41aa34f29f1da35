/* GetSystemInfo, VirtualQuery, VirtualAlloc, VirtualFree: what views need of them (D32-D34),
 * plus plain private allocations, which programs use beside their views. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"
#include "errors.h"
#include "protect.h"

#define PAGE WIN32_PAGE_SIZE
#define GRANULARITY WIN32_ALLOCATION_GRANULARITY
#define MIN_ADDRESS ((uintptr_t)0x10000)
#define MAX_ADDRESS ((uintptr_t)0x7FFFFFFEFFFF)

void WINAPI GetSystemInfo(LPSYSTEM_INFO si)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	memset(si, 0, sizeof(*si));
#if defined(__aarch64__)
	si->wProcessorArchitecture = PROCESSOR_ARCHITECTURE_ARM64;
#else
	si->wProcessorArchitecture = PROCESSOR_ARCHITECTURE_AMD64;
	si->dwProcessorType = PROCESSOR_AMD_X8664;
#endif
	si->dwPageSize = PAGE;
	si->dwAllocationGranularity = GRANULARITY;
	si->lpMinimumApplicationAddress = (LPVOID)MIN_ADDRESS;
	si->lpMaximumApplicationAddress = (LPVOID)MAX_ADDRESS;
	si->dwNumberOfProcessors = cpus > 0 ? (DWORD)cpus : 1;
	si->dwActiveProcessorMask = si->dwNumberOfProcessors >= 64
					    ? ~(DWORD_PTR)0 : ((DWORD_PTR)1 << si->dwNumberOfProcessors) - 1;
	si->wProcessorLevel = 6;
}

/* ---- address space ---- */

void *wm_map_aligned(void *base, size_t len, int prot, int flags, int fd, uint64_t off)
{
	void *p;

	if (base) {
		p = mmap(base, len, prot, flags | MAP_FIXED_NOREPLACE, fd, (off_t)off);
		if (p == MAP_FAILED)
			return NULL;
		if (p != base) {                 /* a kernel that ignores NOREPLACE */
			munmap(p, len);
			errno = EEXIST;
			return NULL;
		}
		return p;
	}
	/* Linux places mappings on page boundaries only: reserve room for the alignment, map
	 * over the aligned part, give the rest back. */
	size_t span = len + GRANULARITY;
	char *r = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r == MAP_FAILED)
		return NULL;
	char *aligned = (char *)(((uintptr_t)r + GRANULARITY - 1) & ~(uintptr_t)(GRANULARITY - 1));
	p = mmap(aligned, len, prot, flags | MAP_FIXED, fd, (off_t)off);
	if (p == MAP_FAILED) {
		int err = errno;
		munmap(r, span);
		errno = err;
		return NULL;
	}
	if (aligned > r)
		munmap(r, (size_t)(aligned - r));
	size_t tail = (size_t)(r + span - (aligned + len));
	if (tail)
		munmap(aligned + len, tail);
	return p;
}

/* ---- private allocations (VirtualAlloc outside views) ---- */

struct region {
	struct region *next;
	uintptr_t base;
	size_t size;
	uint32_t alloc_protect;    /* as VirtualQuery reports it, modifiers included */
	uint16_t *page_protect;    /* the same for each page when committed, 0 when reserved */
};

static void set_page_protect(struct region *r, uintptr_t start, uintptr_t end, uint32_t protect)
{
	for (size_t i = (start - r->base) / PAGE; i < (end - r->base) / PAGE; i++)
		r->page_protect[i] = (uint16_t)protect;
}

static pthread_mutex_t regions_lock = PTHREAD_MUTEX_INITIALIZER;
static struct region *regions;     /* regions_lock */

static struct region *region_at_locked(uintptr_t addr)
{
	for (struct region *r = regions; r; r = r->next)
		if (addr >= r->base && addr < r->base + r->size)
			return r;
	return NULL;
}

/* MEM_RESET of [addr, addr + size) in an allocation that ends at `end` (0: addr is in none):
 * the pages' contents may go, which winmap leaves to the kernel (they stay as they are).  The
 * range must lie within the allocation: ERROR_INVALID_ADDRESS otherwise.  Returns the first
 * page. */
static LPVOID reset_range(uintptr_t addr, size_t size, uintptr_t end)
{
	uintptr_t last = (addr + size + PAGE - 1) & ~(uintptr_t)(PAGE - 1);

	if (!end || last < addr || last > end) {
		wm_fail(ERROR_INVALID_ADDRESS);
		return NULL;
	}
	return (LPVOID)(addr & ~(uintptr_t)(PAGE - 1));
}

/* The protections private memory takes: exactly one, and no WRITECOPY (it has no meaning
 * without a section to copy from). */
static bool private_protect_valid(uint32_t protect)
{
	return protect == PAGE_NOACCESS || protect == PAGE_EXECUTE ||
	       (protect_page_name(protect) && !protect_is_copy_on_write(protect));
}

/* A protection for private memory: one base protection (private_protect_valid), maybe with
 * modifiers.  *protect becomes what VirtualQuery will report, *prot the Linux protection;
 * false with ERROR_INVALID_PARAMETER set when private memory cannot have it (G40). */
static bool private_protection(DWORD *protect, int *prot)
{
	uint32_t base = *protect & ~PROTECT_MODIFIERS;

	if (!private_protect_valid(base)) {
		wm_fail(ERROR_INVALID_PARAMETER);
		return false;
	}
	*prot = protect_prot(base);
	*protect = base | protect_reported_modifiers(*protect & PROTECT_MODIFIERS);
	return true;
}

static LPVOID reserve_private(uintptr_t addr, size_t size, DWORD type, uint32_t protect, int prot)
{
	struct region *r = calloc(1, sizeof(*r));
	size_t pages = size / PAGE;
	void *p;

	if (!r || !(r->page_protect = calloc(pages, sizeof(*r->page_protect)))) {
		free(r);
		wm_fail(ERROR_NOT_ENOUGH_MEMORY);
		return NULL;
	}
	p = wm_map_aligned((void *)addr, size, (type & MEM_COMMIT) ? prot : PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (!p) {
		wm_fail(winerr_from_reserve_errno(errno));
		free(r->page_protect);
		free(r);
		return NULL;
	}
	r->base = (uintptr_t)p;
	r->size = size;
	r->alloc_protect = protect;
	if (type & MEM_COMMIT)
		set_page_protect(r, r->base, r->base + size, protect);
	pthread_mutex_lock(&regions_lock);
	r->next = regions;
	regions = r;
	pthread_mutex_unlock(&regions_lock);
	return p;
}

LPVOID WINAPI VirtualAlloc(LPVOID address, SIZE_T size, DWORD type, DWORD protect)
{
	uintptr_t addr = (uintptr_t)address;
	struct wm_view_query q;
	int prot;

	if (size == 0 || (type & ~(MEM_COMMIT | MEM_RESERVE | MEM_RESET)) || !type) {
		wm_fail(ERROR_INVALID_PARAMETER);
		return NULL;
	}
	if (address && wm_view_query(address, &q)) {
		void *start;
		if (type & MEM_RESERVE) {
			wm_fail(ERROR_INVALID_ADDRESS);   /* a view is reserved already */
			return NULL;
		}
		if (type & MEM_RESET)
			return reset_range(addr, size, q.base + q.length);
		DWORD err = wm_view_commit(address, size, protect, &start);   /* D33, D34 */
		if (err) {
			wm_fail(err);
			return NULL;
		}
		return start;
	}
	if (!private_protection(&protect, &prot))
		return NULL;
	if (type & MEM_RESET) {
		pthread_mutex_lock(&regions_lock);
		struct region *r = region_at_locked(addr);
		uintptr_t end = r ? r->base + r->size : 0;
		pthread_mutex_unlock(&regions_lock);
		return reset_range(addr, size, end);
	}
	size_t rounded = (size + PAGE - 1) & ~(size_t)(PAGE - 1);
	if ((type & MEM_RESERVE) || !address)
		return reserve_private(addr & ~(uintptr_t)(GRANULARITY - 1), rounded, type | MEM_RESERVE,
				       protect, prot);

	/* MEM_COMMIT inside a reserved private region */
	pthread_mutex_lock(&regions_lock);
	struct region *r = region_at_locked(addr);
	uintptr_t start = addr & ~(uintptr_t)(PAGE - 1);
	uintptr_t end = (addr + size + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
	if (!r || end > r->base + r->size) {
		pthread_mutex_unlock(&regions_lock);
		wm_fail(ERROR_INVALID_ADDRESS);
		return NULL;
	}
	mprotect((void *)start, end - start, prot);
	set_page_protect(r, start, end, protect);
	pthread_mutex_unlock(&regions_lock);
	return (LPVOID)start;
}

BOOL WINAPI VirtualFree(LPVOID address, SIZE_T size, DWORD type)
{
	uintptr_t addr = (uintptr_t)address;
	struct wm_view_query q;

	if (address && wm_view_query(address, &q)) {
		wm_fail(ERROR_INVALID_PARAMETER);   /* D32, D33: views are neither decommitted nor freed */
		return FALSE;
	}
	if (type != MEM_DECOMMIT && type != MEM_RELEASE) {
		wm_fail(ERROR_INVALID_PARAMETER);
		return FALSE;
	}
	pthread_mutex_lock(&regions_lock);
	struct region **link = &regions, *r;
	while (*link && !(addr >= (*link)->base && addr < (*link)->base + (*link)->size))
		link = &(*link)->next;
	r = *link;
	if (!r) {
		pthread_mutex_unlock(&regions_lock);
		wm_fail(ERROR_INVALID_ADDRESS);
		return FALSE;
	}
	if (type == MEM_RELEASE) {
		if (size != 0 || addr != r->base) {
			pthread_mutex_unlock(&regions_lock);
			wm_fail(ERROR_INVALID_PARAMETER);
			return FALSE;
		}
		*link = r->next;
		pthread_mutex_unlock(&regions_lock);
		munmap((void *)r->base, r->size);
		free(r->page_protect);
		free(r);
		return TRUE;
	}
	uintptr_t start = addr & ~(uintptr_t)(PAGE - 1);
	uintptr_t end = size ? (addr + size + PAGE - 1) & ~(uintptr_t)(PAGE - 1) : r->base + r->size;
	if (end > r->base + r->size)
		end = r->base + r->size;
	mprotect((void *)start, end - start, PROT_NONE);
	madvise((void *)start, end - start, MADV_DONTNEED);
	set_page_protect(r, start, end, 0);
	pthread_mutex_unlock(&regions_lock);
	return TRUE;
}

/* ---- VirtualQuery ---- */

/* What /proc/self/maps says of addr: the mapping holding it, or the free gap up to the next. */
static bool query_maps(uintptr_t addr, PMEMORY_BASIC_INFORMATION mbi)
{
	FILE *f = fopen("/proc/self/maps", "re");
	unsigned long lo, hi, inode;
	char perms[8], line[512];
	uintptr_t next = MAX_ADDRESS + 1;
	bool found = false;

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s %*s %*s %lu", &lo, &hi, perms, &inode) != 4)
			continue;
		if (addr >= lo && addr < hi) {
			int p = (perms[0] == 'r') | (perms[1] == 'w') << 1 | (perms[2] == 'x') << 2;
			static const uint32_t protect_of[8] = {
				PAGE_NOACCESS, PAGE_READONLY, PAGE_READWRITE, PAGE_READWRITE,
				PAGE_EXECUTE, PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE, PAGE_EXECUTE_READWRITE };
			mbi->AllocationBase = (PVOID)lo;
			mbi->AllocationProtect = protect_of[p];
			mbi->RegionSize = hi - (addr & ~(uintptr_t)(PAGE - 1));
			mbi->State = MEM_COMMIT;
			mbi->Protect = protect_of[p];
			mbi->Type = inode ? MEM_MAPPED : MEM_PRIVATE;
			found = true;
			break;
		}
		if (lo > addr && lo < next)
			next = lo;
	}
	if (f)
		fclose(f);
	if (!found) {
		mbi->AllocationBase = NULL;
		mbi->AllocationProtect = 0;
		mbi->RegionSize = next - (addr & ~(uintptr_t)(PAGE - 1));
		mbi->State = MEM_FREE;
		mbi->Protect = PAGE_NOACCESS;
		mbi->Type = 0;
	}
	return true;
}

SIZE_T WINAPI VirtualQuery(LPCVOID address, PMEMORY_BASIC_INFORMATION mbi, SIZE_T len)
{
	uintptr_t addr = (uintptr_t)address;
	struct wm_view_query q;

	if (len < sizeof(*mbi)) {
		wm_fail(ERROR_BAD_LENGTH);
		return 0;
	}
	if (addr > MAX_ADDRESS) {
		wm_fail(ERROR_INVALID_PARAMETER);
		return 0;
	}
	memset(mbi, 0, sizeof(*mbi));
	mbi->BaseAddress = (PVOID)(addr & ~(uintptr_t)(PAGE - 1));
	if (wm_view_query(address, &q)) {
		mbi->AllocationBase = (PVOID)q.base;
		mbi->AllocationProtect = q.view_protect;
		mbi->RegionSize = q.region;
		mbi->State = q.page_protect ? MEM_COMMIT : MEM_RESERVE;
		mbi->Protect = q.page_protect;
		mbi->Type = MEM_MAPPED;
		return sizeof(*mbi);
	}
	pthread_mutex_lock(&regions_lock);
	struct region *r = region_at_locked(addr);
	if (r) {
		size_t first = (addr - r->base) / PAGE, i = first;
		while (i < r->size / PAGE && r->page_protect[i] == r->page_protect[first])
			i++;
		mbi->AllocationBase = (PVOID)r->base;
		mbi->AllocationProtect = r->alloc_protect;
		mbi->RegionSize = (i - first) * PAGE;
		mbi->State = r->page_protect[first] ? MEM_COMMIT : MEM_RESERVE;
		mbi->Protect = r->page_protect[first];
		mbi->Type = MEM_PRIVATE;
	}
	pthread_mutex_unlock(&regions_lock);
	if (!r)
		query_maps(addr, mbi);
	return sizeof(*mbi);
}

BOOL WINAPI VirtualProtect(LPVOID address, SIZE_T size, DWORD protect, PDWORD old)
{
	uintptr_t addr = (uintptr_t)address;
	uint32_t was = 0;
	DWORD err;

	if (!old) {
		wm_fail(ERROR_NOACCESS);
		return FALSE;
	}
	if (address && wm_view_query(address, &(struct wm_view_query){ 0 })) {
		err = wm_view_protect(address, size, protect, &was);
		if (err) {
			wm_fail(err);
			return FALSE;
		}
		*old = was;
		return TRUE;
	}
	int prot;
	if (!private_protection(&protect, &prot))
		return FALSE;
	uintptr_t start = addr & ~(uintptr_t)(PAGE - 1);
	uintptr_t end = (addr + (size ? size : 1) + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
	pthread_mutex_lock(&regions_lock);
	struct region *r = region_at_locked(addr);
	if (!r || end > r->base + r->size || end <= start) {
		pthread_mutex_unlock(&regions_lock);
		wm_fail(ERROR_INVALID_PARAMETER);
		return FALSE;
	}
	for (uintptr_t p = start; p < end; p += PAGE)
		if (!r->page_protect[(p - r->base) / PAGE]) {
			pthread_mutex_unlock(&regions_lock);
			wm_fail(ERROR_INVALID_ADDRESS);            /* a reserved page */
			return FALSE;
		}
	if (mprotect((void *)start, end - start, prot) < 0) {
		pthread_mutex_unlock(&regions_lock);
		wm_fail(winerr_from_errno(errno));
		return FALSE;
	}
	*old = r->page_protect[(start - r->base) / PAGE];
	set_page_protect(r, start, end, protect);
	pthread_mutex_unlock(&regions_lock);
	return TRUE;
}

BOOL WINAPI VirtualProtectEx(HANDLE process, LPVOID address, SIZE_T size, DWORD protect,
			     PDWORD old)
{
	if (wm_handle_normalize(process) != wm_handle_normalize((HANDLE)(LONG_PTR)-1)) {
		wm_fail(ERROR_NOT_SUPPORTED);   /* another process's memory: not through winmap */
		return FALSE;
	}
	return VirtualProtect(address, size, protect, old);
}
