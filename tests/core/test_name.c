/* Rules B13-B19: how a Win32 object name resolves to a namespace root and a leaf (name_parse),
 * the ANSI length limit, the checks on a leaf the kernel hands over, and the way back from a
 * leaf to a Win32 name ('/' in a Win32 name is '\' in the leaf, and back). */
#include <CUnit/CUnit.h>

#include <stdio.h>
#include <string.h>

#include "cunit_main.h"
#include "name.h"
#include "win32_constants.h"

/* A name_path that no successful parse can produce, to see that failures write nothing. */
static void poison(struct name_path *p)
{
	memset(p, 0x5a, sizeof(*p));
	p->leaf[NAME_LEAF_MAX] = '\0';
}

static bool untouched(const struct name_path *p)
{
	struct name_path q;

	poison(&q);
	return !memcmp(p, &q, sizeof(q));
}

/* Parses name and checks the error; on failure also checks that *out was not written. */
static uint32_t parse_checked(const char *name, struct name_path *out)
{
	uint32_t err;

	poison(out);
	err = name_parse(name, out);
	if (err)
		CU_ASSERT_TRUE(untouched(out));
	return err;
}

static void fill(char *buf, char c, size_t n)
{
	memset(buf, c, n);
	buf[n] = '\0';
}

static void test_B13_link_names_are_not_sections(void)
{
	const char *links[] = { "Global", "Local", "Session", "Global\\Local", "Local\\Global",
				"Global\\Session", "Session\\1\\Global", "Session\\1\\Local",
				"Session\\2", "Session\\0", "Local\\Session\\7" };
	struct name_path p;

	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		CU_ASSERT_EQUAL(parse_checked(links[i], &p), ERROR_INVALID_HANDLE);
}

static void test_B13_link_leaves(void)
{
	enum name_link link = NAME_LINK_COUNT;

	CU_ASSERT_TRUE(name_is_link("Global", &link));
	CU_ASSERT_EQUAL(link, NAME_LINK_GLOBAL);
	CU_ASSERT_TRUE(name_is_link("Local", &link));
	CU_ASSERT_EQUAL(link, NAME_LINK_LOCAL);
	CU_ASSERT_TRUE(name_is_link("Session", &link));
	CU_ASSERT_EQUAL(link, NAME_LINK_SESSION);
	CU_ASSERT_FALSE(name_is_link("global", NULL));
	CU_ASSERT_FALSE(name_is_link("LOCAL", NULL));
	CU_ASSERT_FALSE(name_is_link("Sessions", NULL));
	CU_ASSERT_FALSE(name_is_link("Globa", NULL));
	CU_ASSERT_FALSE(name_is_link("", NULL));
	for (int l = 0; l < NAME_LINK_COUNT; l++) {
		CU_ASSERT_TRUE(name_is_link(name_link_text((enum name_link)l), &link));
		CU_ASSERT_EQUAL(link, (enum name_link)l);
	}
	/* the syntax is fine: whether a link holds the name is the namespace's question */
	CU_ASSERT_EQUAL(name_check_leaf("Global"), ERROR_SUCCESS);
}

