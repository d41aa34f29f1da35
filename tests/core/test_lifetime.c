/* Lifetime: rules C20 and C21.  A temporary section's name goes with its last handle even while
 * views still hold (and read) its data, and the name is then free for a new object; a section
 * with no handles and no views is destroyed; a permanent section lives until it is unlinked and
 * unheld.  The store's unname hook hears of every name that went without anyone asking, once,
 * and never of an unlink. */
#include <CUnit/CUnit.h>

#include <stdio.h>
#include <string.h>
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

static struct store *st;
static struct section_owner owner;

/* What the unname hook saw. */
static struct {
	unsigned calls;
	struct ns *ns;
	char leaf[NAME_LEAF_MAX + 1];
	struct section *sec;
	uint64_t id;
	bool sec_had_name;          /* section_name() in the hook: the name must be gone already */
	bool name_resolved;         /* ns_lookup() in the hook: likewise */
	size_t ns_count;            /* store calls from the hook: no lock may be held */
} seen;

static void unname_hook(void *ctx, struct ns *ns, const char *leaf, struct section *sec)
{
	struct ns *where;
	struct section *found;
	char name[NAME_LEAF_MAX + 1];

	CU_ASSERT_PTR_EQUAL(ctx, &seen);
	seen.calls++;
	seen.ns = ns;
	snprintf(seen.leaf, sizeof(seen.leaf), "%s", leaf);
	seen.sec = sec;
	seen.id = section_id(sec);                         /* still referenced */
	seen.sec_had_name = section_name(sec, &where, name);
	seen.name_resolved = ns_lookup(ns, leaf, &found) == ERROR_SUCCESS;
	if (seen.name_resolved)
		section_put(found);
	seen.ns_count = ns_count(ns);
}

void suite_setup(void)
{
	memset(&seen, 0, sizeof(seen));
	owner = fixture_owner(0600);
	st = fixture_store(64u * 1024 * 1024);
	store_set_unname_hook(st, unname_hook, &seen);
}

void suite_teardown(void)
{
	fixture_store_done(&st);
}

static struct handle *create(struct ns *ns, const char *leaf, enum section_lifetime lifetime,
			     uint64_t size, bool *existed)
{
	struct section_spec spec = section_spec_default(lifetime);
	struct handle *h = NULL;

	spec.size = size;
	CU_ASSERT_EQUAL_FATAL(ns_create(ns, leaf, &spec, &owner, NS_OPEN_IF_EXISTS,
					FILE_MAP_ALL_ACCESS, &h, existed), ERROR_SUCCESS);
	return h;
}

static struct handle *create_new(struct ns *ns, const char *leaf, enum section_lifetime lifetime,
				 uint64_t size)
{
	bool existed = true;
	struct handle *h = create(ns, leaf, lifetime, size, &existed);

	CU_ASSERT_FALSE(existed);
	return h;
}

static bool named(struct ns *ns, const char *leaf)
{
	struct handle *h;

	if (ns_open(ns, leaf, FILE_MAP_READ, &h))
		return false;
	handle_close(h);
	return true;
}

