/* Copy-on-write overlays: the private pages of one handle on a PAGE_WRITECOPY section.
 *
 * A write copies the touched pages out of the section into the overlay and changes only the
 * copies; reads through the same handle see the copies, everyone else sees the section, and the
 * section's pages never change.  Overlay pages are charged against the store's cap. */
#ifndef SECTIONFS_COW_H
#define SECTIONFS_COW_H

#include <stddef.h>
#include <stdint.h>

struct section;
struct cow_overlay;

/* An empty overlay over sec (borrowed: the handle holds the reference).  NULL on ENOMEM. */
struct cow_overlay *cow_new(struct section *sec);

/* Frees the pages and refunds their charge. */
void cow_free(struct cow_overlay *cow);

/* Reads [off, off+len) clipped to the section's size, overlay pages first. */
uint32_t cow_read(struct cow_overlay *cow, void *buf, size_t len, uint64_t off, size_t *done);

/* Writes into private copies of the pages.  Past the section's end: ERROR_FILE_TOO_LARGE;
 * the cap full: ERROR_NOT_ENOUGH_MEMORY; either way nothing changed. */
uint32_t cow_write(struct cow_overlay *cow, const void *buf, size_t len, uint64_t off,
		   size_t *done);

/* Private pages held now. */
size_t cow_pages(const struct cow_overlay *cow);

#endif
