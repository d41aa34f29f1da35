/* Rules A8-A10: which flProtect values make a section, what they report, which files back them. */
#include <CUnit/CUnit.h>

#include <string.h>
#include <sys/mman.h>

#include "cunit_main.h"
#include "protect.h"
#include "win32_constants.h"

static uint32_t parse(uint32_t flprotect, bool file_backed, uint32_t *attributes)
{
	uint32_t page = 0xdead;

	*attributes = 0xdead;
	return protect_parse(flprotect, file_backed, &page, attributes);
}

static void test_A8_each_protection_alone_is_accepted(void)
{
	const uint32_t valid[] = { PAGE_READONLY, PAGE_READWRITE, PAGE_WRITECOPY, PAGE_EXECUTE_READ,
				   PAGE_EXECUTE_READWRITE, PAGE_EXECUTE_WRITECOPY };

	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		uint32_t page = 0, attributes = 0;
		CU_ASSERT_EQUAL(protect_parse(valid[i], false, &page, &attributes), ERROR_SUCCESS);
		CU_ASSERT_EQUAL(page, valid[i]);
	}
}

static void test_A8_invalid_protections_are_refused(void)
{
	const uint32_t invalid[] = { 0, PAGE_NOACCESS, PAGE_EXECUTE, PAGE_READONLY | PAGE_READWRITE,
				     PAGE_READWRITE | PAGE_EXECUTE_READ, PAGE_READWRITE | 0x100,
				     SEC_COMMIT };

	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		uint32_t page = 0xdead, attributes = 0xdead;
		CU_ASSERT_EQUAL(protect_parse(invalid[i], false, &page, &attributes),
				ERROR_INVALID_PARAMETER);
		CU_ASSERT_EQUAL(page, 0xdead);            /* nothing written on failure */
		CU_ASSERT_EQUAL(attributes, 0xdead);
	}
}

/* Wine's sec_flag_tests, paging-file half. */
static void test_A9_pagefile_attributes(void)
{
	const struct { uint32_t flags, error, reported; } cases[] = {
		{ SEC_RESERVE, ERROR_SUCCESS, SEC_RESERVE },
		{ SEC_RESERVE | SEC_NOCACHE, ERROR_SUCCESS, SEC_RESERVE | SEC_NOCACHE },
		{ SEC_RESERVE | SEC_LARGE_PAGES, ERROR_INVALID_PARAMETER, 0 },
		{ SEC_RESERVE | SEC_WRITECOMBINE, ERROR_SUCCESS, SEC_RESERVE | SEC_WRITECOMBINE },
		{ SEC_COMMIT, ERROR_SUCCESS, SEC_COMMIT },
		{ SEC_COMMIT | SEC_NOCACHE, ERROR_SUCCESS, SEC_COMMIT | SEC_NOCACHE },
		{ SEC_COMMIT | SEC_WRITECOMBINE, ERROR_SUCCESS, SEC_COMMIT | SEC_WRITECOMBINE },
		{ SEC_RESERVE | SEC_COMMIT, ERROR_INVALID_PARAMETER, 0 },
		{ SEC_IMAGE, ERROR_BAD_EXE_FORMAT, 0 },
		{ SEC_IMAGE | SEC_RESERVE, ERROR_INVALID_PARAMETER, 0 },
		{ SEC_IMAGE | SEC_COMMIT, ERROR_INVALID_PARAMETER, 0 },
		{ SEC_NOCACHE, ERROR_INVALID_PARAMETER, 0 },
		{ SEC_LARGE_PAGES, ERROR_INVALID_PARAMETER, 0 },
		{ SEC_WRITECOMBINE, ERROR_INVALID_PARAMETER, 0 },
		{ SEC_FILE, ERROR_INVALID_PARAMETER, 0 },
		{ SEC_FILE | SEC_RESERVE, ERROR_INVALID_PARAMETER, 0 },
		{ SEC_FILE | SEC_COMMIT, ERROR_INVALID_PARAMETER, 0 },
		{ 0, ERROR_SUCCESS, SEC_COMMIT },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t attributes;
		CU_ASSERT_EQUAL(parse(cases[i].flags | PAGE_READWRITE, false, &attributes), cases[i].error);
		if (cases[i].error == ERROR_SUCCESS)
			CU_ASSERT_EQUAL(attributes, cases[i].reported);
	}
}