static void put_text(struct handle *h, uint64_t off, const char *text)
{
	size_t done = 0;

	CU_ASSERT_EQUAL(handle_write(h, text, strlen(text), off, &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(done, strlen(text));
}

static bool has_text(struct handle *h, uint64_t off, const char *text)
{
	char buf[64] = { 0 };
	size_t done = 0;

	return handle_read(h, buf, strlen(text), off, &done) == ERROR_SUCCESS &&
	       done == strlen(text) && !memcmp(buf, text, done);
}

static void assert_hook_saw(struct ns *ns, const char *leaf, uint64_t id)
{
	CU_ASSERT_EQUAL(seen.calls, 1);
	CU_ASSERT_PTR_EQUAL(seen.ns, ns);
	CU_ASSERT_STRING_EQUAL(seen.leaf, leaf);
	CU_ASSERT_EQUAL(seen.id, id);
	CU_ASSERT_FALSE(seen.sec_had_name);
	CU_ASSERT_FALSE(seen.name_resolved);
}

/* ---- C20 ---- */

static void test_C20_temporary_name_goes_with_the_last_handle(void)
{
	struct ns *g = store_global(st);
	struct handle *a = create_new(g, "T", SECTION_TEMPORARY, PAGE), *b, *c;
	uint64_t id = section_id(handle_section(a));

	CU_ASSERT_EQUAL_FATAL(ns_open(g, "T", FILE_MAP_READ, &b), ERROR_SUCCESS);
	c = create(g, "T", SECTION_TEMPORARY, PAGE, &(bool){ false });
	handle_close(b);
	handle_close(a);
	CU_ASSERT_TRUE(named(g, "T"));     /* c still holds the name */
	CU_ASSERT_EQUAL(seen.calls, 0);
	handle_close(c);
	CU_ASSERT_FALSE(named(g, "T"));
	CU_ASSERT_EQUAL(ns_count(g), 0);
	assert_hook_saw(g, "T", id);
	CU_ASSERT_EQUAL(seen.ns_count, 0);
	CU_ASSERT_EQUAL(store_live_sections(st), 0);        /* and nothing else holds it: C21 */
	CU_ASSERT_EQUAL(store_used(st), 0);
}

static void test_C20_a_view_keeps_the_memory_but_not_the_name(void)
{
	struct ns *s1 = store_session(st, 1, true);
	struct handle *h = create_new(s1, "mapping", SECTION_TEMPORARY, 2 * PAGE), *v, *fresh, *o;
	struct section *old = handle_section(h);
	uint64_t id = section_id(old);
	unsigned handles, views;

	put_text(h, PAGE + 3, "still here");
	CU_ASSERT_EQUAL_FATAL(ns_open(s1, "mapping", FILE_MAP_READ, &v), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(handle_become_view(v), ERROR_SUCCESS);   /* MapViewOfFile */
	CU_ASSERT_EQUAL(handle_role(v), HANDLE_ROLE_VIEW);
	section_holders(old, &handles, &views);
	CU_ASSERT_EQUAL(handles, 1);
	CU_ASSERT_EQUAL(views, 1);
	CU_ASSERT_EQUAL(seen.calls, 0);

	handle_close(h);                                         /* CloseHandle */
	/* the name is gone at once ... */
	CU_ASSERT_EQUAL(ns_open(s1, "mapping", FILE_MAP_READ, &o), ERROR_FILE_NOT_FOUND);
	CU_ASSERT_EQUAL(ns_count(s1), 0);
	assert_hook_saw(s1, "mapping", id);
	CU_ASSERT_PTR_EQUAL(seen.sec, old);
	/* ... while the view still reads the data */
	CU_ASSERT_FALSE(section_is_destroyed(old));
	CU_ASSERT_TRUE(has_text(v, PAGE + 3, "still here"));
	CU_ASSERT_EQUAL(store_used(st), 2 * PAGE);
	CU_ASSERT_EQUAL(store_live_sections(st), 1);

	/* creating the name again makes a new object, error 0 */
	fresh = create_new(s1, "mapping", SECTION_TEMPORARY, PAGE);
	CU_ASSERT_PTR_NOT_EQUAL(handle_section(fresh), old);
	CU_ASSERT_NOT_EQUAL(section_id(handle_section(fresh)), id);
	CU_ASSERT_FALSE(has_text(fresh, PAGE + 3, "still here"));
	CU_ASSERT_EQUAL(section_size(handle_section(fresh)), PAGE);
	CU_ASSERT_TRUE(has_text(v, PAGE + 3, "still here"));   /* the old view is untouched */
	CU_ASSERT_EQUAL(store_live_sections(st), 2);

	handle_close(v);                                         /* UnmapViewOfFile */
	CU_ASSERT_EQUAL(store_live_sections(st), 1);
	CU_ASSERT_EQUAL(store_used(st), PAGE);
	CU_ASSERT_EQUAL(seen.calls, 1);                          /* no second call for the view */
	handle_close(fresh);
	CU_ASSERT_EQUAL(seen.calls, 2);
	CU_ASSERT_STRING_EQUAL(seen.leaf, "mapping");
}

static void test_C20_becoming_a_view_of_the_only_handle_drops_the_name(void)
{
	struct ns *g = store_global(st);
	struct handle *h = create_new(g, "only", SECTION_TEMPORARY, PAGE);
	uint64_t id = section_id(handle_section(h));
	unsigned handles, views;

	put_text(h, 0, "data");
	CU_ASSERT_EQUAL(handle_become_view(h), ERROR_SUCCESS);
	CU_ASSERT_FALSE(named(g, "only"));
	assert_hook_saw(g, "only", id);
	CU_ASSERT_TRUE(has_text(h, 0, "data"));
	/* a view cannot become one again: nothing changes */
	CU_ASSERT_EQUAL(handle_become_view(h), ERROR_INVALID_PARAMETER);
	section_holders(handle_section(h), &handles, &views);
	CU_ASSERT_EQUAL(handles, 0);
	CU_ASSERT_EQUAL(views, 1);
	CU_ASSERT_EQUAL(seen.calls, 1);
	handle_close(h);
	CU_ASSERT_EQUAL(seen.calls, 1);
}

static void test_C20_unlink_never_calls_the_hook(void)
{
	struct ns *g = store_global(st);
	struct handle *h = create_new(g, "T", SECTION_TEMPORARY, PAGE);

	CU_ASSERT_EQUAL(ns_unlink(g, "T"), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(seen.calls, 0);
	CU_ASSERT_FALSE(named(g, "T"));
	handle_close(h);                       /* no name left to take */
	CU_ASSERT_EQUAL(seen.calls, 0);

	h = create_new(g, "P", SECTION_PERMANENT, PAGE);
	handle_close(h);
	CU_ASSERT_EQUAL(ns_unlink(g, "P"), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(seen.calls, 0);
}

static void test_C20_renamed_temporary_section_loses_its_new_name(void)
{
	struct ns *g = store_global(st), *s2 = store_session(st, 2, true);
	struct handle *h = create_new(g, "before", SECTION_TEMPORARY, PAGE);
	uint64_t id = section_id(handle_section(h));

	CU_ASSERT_EQUAL(ns_rename(g, "before", s2, "after"), ERROR_SUCCESS);
	handle_close(h);
	assert_hook_saw(s2, "after", id);
	CU_ASSERT_EQUAL(ns_count(s2), 0);
}

static void test_C20_staged_section_loses_its_staging_name(void)
{
	struct ns *staging = store_staging(st);
	struct handle *h = create_new(staging, "half-made", SECTION_PERMANENT, PAGE);
	uint64_t id = section_id(handle_section(h));

	handle_close(h);
	assert_hook_saw(staging, "half-made", id);
	CU_ASSERT_EQUAL(ns_count(staging), 0);
	CU_ASSERT_EQUAL(store_live_sections(st), 0);
}

static void test_C20_published_temporary_section_keeps_the_rule(void)
{
	struct ns *g = store_global(st), *staging = store_staging(st);
	struct handle *h = create_new(staging, "work", SECTION_PERMANENT, PAGE), *v;
	struct section *sec = handle_section(h);

	CU_ASSERT_EQUAL(section_set_lifetime(sec, SECTION_TEMPORARY), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(ns_rename(staging, "work", g, "published"), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(seen.calls, 0);
	CU_ASSERT_EQUAL_FATAL(ns_open(g, "published", FILE_MAP_READ, &v), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(handle_become_view(v), ERROR_SUCCESS);
	handle_close(h);
	assert_hook_saw(g, "published", section_id(sec));
	CU_ASSERT_FALSE(section_is_destroyed(sec));
	handle_close(v);
}

/* A retired handle lets go at once, before the host's late close (CloseHandle over FUSE). */
static void test_C20_retiring_the_last_handle_drops_the_name_at_once(void)
{
	struct ns *g = store_global(st);
	struct handle *h = create_new(g, "R", SECTION_TEMPORARY, PAGE), *v;
	uint64_t id = section_id(handle_section(h));
	unsigned handles, views;

	CU_ASSERT_EQUAL_FATAL(ns_open(g, "R", FILE_MAP_ALL_ACCESS, &v), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(handle_become_view(v), ERROR_SUCCESS);
	put_text(v, 0, "kept");
	handle_retire(h);
	CU_ASSERT_FALSE(named(g, "R"));                      /* before handle_close */
	assert_hook_saw(g, "R", id);
	section_holders(handle_section(v), &handles, &views);
	CU_ASSERT_EQUAL(handles, 0);
	CU_ASSERT_EQUAL(views, 1);
	handle_retire(h);                                    /* twice changes nothing */
	section_holders(handle_section(v), &handles, &views);
	CU_ASSERT_EQUAL(views, 1);
	CU_ASSERT_EQUAL(handle_become_view(h), ERROR_INVALID_PARAMETER);
	CU_ASSERT_TRUE(has_text(v, 0, "kept"));              /* the view keeps the memory */
	handle_close(h);
	CU_ASSERT_EQUAL(seen.calls, 1);
	handle_retire(v);                                    /* the last view lets go: C21 */
	CU_ASSERT_TRUE(section_is_destroyed(handle_section(v)));
	CU_ASSERT_EQUAL(store_used(st), 0);
	handle_close(v);
}

/* ---- C21 ---- */

static void test_C21_destroyed_with_no_handles_and_no_views(void)
{
	struct section_spec spec = section_spec_default(SECTION_TEMPORARY);
	struct handle *h1, *h2, *v;
	struct section *sec;

	spec.size = 3 * PAGE;
	CU_ASSERT_EQUAL_FATAL(section_new(st, &spec, &owner, &sec), ERROR_SUCCESS);
	CU_ASSERT_EQUAL_FATAL(handle_open(sec, FILE_MAP_ALL_ACCESS, &h1), ERROR_SUCCESS);
	CU_ASSERT_EQUAL_FATAL(handle_open(sec, FILE_MAP_READ, &h2), ERROR_SUCCESS);
	CU_ASSERT_EQUAL_FATAL(handle_open(sec, FILE_MAP_READ, &v), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(handle_become_view(v), ERROR_SUCCESS);
	section_put(sec);                     /* the holders keep it from here */
	CU_ASSERT_EQUAL(store_live_sections(st), 1);
	handle_close(h1);
	handle_close(h2);
	CU_ASSERT_FALSE(section_is_destroyed(sec));
	CU_ASSERT_EQUAL(store_used(st), 3 * PAGE);
	CU_ASSERT_EQUAL(store_live_sections(st), 1);
	handle_close(v);
	CU_ASSERT_EQUAL(store_live_sections(st), 0);
	CU_ASSERT_EQUAL(store_used(st), 0);
	CU_ASSERT_EQUAL(seen.calls, 0);       /* it never had a name */
}

static void test_C21_data_goes_before_the_last_reference(void)
{
	struct ns *g = store_global(st);
	struct handle *h = create_new(g, "T", SECTION_TEMPORARY, 4 * PAGE);
	struct section *sec = handle_section(h);

	section_get(sec);                     /* a reference is not a holder */
	handle_close(h);
	CU_ASSERT_TRUE(section_is_destroyed(sec));
	CU_ASSERT_EQUAL(section_fd(sec), -1);
	CU_ASSERT_EQUAL(store_used(st), 0);
	CU_ASSERT_EQUAL(store_live_sections(st), 0);          /* its slot is free with its data */
	CU_ASSERT_EQUAL(handle_open(sec, FILE_MAP_READ, &h), ERROR_FILE_NOT_FOUND);
	section_put(sec);
	CU_ASSERT_EQUAL(store_live_sections(st), 0);
}

static void test_C21_permanent_section_lives_until_unlinked_and_unheld(void)
{
	struct ns *g = store_global(st);
	struct handle *h = create_new(g, "P", SECTION_PERMANENT, 2 * PAGE), *v;
	struct section *sec = handle_section(h);

	put_text(h, 10, "kept");
	handle_close(h);
	/* no holder: the name keeps it */
	CU_ASSERT_TRUE(named(g, "P"));
	CU_ASSERT_FALSE(section_is_destroyed(sec));
	CU_ASSERT_EQUAL(store_live_sections(st), 1);
	CU_ASSERT_EQUAL(store_used(st), 2 * PAGE);
	CU_ASSERT_EQUAL(seen.calls, 0);

	CU_ASSERT_EQUAL_FATAL(ns_open(g, "P", FILE_MAP_READ, &v), ERROR_SUCCESS);
	CU_ASSERT_PTR_EQUAL(handle_section(v), sec);
	CU_ASSERT_TRUE(has_text(v, 10, "kept"));
	CU_ASSERT_EQUAL(handle_become_view(v), ERROR_SUCCESS);
	CU_ASSERT_TRUE(named(g, "P"));        /* a permanent name does not care about handles */
	/* unlinked but held: the data stays */
	CU_ASSERT_EQUAL(ns_unlink(g, "P"), ERROR_SUCCESS);
	CU_ASSERT_FALSE(named(g, "P"));
	CU_ASSERT_FALSE(section_is_destroyed(sec));
	CU_ASSERT_TRUE(has_text(v, 10, "kept"));
	CU_ASSERT_EQUAL(store_live_sections(st), 1);
	handle_close(v);
	CU_ASSERT_EQUAL(store_live_sections(st), 0);
	CU_ASSERT_EQUAL(store_used(st), 0);
	CU_ASSERT_EQUAL(seen.calls, 0);
}

static void test_C21_unlinked_section_goes_with_its_last_holder(void)
{
	struct ns *g = store_global(st);
	struct handle *a = create_new(g, "P", SECTION_PERMANENT, PAGE), *b;

	CU_ASSERT_EQUAL_FATAL(ns_open(g, "P", FILE_MAP_READ, &b), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(ns_unlink(g, "P"), ERROR_SUCCESS);
	handle_close(a);
	CU_ASSERT_EQUAL(store_live_sections(st), 1);
	CU_ASSERT_EQUAL(store_used(st), PAGE);
	handle_close(b);
	CU_ASSERT_EQUAL(store_live_sections(st), 0);
	CU_ASSERT_EQUAL(store_used(st), 0);
}

const char *suite_name = "lifetime";
const struct unit_test suite_tests[] = {
	UNIT_TEST(test_C20_temporary_name_goes_with_the_last_handle),
	UNIT_TEST(test_C20_a_view_keeps_the_memory_but_not_the_name),
	UNIT_TEST(test_C20_becoming_a_view_of_the_only_handle_drops_the_name),
	UNIT_TEST(test_C20_unlink_never_calls_the_hook),
	UNIT_TEST(test_C20_renamed_temporary_section_loses_its_new_name),
	UNIT_TEST(test_C20_staged_section_loses_its_staging_name),
	UNIT_TEST(test_C20_published_temporary_section_keeps_the_rule),
	UNIT_TEST(test_C20_retiring_the_last_handle_drops_the_name_at_once),
	UNIT_TEST(test_C21_destroyed_with_no_handles_and_no_views),
	UNIT_TEST(test_C21_data_goes_before_the_last_reference),
	UNIT_TEST(test_C21_permanent_section_lives_until_unlinked_and_unheld),
	UNIT_TEST(test_C21_unlinked_section_goes_with_its_last_holder),
	{ 0 },
};
