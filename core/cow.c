/* Copy-on-write overlays: private copies of the pages one handle wrote, kept in a tree by page.
 * The copies live in the paging file's page pool, so the cap counts them like any other page. */
#include "cow.h"

#include <errno.h>
#include <pthread.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>

#include "core_internal.h"
#include "errors.h"
#include "pagefile.h"
#include "win32_constants.h"

_Static_assert(PAGEFILE_PAGE_SIZE == WIN32_PAGE_SIZE, "a copy is one page of the pool");

struct cow_page {
	uint64_t index;             /* the section's page this is a copy of */
	uint64_t slot;              /* where the copy lives in the paging file's pool */
	bool fresh;                 /* copied by the cow_write under way */
};

struct cow_overlay {
	struct section *sec;        /* borrowed from the handle */
	pthread_mutex_t lock;       /* lock order 2: pages and n_pages */
	void *pages;                /* tsearch tree of struct cow_page *, by index */
	size_t n_pages;
};

static int compare_page(const void *a, const void *b)
{
	uint64_t x = ((const struct cow_page *)a)->index, y = ((const struct cow_page *)b)->index;

	return x < y ? -1 : x > y;
}

struct cow_overlay *cow_new(struct section *sec)
{
	struct cow_overlay *cow = calloc(1, sizeof(*cow));

	if (cow) {
		cow->sec = sec;
		pthread_mutex_init(&cow->lock, NULL);
	}
	return cow;
}

static struct pagefile *pool_of(const struct cow_overlay *cow)
{
	return store_pagefile(cow->sec->store);
}

/* twalk_r visitor: gives each copy's slot back to the pool (once per node). */
static void free_slot(const void *node, VISIT which, void *pool)
{
	const struct cow_page *page = *(const struct cow_page *const *)node;

	if (which == postorder || which == leaf)
		pagefile_page_free(pool, page->slot);
}

void cow_free(struct cow_overlay *cow)
{
	twalk_r(cow->pages, free_slot, pool_of(cow));
	tdestroy(cow->pages, free);
	store_refund(cow->sec->store, (uint64_t)cow->n_pages * WIN32_PAGE_SIZE);
	pthread_mutex_destroy(&cow->lock);
	free(cow);
}

size_t cow_pages(const struct cow_overlay *cow)
{
	return cow->n_pages;
}

static struct cow_page *find_page(struct cow_overlay *cow, uint64_t index)
{
	struct cow_page key = { .index = index };
	void *found = tfind(&key, &cow->pages, compare_page);

	return found ? *(struct cow_page **)found : NULL;
}

uint32_t cow_read(struct cow_overlay *cow, void *buf, size_t len, uint64_t off, size_t *done)
{
	uint64_t size = section_size(cow->sec);
	size_t got = 0;
	uint32_t err = ERROR_SUCCESS;

	*done = 0;
	if (off >= size)
		return ERROR_SUCCESS;
	if (len > size - off)
		len = (size_t)(size - off);
	pthread_mutex_lock(&cow->lock);
	while (got < len && !err) {
		uint64_t at = off + got;
		size_t in_page = (size_t)(at % WIN32_PAGE_SIZE);
		size_t n = WIN32_PAGE_SIZE - in_page < len - got ? WIN32_PAGE_SIZE - in_page : len - got;
		struct cow_page *page = find_page(cow, at / WIN32_PAGE_SIZE);
		size_t read;

		if (page) {
			int e = pagefile_page_read(pool_of(cow), page->slot, (char *)buf + got, n,
						   in_page);
			if (e)
				err = winerr_from_errno(e);
			read = e ? 0 : n;
		} else {
			err = section_read(cow->sec, (char *)buf + got, n, at, &read);
			if (!err && read < n)
				break;
		}
		got += read;
	}
	pthread_mutex_unlock(&cow->lock);
	*done = got;
	return err;
}

/* Copies page `index` out of the section into the overlay; the caller charged it already. */
static uint32_t copy_page(struct cow_overlay *cow, uint64_t index)
{
	struct cow_page *page = calloc(1, sizeof(*page));
	unsigned char data[WIN32_PAGE_SIZE] = { 0 };
	size_t read;
	uint32_t err;
	int e;

	if (!page)
		return ERROR_NOT_ENOUGH_MEMORY;
	page->index = index;
	page->fresh = true;
	err = section_read(cow->sec, data, WIN32_PAGE_SIZE, index * WIN32_PAGE_SIZE, &read);
	if (err) {
		free(page);
		return err;
	}
	e = pagefile_page_new(pool_of(cow), data, &page->slot);
	if (e) {
		free(page);
		return e == -ENOSPC ? ERROR_NOT_ENOUGH_MEMORY : winerr_from_errno(-e);
	}
	if (!tsearch(page, &cow->pages, compare_page)) {
		pagefile_page_free(pool_of(cow), page->slot);
		free(page);
		return ERROR_NOT_ENOUGH_MEMORY;
	}
	cow->n_pages++;
	return ERROR_SUCCESS;
}

/* Takes a copy out of the overlay again and gives its slot back. */
static void drop_page(struct cow_overlay *cow, struct cow_page *page)
{
	tdelete(page, &cow->pages, compare_page);
	pagefile_page_free(pool_of(cow), page->slot);
	free(page);
	cow->n_pages--;
}

uint32_t cow_write(struct cow_overlay *cow, const void *buf, size_t len, uint64_t off,
		   size_t *done)
{
	uint64_t size = section_size(cow->sec);
	uint32_t err = ERROR_SUCCESS;
	size_t put = 0;

	*done = 0;
	if (off > size || len > size - off)
		return ERROR_FILE_TOO_LARGE;
	pthread_mutex_lock(&cow->lock);
	/* Charge every missing page at once, so that a full cap copies and charges nothing; then
	 * copy them all before writing, so that a failure leaves the overlay's contents unchanged. */
	uint64_t missing = 0;
	for (uint64_t p = off / WIN32_PAGE_SIZE; len && p <= (off + len - 1) / WIN32_PAGE_SIZE; p++)
		if (!find_page(cow, p))
			missing++;
	err = store_charge(cow->sec->store, missing * WIN32_PAGE_SIZE);
	bool charged = !err;
	for (uint64_t p = off / WIN32_PAGE_SIZE; !err && len && p <= (off + len - 1) / WIN32_PAGE_SIZE;
	     p++) {
		if (!find_page(cow, p))
			err = copy_page(cow, p);
	}
	/* A page that could not be copied (where the kernel counts pages, the cap was full): the
	 * copies made for this write go again, so that the cap gets back every page it gave. */
	for (uint64_t p = off / WIN32_PAGE_SIZE;
	     charged && len && p <= (off + len - 1) / WIN32_PAGE_SIZE; p++) {
		struct cow_page *page = find_page(cow, p);
		if (page && page->fresh && err)
			drop_page(cow, page);
		else if (page)
			page->fresh = false;
	}
	if (charged && err)
		store_refund(cow->sec->store, missing * WIN32_PAGE_SIZE);
	while (!err && put < len) {
		uint64_t at = off + put;
		size_t in_page = (size_t)(at % WIN32_PAGE_SIZE);
		size_t n = WIN32_PAGE_SIZE - in_page < len - put ? WIN32_PAGE_SIZE - in_page : len - put;

		int e = pagefile_page_write(pool_of(cow), find_page(cow, at / WIN32_PAGE_SIZE)->slot,
					    (const char *)buf + put, n, in_page);
		if (e) {
			err = winerr_from_errno(e);
			break;
		}
		put += n;
	}
	pthread_mutex_unlock(&cow->lock);
	*done = put;
	return err;
}