/* Wine's sec_flag_tests, file half: COMMIT and RESERVE become SEC_FILE, caching bits stay. */
static void test_A9_file_attributes(void)
{
	const struct { uint32_t flags, error, reported; } cases[] = {
		{ SEC_RESERVE, ERROR_SUCCESS, SEC_FILE },
		{ SEC_RESERVE | SEC_NOCACHE, ERROR_SUCCESS, SEC_FILE | SEC_NOCACHE },
		{ SEC_RESERVE | SEC_LARGE_PAGES, ERROR_INVALID_PARAMETER, 0 },
		{ SEC_RESERVE | SEC_WRITECOMBINE, ERROR_SUCCESS, SEC_FILE | SEC_WRITECOMBINE },
		{ SEC_COMMIT, ERROR_SUCCESS, SEC_FILE },
		{ SEC_COMMIT | SEC_NOCACHE, ERROR_SUCCESS, SEC_FILE | SEC_NOCACHE },
		{ SEC_COMMIT | SEC_LARGE_PAGES, ERROR_INVALID_PARAMETER, 0 },
		{ SEC_COMMIT | SEC_WRITECOMBINE, ERROR_SUCCESS, SEC_FILE | SEC_WRITECOMBINE },
		{ SEC_RESERVE | SEC_COMMIT, ERROR_INVALID_PARAMETER, 0 },
		{ SEC_IMAGE, ERROR_BAD_EXE_FORMAT, 0 },
		{ SEC_IMAGE | SEC_RESERVE, ERROR_INVALID_PARAMETER, 0 },
		{ SEC_IMAGE | SEC_COMMIT, ERROR_INVALID_PARAMETER, 0 },
		{ SEC_NOCACHE, ERROR_INVALID_PARAMETER, 0 },
		{ SEC_LARGE_PAGES, ERROR_INVALID_PARAMETER, 0 },
		{ SEC_WRITECOMBINE, ERROR_INVALID_PARAMETER, 0 },
		{ SEC_FILE, ERROR_INVALID_PARAMETER, 0 },
		{ SEC_FILE | SEC_RESERVE, ERROR_INVALID_PARAMETER, 0 },
		{ SEC_FILE | SEC_COMMIT, ERROR_INVALID_PARAMETER, 0 },
		{ 0, ERROR_SUCCESS, SEC_FILE },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t attributes;
		CU_ASSERT_EQUAL(parse(cases[i].flags | PAGE_READWRITE, true, &attributes), cases[i].error);
		if (cases[i].error == ERROR_SUCCESS)
			CU_ASSERT_EQUAL(attributes, cases[i].reported);
	}
}

static void test_A9_nocache_with_writecombine_is_refused(void)
{
	uint32_t attributes;

	CU_ASSERT_EQUAL(parse(PAGE_READWRITE | SEC_COMMIT | SEC_NOCACHE | SEC_WRITECOMBINE, false,
			      &attributes), ERROR_INVALID_PARAMETER);
}

