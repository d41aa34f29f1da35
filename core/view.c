/* Rules D22-D28: which views a section and a handle allow, and how each is mapped. */
#include "view.h"

#include "protect.h"
#include "win32_constants.h"

/* D22: the view's own protection, before execute.  WRITE wins; READ|COPY is read-only; COPY
 * alone is copy-on-write, unless SECTION_MAP_EXECUTE comes with it; no data access at all (0, or
 * execute bits alone) is a view of PAGE_NOACCESS. */
static uint32_t view_base_protect(uint32_t desired)
{
	if (desired & FILE_MAP_WRITE)
		return PAGE_READWRITE;
	if (desired & FILE_MAP_READ)
		return PAGE_READONLY;
	if ((desired & FILE_MAP_COPY) && !(desired & SECTION_MAP_EXECUTE))
		return PAGE_WRITECOPY;
	return PAGE_NOACCESS;
}

/* The handle access that lets a handle map anything at all. */
#define ANY_MAP_ACCESS (SECTION_MAP_READ | SECTION_MAP_WRITE | SECTION_MAP_EXECUTE)

uint32_t view_commit_check(uint32_t view_protect, uint32_t protect)
{
	bool data = view_protect != PAGE_NOACCESS;
	bool execute = view_protect == PAGE_EXECUTE_READ || view_protect == PAGE_EXECUTE_READWRITE ||
		       view_protect == PAGE_EXECUTE_WRITECOPY;
	bool ok;

	switch (protect) {
	case PAGE_NOACCESS:
		ok = true;
		break;
	case PAGE_READONLY:
	case PAGE_WRITECOPY:
		ok = data;
		break;
	case PAGE_READWRITE:
		ok = view_protect == PAGE_READWRITE || view_protect == PAGE_EXECUTE_READWRITE;
		break;
	case PAGE_EXECUTE:
	case PAGE_EXECUTE_READ:
	case PAGE_EXECUTE_WRITECOPY:
		ok = execute;
		break;
	case PAGE_EXECUTE_READWRITE:
		ok = view_protect == PAGE_EXECUTE_READWRITE;
		break;
	default:
		ok = false;
	}
	return ok ? ERROR_SUCCESS : ERROR_INVALID_PARAMETER;
}

uint32_t view_needed_handle_access(uint32_t desired)
{
	uint32_t need = view_base_protect(desired) == PAGE_READWRITE ? SECTION_MAP_WRITE
								      : SECTION_MAP_READ;
	if (desired & FILE_MAP_EXECUTE)
		need |= FILE_MAP_EXECUTE;
	return need;
}

/* D23: can a section of protection `section` give a view of protection `view`? */
static bool section_gives(uint32_t section, uint32_t view, bool execute)
{
	if (execute && !protect_allows_execute(section))
		return false;
	if (view == PAGE_READWRITE)
		return protect_allows_shared_write(section);
	return true;   /* read-only and copy-on-write views: every protection gives them */
}

static bool handle_has(uint32_t handle_access, uint32_t need)
{
	/* SECTION_MAP_EXECUTE (0x8) is the older spelling of execute access. */
	if ((need & FILE_MAP_EXECUTE) && (handle_access & SECTION_MAP_EXECUTE))
		handle_access |= FILE_MAP_EXECUTE;
	return (handle_access & need) == need;
}

uint32_t view_plan(const struct view_request *rq, struct view_plan *out)
{
	uint32_t base = view_base_protect(rq->desired_access);
	bool execute = rq->desired_access & FILE_MAP_EXECUTE;
	uint64_t length;

	if (base == PAGE_NOACCESS) {
		/* D22: a view with no data access; a handle with no map access gives none */
		if (!(rq->handle_access & ANY_MAP_ACCESS))
			return ERROR_ACCESS_DENIED;                     /* D24 */
		execute = false;
	} else if (!handle_has(rq->handle_access, view_needed_handle_access(rq->desired_access))) {
		return ERROR_ACCESS_DENIED;                             /* D24 */
	} else if (!section_gives(rq->section_protect, base, execute)) {
		return ERROR_ACCESS_DENIED;                             /* D23 */
	}
	if (rq->offset % WIN32_ALLOCATION_GRANULARITY || rq->base % WIN32_ALLOCATION_GRANULARITY)
		return ERROR_MAPPED_ALIGNMENT;                          /* D27, D28 */
	if (rq->offset >= rq->section_size)
		return ERROR_INVALID_PARAMETER;                         /* D26 */
	length = rq->size ? rq->size : rq->section_size - rq->offset;   /* D25 */
	if (length > rq->section_size - rq->offset)
		return ERROR_ACCESS_DENIED;                             /* D26 */

	out->length = length;
	out->shared = base != PAGE_WRITECOPY;   /* a PAGE_NOACCESS view is shared: nothing to copy */
	out->page_protect = execute ? base << 4 : base;   /* PAGE_READONLY -> PAGE_EXECUTE_READ... */
	out->prot = protect_prot(out->page_protect);
	return ERROR_SUCCESS;
}
