/* The store every core test starts from, and the check that each test gives everything back. */
#include "fixture.h"

#include <CUnit/CUnit.h>
#include <unistd.h>

struct store *fixture_store(uint64_t cap)
{
	struct store *st = store_new(cap);

	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
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
