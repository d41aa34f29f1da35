/* Rules A8-A10: which flProtect values make a section, and which files may back which protection. */
#include "protect.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "win32_constants.h"

#define PAGE_MASK_BYTE 0xFFu
#define ALL_SEC_FLAGS  (SEC_FILE | SEC_IMAGE | SEC_RESERVE | SEC_COMMIT | SEC_NOCACHE | \
			SEC_WRITECOMBINE | SEC_LARGE_PAGES)

static const struct { uint32_t value; const char *name; } page_names[] = {
	{ PAGE_READONLY, "PAGE_READONLY" },
	{ PAGE_READWRITE, "PAGE_READWRITE" },
	{ PAGE_WRITECOPY, "PAGE_WRITECOPY" },
	{ PAGE_EXECUTE_READ, "PAGE_EXECUTE_READ" },
	{ PAGE_EXECUTE_READWRITE, "PAGE_EXECUTE_READWRITE" },
	{ PAGE_EXECUTE_WRITECOPY, "PAGE_EXECUTE_WRITECOPY" },
};

/* Listed in the order protect_format_attributes() writes them. */
static const struct { uint32_t value; const char *name; } sec_names[] = {
	{ SEC_FILE, "SEC_FILE" },
	{ SEC_IMAGE, "SEC_IMAGE" },
	{ SEC_RESERVE, "SEC_RESERVE" },
	{ SEC_COMMIT, "SEC_COMMIT" },
	{ SEC_NOCACHE, "SEC_NOCACHE" },
	{ SEC_WRITECOMBINE, "SEC_WRITECOMBINE" },
	{ SEC_LARGE_PAGES, "SEC_LARGE_PAGES" },
};

#define N_OF(t) (sizeof(t) / sizeof((t)[0]))

const char *protect_page_name(uint32_t page)
{
	for (size_t i = 0; i < N_OF(page_names); i++)
		if (page_names[i].value == page)
			return page_names[i].name;
	return NULL;
}

uint32_t protect_page(uint32_t flprotect)
{
	return flprotect & PAGE_MASK_BYTE;
}

uint32_t protect_sec(uint32_t flprotect)
{
	return flprotect & ~PAGE_MASK_BYTE;
}

uint32_t protect_reported_modifiers(uint32_t modifiers)
{
	return modifiers & (PAGE_GUARD | PAGE_NOCACHE);
}

uint32_t protect_view_modifier(uint32_t attributes)
{
	return attributes & SEC_NOCACHE ? PAGE_NOCACHE : 0;
}

int protect_prot(uint32_t flprotect)
{
	switch (protect_page(flprotect)) {
	case PAGE_READONLY:          return PROT_READ;
	case PAGE_READWRITE:
	case PAGE_WRITECOPY:         return PROT_READ | PROT_WRITE;
	case PAGE_EXECUTE:           return PROT_EXEC;
	case PAGE_EXECUTE_READ:      return PROT_READ | PROT_EXEC;
	case PAGE_EXECUTE_READWRITE:
	case PAGE_EXECUTE_WRITECOPY: return PROT_READ | PROT_WRITE | PROT_EXEC;
	default:                     return PROT_NONE;
	}
}

