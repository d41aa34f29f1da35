/* The Win32 <-> errno table: every code the rules use maps to the errno the mount answers with,
 * and back where the errno names one code only. */
#include <errno.h>

#include <CUnit/CUnit.h>

#include "cunit_main.h"
#include "errors.h"
#include "win32_constants.h"

static void test_errors_codes_map_to_filesystem_errnos(void)
{
	CU_ASSERT_EQUAL(winerr_to_errno(ERROR_SUCCESS), 0);
	CU_ASSERT_EQUAL(winerr_to_errno(ERROR_FILE_NOT_FOUND), ENOENT);
	CU_ASSERT_EQUAL(winerr_to_errno(ERROR_PATH_NOT_FOUND), ENOENT);
	CU_ASSERT_EQUAL(winerr_to_errno(ERROR_ACCESS_DENIED), EACCES);
	CU_ASSERT_EQUAL(winerr_to_errno(ERROR_NOT_ENOUGH_MEMORY), ENOSPC);
	CU_ASSERT_EQUAL(winerr_to_errno(ERROR_USER_MAPPED_FILE), EBUSY);
	CU_ASSERT_EQUAL(winerr_to_errno(ERROR_ALREADY_EXISTS), EEXIST);
	CU_ASSERT_EQUAL(winerr_to_errno(ERROR_INVALID_PARAMETER), EINVAL);
	CU_ASSERT_EQUAL(winerr_to_errno(ERROR_FILENAME_EXCED_RANGE), ENAMETOOLONG);
	CU_ASSERT_EQUAL(winerr_to_errno(ERROR_FILE_TOO_LARGE), EFBIG);
	CU_ASSERT_EQUAL(winerr_to_errno(0xfffffffe), EIO);
}

static void test_errors_errnos_come_back_as_the_code_they_mean(void)
{
	const uint32_t round_trip[] = { ERROR_FILE_NOT_FOUND, ERROR_ACCESS_DENIED,
					ERROR_NOT_ENOUGH_MEMORY, ERROR_ALREADY_EXISTS,
					ERROR_USER_MAPPED_FILE, ERROR_INVALID_PARAMETER,
					ERROR_FILENAME_EXCED_RANGE, ERROR_BAD_EXE_FORMAT };

	for (size_t i = 0; i < sizeof(round_trip) / sizeof(round_trip[0]); i++)
		CU_ASSERT_EQUAL(winerr_from_errno(winerr_to_errno(round_trip[i])), round_trip[i]);
	CU_ASSERT_EQUAL(winerr_from_errno(-EACCES), ERROR_ACCESS_DENIED);   /* sign ignored */
	CU_ASSERT_EQUAL(winerr_from_errno(EPERM), ERROR_ACCESS_DENIED);
	CU_ASSERT_EQUAL(winerr_from_errno(ENOMEM), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(winerr_from_errno(EISDIR), ERROR_INVALID_HANDLE);   /* B13 via the mount */
	CU_ASSERT_EQUAL(winerr_from_errno(ENOTDIR), ERROR_PATH_NOT_FOUND);
	CU_ASSERT_EQUAL(winerr_from_errno(EHWPOISON), ERROR_GEN_FAILURE);
}

/* A context changes only the errnos it names; the rest answer as the table does. */
static void test_errors_in_a_context(void)
{
	const struct { uint32_t (*context)(int); int err; uint32_t winerr; } cases[] = {
		{ winerr_of_missing, 0, ERROR_FILE_NOT_FOUND },
		{ winerr_of_missing, ENOENT, ERROR_PATH_NOT_FOUND },
		{ winerr_of_missing, ENOTDIR, ERROR_PATH_NOT_FOUND },
		{ winerr_of_missing, EACCES, ERROR_ACCESS_DENIED },
		{ winerr_from_create_errno, EEXIST, ERROR_FILE_EXISTS },
		{ winerr_from_create_errno, EACCES, ERROR_ACCESS_DENIED },
		{ winerr_from_io_errno, EBADF, ERROR_ACCESS_DENIED },
		{ winerr_from_io_errno, EINVAL, ERROR_INVALID_PARAMETER },
		{ winerr_from_truncate_errno, -EINVAL, ERROR_ACCESS_DENIED },
		{ winerr_from_truncate_errno, EFBIG, ERROR_FILE_TOO_LARGE },
		{ winerr_from_staging_errno, EEXIST, ERROR_SHARING_VIOLATION },
		{ winerr_from_staging_errno, ENOSPC, ERROR_NOT_ENOUGH_MEMORY },   /* A7 */
		{ winerr_from_map_errno, EEXIST, ERROR_INVALID_ADDRESS },         /* D28 */
		{ winerr_from_map_errno, EACCES, ERROR_ACCESS_DENIED },
		{ winerr_from_reserve_errno, EEXIST, ERROR_INVALID_ADDRESS },
		{ winerr_from_reserve_errno, EINVAL, ERROR_NOT_ENOUGH_MEMORY },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CU_ASSERT_EQUAL(cases[i].context(cases[i].err), cases[i].winerr);
}

static void test_errors_names(void)
{
	CU_ASSERT_STRING_EQUAL(winerr_name(ERROR_USER_MAPPED_FILE), "ERROR_USER_MAPPED_FILE");
	CU_ASSERT_STRING_EQUAL(winerr_name(ERROR_SUCCESS), "ERROR_SUCCESS");
	CU_ASSERT_STRING_EQUAL(winerr_name(4242), "ERROR_UNKNOWN");
}

const char *suite_name = "errors";
const struct unit_test suite_tests[] = {
	UNIT_TEST(test_errors_codes_map_to_filesystem_errnos),
	UNIT_TEST(test_errors_errnos_come_back_as_the_code_they_mean),
	UNIT_TEST(test_errors_in_a_context),
	UNIT_TEST(test_errors_names),
	{ 0 },
};
