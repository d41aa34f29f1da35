/* Namespaces: create-or-open with exactly one creator (A11, B12), NS_CREATE_NEW, the link names
 * that are no sections (B13), case-sensitive names (B14), the caller's session namespace and
 * the global one (B16, B17, through name_parse and store_session), unlink (the name goes at
 * once, holders keep the data), rename (never replaces; publishing out of staging), listing, and
 * when a namespace's names last changed (created, unlinked, renamed in or out, lost by C20). */
#include <CUnit/CUnit.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cunit_main.h"
#include "fixture.h"
#include "handle.h"
#include "name.h"
#include "namespace.h"
#include "section.h"
#include "store.h"
#include "win32_constants.h"

#define PAGE WIN32_PAGE_SIZE
#define CAP (16u * 1024 * 1024)

static struct store *st;
static struct section_owner owner;

void suite_setup(void)
{
	owner = fixture_owner(0644);
	st = fixture_store(CAP);
}

void suite_teardown(void)
{
	fixture_store_done(&st);
}

/* ---- helpers ---- */

static struct section_spec spec_of(uint32_t protect, uint64_t size, enum section_lifetime lt)
{
	struct section_spec spec = section_spec_default(lt);

	spec.protect = protect;
	spec.size = size;
	return spec;
}

/* Creates leaf in ns (a permanent read-write section of size bytes) and returns its handle. */
static struct handle *create(struct ns *ns, const char *leaf, uint64_t size, bool *existed)
{
	struct section_spec spec = spec_of(PAGE_READWRITE, size, SECTION_PERMANENT);
	struct handle *h = NULL;

	CU_ASSERT_EQUAL_FATAL(ns_create(ns, leaf, &spec, &owner, NS_OPEN_IF_EXISTS,
					FILE_MAP_ALL_ACCESS, &h, existed), ERROR_SUCCESS);
	return h;
}

static struct handle *create_new(struct ns *ns, const char *leaf, uint64_t size)
{
	bool existed = true;
	struct handle *h = create(ns, leaf, size, &existed);

	CU_ASSERT_FALSE(existed);
	return h;
}

static bool exists(struct ns *ns, const char *leaf)
{
	struct section *sec;

	if (ns_lookup(ns, leaf, &sec))
		return false;
	section_put(sec);
	return true;
}

static struct section *lookup(struct ns *ns, const char *leaf)
{
	struct section *sec = NULL;

	if (ns_lookup(ns, leaf, &sec))
		return NULL;
	section_put(sec);   /* the name still holds it */
	return sec;
}