uint32_t protect_parse(uint32_t flprotect, bool file_backed, uint32_t *page, uint32_t *attributes)
{
	uint32_t prot = protect_page(flprotect);
	uint32_t sec = protect_sec(flprotect);
	uint32_t kind = sec & (SEC_COMMIT | SEC_RESERVE | SEC_IMAGE);
	uint32_t caching = sec & (SEC_NOCACHE | SEC_WRITECOMBINE);

	/* A8: exactly one of the six protections; PAGE_NOACCESS, PAGE_EXECUTE, two ORed or any
	 * unknown bit (PAGE_GUARD, PAGE_NOCACHE...) are invalid. */
	if (!protect_page_name(prot) || (sec & ~ALL_SEC_FLAGS))
		return ERROR_INVALID_PARAMETER;

	/* A9, in the order Windows checks: combinations before SEC_IMAGE's own answer. */
	if ((sec & (SEC_LARGE_PAGES | SEC_FILE)) ||
	    kind == (SEC_COMMIT | SEC_RESERVE) ||
	    ((sec & SEC_IMAGE) && (sec & (SEC_COMMIT | SEC_RESERVE))) ||
	    caching == (SEC_NOCACHE | SEC_WRITECOMBINE) ||
	    (caching && !(sec & (SEC_COMMIT | SEC_RESERVE | SEC_IMAGE))))
		return ERROR_INVALID_PARAMETER;
	if (sec & SEC_IMAGE)
		return ERROR_BAD_EXE_FORMAT;

	*page = prot;
	if (file_backed)
		*attributes = SEC_FILE | caching;          /* COMMIT and RESERVE mean nothing for a file */
	else
		*attributes = (kind ? kind : SEC_COMMIT) | caching;
	return ERROR_SUCCESS;
}

uint32_t protect_check_file_access(uint32_t page, unsigned file_access)
{
	unsigned needed = FILE_ACCESS_READ;

	if (protect_allows_shared_write(page))
		needed |= FILE_ACCESS_WRITE;
	if (protect_allows_execute(page))
		needed |= FILE_ACCESS_EXECUTE;
	return (file_access & needed) == needed ? ERROR_SUCCESS : ERROR_ACCESS_DENIED;
}

bool protect_allows_shared_write(uint32_t page)
{
	return page == PAGE_READWRITE || page == PAGE_EXECUTE_READWRITE;
}

bool protect_is_copy_on_write(uint32_t page)
{
	return page == PAGE_WRITECOPY || page == PAGE_EXECUTE_WRITECOPY;
}

bool protect_allows_execute(uint32_t page)
{
	return page == PAGE_EXECUTE_READ || page == PAGE_EXECUTE_READWRITE ||
	       page == PAGE_EXECUTE_WRITECOPY;
}

int protect_format_attributes(uint32_t attributes, char *buf, size_t len)
{
	int total = 0;

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < N_OF(sec_names); i++) {
		if (!(attributes & sec_names[i].value))
			continue;
		size_t at = (size_t)total < len ? (size_t)total : len;
		total += snprintf(buf + at, len - at, "%s%s", total ? "|" : "", sec_names[i].name);
	}
	return total;
}

static bool word_value(const char *word, size_t n, uint32_t *value)
{
	for (size_t i = 0; i < N_OF(page_names); i++)
		if (strlen(page_names[i].name) == n && !strncmp(word, page_names[i].name, n)) {
			*value = page_names[i].value;
			return true;
		}
	for (size_t i = 0; i < N_OF(sec_names); i++)
		if (strlen(sec_names[i].name) == n && !strncmp(word, sec_names[i].name, n)) {
			*value = sec_names[i].value;
			return true;
		}
	if (n && word[0] >= '0' && word[0] <= '9') {
		char copy[24], *end;
		if (n >= sizeof(copy))
			return false;
		memcpy(copy, word, n);
		copy[n] = '\0';
		errno = 0;
		unsigned long v = strtoul(copy, &end, 0);
		if (errno || *end || v > UINT32_MAX)
			return false;
		*value = (uint32_t)v;
		return true;
	}
	return false;
}

bool protect_from_text(const char *text, uint32_t *flprotect)
{
	uint32_t result = 0;
	bool any = false;

	for (const char *p = text;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		const char *start = p;
		while (*p && *p != '|' && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
		uint32_t value;
		if (!word_value(start, (size_t)(p - start), &value))
			return false;
		result |= value;
		any = true;
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		if (*p++ != '|')
			return false;
	}
	if (!any)
		return false;
	*flprotect = result;
	return true;
}
