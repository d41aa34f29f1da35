/* The store every core test starts from, and the check that each test gives everything back. */
#ifndef SECTIONFS_TEST_FIXTURE_H
#define SECTIONFS_TEST_FIXTURE_H

#include <stdint.h>
#include <sys/types.h>

#include "section.h"
#include "store.h"

/* A new store with this cap (the test stops if there is none). */
struct store *fixture_store(uint64_t cap);

/* A new store over a private tmpfs paging file of `cap` bytes (the kernel counts the pages and
 * refuses those past the cap), at most max_sections sections (0: no bound).  The test stops
 * with the reason when no tmpfs instance can be made. */
struct store *fixture_tmpfs_store(uint64_t cap, uint64_t max_sections);

/* Asserts that no section and no charged byte is left, frees the store (when that holds: a
 * failed test leaves it to the leak report) and clears *st. */
void fixture_store_done(struct store **st);

/* The calling user as owner, with mode. */
struct section_owner fixture_owner(mode_t mode);

#endif