static void write_byte(struct handle *h, uint64_t off, char c)
{
	size_t done = 0;

	CU_ASSERT_EQUAL(handle_write(h, &c, 1, off, &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(done, 1);
}

static char read_byte(struct handle *h, uint64_t off)
{
	size_t done = 0;
	char c = '?';

	CU_ASSERT_EQUAL(handle_read(h, &c, 1, off, &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(done, 1);
	return c;
}

/* The namespace and leaf a Win32 name means for a caller in session `caller` (B16, B17). */
static struct ns *resolve(uint32_t caller, const char *name, char *leaf)
{
	struct name_path p;

	CU_ASSERT_EQUAL_FATAL(name_parse(name, &p), ERROR_SUCCESS);
	strcpy(leaf, p.leaf);
	switch (p.root) {
	case NAME_ROOT_CALLER_SESSION:
		return store_session(st, caller, true);
	case NAME_ROOT_GLOBAL:
		return store_global(st);
	case NAME_ROOT_SESSION:
		return store_session(st, p.session, true);
	}
	return NULL;
}

/* CreateFileMapping by Win32 name from session `caller`; *existed says ERROR_ALREADY_EXISTS. */
static struct handle *win32_create(uint32_t caller, const char *name, bool *existed)
{
	char leaf[NAME_LEAF_MAX + 1];
	struct ns *ns = resolve(caller, name, leaf);

	CU_ASSERT_PTR_NOT_NULL_FATAL(ns);
	return create(ns, leaf, PAGE, existed);
}

/* OpenFileMapping by Win32 name from session `caller`: the section, or NULL. */
static struct section *win32_open(uint32_t caller, const char *name)
{
	char leaf[NAME_LEAF_MAX + 1];
	struct ns *ns = resolve(caller, name, leaf);

	return lookup(ns, leaf);
}

/* ---- A11, B12 ---- */

static void test_A11_create_makes_a_new_object(void)
{
	struct section_spec spec = spec_of(PAGE_EXECUTE_READWRITE, 3 * PAGE, SECTION_TEMPORARY);
	struct ns *g = store_global(st), *ns = NULL;
	char leaf[NAME_LEAF_MAX + 1];
	struct handle *h = NULL;
	unsigned handles, views;
	bool existed = true;

	CU_ASSERT_EQUAL_FATAL(ns_create(g, "new", &spec, &owner, NS_OPEN_IF_EXISTS,
					FILE_MAP_READ | FILE_MAP_WRITE, &h, &existed), ERROR_SUCCESS);
	CU_ASSERT_FALSE(existed);
	CU_ASSERT_EQUAL(handle_access(h), FILE_MAP_READ | FILE_MAP_WRITE);
	CU_ASSERT_EQUAL(handle_role(h), HANDLE_ROLE_HANDLE);
	CU_ASSERT_FALSE(handle_is_private(h));
	CU_ASSERT_TRUE(section_name(handle_section(h), &ns, leaf));
	CU_ASSERT_PTR_EQUAL(ns, g);
	CU_ASSERT_STRING_EQUAL(leaf, "new");
	CU_ASSERT_EQUAL(section_size(handle_section(h)), 3 * PAGE);
	CU_ASSERT_EQUAL(section_protect(handle_section(h)), PAGE_EXECUTE_READWRITE);
	CU_ASSERT_EQUAL(section_lifetime(handle_section(h)), SECTION_TEMPORARY);
	CU_ASSERT_FALSE(section_is_staged(handle_section(h)));
	section_holders(handle_section(h), &handles, &views);
	CU_ASSERT_EQUAL(handles, 1);
	CU_ASSERT_EQUAL(views, 0);
	CU_ASSERT_EQUAL(ns_count(g), 1);
	CU_ASSERT_EQUAL(store_live_sections(st), 1);
	CU_ASSERT_EQUAL(store_used(st), 3 * PAGE);
	CU_ASSERT_PTR_EQUAL(lookup(g, "new"), handle_section(h));
	handle_close(h);   /* temporary: the name goes with it */
	CU_ASSERT_EQUAL(ns_count(g), 0);
}

static void test_B12_create_of_an_existing_name_opens_it(void)
{
	struct section_spec other = spec_of(PAGE_READONLY, 9 * PAGE, SECTION_TEMPORARY);
	struct ns *g = store_global(st);
	struct handle *a = create_new(g, "shared", 2 * PAGE), *b = NULL;
	unsigned handles, views;
	bool existed = false;

	write_byte(a, 100, 'A');
	CU_ASSERT_EQUAL_FATAL(ns_create(g, "shared", &other, &owner, NS_OPEN_IF_EXISTS,
					FILE_MAP_READ, &b, &existed), ERROR_SUCCESS);
	CU_ASSERT_TRUE(existed);
	CU_ASSERT_PTR_NOT_EQUAL(a, b);                            /* a new handle */
	CU_ASSERT_PTR_EQUAL(handle_section(a), handle_section(b)); /* to the same object */
	CU_ASSERT_EQUAL(handle_access(b), FILE_MAP_READ);
	/* the second call's size, protection and lifetime are ignored */
	CU_ASSERT_EQUAL(section_size(handle_section(b)), 2 * PAGE);
	CU_ASSERT_EQUAL(section_protect(handle_section(b)), PAGE_READWRITE);
	CU_ASSERT_EQUAL(section_lifetime(handle_section(b)), SECTION_PERMANENT);
	CU_ASSERT_EQUAL(read_byte(b, 100), 'A');                  /* and its data is seen */
	section_holders(handle_section(a), &handles, &views);
	CU_ASSERT_EQUAL(handles, 2);
	CU_ASSERT_EQUAL(store_live_sections(st), 1);
	CU_ASSERT_EQUAL(store_used(st), 2 * PAGE);
	CU_ASSERT_EQUAL(ns_count(g), 1);
	handle_close(a);
	handle_close(b);
	CU_ASSERT_EQUAL(ns_unlink(g, "shared"), ERROR_SUCCESS);
}

static void test_B12_create_new_refuses_an_existing_name(void)
{
	struct section_spec spec = spec_of(PAGE_READWRITE, PAGE, SECTION_PERMANENT);
	struct ns *s = store_session(st, 4, true);
	struct handle *a = create_new(s, "x", PAGE);
	struct handle *b = (struct handle *)&spec;   /* a sentinel: must stay as it is */
	unsigned handles, views;
	bool existed = false;

	CU_ASSERT_EQUAL(ns_create(s, "x", &spec, &owner, NS_CREATE_NEW, FILE_MAP_ALL_ACCESS, &b,
				  &existed), ERROR_ALREADY_EXISTS);
	CU_ASSERT_TRUE(existed);
	CU_ASSERT_PTR_EQUAL(b, (struct handle *)&spec);
	section_holders(handle_section(a), &handles, &views);
	CU_ASSERT_EQUAL(handles, 1);
	CU_ASSERT_EQUAL(store_live_sections(st), 1);
	CU_ASSERT_EQUAL(store_used(st), PAGE);
	/* a name that does not exist yet is made */
	existed = true;
	CU_ASSERT_EQUAL_FATAL(ns_create(s, "y", &spec, &owner, NS_CREATE_NEW, FILE_MAP_ALL_ACCESS,
					&b, &existed), ERROR_SUCCESS);
	CU_ASSERT_FALSE(existed);
	CU_ASSERT_PTR_NOT_EQUAL(handle_section(a), handle_section(b));
	handle_close(a);
	handle_close(b);
	CU_ASSERT_EQUAL(ns_unlink(s, "x"), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(ns_unlink(s, "y"), ERROR_SUCCESS);
}

/* Made or opened, a read-only section's handle holds the access asked for (a Windows handle
 * may; its views may not write, D23): refusing an open(2) for writing is the daemon's rule. */
static void test_B12_readonly_section_handles_keep_the_access_asked_for(void)
{
	struct section_spec ro = spec_of(PAGE_READONLY, PAGE, SECTION_PERMANENT);
	struct section_spec rw = spec_of(PAGE_READWRITE, PAGE, SECTION_PERMANENT);
	struct ns *g = store_global(st);
	struct handle *a, *b, *c;
	unsigned handles, views;
	bool existed = true;

	CU_ASSERT_EQUAL_FATAL(ns_create(g, "ro", &ro, &owner, NS_OPEN_IF_EXISTS,
					FILE_MAP_ALL_ACCESS, &a, &existed), ERROR_SUCCESS);
	CU_ASSERT_FALSE(existed);
	CU_ASSERT_EQUAL_FATAL(ns_create(g, "ro", &rw, &owner, NS_OPEN_IF_EXISTS, FILE_MAP_WRITE, &b,
					&existed), ERROR_SUCCESS);
	CU_ASSERT_TRUE(existed);
	CU_ASSERT_PTR_EQUAL(handle_section(b), handle_section(a));
	CU_ASSERT_EQUAL(section_protect(handle_section(b)), PAGE_READONLY);
	CU_ASSERT_EQUAL(handle_access(b), FILE_MAP_WRITE);
	CU_ASSERT_EQUAL_FATAL(ns_open(g, "ro", FILE_MAP_ALL_ACCESS, &c), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(handle_access(c), FILE_MAP_ALL_ACCESS);
	section_holders(handle_section(a), &handles, &views);
	CU_ASSERT_EQUAL(handles, 3);
	handle_close(c);
	handle_close(b);
	handle_close(a);
	CU_ASSERT_EQUAL(ns_unlink(g, "ro"), ERROR_SUCCESS);
}

static void test_A11_cap_full_makes_nothing(void)
{
	struct section_spec big = spec_of(PAGE_READWRITE, (uint64_t)CAP + 1, SECTION_PERMANENT);
	struct ns *g = store_global(st);
	struct handle *h = NULL;
	bool existed = false;

	CU_ASSERT_EQUAL(ns_create(g, "big", &big, &owner, NS_OPEN_IF_EXISTS, FILE_MAP_ALL_ACCESS,
				  &h, &existed), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_PTR_NULL(h);
	CU_ASSERT_FALSE(exists(g, "big"));
	CU_ASSERT_EQUAL(store_live_sections(st), 0);
	CU_ASSERT_EQUAL(store_used(st), 0);
}

static void test_A1_size_zero_fails_even_if_the_name_exists(void)
{
	struct ns *g = store_global(st);
	struct handle *h = create_new(g, "X", PAGE);
	struct section_spec spec;

	/* CreateFileMapping checks the size first: the existing object is never reached */
	CU_ASSERT_EQUAL(section_spec_win32(PAGE_READWRITE, 0, -1, 0, SECTION_TEMPORARY, &spec),
			ERROR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(section_size(handle_section(h)), PAGE);
	CU_ASSERT_EQUAL(store_live_sections(st), 1);
	handle_close(h);
	CU_ASSERT_EQUAL(ns_unlink(g, "X"), ERROR_SUCCESS);
}

/* ---- B13 ---- */

static void test_B13_reserved_names_are_not_sections(void)
{
	const char *links[] = { "Global", "Local", "Session" };
	struct section_spec spec = spec_of(PAGE_READWRITE, PAGE, SECTION_PERMANENT);
	struct ns *spaces[] = { store_global(st), store_session(st, 1, true), store_staging(st) };
	struct handle *keep = create_new(store_global(st), "keep", PAGE);

	for (size_t n = 0; n < 2; n++) {   /* the namespaces that have the links */
		for (size_t i = 0; i < 3; i++) {
			struct handle *h = NULL;
			struct section *sec = NULL;
			bool existed = false;
			CU_ASSERT_EQUAL(ns_create(spaces[n], links[i], &spec, &owner,
						  NS_OPEN_IF_EXISTS, FILE_MAP_ALL_ACCESS, &h,
						  &existed), ERROR_INVALID_HANDLE);
			CU_ASSERT_EQUAL(ns_create(spaces[n], links[i], &spec, &owner, NS_CREATE_NEW,
						  FILE_MAP_ALL_ACCESS, &h, &existed),
					ERROR_INVALID_HANDLE);
			CU_ASSERT_EQUAL(ns_open(spaces[n], links[i], FILE_MAP_READ, &h),
					ERROR_INVALID_HANDLE);
			CU_ASSERT_EQUAL(ns_lookup(spaces[n], links[i], &sec), ERROR_INVALID_HANDLE);
			CU_ASSERT_EQUAL(ns_unlink(spaces[n], links[i]), ERROR_INVALID_HANDLE);
			CU_ASSERT_PTR_NULL(h);
			CU_ASSERT_PTR_NULL(sec);
		}
	}
	CU_ASSERT_EQUAL(ns_rename(store_global(st), "keep", store_global(st), "Local"),
			ERROR_INVALID_HANDLE);
	CU_ASSERT_EQUAL(ns_rename(store_global(st), "keep", spaces[1], "Session"),
			ERROR_INVALID_HANDLE);
	CU_ASSERT_EQUAL(ns_rename(store_global(st), "Global", spaces[1], "x"),
			ERROR_INVALID_HANDLE);
	CU_ASSERT_TRUE(exists(store_global(st), "keep"));
	CU_ASSERT_EQUAL(ns_count(store_global(st)), 1);
	CU_ASSERT_EQUAL(ns_count(spaces[1]), 0);
	CU_ASSERT_EQUAL(ns_count(spaces[2]), 0);
	CU_ASSERT_EQUAL(store_live_sections(st), 1);
	CU_ASSERT_EQUAL(store_used(st), PAGE);
	handle_close(keep);
	CU_ASSERT_EQUAL(ns_unlink(store_global(st), "keep"), ERROR_SUCCESS);
}

/* Staging holds no links: there, their names are names like any other, and a section staged
 * under one still cannot be published under a link's name. */
static void test_B13_staging_has_no_links(void)
{
	struct ns *staging = store_staging(st);
	struct section *sec = NULL;
	struct handle *h;

	CU_ASSERT_FALSE(ns_has_links(staging));
	CU_ASSERT_TRUE(ns_has_links(store_global(st)));
	CU_ASSERT_EQUAL(ns_lookup(staging, "Global", &sec), ERROR_FILE_NOT_FOUND);
	CU_ASSERT_PTR_NULL(sec);
	CU_ASSERT_EQUAL(ns_unlink(staging, "Local"), ERROR_FILE_NOT_FOUND);
	h = create_new(staging, "Global", PAGE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_TRUE(exists(staging, "Global"));
	CU_ASSERT_EQUAL(ns_rename(staging, "Global", store_global(st), "Session"),
			ERROR_INVALID_HANDLE);
	CU_ASSERT_EQUAL(ns_rename(staging, "Global", store_global(st), "published"),
			ERROR_SUCCESS);
	CU_ASSERT_TRUE(exists(store_global(st), "published"));
	handle_close(h);
	CU_ASSERT_EQUAL(ns_unlink(store_global(st), "published"), ERROR_SUCCESS);
}

static void test_namespace_invalid_leaves_change_nothing(void)
{
	char long_leaf[NAME_LEAF_MAX + 2];
	const struct { const char *leaf; uint32_t error; } bad[] = {
		{ "", ERROR_INVALID_NAME },
		{ ".", ERROR_INVALID_NAME },
		{ "..", ERROR_INVALID_NAME },
		{ long_leaf, ERROR_FILENAME_EXCED_RANGE },
	};
	struct section_spec spec = spec_of(PAGE_READWRITE, PAGE, SECTION_PERMANENT);
	struct ns *g = store_global(st);
	struct handle *keep = create_new(g, "keep", PAGE);

	memset(long_leaf, 'L', NAME_LEAF_MAX + 1);
	long_leaf[NAME_LEAF_MAX + 1] = '\0';
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct handle *h = NULL;
		bool existed = false;
		CU_ASSERT_EQUAL(ns_create(g, bad[i].leaf, &spec, &owner, NS_OPEN_IF_EXISTS,
					  FILE_MAP_ALL_ACCESS, &h, &existed), bad[i].error);
		CU_ASSERT_EQUAL(ns_create(g, bad[i].leaf, &spec, &owner, NS_CREATE_NEW,
					  FILE_MAP_ALL_ACCESS, &h, &existed), bad[i].error);
		CU_ASSERT_PTR_NULL(h);
		CU_ASSERT_EQUAL(ns_rename(g, "keep", g, bad[i].leaf), bad[i].error);
		CU_ASSERT_EQUAL(ns_open(g, bad[i].leaf, FILE_MAP_READ, &h), ERROR_FILE_NOT_FOUND);
		CU_ASSERT_EQUAL(ns_unlink(g, bad[i].leaf), ERROR_FILE_NOT_FOUND);
	}
	CU_ASSERT_TRUE(exists(g, "keep"));
	CU_ASSERT_EQUAL(ns_count(g), 1);
	CU_ASSERT_EQUAL(store_live_sections(st), 1);
	CU_ASSERT_EQUAL(store_used(st), PAGE);
	/* the longest leaf is fine */
	long_leaf[NAME_LEAF_MAX] = '\0';
	CU_ASSERT_EQUAL(ns_rename(g, "keep", g, long_leaf), ERROR_SUCCESS);
	CU_ASSERT_TRUE(exists(g, long_leaf));
	handle_close(keep);
	CU_ASSERT_EQUAL(ns_unlink(g, long_leaf), ERROR_SUCCESS);
}

/* ---- B14 ---- */

static void test_B14_names_are_case_sensitive(void)
{
	struct ns *g = store_global(st);
	struct handle *a = create_new(g, "Wine Test Mapping", PAGE);
	struct handle *b = create_new(g, "WINE TEST MAPPING", 2 * PAGE);
	struct handle *h = NULL;

	CU_ASSERT_PTR_NOT_EQUAL(handle_section(a), handle_section(b));
	CU_ASSERT_EQUAL(ns_count(g), 2);
	CU_ASSERT_EQUAL(ns_open(g, "wine test mapping", FILE_MAP_READ, &h), ERROR_FILE_NOT_FOUND);
	CU_ASSERT_PTR_NULL(h);
	CU_ASSERT_PTR_EQUAL(lookup(g, "Wine Test Mapping"), handle_section(a));
	CU_ASSERT_PTR_EQUAL(lookup(g, "WINE TEST MAPPING"), handle_section(b));
	/* "global" is no link: it is an ordinary name */
	handle_close(create_new(g, "global", PAGE));
	CU_ASSERT_TRUE(exists(g, "global"));
	handle_close(a);
	handle_close(b);
	CU_ASSERT_EQUAL(ns_unlink(g, "Wine Test Mapping"), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(ns_unlink(g, "WINE TEST MAPPING"), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(ns_unlink(g, "global"), ERROR_SUCCESS);
}

static void test_B14_missing_names_are_not_found(void)
{
	struct ns *g = store_global(st);
	struct section *sec = NULL;
	struct handle *h = NULL;

	CU_ASSERT_EQUAL(ns_open(g, "missing", FILE_MAP_READ, &h), ERROR_FILE_NOT_FOUND);
	CU_ASSERT_EQUAL(ns_lookup(g, "missing", &sec), ERROR_FILE_NOT_FOUND);
	CU_ASSERT_EQUAL(ns_unlink(g, "missing"), ERROR_FILE_NOT_FOUND);
	CU_ASSERT_EQUAL(ns_rename(g, "missing", g, "other"), ERROR_FILE_NOT_FOUND);
	CU_ASSERT_PTR_NULL(h);
	CU_ASSERT_PTR_NULL(sec);
	CU_ASSERT_FALSE(exists(g, "other"));
}

/* ---- B16, B17 ---- */

static void test_B16_local_is_the_bare_name(void)
{
	bool existed = true;
	struct handle *h = win32_create(1, "Local\\X", &existed), *again;

	CU_ASSERT_FALSE(existed);
	CU_ASSERT_PTR_EQUAL(win32_open(1, "X"), handle_section(h));
	CU_ASSERT_PTR_EQUAL(win32_open(1, "Local\\Local\\X"), handle_section(h));
	again = win32_create(1, "X", &existed);
	CU_ASSERT_TRUE(existed);
	CU_ASSERT_PTR_EQUAL(handle_section(again), handle_section(h));
	CU_ASSERT_EQUAL(ns_count(store_session(st, 1, false)), 1);
	CU_ASSERT_EQUAL(ns_count(store_global(st)), 0);
	handle_close(again);
	handle_close(h);
	CU_ASSERT_EQUAL(ns_unlink(store_session(st, 1, false), "X"), ERROR_SUCCESS);
}

static void test_B16_local_and_global_differ_outside_session_zero(void)
{
	bool existed = true;
	struct handle *local = win32_create(1, "Local\\X", &existed), *global, *other;

	CU_ASSERT_PTR_NULL(win32_open(1, "Global\\X"));
	global = win32_create(1, "Global\\X", &existed);
	CU_ASSERT_FALSE(existed);                 /* a new object, error 0 */
	CU_ASSERT_PTR_NOT_EQUAL(handle_section(local), handle_section(global));
	/* another session's Local is yet another namespace; Global is shared */
	CU_ASSERT_PTR_NULL(win32_open(2, "X"));
	CU_ASSERT_PTR_EQUAL(win32_open(2, "Global\\X"), handle_section(global));
	other = win32_create(2, "Local\\X", &existed);
	CU_ASSERT_FALSE(existed);
	CU_ASSERT_PTR_NOT_EQUAL(handle_section(other), handle_section(local));
	CU_ASSERT_PTR_NOT_EQUAL(handle_section(other), handle_section(global));
	CU_ASSERT_EQUAL(store_live_sections(st), 3);
	handle_close(local);
	handle_close(global);
	handle_close(other);
	CU_ASSERT_EQUAL(ns_unlink(store_session(st, 1, false), "X"), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(ns_unlink(store_session(st, 2, false), "X"), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(ns_unlink(store_global(st), "X"), ERROR_SUCCESS);
}

static void test_B16_session_zero_local_is_global(void)
{
	bool existed = true;
	struct handle *h = win32_create(0, "Local\\Y", &existed), *g;

	CU_ASSERT_FALSE(existed);
	CU_ASSERT_PTR_EQUAL(win32_open(0, "Global\\Y"), handle_section(h));
	CU_ASSERT_PTR_EQUAL(win32_open(0, "Y"), handle_section(h));
	CU_ASSERT_PTR_EQUAL(win32_open(0, "Session\\0\\Y"), handle_section(h));
	CU_ASSERT_PTR_EQUAL(win32_open(3, "Global\\Y"), handle_section(h));
	CU_ASSERT_PTR_NULL(win32_open(3, "Y"));
	g = win32_create(0, "Global\\Y", &existed);
	CU_ASSERT_TRUE(existed);
	CU_ASSERT_PTR_EQUAL(handle_section(g), handle_section(h));
	CU_ASSERT_EQUAL(ns_count(store_global(st)), 1);
	handle_close(g);
	handle_close(h);
	CU_ASSERT_EQUAL(ns_unlink(store_global(st), "Y"), ERROR_SUCCESS);
}

static void test_B17_session_names_reach_that_session(void)
{
	bool existed = true;
	struct handle *h = win32_create(5, "Z", &existed), *from_other;

	CU_ASSERT_FALSE(existed);
	CU_ASSERT_PTR_EQUAL(win32_open(1, "Session\\5\\Z"), handle_section(h));
	CU_ASSERT_PTR_EQUAL(win32_open(0, "Session\\5\\Local\\Z"), handle_section(h));
	CU_ASSERT_PTR_NULL(win32_open(6, "Z"));
	from_other = win32_create(6, "Session\\5\\Z", &existed);
	CU_ASSERT_TRUE(existed);
	CU_ASSERT_PTR_EQUAL(handle_section(from_other), handle_section(h));
	handle_close(from_other);
	handle_close(h);
	CU_ASSERT_EQUAL(ns_unlink(store_session(st, 5, false), "Z"), ERROR_SUCCESS);
}

/* ---- unlink ---- */

static void test_C20_unlink_removes_the_name_at_once_while_holders_keep_data(void)
{
	struct ns *g = store_global(st);
	struct handle *h = create_new(g, "P", PAGE), *n, *o = NULL;
	struct section *sec = handle_section(h);
	struct ns *where = NULL;
	char leaf[NAME_LEAF_MAX + 1];

	write_byte(h, 7, 'p');
	CU_ASSERT_EQUAL(ns_unlink(g, "P"), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(ns_open(g, "P", FILE_MAP_READ, &o), ERROR_FILE_NOT_FOUND);
	CU_ASSERT_PTR_NULL(o);
	CU_ASSERT_EQUAL(ns_count(g), 0);
	CU_ASSERT_FALSE(section_name(sec, &where, leaf));
	CU_ASSERT_EQUAL(ns_unlink(g, "P"), ERROR_FILE_NOT_FOUND);
	/* the holder still has the data */
	CU_ASSERT_FALSE(section_is_destroyed(sec));
	CU_ASSERT_EQUAL(read_byte(h, 7), 'p');
	write_byte(h, 8, 'q');
	CU_ASSERT_EQUAL(read_byte(h, 8), 'q');
	/* the name is free for a new object */
	n = create_new(g, "P", PAGE);
	CU_ASSERT_PTR_NOT_EQUAL(handle_section(n), sec);
	CU_ASSERT_EQUAL(read_byte(n, 7), 0);
	CU_ASSERT_EQUAL(store_live_sections(st), 2);
	handle_close(h);   /* the last holder of the unlinked one */
	CU_ASSERT_EQUAL(store_live_sections(st), 1);
	CU_ASSERT_EQUAL(store_used(st), PAGE);
	handle_close(n);
	CU_ASSERT_EQUAL(ns_unlink(g, "P"), ERROR_SUCCESS);
}

static void test_C21_unlink_of_an_unheld_section_destroys_it(void)
{
	struct ns *g = store_global(st);

	handle_close(create_new(g, "gone", 5 * PAGE));
	CU_ASSERT_EQUAL(store_live_sections(st), 1);          /* permanent: kept by its name */
	CU_ASSERT_EQUAL(store_used(st), 5 * PAGE);
	CU_ASSERT_EQUAL(ns_unlink(g, "gone"), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(store_live_sections(st), 0);
	CU_ASSERT_EQUAL(store_used(st), 0);
}

/* ---- rename ---- */

static void test_namespace_rename_moves_the_name(void)
{
	struct ns *g = store_global(st), *s2 = store_session(st, 2, true), *where = NULL;
	struct handle *h = create_new(g, "a", PAGE);
	struct section *sec = handle_section(h);
	char leaf[NAME_LEAF_MAX + 1];

	CU_ASSERT_EQUAL(ns_rename(g, "a", g, "b"), ERROR_SUCCESS);
	CU_ASSERT_FALSE(exists(g, "a"));
	CU_ASSERT_PTR_EQUAL(lookup(g, "b"), sec);
	CU_ASSERT_TRUE(section_name(sec, &where, leaf));
	CU_ASSERT_PTR_EQUAL(where, g);
	CU_ASSERT_STRING_EQUAL(leaf, "b");
	CU_ASSERT_EQUAL(ns_rename(g, "b", s2, "c"), ERROR_SUCCESS);
	CU_ASSERT_FALSE(exists(g, "b"));
	CU_ASSERT_PTR_EQUAL(lookup(s2, "c"), sec);
	CU_ASSERT_TRUE(section_name(sec, &where, leaf));
	CU_ASSERT_PTR_EQUAL(where, s2);
	CU_ASSERT_STRING_EQUAL(leaf, "c");
	CU_ASSERT_EQUAL(ns_count(g), 0);
	CU_ASSERT_EQUAL(ns_count(s2), 1);
	/* onto itself: nothing changes */
	CU_ASSERT_EQUAL(ns_rename(s2, "c", s2, "c"), ERROR_SUCCESS);
	CU_ASSERT_PTR_EQUAL(lookup(s2, "c"), sec);
	CU_ASSERT_EQUAL(store_live_sections(st), 1);
	handle_close(h);
	CU_ASSERT_EQUAL(ns_unlink(s2, "c"), ERROR_SUCCESS);
}

static void test_namespace_rename_never_replaces(void)
{
	struct ns *g = store_global(st), *s1 = store_session(st, 1, true);
	struct handle *a = create_new(g, "a", PAGE), *b = create_new(g, "b", 2 * PAGE);
	struct handle *c = create_new(s1, "b", 3 * PAGE);

	CU_ASSERT_EQUAL(ns_rename(g, "a", g, "b"), ERROR_ALREADY_EXISTS);
	CU_ASSERT_EQUAL(ns_rename(g, "a", s1, "b"), ERROR_ALREADY_EXISTS);
	CU_ASSERT_EQUAL(ns_rename(s1, "b", g, "b"), ERROR_ALREADY_EXISTS);
	CU_ASSERT_PTR_EQUAL(lookup(g, "a"), handle_section(a));
	CU_ASSERT_PTR_EQUAL(lookup(g, "b"), handle_section(b));
	CU_ASSERT_PTR_EQUAL(lookup(s1, "b"), handle_section(c));
	CU_ASSERT_EQUAL(ns_count(g), 2);
	CU_ASSERT_EQUAL(ns_count(s1), 1);
	CU_ASSERT_EQUAL(store_live_sections(st), 3);
	CU_ASSERT_EQUAL(store_used(st), 6 * PAGE);
	handle_close(a);
	handle_close(b);
	handle_close(c);
	CU_ASSERT_EQUAL(ns_unlink(g, "a"), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(ns_unlink(g, "b"), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(ns_unlink(s1, "b"), ERROR_SUCCESS);
}

static void test_namespace_rename_into_staging_is_refused(void)
{
	struct ns *g = store_global(st), *staging = store_staging(st);
	struct handle *h = create_new(g, "pub", PAGE);

	CU_ASSERT_EQUAL(ns_rename(g, "pub", staging, "back"), ERROR_ACCESS_DENIED);
	CU_ASSERT_PTR_EQUAL(lookup(g, "pub"), handle_section(h));
	CU_ASSERT_FALSE(exists(staging, "back"));
	CU_ASSERT_FALSE(section_is_staged(handle_section(h)));
	handle_close(h);
	CU_ASSERT_EQUAL(ns_unlink(g, "pub"), ERROR_SUCCESS);
}

static void test_namespace_publishing_from_staging_clears_staged(void)
{
	struct ns *g = store_global(st), *staging = store_staging(st);
	struct handle *h = create_new(staging, "tmp1", PAGE);
	struct section *sec = handle_section(h);

	CU_ASSERT_TRUE(section_is_staged(sec));
	CU_ASSERT_EQUAL(section_set_protect(sec, PAGE_READONLY), ERROR_SUCCESS);
	/* within staging it stays staged */
	CU_ASSERT_EQUAL(ns_rename(staging, "tmp1", staging, "tmp2"), ERROR_SUCCESS);
	CU_ASSERT_TRUE(section_is_staged(sec));
	CU_ASSERT_EQUAL(ns_count(staging), 1);
	CU_ASSERT_EQUAL(ns_rename(staging, "tmp2", g, "final"), ERROR_SUCCESS);
	CU_ASSERT_FALSE(section_is_staged(sec));
	CU_ASSERT_EQUAL(ns_count(staging), 0);
	CU_ASSERT_PTR_EQUAL(lookup(g, "final"), sec);
	/* what it is is fixed from now on */
	CU_ASSERT_EQUAL(section_set_protect(sec, PAGE_READWRITE), ERROR_ACCESS_DENIED);
	CU_ASSERT_EQUAL(section_set_lifetime(sec, SECTION_TEMPORARY), ERROR_ACCESS_DENIED);
	CU_ASSERT_EQUAL(section_protect(sec), PAGE_READONLY);
	CU_ASSERT_EQUAL(section_resize(sec, 2 * PAGE, NULL), ERROR_ACCESS_DENIED);
	/* a permanent published section keeps its name without handles */
	handle_close(h);
	CU_ASSERT_TRUE(exists(g, "final"));
	CU_ASSERT_EQUAL(ns_unlink(g, "final"), ERROR_SUCCESS);
}

static void test_namespace_publishing_onto_an_existing_name_is_refused(void)
{
	struct ns *g = store_global(st), *staging = store_staging(st);
	struct handle *old = create_new(g, "name", PAGE);
	struct handle *h = create_new(staging, "work", 2 * PAGE);

	CU_ASSERT_EQUAL(ns_rename(staging, "work", g, "name"), ERROR_ALREADY_EXISTS);
	CU_ASSERT_TRUE(section_is_staged(handle_section(h)));
	CU_ASSERT_PTR_EQUAL(lookup(staging, "work"), handle_section(h));
	CU_ASSERT_PTR_EQUAL(lookup(g, "name"), handle_section(old));
	handle_close(h);   /* staged: its name goes with its last handle */
	CU_ASSERT_EQUAL(ns_count(staging), 0);
	handle_close(old);
	CU_ASSERT_EQUAL(ns_unlink(g, "name"), ERROR_SUCCESS);
}

/* ---- listing ---- */

static void test_namespace_listing_is_sorted(void)
{
	const char *names[] = { "b", "a", "C", "a b", "\\x", "ab", "B", "~", "0" };
	const char *sorted[] = { "0", "B", "C", "\\x", "a", "a b", "ab", "b", "~" };
	struct ns *s7 = store_session(st, 7, true);
	struct handle *h[9];
	struct ns_listing list;

	CU_ASSERT_EQUAL(ns_list(s7, &list), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(list.count, 0);
	ns_listing_free(&list);
	for (size_t i = 0; i < 9; i++)
		h[i] = create_new(s7, names[i], PAGE);
	CU_ASSERT_EQUAL_FATAL(ns_list(s7, &list), ERROR_SUCCESS);
	CU_ASSERT_EQUAL_FATAL(list.count, 9);
	for (size_t i = 0; i < 9; i++) {
		CU_ASSERT_STRING_EQUAL(list.entries[i].name, sorted[i]);
		CU_ASSERT_PTR_EQUAL(list.entries[i].section, lookup(s7, sorted[i]));
	}
	/* a snapshot: it holds its sections while names and handles go */
	for (size_t i = 0; i < 9; i++) {
		handle_close(h[i]);
		CU_ASSERT_EQUAL(ns_unlink(s7, names[i]), ERROR_SUCCESS);
	}
	CU_ASSERT_EQUAL(ns_count(s7), 0);
	CU_ASSERT_EQUAL(store_live_sections(st), 0);   /* the data went: the slots are free */
	CU_ASSERT_STRING_EQUAL(list.entries[8].name, "~");
	CU_ASSERT_TRUE(section_is_destroyed(list.entries[8].section));
	CU_ASSERT_EQUAL(store_used(st), 0);
	ns_listing_free(&list);
	CU_ASSERT_EQUAL(list.count, 0);
	CU_ASSERT_PTR_NULL(list.entries);
	CU_ASSERT_EQUAL(store_live_sections(st), 0);
}

static void test_namespace_listing_shows_one_namespace(void)
{
	struct ns *g = store_global(st), *s1 = store_session(st, 1, true);
	struct handle *a = create_new(g, "in-global", PAGE), *b = create_new(s1, "in-one", PAGE);
	struct ns_listing list;

	CU_ASSERT_EQUAL_FATAL(ns_list(s1, &list), ERROR_SUCCESS);
	CU_ASSERT_EQUAL_FATAL(list.count, 1);
	CU_ASSERT_STRING_EQUAL(list.entries[0].name, "in-one");
	ns_listing_free(&list);
	CU_ASSERT_EQUAL_FATAL(ns_list(store_staging(st), &list), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(list.count, 0);
	ns_listing_free(&list);
	handle_close(a);
	handle_close(b);
	CU_ASSERT_EQUAL(ns_unlink(g, "in-global"), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(ns_unlink(s1, "in-one"), ERROR_SUCCESS);
}

/* ---- when names last changed (the directory's mtime) ---- */

/* Waits until the clock has moved on, so that a change now is later than anything before. */
static int64_t tick(void)
{
	struct timespec a, b;

	clock_gettime(CLOCK_REALTIME, &a);
	do
		clock_gettime(CLOCK_REALTIME, &b);
	while (b.tv_sec == a.tv_sec && b.tv_nsec < a.tv_nsec + 2000);
	return (int64_t)b.tv_sec * 1000000000 + b.tv_nsec;
}

static void test_namespace_changed_when_a_name_comes_or_goes(void)
{
	struct section_spec spec = spec_of(PAGE_READWRITE, PAGE, SECTION_PERMANENT);
	struct ns *g = store_global(st), *s = store_session(st, 3, true);
	struct handle *h, *o;
	bool existed;
	int64_t before, g_was, s_was;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	before = tick();
	CU_ASSERT(ns_changed(g) > 0 && ns_changed(g) < before);
	/* create */
	h = create_new(g, "a", PAGE);
	CU_ASSERT(ns_changed(g) > before);
	CU_ASSERT(ns_changed(s) < before);

	/* nothing that leaves the names as they are changes it */
	g_was = ns_changed(g);
	tick();
	CU_ASSERT_EQUAL(ns_create(g, "a", &spec, &owner, NS_OPEN_IF_EXISTS, FILE_MAP_READ, &o,
				  &existed), ERROR_SUCCESS);
	CU_ASSERT_TRUE(existed);
	handle_close(o);
	CU_ASSERT_EQUAL(ns_create(g, "a", &spec, &owner, NS_CREATE_NEW, FILE_MAP_READ, &o,
				  &existed), ERROR_ALREADY_EXISTS);
	CU_ASSERT_EQUAL(ns_create(g, "bad/leaf", &spec, &owner, NS_CREATE_NEW, FILE_MAP_READ, &o,
				  &existed), ERROR_INVALID_NAME);
	write_byte(h, 0, 'w');
	CU_ASSERT_EQUAL(section_resize(handle_section(h), 2 * PAGE, h), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(ns_open(g, "a", FILE_MAP_READ, &o), ERROR_SUCCESS);
	handle_close(o);
	CU_ASSERT_EQUAL(ns_unlink(g, "missing"), ERROR_FILE_NOT_FOUND);
	CU_ASSERT_EQUAL(ns_rename(g, "a", g, "a"), ERROR_SUCCESS);      /* onto itself */
	handle_close(create_new(s, "taken", PAGE));
	s_was = ns_changed(s);
	tick();
	CU_ASSERT_EQUAL(ns_rename(g, "a", s, "taken"), ERROR_ALREADY_EXISTS);
	CU_ASSERT_EQUAL(ns_changed(g), g_was);
	CU_ASSERT_EQUAL(ns_changed(s), s_was);

	/* rename: both ends */
	before = tick();
	CU_ASSERT_EQUAL(ns_rename(g, "a", s, "b"), ERROR_SUCCESS);
	CU_ASSERT(ns_changed(g) > before);
	CU_ASSERT(ns_changed(s) > before);
	/* unlink */
	g_was = ns_changed(g);
	before = tick();
	CU_ASSERT_EQUAL(ns_unlink(s, "b"), ERROR_SUCCESS);
	CU_ASSERT(ns_changed(s) > before);
	CU_ASSERT_EQUAL(ns_changed(g), g_was);
	handle_close(h);
	CU_ASSERT_EQUAL(ns_unlink(s, "taken"), ERROR_SUCCESS);
	ns_put(s);
}

static void test_C20_namespace_changed_when_a_temporary_name_goes(void)
{
	struct section_spec spec = spec_of(PAGE_READWRITE, PAGE, SECTION_TEMPORARY);
	struct ns *g = store_global(st);
	struct handle *h, *o;
	bool existed;
	int64_t before, was;

	CU_ASSERT_EQUAL_FATAL(ns_create(g, "temp", &spec, &owner, NS_CREATE_NEW,
					FILE_MAP_ALL_ACCESS, &h, &existed), ERROR_SUCCESS);
	CU_ASSERT_EQUAL_FATAL(ns_open(g, "temp", FILE_MAP_READ, &o), ERROR_SUCCESS);
	was = ns_changed(g);
	tick();
	handle_close(o);                         /* a handle is left: the name stays */
	CU_ASSERT_EQUAL(ns_changed(g), was);
	before = tick();
	handle_close(h);                         /* the last one: the name goes (C20) */
	CU_ASSERT_EQUAL(ns_count(g), 0);
	CU_ASSERT(ns_changed(g) > before);
}

static void test_namespace_changed_when_staging_publishes(void)
{
	struct ns *g = store_global(st), *staging = store_staging(st);
	struct handle *h = create_new(staging, "building", PAGE);
	int64_t before = tick();

	CU_ASSERT(ns_changed(staging) < before);
	CU_ASSERT_EQUAL(ns_rename(staging, "building", g, "built"), ERROR_SUCCESS);
	CU_ASSERT(ns_changed(staging) > before);
	CU_ASSERT(ns_changed(g) > before);
	handle_close(h);
	CU_ASSERT_EQUAL(ns_unlink(g, "built"), ERROR_SUCCESS);
}

const char *suite_name = "namespace";
const struct unit_test suite_tests[] = {
	UNIT_TEST(test_A11_create_makes_a_new_object),
	UNIT_TEST(test_A11_cap_full_makes_nothing),
	UNIT_TEST(test_A1_size_zero_fails_even_if_the_name_exists),
	UNIT_TEST(test_B12_create_of_an_existing_name_opens_it),
	UNIT_TEST(test_B12_create_new_refuses_an_existing_name),
	UNIT_TEST(test_B12_readonly_section_handles_keep_the_access_asked_for),
	UNIT_TEST(test_B13_reserved_names_are_not_sections),
	UNIT_TEST(test_B13_staging_has_no_links),
	UNIT_TEST(test_namespace_invalid_leaves_change_nothing),
	UNIT_TEST(test_B14_names_are_case_sensitive),
	UNIT_TEST(test_B14_missing_names_are_not_found),
	UNIT_TEST(test_B16_local_is_the_bare_name),
	UNIT_TEST(test_B16_local_and_global_differ_outside_session_zero),
	UNIT_TEST(test_B16_session_zero_local_is_global),
	UNIT_TEST(test_B17_session_names_reach_that_session),
	UNIT_TEST(test_C20_unlink_removes_the_name_at_once_while_holders_keep_data),
	UNIT_TEST(test_C21_unlink_of_an_unheld_section_destroys_it),
	UNIT_TEST(test_namespace_rename_moves_the_name),
	UNIT_TEST(test_namespace_rename_never_replaces),
	UNIT_TEST(test_namespace_rename_into_staging_is_refused),
	UNIT_TEST(test_namespace_publishing_from_staging_clears_staged),
	UNIT_TEST(test_namespace_publishing_onto_an_existing_name_is_refused),
	UNIT_TEST(test_namespace_listing_is_sorted),
	UNIT_TEST(test_namespace_listing_shows_one_namespace),
	UNIT_TEST(test_namespace_changed_when_a_name_comes_or_goes),
	UNIT_TEST(test_C20_namespace_changed_when_a_temporary_name_goes),
	UNIT_TEST(test_namespace_changed_when_staging_publishes),
	{ 0 },
};