static void test_A10_read_only_file_accepts_readonly_and_writecopy(void)
{
	CU_ASSERT_EQUAL(protect_check_file_access(PAGE_READONLY, FILE_ACCESS_READ), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(protect_check_file_access(PAGE_WRITECOPY, FILE_ACCESS_READ), ERROR_SUCCESS);
}

static void test_A10_read_only_file_refuses_readwrite_and_execute(void)
{
	const uint32_t refused[] = { PAGE_READWRITE, PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE,
				     PAGE_EXECUTE_WRITECOPY };

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		CU_ASSERT_EQUAL(protect_check_file_access(refused[i], FILE_ACCESS_READ),
				ERROR_ACCESS_DENIED);
}

static void test_A10_read_write_execute_file_accepts_everything(void)
{
	const uint32_t all[] = { PAGE_READONLY, PAGE_READWRITE, PAGE_WRITECOPY, PAGE_EXECUTE_READ,
				 PAGE_EXECUTE_READWRITE, PAGE_EXECUTE_WRITECOPY };
	unsigned rwx = FILE_ACCESS_READ | FILE_ACCESS_WRITE | FILE_ACCESS_EXECUTE;

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		CU_ASSERT_EQUAL(protect_check_file_access(all[i], rwx), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(protect_check_file_access(PAGE_READONLY, FILE_ACCESS_WRITE),
			ERROR_ACCESS_DENIED);   /* write-only files cannot be read */
}

static void test_protect_names_round_trip_through_text(void)
{
	uint32_t flprotect = 0;
	char text[128];

	CU_ASSERT_STRING_EQUAL(protect_page_name(PAGE_EXECUTE_WRITECOPY), "PAGE_EXECUTE_WRITECOPY");
	CU_ASSERT_PTR_NULL(protect_page_name(PAGE_EXECUTE));
	CU_ASSERT_EQUAL(protect_format_attributes(SEC_COMMIT | SEC_NOCACHE, text, sizeof(text)),
			(int)strlen("SEC_COMMIT|SEC_NOCACHE"));
	CU_ASSERT_STRING_EQUAL(text, "SEC_COMMIT|SEC_NOCACHE");
	CU_ASSERT_TRUE(protect_from_text(" PAGE_READONLY | SEC_RESERVE ", &flprotect));
	CU_ASSERT_EQUAL(flprotect, PAGE_READONLY | SEC_RESERVE);
	CU_ASSERT_TRUE(protect_from_text("0x08000004", &flprotect));
	CU_ASSERT_EQUAL(flprotect, PAGE_READWRITE | SEC_COMMIT);
	flprotect = 7;
	CU_ASSERT_FALSE(protect_from_text("PAGE_READ", &flprotect));
	CU_ASSERT_FALSE(protect_from_text("", &flprotect));
	CU_ASSERT_FALSE(protect_from_text("PAGE_READONLY|", &flprotect));
	CU_ASSERT_FALSE(protect_from_text("0x1ffffffff", &flprotect));
	CU_ASSERT_EQUAL(flprotect, 7);   /* untouched on failure */
}

static void test_protect_halves_and_prot_bits(void)
{
	const struct { uint32_t page; int prot; } cases[] = {
		{ PAGE_NOACCESS, PROT_NONE },
		{ PAGE_READONLY, PROT_READ },
		{ PAGE_READWRITE, PROT_READ | PROT_WRITE },
		{ PAGE_WRITECOPY, PROT_READ | PROT_WRITE },
		{ PAGE_EXECUTE, PROT_EXEC },
		{ PAGE_EXECUTE_READ, PROT_READ | PROT_EXEC },
		{ PAGE_EXECUTE_READWRITE, PROT_READ | PROT_WRITE | PROT_EXEC },
		{ PAGE_EXECUTE_WRITECOPY, PROT_READ | PROT_WRITE | PROT_EXEC },
		{ PAGE_READONLY | PAGE_READWRITE, PROT_NONE },     /* no one protection */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t flprotect = cases[i].page | SEC_RESERVE | SEC_NOCACHE;
		CU_ASSERT_EQUAL(protect_page(flprotect), cases[i].page);
		CU_ASSERT_EQUAL(protect_sec(flprotect), SEC_RESERVE | SEC_NOCACHE);
		CU_ASSERT_EQUAL(protect_prot(flprotect), cases[i].prot);   /* attributes ignored */
	}
}

const char *suite_name = "protect";
const struct unit_test suite_tests[] = {
	UNIT_TEST(test_A8_each_protection_alone_is_accepted),
	UNIT_TEST(test_A8_invalid_protections_are_refused),
	UNIT_TEST(test_A9_pagefile_attributes),
	UNIT_TEST(test_A9_file_attributes),
	UNIT_TEST(test_A9_nocache_with_writecombine_is_refused),
	UNIT_TEST(test_A10_read_only_file_accepts_readonly_and_writecopy),
	UNIT_TEST(test_A10_read_only_file_refuses_readwrite_and_execute),
	UNIT_TEST(test_A10_read_write_execute_file_accepts_everything),
	UNIT_TEST(test_protect_names_round_trip_through_text),
	UNIT_TEST(test_protect_halves_and_prot_bits),
	{ 0 },
};
