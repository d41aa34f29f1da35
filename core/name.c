/* Rules B13-B19: walking a Win32 object name through the links of the object namespace. */
#include "name.h"

#include <stdio.h>
#include <string.h>

#include "win32_constants.h"

static const char *const link_names[NAME_LINK_COUNT] = {
	[NAME_LINK_GLOBAL] = "Global",
	[NAME_LINK_LOCAL] = "Local",
	[NAME_LINK_SESSION] = "Session",
};

const char *name_link_text(enum name_link link)
{
	return link_names[link];
}

static bool link_named(const char *c, size_t n, enum name_link *link)
{
	for (int l = 0; l < NAME_LINK_COUNT; l++)
		if (strlen(link_names[l]) == n && !memcmp(c, link_names[l], n)) {
			if (link)
				*link = (enum name_link)l;
			return true;
		}
	return false;
}

bool name_is_link(const char *leaf, enum name_link *link)
{
	return link_named(leaf, strlen(leaf), link);
}

uint32_t name_check_ansi_length(const char *name)
{
	if (name && strlen(name) + 1 >= WIN32_MAX_PATH)
		return ERROR_FILENAME_EXCED_RANGE;
	return ERROR_SUCCESS;
}

uint32_t name_check_leaf(const char *leaf)
{
	size_t n = strlen(leaf);

	if (n == 0 || !strcmp(leaf, ".") || !strcmp(leaf, "..") || strchr(leaf, '/'))
		return ERROR_INVALID_NAME;
	if (n > NAME_LEAF_MAX)
		return ERROR_FILENAME_EXCED_RANGE;
	return ERROR_SUCCESS;
}

bool name_parse_session_id(const char *c, size_t n, uint32_t *id)
{
	uint64_t v = 0;

	if (n == 0 || n > 10 || (n > 1 && c[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (c[i] < '0' || c[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(c[i] - '0');
	}
	if (v >= UINT32_MAX)
		return false;   /* 4294967295 is Linux's "no session", never a namespace */
	*id = (uint32_t)v;
	return true;
}

/* Where the walk stands: a namespace (one of the three roots) or the Sessions directory. */
struct walk {
	bool in_sessions_dir;
	enum name_root root;
	uint32_t session;
};

static void walk_enter_session(struct walk *w, uint32_t id)
{
	w->in_sessions_dir = false;
	w->root = id == 0 ? NAME_ROOT_GLOBAL : NAME_ROOT_SESSION;
	w->session = id;
}

/* Follows one directory component; false when no directory of that name exists. */
static bool walk_step(struct walk *w, const char *c, size_t n)
{
	if (w->in_sessions_dir) {
		uint32_t id;
		if (!name_parse_session_id(c, n, &id))
			return false;
		walk_enter_session(w, id);
		return true;
	}
	enum name_link link;

	if (!link_named(c, n, &link))
		return false;
	switch (link) {
	case NAME_LINK_GLOBAL:
		walk_enter_session(w, 0);
		break;
	case NAME_LINK_LOCAL:
		break;   /* the namespace's link to itself */
	case NAME_LINK_SESSION:
		w->in_sessions_dir = true;
		break;
	default:
		return false;
	}
	return true;
}

uint32_t name_parse(const char *name, struct name_path *out)
{
	struct walk w = { .in_sessions_dir = false, .root = NAME_ROOT_CALLER_SESSION };
	const char *c = name;

	if (!name)
		return ERROR_INVALID_PARAMETER;
	if (name[0] == '\\')
		return ERROR_BAD_PATHNAME;

	for (;;) {
		const char *end = strchr(c, '\\');
		size_t n = end ? (size_t)(end - c) : strlen(c);

		if (n == 0)
			return ERROR_INVALID_NAME;
		if (!end) {
			/* the last component: the object itself */
			if (w.in_sessions_dir)
				return ERROR_INVALID_HANDLE;   /* "Session\2" is a directory */
			if (n > NAME_LEAF_MAX)
				return ERROR_FILENAME_EXCED_RANGE;
			/* made and checked in a copy: *out is written only on success */
			char leaf[NAME_LEAF_MAX + 1];
			memcpy(leaf, c, n);
			leaf[n] = '\0';
			for (char *p = leaf; *p; p++)
				if (*p == '/')
					*p = '\\';
			uint32_t err = name_check_leaf(leaf);
			if (err)
				return err;
			if (name_is_link(leaf, NULL))
				return ERROR_INVALID_HANDLE;   /* B13: a Windows namespace has them */
			memcpy(out->leaf, leaf, n + 1);
			out->root = w.root;
			out->session = w.session;
			return ERROR_SUCCESS;
		}
		if (!walk_step(&w, c, n))
			return ERROR_PATH_NOT_FOUND;
		c = end + 1;
	}
}

int name_format_win32(uint32_t session, const char *leaf, char *buf, size_t len)
{
	int n = session == 0 ? snprintf(buf, len, "%s\\%s", link_names[NAME_LINK_GLOBAL], leaf)
			     : snprintf(buf, len, "%s\\%u\\%s", link_names[NAME_LINK_SESSION],
					session, leaf);
	size_t prefix = (size_t)n - strlen(leaf);

	for (size_t i = prefix; i < len && buf[i]; i++)
		if (buf[i] == '\\')
			buf[i] = '/';
	return n;
}
