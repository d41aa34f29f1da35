/* The one main() of the core suites: each suite file lists its tests, cunit_main.c runs them.
 *
 * A suite file defines:
 *     const char *suite_name = "section";
 *     const struct unit_test suite_tests[] = { UNIT_TEST(test_A1_pagefile_size_zero), ..., {0} };
 * and optionally suite_setup/suite_teardown (weak, run around every test). */
#ifndef SECTIONFS_CUNIT_MAIN_H
#define SECTIONFS_CUNIT_MAIN_H

#include <CUnit/CUnit.h>

struct unit_test {
	const char *name;
	void (*fn)(void);
};

#define UNIT_TEST(fn) { #fn, fn }

extern const char *suite_name;
extern const struct unit_test suite_tests[];

/* Run before and after every test when a suite defines them. */
void suite_setup(void) __attribute__((weak));
void suite_teardown(void) __attribute__((weak));

#endif
