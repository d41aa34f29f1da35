/* Extended attributes: what a section is (user.section.*), and how a staged section is set up
 * before it is published.  `getfattr -d -m user.section FILE` shows them all. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sectionfs.h"
#include "permissions.h"
#include "name.h"
#include "notify.h"
#include "namespace.h"
#include "protect.h"
#include "sectionfs/protocol.h"
#include "section.h"
#include "store.h"
#include "sync.h"
#include "uring.h"
#include "win32_constants.h"

enum section_xattr {
	XA_NAME,
	XA_PROTECT,
	XA_ATTRIBUTES,
	XA_BACKING,
	XA_HANDLES,
	XA_VIEWS,
	XA_LIFETIME,
	XA_ORIGIN,
	XA_SETUP,
	XA_TYPE,
	XA_STATE,
	XA_WAITERS,
	XA_HOLDERS,
	XA_COUNT,
};

static const char *const xattr_names[XA_COUNT] = {
	[XA_NAME] = SECTIONFS_XATTR_NAME,
	[XA_PROTECT] = SECTIONFS_XATTR_PROTECT,
	[XA_ATTRIBUTES] = SECTIONFS_XATTR_ATTRIBUTES,
	[XA_BACKING] = SECTIONFS_XATTR_BACKING,
	[XA_HANDLES] = SECTIONFS_XATTR_HANDLES,
	[XA_VIEWS] = SECTIONFS_XATTR_VIEWS,
	[XA_LIFETIME] = SECTIONFS_XATTR_LIFETIME,
	[XA_ORIGIN] = SECTIONFS_XATTR_ORIGIN,
	[XA_SETUP] = SECTIONFS_XATTR_SETUP,
	[XA_TYPE] = SECTIONFS_XATTR_TYPE,
	[XA_STATE] = SECTIONFS_XATTR_STATE,
	[XA_WAITERS] = SECTIONFS_XATTR_WAITERS,
	[XA_HOLDERS] = SECTIONFS_XATTR_HOLDERS,
};

static int xattr_index(const char *name)
{
	for (int i = 0; i < XA_COUNT; i++)
		if (!strcmp(name, xattr_names[i]))
			return i;
	return -1;
}

static struct section *section_of(struct sfs *fs, fuse_ino_t ino)
{
	struct node *node = node_of(fs, ino);

	return node->kind == NODE_SECTION ? node->section : NULL;
}

/* The value of one attribute into buf; -ENODATA when the section has none (a nameless one). */
static int xattr_value(struct section *sec, int which, char *buf, size_t len)
{
	unsigned handles, views;
	struct ns *ns;
	char leaf[NAME_LEAF_MAX + 1];
	int n;

	switch (which) {
	case XA_NAME:
		if (!section_name(sec, &ns, leaf) || ns_is_staging(ns))
			return -ENODATA;
		return name_format_win32(ns_session(ns), leaf, buf, len);
	case XA_PROTECT:
		return snprintf(buf, len, "%s", protect_page_name(section_protect(sec)));
	case XA_ATTRIBUTES:
		return protect_format_attributes(section_attributes(sec), buf, len);
	case XA_BACKING:
		if (!section_is_file_backed(sec))
			return snprintf(buf, len, SECTIONFS_BACKING_PAGEFILE);
		return section_backing_path(sec, buf, len);
	case XA_HANDLES:
	case XA_VIEWS:
		section_holders(sec, &handles, &views);
		return snprintf(buf, len, "%u", which == XA_HANDLES ? handles : views);
	case XA_LIFETIME:
		return snprintf(buf, len, "%s", section_lifetime(sec) == SECTION_TEMPORARY
							? SECTIONFS_LIFETIME_TEMPORARY
							: SECTIONFS_LIFETIME_PERMANENT);
	case XA_ORIGIN:
		n = section_origin(sec, buf, len);
		return n < 0 ? -ENODATA : n;
	case XA_TYPE:
		return sync_type_text(sec, buf, len);
	case XA_STATE:
		return sync_state_text(sec, buf, len);
	case XA_WAITERS:
		return sync_waiters_text(sec, buf, len);
	case XA_HOLDERS:
		return 0;   /* listed; its value depends on the caller (holders_text) */
	default:
		return -ENODATA;
	}
}

/* The root's attributes: how requests reach the daemon (SECTIONFS_XATTR_TRANSPORT), the
 * requests read (SECTIONFS_XATTR_REQUESTS), how many sections are
 * over a file, and how many of them write it (SECTIONFS_XATTR_FILE_SECTIONS,
 * SECTIONFS_XATTR_FILE_WRITERS). */
