/* The store every core test starts from, and the check that each test gives everything back. */
#include "fixture.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <unistd.h>

#include "pagefile.h"

struct store *fixture_store(uint64_t cap)
{
	struct store *st = store_new(cap);

	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	return st;
}

struct store *fixture_tmpfs_store(uint64_t cap, uint64_t max_sections)
{
	char why[256] = "";
	struct store_config config = {
		.cap = cap,
		.max_sections = max_sections,
		.pagefile = pagefile_new_tmpfs(cap, max_sections, why, sizeof(why)),
	};
	struct store *st;

	if (!config.pagefile)
		fprintf(stderr, "fixture_tmpfs_store: %s\n", why);
	CU_ASSERT_PTR_NOT_NULL_FATAL(config.pagefile);
	st = store_new_config(&config);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_FALSE(store_counts_sizes(st));
	return st;
}

void fixture_store_done(struct store **st)
{
	CU_ASSERT_EQUAL(store_live_sections(*st), 0);
	CU_ASSERT_EQUAL(store_used(*st), 0);
	if (store_live_sections(*st) == 0)
		store_free(*st);
	*st = NULL;
}

struct section_owner fixture_owner(mode_t mode)
{
	return (struct section_owner){ getuid(), getgid(), mode };
}
