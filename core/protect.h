/* Page protections and SEC_* attributes: rules A8, A9 and A10, and what each protection allows.
 *
 * A section's flProtect holds one page protection in its low byte and SEC_* attributes above it.
 * Everything that asks "may this section be written / mapped / backed by that file" asks here. */
#ifndef SECTIONFS_PROTECT_H
#define SECTIONFS_PROTECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the file behind a file-backed section was opened for (A10). */
#define FILE_ACCESS_READ    0x1u
#define FILE_ACCESS_WRITE   0x2u
#define FILE_ACCESS_EXECUTE 0x4u

/* The two halves of a flProtect: its page protection (PAGE_*, the low byte) and its SEC_*
 * attributes (the rest).  Neither checks that the value is valid: protect_parse() does. */
uint32_t protect_page(uint32_t flprotect);
uint32_t protect_sec(uint32_t flprotect);

/* The mmap(2) PROT_* bits a page protection gives (the page part of flprotect is read); PROT_NONE
 * for PAGE_NOACCESS and for anything unknown.  Copy-on-write protections are PROT_WRITE too: a
 * private mapping is what makes their writes private. */
int protect_prot(uint32_t flprotect);

/* The modifiers a page protection may carry in VirtualAlloc: PAGE_GUARD, PAGE_NOCACHE and
 * PAGE_WRITECOMBINE. */
#define PROTECT_MODIFIERS (PAGE_GUARD | PAGE_NOCACHE | PAGE_WRITECOMBINE)

/* The modifiers VirtualQuery reports back of those given: PAGE_GUARD and PAGE_NOCACHE (Windows
 * keeps no trace of PAGE_WRITECOMBINE there, as Wine 8.0 shows it).  Linux memory is always
 * cached and has no guard pages: the modifiers are reported, not enforced. */
uint32_t protect_reported_modifiers(uint32_t modifiers);

/* The modifier a section's SEC_* attributes give every page protection of its views:
 * PAGE_NOCACHE for SEC_NOCACHE, else none. */
uint32_t protect_view_modifier(uint32_t attributes);

/* A8 and A9: splits flProtect into its one page protection and the attributes the section will
 * report (none -> SEC_COMMIT for the paging file; SEC_FILE, keeping NOCACHE/WRITECOMBINE, for a
 * file).  Returns ERROR_SUCCESS, ERROR_INVALID_PARAMETER or ERROR_BAD_EXE_FORMAT (SEC_IMAGE: image
 * sections are not supported, so no file is a PE image this library can map); *page and
 * *attributes are written only on success. */
uint32_t protect_parse(uint32_t flprotect, bool file_backed, uint32_t *page, uint32_t *attributes);

/* A10: may a file opened with `file_access` (FILE_ACCESS_*) back a section of protection `page`?
 * ERROR_SUCCESS or ERROR_ACCESS_DENIED. */
uint32_t protect_check_file_access(uint32_t page, unsigned file_access);

/* What a valid page protection allows. */
bool protect_allows_shared_write(uint32_t page);   /* READWRITE, EXECUTE_READWRITE */
bool protect_is_copy_on_write(uint32_t page);      /* WRITECOPY, EXECUTE_WRITECOPY */
bool protect_allows_execute(uint32_t page);        /* the EXECUTE_* protections */

/* "PAGE_READWRITE" for a valid page protection, NULL otherwise. */
const char *protect_page_name(uint32_t page);

/* Writes attributes as "SEC_COMMIT|SEC_NOCACHE" into buf (NUL-terminated); returns the length it
 * needs without the NUL, as snprintf does. */
int protect_format_attributes(uint32_t attributes, char *buf, size_t len);

/* Reads a flProtect written as names joined by '|' ("PAGE_READONLY|SEC_RESERVE", surrounding
 * spaces allowed) or as a number ("0x08000002").  Returns false for an unknown word or an empty
 * text; validity of the combination is protect_parse()'s job. */
bool protect_from_text(const char *text, uint32_t *flprotect);

#endif