static int root_value(struct sfs *fs, const char *name, char *buf, size_t len)
{
	unsigned long long dev, ino;
	unsigned sections, writers;
	char tail;

	if (!strcmp(name, SECTIONFS_XATTR_TRANSPORT))
		return uring_describe(fs, buf, len);
	if (!strcmp(name, SECTIONFS_XATTR_REQUESTS)) {
		int n = requests_text(fs, buf, len);
		return n < 0 ? -E2BIG : n;
	}
	if (sscanf(name, SECTIONFS_XATTR_FILE_SECTIONS ".%llu.%llu%c", &dev, &ino, &tail) == 2) {
		sections = store_sections_over_file(fs->store, (dev_t)dev, (ino_t)ino, NULL);
		return snprintf(buf, len, "%u", sections);
	}
	if (sscanf(name, SECTIONFS_XATTR_FILE_WRITERS ".%llu.%llu%c", &dev, &ino, &tail) == 2) {
		store_sections_over_file(fs->store, (dev_t)dev, (ino_t)ino, &writers);
		return snprintf(buf, len, "%u", writers);
	}
	return -ENODATA;
}

void sfs_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	struct sfs *fs = sfs_of(req);
	struct section *sec = section_of(fs, ino);
	int which = xattr_index(name);
	char buf[4096 + 64], *big = NULL;
	int n = -may_xattr(fs, req, node_of(fs, ino), name, R_OK);   /* xattr_permission() */

	if (n < 0)
		;
	else if (node_of(fs, ino)->kind == NODE_ROOT)
		n = root_value(fs, name, buf, sizeof(buf));
	else if (!sec || which < 0)
		n = -ENODATA;
	else if (which == XA_HOLDERS)
		n = holders_text(fs, req, node_of(fs, ino), &big);   /* bounded by itself */
	else
		n = xattr_value(sec, which, buf, sizeof(buf));
	if (n < 0 || (!big && (size_t)n >= sizeof(buf)))
		fuse_reply_err(req, n < 0 ? -n : E2BIG);
	else if (size == 0)
		fuse_reply_xattr(req, (size_t)n);
	else if (size < (size_t)n)
		fuse_reply_err(req, ERANGE);
	else
		fuse_reply_buf(req, big ? big : buf, (size_t)n);   /* no NUL, as getfattr expects */
	free(big);
}

void sfs_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	struct section *sec = section_of(sfs_of(req), ino);
	char list[512], probe[8];
	size_t len = 0;

	if (sec)
		for (int i = 0; i < XA_COUNT; i++) {
			if (xattr_value(sec, i, probe, sizeof(probe)) < 0)
				continue;
			size_t n = strlen(xattr_names[i]) + 1;
			memcpy(list + len, xattr_names[i], n);
			len += n;
		}
	if (size == 0)
		fuse_reply_xattr(req, len);
	else if (size < len)
		fuse_reply_err(req, ERANGE);
	else
		fuse_reply_buf(req, list, len);
}

/* A staged section's new flProtect from the text of user.section.protect ("PAGE_READONLY",
 * "PAGE_READWRITE|SEC_RESERVE", "0x08000004") or user.section.attributes ("SEC_RESERVE").
 * Attributes not given keep their value; for user.section.attributes, the protection does. */
static uint32_t protection_from_text(struct section *sec, int which, const char *text,
				     uint32_t *flprotect)
{
	uint32_t given;

	if (!protect_from_text(text, &given))
		return ERROR_INVALID_PARAMETER;
	if (which == XA_PROTECT)
		*flprotect = protect_sec(given) ? given : given | section_attributes(sec);
	else if (protect_page(given))
		return ERROR_INVALID_PARAMETER;   /* a page protection is user.section.protect's */
	else
		*flprotect = section_protect(sec) | given;
	return ERROR_SUCCESS;
}

static uint32_t set_lifetime(struct section *sec, const char *text)
{
	if (!strcmp(text, SECTIONFS_LIFETIME_TEMPORARY))
		return section_set_lifetime(sec, SECTION_TEMPORARY);
	if (!strcmp(text, SECTIONFS_LIFETIME_PERMANENT))
		return section_set_lifetime(sec, SECTION_PERMANENT);
	return ERROR_INVALID_PARAMETER;
}

/* Does a passthrough open pin this staged section's memfd as the kernel's backing file?  Then it
 * may not move onto a file nor become copy-on-write: open it with O_DIRECT for that (winmap
 * does).  The count comes from RELEASE, which lags close() a little, so right after the last
 * such file closes this may still say yes. */
static bool pinned_by_passthrough(struct sfs *fs, fuse_ino_t ino)
{
	struct node *node = node_of(fs, ino);
	bool pinned;

	pthread_mutex_lock(&fs->nodes_lock);
	pinned = node->passthrough_opens > 0;
	pthread_mutex_unlock(&fs->nodes_lock);
	return pinned;
}

/* An attribute's value as a C string: one trailing newline (echo) or NUL (some tools count it)
 * is dropped; any other NUL, or a value too long, is refused rather than cut. */
