/* Commit state (D33): which pages of a SEC_RESERVE section are committed, one bit a page.  Every
 * page of any other section is.  Committing takes the pages from the cap where the kernel counts
 * them.
 *
 * Locks: size_lock, for writing to change the bitmap (the _locked functions have it held). */
#include "section.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "section_internal.h"
#include "win32_constants.h"

uint32_t section_commit_fit_locked(struct section *sec, uint64_t size)
{
	uint64_t pages = round_to_page(size) / WIN32_PAGE_SIZE;
	uint8_t *bits;

	if (!(sec->attributes & SEC_RESERVE) || sec->file_backed || pages <= sec->committed_pages)
		return ERROR_SUCCESS;
	bits = realloc(sec->committed, (size_t)((pages + 7) / 8));
	if (!bits)
		return ERROR_NOT_ENOUGH_MEMORY;
	for (uint64_t p = sec->committed_pages; p < pages; p++)
		bits[p / 8] &= (uint8_t)~(1u << (p % 8));
	sec->committed = bits;
	sec->committed_pages = pages;
	return ERROR_SUCCESS;
}

bool section_page_committed_locked(const struct section *sec, uint64_t p)
{
	if (!sec->committed)
		return true;
	return p < sec->committed_pages && (sec->committed[p / 8] & (1u << (p % 8)));
}

void section_commit_forget_locked(struct section *sec)
{
	free(sec->committed);
	sec->committed = NULL;
	sec->committed_pages = 0;
}

uint32_t section_commit(struct section *sec, uint64_t off, uint64_t len)
{
	uint32_t err = ERROR_SUCCESS;
	uint64_t end = off + len;

	pthread_rwlock_wrlock(&sec->size_lock);
	if (sec->file_backed)
		err = ERROR_ACCESS_DENIED;                      /* D34 */
	else if (end < off || end > atomic_load(&sec->size))
		err = ERROR_INVALID_PARAMETER;
	else if (sec->committed && len && kernel_counts_pages(sec) && sec->fd >= 0 &&
		 fallocate(sec->fd, FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len) < 0)
		err = write_error(errno);   /* committed pages are taken from the cap now */
	else if (sec->committed && len)
		for (uint64_t p = off / WIN32_PAGE_SIZE; p <= (end - 1) / WIN32_PAGE_SIZE; p++)
			sec->committed[p / 8] |= (uint8_t)(1u << (p % 8));
	pthread_rwlock_unlock(&sec->size_lock);
	return err;
}

uint64_t section_commit_run(struct section *sec, uint64_t off, uint64_t limit, bool *committed)
{
	uint64_t first = off / WIN32_PAGE_SIZE, end = first + limit / WIN32_PAGE_SIZE, p;
	bool state;

	pthread_rwlock_rdlock(&sec->size_lock);
	state = section_page_committed_locked(sec, first);
	p = sec->committed ? first + 1 : end;
	while (p < end) {
		/* 64 pages at a time where a whole word of the bitmap agrees */
		uint64_t word;
		if (p % 64 == 0 && p + 64 <= end && p + 64 <= sec->committed_pages) {
			memcpy(&word, sec->committed + p / 8, sizeof(word));
			if (word == (state ? ~(uint64_t)0 : 0)) {
				p += 64;
				continue;
			}
		}
		if (section_page_committed_locked(sec, p) != state)
			break;
		p++;
	}
	pthread_rwlock_unlock(&sec->size_lock);
	*committed = state;
	return limit ? (p - first) * WIN32_PAGE_SIZE : 0;
}

bool section_is_committed(struct section *sec, uint64_t off, uint64_t len)
{
	uint64_t first = off / WIN32_PAGE_SIZE * WIN32_PAGE_SIZE, end = off + len;
	bool committed;

	if (!len)
		return true;
	if (end < off || round_to_page(end) < end)
		return false;                                   /* past the end of any section */
	end = round_to_page(end);
	return section_commit_run(sec, first, end - first, &committed) == end - first && committed;
}