static void test_B14_names_are_case_sensitive(void)
{
	struct name_path a, b;

	CU_ASSERT_EQUAL(parse_checked("Wine Test Mapping", &a), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(parse_checked("WINE TEST MAPPING", &b), ERROR_SUCCESS);
	CU_ASSERT_STRING_EQUAL(a.leaf, "Wine Test Mapping");
	CU_ASSERT_STRING_EQUAL(b.leaf, "WINE TEST MAPPING");
	CU_ASSERT_EQUAL(a.root, NAME_ROOT_CALLER_SESSION);
	CU_ASSERT_EQUAL(b.root, NAME_ROOT_CALLER_SESSION);
	/* a leaf that differs from a link name only in case is an ordinary name */
	CU_ASSERT_EQUAL(parse_checked("global", &a), ERROR_SUCCESS);
	CU_ASSERT_STRING_EQUAL(a.leaf, "global");
	CU_ASSERT_EQUAL(name_check_leaf("global"), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(name_check_leaf("SESSION"), ERROR_SUCCESS);
}

static void test_B14_prefixes_are_case_sensitive(void)
{
	const char *wrong[] = { "local\\x", "LOCAL\\x", "global\\x", "GLOBAL\\x", "session\\1\\x",
				"SESSION\\1\\x", "Global\\local\\x" };
	struct name_path p;

	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++)
		CU_ASSERT_EQUAL(parse_checked(wrong[i], &p), ERROR_PATH_NOT_FOUND);
}

static void test_B15_null_name(void)
{
	struct name_path p;

	CU_ASSERT_EQUAL(parse_checked(NULL, &p), ERROR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(name_check_ansi_length(NULL), ERROR_SUCCESS);   /* name_parse's to refuse */
}

static void test_B16_local_and_bare_names_are_the_caller_session(void)
{
	struct name_path bare, local, twice;

	CU_ASSERT_EQUAL(parse_checked("X", &bare), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(parse_checked("Local\\X", &local), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(parse_checked("Local\\Local\\X", &twice), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(bare.root, NAME_ROOT_CALLER_SESSION);
	CU_ASSERT_EQUAL(local.root, NAME_ROOT_CALLER_SESSION);
	CU_ASSERT_EQUAL(twice.root, NAME_ROOT_CALLER_SESSION);
	CU_ASSERT_STRING_EQUAL(bare.leaf, "X");
	CU_ASSERT_STRING_EQUAL(local.leaf, "X");
	CU_ASSERT_STRING_EQUAL(twice.leaf, "X");
}

static void test_B16_global_names_are_the_global_namespace(void)
{
	const char *globals[] = { "Global\\X", "Local\\Global\\X", "Global\\Local\\X",
				  "Global\\Global\\X", "Session\\0\\X", "Session\\5\\Global\\X" };
	struct name_path p;

	for (size_t i = 0; i < sizeof(globals) / sizeof(globals[0]); i++) {
		CU_ASSERT_EQUAL(parse_checked(globals[i], &p), ERROR_SUCCESS);
		CU_ASSERT_EQUAL(p.root, NAME_ROOT_GLOBAL);
		CU_ASSERT_STRING_EQUAL(p.leaf, "X");
	}
}

static void test_B17_session_names(void)
{
	struct name_path p;

	CU_ASSERT_EQUAL(parse_checked("Session\\3\\X", &p), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(p.root, NAME_ROOT_SESSION);
	CU_ASSERT_EQUAL(p.session, 3);
	CU_ASSERT_STRING_EQUAL(p.leaf, "X");

	CU_ASSERT_EQUAL(parse_checked("Session\\12\\Local\\Y", &p), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(p.root, NAME_ROOT_SESSION);
	CU_ASSERT_EQUAL(p.session, 12);
	CU_ASSERT_STRING_EQUAL(p.leaf, "Y");

	CU_ASSERT_EQUAL(parse_checked("Global\\Session\\4\\Z", &p), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(p.root, NAME_ROOT_SESSION);
	CU_ASSERT_EQUAL(p.session, 4);

	CU_ASSERT_EQUAL(parse_checked("Session\\3\\Session\\4\\Z", &p), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(p.root, NAME_ROOT_SESSION);
	CU_ASSERT_EQUAL(p.session, 4);

	CU_ASSERT_EQUAL(parse_checked("Session\\4294967294\\Z", &p), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(p.root, NAME_ROOT_SESSION);
	CU_ASSERT_EQUAL(p.session, 4294967294u);
}

static void test_B17_session_zero_is_global(void)
{
	struct name_path p;

	CU_ASSERT_EQUAL(parse_checked("Session\\0\\X", &p), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(p.root, NAME_ROOT_GLOBAL);
	CU_ASSERT_STRING_EQUAL(p.leaf, "X");
}

static void test_B17_bad_session_ids(void)
{
	const char *bad[] = { "Session\\x\\y", "Session\\-1\\y", "Session\\+1\\y", "Session\\01\\y",
			      "Session\\00\\y", "Session\\1a\\y", "Session\\ 1\\y",
			      "Session\\4294967296\\y", "Session\\99999999999\\y",
			      "Session\\4294967295\\y" /* Linux's "no session" */ };
	struct name_path p;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(parse_checked(bad[i], &p), ERROR_PATH_NOT_FOUND);
}

static void test_B18_backslash_rules(void)
{
	struct name_path p;

	CU_ASSERT_EQUAL(parse_checked("foo\\bar", &p), ERROR_PATH_NOT_FOUND);
	CU_ASSERT_EQUAL(parse_checked("Global\\foo\\bar", &p), ERROR_PATH_NOT_FOUND);
	CU_ASSERT_EQUAL(parse_checked("Local\\foo\\bar", &p), ERROR_PATH_NOT_FOUND);
	CU_ASSERT_EQUAL(parse_checked("\\x", &p), ERROR_BAD_PATHNAME);
	CU_ASSERT_EQUAL(parse_checked("\\Global\\x", &p), ERROR_BAD_PATHNAME);
	CU_ASSERT_EQUAL(parse_checked("\\", &p), ERROR_BAD_PATHNAME);
	CU_ASSERT_EQUAL(parse_checked("Global\\\\x", &p), ERROR_INVALID_NAME);
	CU_ASSERT_EQUAL(parse_checked("Local\\\\x", &p), ERROR_INVALID_NAME);
	CU_ASSERT_EQUAL(parse_checked("Session\\\\1\\x", &p), ERROR_INVALID_NAME);
	CU_ASSERT_EQUAL(parse_checked("Global\\", &p), ERROR_INVALID_NAME);
	CU_ASSERT_EQUAL(parse_checked("Local\\", &p), ERROR_INVALID_NAME);
	CU_ASSERT_EQUAL(parse_checked("Session\\3\\", &p), ERROR_INVALID_NAME);
	CU_ASSERT_EQUAL(parse_checked("", &p), ERROR_INVALID_NAME);
	/* Windows looks the directory up first: a trailing or doubled backslash after a name that
	 * is no directory is a missing path (Wine's om.c: "\BaseNamedObjects\om.c-test\") */
	CU_ASSERT_EQUAL(parse_checked("foo\\", &p), ERROR_PATH_NOT_FOUND);
	CU_ASSERT_EQUAL(parse_checked("foo\\\\bar", &p), ERROR_PATH_NOT_FOUND);
	CU_ASSERT_EQUAL(parse_checked("Session\\3\\/lead\\", &p), ERROR_PATH_NOT_FOUND);
}

static void test_B18_dot_leaves_are_invalid(void)
{
	struct name_path p;

	CU_ASSERT_EQUAL(parse_checked(".", &p), ERROR_INVALID_NAME);
	CU_ASSERT_EQUAL(parse_checked("..", &p), ERROR_INVALID_NAME);
	CU_ASSERT_EQUAL(parse_checked("Global\\..", &p), ERROR_INVALID_NAME);
	CU_ASSERT_EQUAL(parse_checked("Session\\2\\.", &p), ERROR_INVALID_NAME);
	CU_ASSERT_EQUAL(parse_checked("...", &p), ERROR_SUCCESS);
	CU_ASSERT_STRING_EQUAL(p.leaf, "...");
}

static void test_B18_any_other_character_is_allowed(void)
{
	const char *names[] = { "a b", "a:b", "a*b?", "<x>|\"y\"", "\t", "caf\xc3\xa9", "x.",
				".hidden", "-", "a%s%n" };
	struct name_path p;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		CU_ASSERT_EQUAL(parse_checked(names[i], &p), ERROR_SUCCESS);
		CU_ASSERT_EQUAL(p.root, NAME_ROOT_CALLER_SESSION);
		CU_ASSERT_STRING_EQUAL(p.leaf, names[i]);
	}
}

static void test_B18_slash_becomes_backslash_in_the_leaf(void)
{
	struct name_path p;

	CU_ASSERT_EQUAL(parse_checked("a/b", &p), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(p.root, NAME_ROOT_CALLER_SESSION);
	CU_ASSERT_STRING_EQUAL(p.leaf, "a\\b");

	CU_ASSERT_EQUAL(parse_checked("Global\\/x//y/", &p), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(p.root, NAME_ROOT_GLOBAL);
	CU_ASSERT_STRING_EQUAL(p.leaf, "\\x\\\\y\\");

	/* a slash is not a separator: "Global/x" is one leaf in the caller's session */
	CU_ASSERT_EQUAL(parse_checked("Global/x", &p), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(p.root, NAME_ROOT_CALLER_SESSION);
	CU_ASSERT_STRING_EQUAL(p.leaf, "Global\\x");

	CU_ASSERT_EQUAL(parse_checked("/", &p), ERROR_SUCCESS);
	CU_ASSERT_STRING_EQUAL(p.leaf, "\\");
	CU_ASSERT_EQUAL(parse_checked("../..", &p), ERROR_SUCCESS);
	CU_ASSERT_STRING_EQUAL(p.leaf, "..\\..");
}

static void test_B18_leaf_length_limit(void)
{
	char name[600], leaf[NAME_LEAF_MAX + 2];
	struct name_path p;

	fill(leaf, 'a', NAME_LEAF_MAX);
	CU_ASSERT_EQUAL(parse_checked(leaf, &p), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(strlen(p.leaf), NAME_LEAF_MAX);
	CU_ASSERT_STRING_EQUAL(p.leaf, leaf);
	snprintf(name, sizeof(name), "Session\\9\\%s", leaf);
	CU_ASSERT_EQUAL(parse_checked(name, &p), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(p.session, 9);
	CU_ASSERT_STRING_EQUAL(p.leaf, leaf);

	fill(leaf, 'a', NAME_LEAF_MAX + 1);
	CU_ASSERT_EQUAL(parse_checked(leaf, &p), ERROR_FILENAME_EXCED_RANGE);
	snprintf(name, sizeof(name), "Global\\%s", leaf);
	CU_ASSERT_EQUAL(parse_checked(name, &p), ERROR_FILENAME_EXCED_RANGE);

	/* slashes count as one byte each, before and after becoming backslashes */
	fill(leaf, '/', NAME_LEAF_MAX);
	CU_ASSERT_EQUAL(parse_checked(leaf, &p), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(strlen(p.leaf), NAME_LEAF_MAX);
	CU_ASSERT_EQUAL(p.leaf[0], '\\');
	CU_ASSERT_EQUAL(p.leaf[NAME_LEAF_MAX - 1], '\\');
}

static void test_B19_ansi_names_of_max_path_are_refused(void)
{
	char name[WIN32_MAX_PATH + 8];

	fill(name, 'n', WIN32_MAX_PATH - 2);   /* 258 characters + NUL = 259 */
	CU_ASSERT_EQUAL(name_check_ansi_length(name), ERROR_SUCCESS);
	fill(name, 'n', WIN32_MAX_PATH - 1);   /* 259 characters + NUL = 260 */
	CU_ASSERT_EQUAL(name_check_ansi_length(name), ERROR_FILENAME_EXCED_RANGE);
	fill(name, 'n', WIN32_MAX_PATH);
	CU_ASSERT_EQUAL(name_check_ansi_length(name), ERROR_FILENAME_EXCED_RANGE);
	fill(name, 'n', WIN32_MAX_PATH + 5);
	CU_ASSERT_EQUAL(name_check_ansi_length(name), ERROR_FILENAME_EXCED_RANGE);
	CU_ASSERT_EQUAL(name_check_ansi_length(""), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(name_check_ansi_length("x"), ERROR_SUCCESS);
}

static void test_B19_prefix_counts_towards_max_path(void)
{
	char name[WIN32_MAX_PATH + 8];
	struct name_path p;

	/* "Global\" (7) + 252 = 259 characters: a short leaf, but too long a name for ANSI */
	memcpy(name, "Global\\", 7);
	fill(name + 7, 'g', WIN32_MAX_PATH - 1 - 7);
	CU_ASSERT_EQUAL(strlen(name), WIN32_MAX_PATH - 1);
	CU_ASSERT_EQUAL(name_check_ansi_length(name), ERROR_FILENAME_EXCED_RANGE);
	/* the W functions have no such limit: the leaf itself is fine */
	CU_ASSERT_EQUAL(parse_checked(name, &p), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(strlen(p.leaf), WIN32_MAX_PATH - 1 - 7);
	name[WIN32_MAX_PATH - 2] = '\0';
	CU_ASSERT_EQUAL(name_check_ansi_length(name), ERROR_SUCCESS);
}

static void test_name_check_leaf(void)
{
	char leaf[NAME_LEAF_MAX + 2];

	CU_ASSERT_EQUAL(name_check_leaf("x"), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(name_check_leaf("a\\b"), ERROR_SUCCESS);   /* "a/b" in Win32 */
	CU_ASSERT_EQUAL(name_check_leaf("..."), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(name_check_leaf(""), ERROR_INVALID_NAME);
	CU_ASSERT_EQUAL(name_check_leaf("."), ERROR_INVALID_NAME);
	CU_ASSERT_EQUAL(name_check_leaf(".."), ERROR_INVALID_NAME);
	CU_ASSERT_EQUAL(name_check_leaf("a/b"), ERROR_INVALID_NAME);   /* no file name holds '/' */
	fill(leaf, 'l', NAME_LEAF_MAX);
	CU_ASSERT_EQUAL(name_check_leaf(leaf), ERROR_SUCCESS);
	fill(leaf, 'l', NAME_LEAF_MAX + 1);
	CU_ASSERT_EQUAL(name_check_leaf(leaf), ERROR_FILENAME_EXCED_RANGE);
}

static void test_name_format_win32(void)
{
	char buf[64];

	CU_ASSERT_EQUAL(name_format_win32(0, "X", buf, sizeof(buf)), (int)strlen("Global\\X"));
	CU_ASSERT_STRING_EQUAL(buf, "Global\\X");
	CU_ASSERT_EQUAL(name_format_win32(3, "X", buf, sizeof(buf)), (int)strlen("Session\\3\\X"));
	CU_ASSERT_STRING_EQUAL(buf, "Session\\3\\X");
	CU_ASSERT_EQUAL(name_format_win32(4294967294u, "y", buf, sizeof(buf)),
			(int)strlen("Session\\4294967294\\y"));
	CU_ASSERT_STRING_EQUAL(buf, "Session\\4294967294\\y");
	/* '\' in the file name is '/' in the Win32 name; the prefix keeps its backslashes */
	CU_ASSERT_EQUAL(name_format_win32(0, "a\\b\\", buf, sizeof(buf)),
			(int)strlen("Global\\a/b/"));
	CU_ASSERT_STRING_EQUAL(buf, "Global\\a/b/");
	CU_ASSERT_EQUAL(name_format_win32(7, "\\", buf, sizeof(buf)), (int)strlen("Session\\7\\/"));
	CU_ASSERT_STRING_EQUAL(buf, "Session\\7\\/");
}

static void test_name_format_win32_truncates_like_snprintf(void)
{
	char buf[16];

	memset(buf, '#', sizeof(buf));
	CU_ASSERT_EQUAL(name_format_win32(0, "abc\\defghijklmnop", buf, 12),
			(int)strlen("Global\\abc/defghijklmnop"));
	CU_ASSERT_STRING_EQUAL(buf, "Global\\abc/");
	CU_ASSERT_EQUAL(buf[12], '#');   /* nothing written past len */

	memset(buf, '#', sizeof(buf));
	CU_ASSERT_EQUAL(name_format_win32(12, "\\x", buf, 4), (int)strlen("Session\\12\\/x"));
	CU_ASSERT_STRING_EQUAL(buf, "Ses");
	CU_ASSERT_EQUAL(buf[4], '#');

	CU_ASSERT_EQUAL(name_format_win32(0, "a\\b", NULL, 0), (int)strlen("Global\\a/b"));
}

/* Every leaf name_parse makes comes back as a name that parses to the same place. */
static void test_name_format_win32_round_trips_through_name_parse(void)
{
	const struct { const char *name; uint32_t session; const char *formatted; } cases[] = {
		{ "Global\\a/b", 0, "Global\\a/b" },
		{ "Session\\0\\x/", 0, "Global\\x/" },
		{ "Session\\3\\/lead//twice", 3, "Session\\3\\/lead//twice" },
		{ "Session\\42\\Wine Test Mapping", 42, "Session\\42\\Wine Test Mapping" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct name_path p, back;
		char buf[NAME_LEAF_MAX + 64];

		CU_ASSERT_EQUAL_FATAL(parse_checked(cases[i].name, &p), ERROR_SUCCESS);
		CU_ASSERT_PTR_NULL(strchr(p.leaf, '/'));
		CU_ASSERT_EQUAL(p.root == NAME_ROOT_GLOBAL ? 0 : p.session, cases[i].session);
		CU_ASSERT_EQUAL(name_format_win32(cases[i].session, p.leaf, buf, sizeof(buf)),
				(int)strlen(cases[i].formatted));
		CU_ASSERT_STRING_EQUAL(buf, cases[i].formatted);
		CU_ASSERT_EQUAL(parse_checked(buf, &back), ERROR_SUCCESS);
		CU_ASSERT_EQUAL(back.root, p.root);
		CU_ASSERT_EQUAL(back.root == NAME_ROOT_GLOBAL ? 0 : back.session, cases[i].session);
		CU_ASSERT_STRING_EQUAL(back.leaf, p.leaf);
	}
}

const char *suite_name = "name";
const struct unit_test suite_tests[] = {
	UNIT_TEST(test_B13_link_names_are_not_sections),
	UNIT_TEST(test_B13_link_leaves),
	UNIT_TEST(test_B14_names_are_case_sensitive),
	UNIT_TEST(test_B14_prefixes_are_case_sensitive),
	UNIT_TEST(test_B15_null_name),
	UNIT_TEST(test_B16_local_and_bare_names_are_the_caller_session),
	UNIT_TEST(test_B16_global_names_are_the_global_namespace),
	UNIT_TEST(test_B17_session_names),
	UNIT_TEST(test_B17_session_zero_is_global),
	UNIT_TEST(test_B17_bad_session_ids),
	UNIT_TEST(test_B18_backslash_rules),
	UNIT_TEST(test_B18_dot_leaves_are_invalid),
	UNIT_TEST(test_B18_any_other_character_is_allowed),
	UNIT_TEST(test_B18_slash_becomes_backslash_in_the_leaf),
	UNIT_TEST(test_B18_leaf_length_limit),
	UNIT_TEST(test_B19_ansi_names_of_max_path_are_refused),
	UNIT_TEST(test_B19_prefix_counts_towards_max_path),
	UNIT_TEST(test_name_check_leaf),
	UNIT_TEST(test_name_format_win32),
	UNIT_TEST(test_name_format_win32_truncates_like_snprintf),
	UNIT_TEST(test_name_format_win32_round_trips_through_name_parse),
	{ 0 },
};
