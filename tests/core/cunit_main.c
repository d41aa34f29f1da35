/* Runs one suite's tests with CUnit's basic interface; exits 1 when any assertion failed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "cunit_main.h"

static void run_setup(void)
{
	if (suite_setup)
		suite_setup();
}

static void run_teardown(void)
{
	if (suite_teardown)
		suite_teardown();
}

int main(int argc, char **argv)
{
	CU_pSuite suite;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	suite = CU_add_suite_with_setup_and_teardown(suite_name, NULL, NULL, run_setup, run_teardown);
	if (!suite)
		return 2;
	for (const struct unit_test *t = suite_tests; t->name; t++) {
		/* an argument picks tests by name, for a quick rerun of one */
		if (argc > 1 && !strstr(t->name, argv[1]))
			continue;
		if (!CU_add_test(suite, t->name, t->fn))
			return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