static bool value_as_text(const char *value, size_t size, char *text, size_t len)
{
	if (size && (value[size - 1] == '\0' || value[size - 1] == '\n'))
		size--;
	if (size >= len || memchr(value, '\0', size))
		return false;
	memcpy(text, value, size);
	text[size] = '\0';
	return true;
}

/* set_protection's answer when the new protection would make a pinned section copy-on-write:
 * EBUSY, which no Win32 error says. */
#define PINNED_BUSY UINT32_MAX

/* user.section.protect or .attributes on a staged section. */
static uint32_t set_protection(struct sfs *fs, fuse_ino_t ino, struct section *sec, int which,
			       const char *text)
{
	uint32_t flprotect;
	uint32_t err = protection_from_text(sec, which, text, &flprotect);

	/* Copy-on-write sections are served around the memfd: not while it is pinned. */
	if (!err && protect_is_copy_on_write(protect_page(flprotect)) &&
	    !protect_is_copy_on_write(section_protect(sec)) && pinned_by_passthrough(fs, ino))
		return PINNED_BUSY;
	return err ? err : section_set_protect(sec, flprotect);
}

/* user.section.setup, "PROTECT LIFETIME": both of a staged section's settings in one request
 * (winmap's CreateFileMapping sends it instead of .lifetime and .protect, one round trip less).
 * The lifetime is checked before the protection is set, so a refused value changes nothing. */
static uint32_t set_setup(struct sfs *fs, fuse_ino_t ino, struct section *sec, char *text)
{
	char *lifetime = strchr(text, ' ');
	uint32_t err;

	if (!lifetime)
		return ERROR_INVALID_PARAMETER;
	*lifetime++ = '\0';
	if (strcmp(lifetime, SECTIONFS_LIFETIME_TEMPORARY) &&
	    strcmp(lifetime, SECTIONFS_LIFETIME_PERMANENT))
		return ERROR_INVALID_PARAMETER;
	err = set_protection(fs, ino, sec, XA_PROTECT, text);   /* sets nothing when refused */
	return err ? err : set_lifetime(sec, lifetime);
}

void sfs_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
		  size_t size, int flags)
{
	struct sfs *fs = sfs_of(req);
	struct section *sec = section_of(fs, ino);
	int which = xattr_index(name);
	char text[SECTION_ORIGIN_MAX + 1];
	uint32_t err;
	int perm = may_xattr(fs, req, node_of(fs, ino), name, W_OK);   /* xattr_permission() */

	(void)flags;
	if (perm) {
		fuse_reply_err(req, perm);
		return;
	}
	if (!sec || which < 0) {
		fuse_reply_err(req, ENOTSUP);   /* sections keep no other attributes */
		return;
	}
	if (which != XA_PROTECT && which != XA_ATTRIBUTES && which != XA_LIFETIME &&
	    which != XA_BACKING && which != XA_ORIGIN && which != XA_SETUP && which != XA_TYPE) {
		fuse_reply_err(req, EPERM);     /* read-only facts */
		return;
	}
	if (!section_is_staged(sec)) {
		fuse_reply_err(req, EPERM);     /* a published section is what it is */
		return;
	}
	if (!caller_may_use_staged(req, sec)) {
		fuse_reply_err(req, EACCES);    /* until published, its creator's alone */
		return;
	}
	if (!value_as_text(value, size, text, sizeof(text))) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	if (which == XA_TYPE) {
		fuse_reply_err(req, sync_set_type(sec, text));
		return;
	}
	if (which == XA_BACKING && section_kind(sec) != OBJECT_SECTION) {
		fuse_reply_err(req, EINVAL);    /* an object has no data to put over a file */
		return;
	}
	if (which == XA_BACKING) {
		int e = pinned_by_passthrough(fs, ino) ? EBUSY : backing_attach(fs, req, sec, text);
		if (!e) {   /* the old pages and size were the memfd's (notify.h) */
			uint64_t size = section_size(sec);
			char last = 0;
			size_t got = 0;
			if (size && (section_read(sec, &last, 1, size - 1, &got) != 0 || got != 1))
				size = 0;   /* unreadable: the size then comes with a getattr */
			notify_attached_file(fs->se, ino, size, last);
		}
		fuse_reply_err(req, e);
		return;
	}
	if (which == XA_LIFETIME)
		err = set_lifetime(sec, text);
	else if (which == XA_ORIGIN)
		err = section_set_origin(sec, text);
	else if (which == XA_SETUP)
		err = set_setup(fs, ino, sec, text);
	else
		err = set_protection(fs, ino, sec, which, text);
	if (err == PINNED_BUSY)
		fuse_reply_err(req, EBUSY);
	else
		reply_winerr(req, err);
}

void sfs_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	struct sfs *fs = sfs_of(req);
	struct section *sec = section_of(fs, ino);
	int perm = may_xattr(fs, req, node_of(fs, ino), name, W_OK);   /* xattr_permission() */

	fuse_reply_err(req, perm ? perm : sec && xattr_index(name) >= 0 ? EPERM : ENODATA);
}
