/* Views: rules D22-D28 through view_plan().  Which page protection each dwDesiredAccess gives
 * (D22), which views each section protection allows (D23), the handle's own access (D24), size 0
 * (D25), sizes and offsets against the section's end (D26), offset and base alignment (D27,
 * D28), and what the plan says about mapping it (prot, shared, page_protect). */
#include <CUnit/CUnit.h>

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "cunit_main.h"
#include "view.h"
#include "win32_constants.h"

#define GRAN WIN32_ALLOCATION_GRANULARITY
#define FULL_ACCESS (SECTION_ALL_ACCESS | FILE_MAP_EXECUTE)

static const uint32_t protections[] = { PAGE_READONLY, PAGE_READWRITE, PAGE_WRITECOPY,
					PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE,
					PAGE_EXECUTE_WRITECOPY };

static struct view_request request(uint32_t protect, uint64_t size, uint32_t desired)
{
	return (struct view_request){
		.section_protect = protect,
		.section_size = size,
		.handle_access = FULL_ACCESS,
		.desired_access = desired,
	};
}

/* view_plan, checking that a failure writes nothing. */
static uint32_t plan(const struct view_request *rq, struct view_plan *out)
{
	struct view_plan poison;
	uint32_t err;

	memset(out, 0x5a, sizeof(*out));
	memset(&poison, 0x5a, sizeof(poison));
	err = view_plan(rq, out);
	if (err)
		CU_ASSERT_EQUAL(memcmp(out, &poison, sizeof(poison)), 0);
	return err;
}

/* ---- D22 ---- */

/* Every combination of the four FILE_MAP_* bits (Wine's virtual.c view table), on a section
 * that allows everything and through a handle that has everything. */
static void test_D22_every_access_combination(void)
{
	const struct { uint32_t access, page; int prot; bool shared; } cases[] = {
		{ FILE_MAP_COPY, PAGE_WRITECOPY, PROT_READ | PROT_WRITE, false },
		{ FILE_MAP_WRITE, PAGE_READWRITE, PROT_READ | PROT_WRITE, true },
		{ FILE_MAP_WRITE | FILE_MAP_COPY, PAGE_READWRITE, PROT_READ | PROT_WRITE, true },
		{ FILE_MAP_READ, PAGE_READONLY, PROT_READ, true },
		{ FILE_MAP_READ | FILE_MAP_COPY, PAGE_READONLY, PROT_READ, true },
		{ FILE_MAP_READ | FILE_MAP_WRITE, PAGE_READWRITE, PROT_READ | PROT_WRITE, true },
		{ FILE_MAP_READ | FILE_MAP_WRITE | FILE_MAP_COPY, PAGE_READWRITE,
		  PROT_READ | PROT_WRITE, true },
		{ 0, PAGE_NOACCESS, PROT_NONE, true },
		{ FILE_MAP_EXECUTE, PAGE_NOACCESS, PROT_NONE, true },
		{ SECTION_MAP_EXECUTE, PAGE_NOACCESS, PROT_NONE, true },
		{ FILE_MAP_EXECUTE | SECTION_MAP_EXECUTE, PAGE_NOACCESS, PROT_NONE, true },
		{ FILE_MAP_COPY | SECTION_MAP_EXECUTE, PAGE_NOACCESS, PROT_NONE, true },
		{ FILE_MAP_COPY | SECTION_MAP_EXECUTE | FILE_MAP_EXECUTE, PAGE_NOACCESS, PROT_NONE,
		  true },
		{ FILE_MAP_EXECUTE | FILE_MAP_COPY, PAGE_EXECUTE_WRITECOPY,
		  PROT_READ | PROT_WRITE | PROT_EXEC, false },
		{ FILE_MAP_EXECUTE | FILE_MAP_WRITE, PAGE_EXECUTE_READWRITE,
		  PROT_READ | PROT_WRITE | PROT_EXEC, true },
		{ FILE_MAP_EXECUTE | FILE_MAP_WRITE | FILE_MAP_COPY, PAGE_EXECUTE_READWRITE,
		  PROT_READ | PROT_WRITE | PROT_EXEC, true },
		{ FILE_MAP_EXECUTE | FILE_MAP_READ, PAGE_EXECUTE_READ, PROT_READ | PROT_EXEC, true },
		{ FILE_MAP_EXECUTE | FILE_MAP_READ | FILE_MAP_COPY, PAGE_EXECUTE_READ,
		  PROT_READ | PROT_EXEC, true },
		{ FILE_MAP_EXECUTE | FILE_MAP_READ | FILE_MAP_WRITE, PAGE_EXECUTE_READWRITE,
		  PROT_READ | PROT_WRITE | PROT_EXEC, true },
		{ FILE_MAP_EXECUTE | FILE_MAP_READ | FILE_MAP_WRITE | FILE_MAP_COPY,
		  PAGE_EXECUTE_READWRITE, PROT_READ | PROT_WRITE | PROT_EXEC, true },
		{ FILE_MAP_ALL_ACCESS, PAGE_READWRITE, PROT_READ | PROT_WRITE, true },
		{ FILE_MAP_ALL_ACCESS | FILE_MAP_EXECUTE, PAGE_EXECUTE_READWRITE,
		  PROT_READ | PROT_WRITE | PROT_EXEC, true },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct view_request rq = request(PAGE_EXECUTE_READWRITE, 2 * GRAN, cases[i].access);
		struct view_plan out;
		uint32_t err = plan(&rq, &out);

		CU_ASSERT_EQUAL(err, ERROR_SUCCESS);
		if (err)
			continue;
		CU_ASSERT_EQUAL(out.page_protect, cases[i].page);
		CU_ASSERT_EQUAL(out.prot, cases[i].prot);
		CU_ASSERT_EQUAL(out.shared, cases[i].shared);
		CU_ASSERT_EQUAL(out.length, 2 * GRAN);
	}
}

/* No data access asked (nothing, or execute and other bits alone): a view of PAGE_NOACCESS,
 * which any section gives to a handle with some map access, and none to a handle without. */
static void test_D22_no_data_access_is_a_noaccess_view(void)
{
	const uint32_t none[] = { 0, FILE_MAP_EXECUTE, SECTION_MAP_EXECUTE, SECTION_EXTEND_SIZE,
				  SECTION_MAP_EXECUTE | SECTION_EXTEND_SIZE, 0x000F0000u,
				  FILE_MAP_COPY | SECTION_MAP_EXECUTE };
	const uint32_t sections[] = { PAGE_READONLY, PAGE_WRITECOPY, PAGE_READWRITE };

	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		for (size_t s = 0; s < sizeof(sections) / sizeof(sections[0]); s++) {
			struct view_request rq = request(sections[s], GRAN, none[i]);
			struct view_plan out;
			rq.handle_access = SECTION_MAP_READ;
			CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_SUCCESS);
			CU_ASSERT_EQUAL(out.page_protect, PAGE_NOACCESS);
			CU_ASSERT_EQUAL(out.prot, PROT_NONE);
			rq.handle_access = SECTION_QUERY;          /* no map access at all */
			CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_ACCESS_DENIED);
			rq.handle_access = 0;
			CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_ACCESS_DENIED);
		}
	}
}

/* D34: what a commit inside a view may ask, by the view's protection (Wine 8.0's table). */
static void test_D34_commit_protections_by_view(void)
{
	static const uint32_t views[] = { PAGE_NOACCESS, PAGE_READONLY, PAGE_READWRITE,
					  PAGE_WRITECOPY, PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE,
					  PAGE_EXECUTE_WRITECOPY };
	static const uint32_t asked[] = { PAGE_NOACCESS, PAGE_READONLY, PAGE_READWRITE,
					  PAGE_WRITECOPY, PAGE_EXECUTE, PAGE_EXECUTE_READ,
					  PAGE_EXECUTE_READWRITE, PAGE_EXECUTE_WRITECOPY };
	/* one row per view, one letter per protection asked: y allowed, n refused (87) */
	static const char *const allowed[] = {
		"ynnnnnnn",   /* NOACCESS */
		"yyny" "nnnn",   /* READONLY */
		"yyyy" "nnnn",   /* READWRITE */
		"yyny" "nnnn",   /* WRITECOPY */
		"yyny" "yyny",   /* EXECUTE_READ */
		"yyyy" "yyyy",   /* EXECUTE_READWRITE */
		"yyny" "yyny",   /* EXECUTE_WRITECOPY */
	};

	for (size_t v = 0; v < sizeof(views) / sizeof(views[0]); v++)
		for (size_t a = 0; a < sizeof(asked) / sizeof(asked[0]); a++)
			CU_ASSERT_EQUAL(view_commit_check(views[v], asked[a]),
					allowed[v][a] == 'y' ? ERROR_SUCCESS : ERROR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(view_commit_check(PAGE_READWRITE, 0), ERROR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(view_commit_check(PAGE_READWRITE, PAGE_READWRITE | PAGE_READONLY),
			ERROR_INVALID_PARAMETER);
}

/* ---- D23 ---- */

static void test_D23_matrix_over_the_six_protections(void)
{
	const uint32_t desired[] = { FILE_MAP_READ, FILE_MAP_WRITE, FILE_MAP_COPY,
				     FILE_MAP_READ | FILE_MAP_EXECUTE,
				     FILE_MAP_WRITE | FILE_MAP_EXECUTE,
				     FILE_MAP_COPY | FILE_MAP_EXECUTE, FILE_MAP_ALL_ACCESS };
	/* allowed[protection][desired] */
	const bool allowed[6][7] = {
		/*                        R  W  C  RX WX CX ALL */
		/* READONLY          */ { 1, 0, 1, 0, 0, 0, 0 },
		/* READWRITE         */ { 1, 1, 1, 0, 0, 0, 1 },
		/* WRITECOPY         */ { 1, 0, 1, 0, 0, 0, 0 },
		/* EXECUTE_READ      */ { 1, 0, 1, 1, 0, 1, 0 },
		/* EXECUTE_READWRITE */ { 1, 1, 1, 1, 1, 1, 1 },
		/* EXECUTE_WRITECOPY */ { 1, 0, 1, 1, 0, 1, 0 },
	};

	for (size_t p = 0; p < 6; p++) {
		for (size_t d = 0; d < 7; d++) {
			struct view_request rq = request(protections[p], GRAN, desired[d]);
			struct view_plan out;
			uint32_t err = plan(&rq, &out);
			uint32_t want = allowed[p][d] ? ERROR_SUCCESS : ERROR_ACCESS_DENIED;
			CU_ASSERT_EQUAL(err, want);
			if (err != want)
				fprintf(stderr, "D23: protection %#x, access %#x: error %u\n",
					protections[p], desired[d], err);
		}
	}
}

static void test_D23_copy_views_of_every_section_are_private(void)
{
	for (size_t p = 0; p < 6; p++) {
		struct view_request rq = request(protections[p], GRAN, FILE_MAP_COPY);
		struct view_plan out;
		CU_ASSERT_EQUAL_FATAL(plan(&rq, &out), ERROR_SUCCESS);
		CU_ASSERT_FALSE(out.shared);
		CU_ASSERT_EQUAL(out.prot, PROT_READ | PROT_WRITE);
		CU_ASSERT_EQUAL(out.page_protect, PAGE_WRITECOPY);
	}
}

/* ---- D24 ---- */

static void test_D24_read_handle_cannot_map_write(void)
{
	struct view_request rq = request(PAGE_READWRITE, GRAN, FILE_MAP_WRITE);
	struct view_plan out;

	rq.handle_access = FILE_MAP_READ;
	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_ACCESS_DENIED);
	rq.desired_access = FILE_MAP_ALL_ACCESS;
	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_ACCESS_DENIED);
	rq.desired_access = FILE_MAP_READ | FILE_MAP_WRITE;
	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_ACCESS_DENIED);
	/* what it can map */
	rq.desired_access = FILE_MAP_READ;
	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_SUCCESS);
	rq.desired_access = FILE_MAP_COPY;
	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_SUCCESS);
	rq.desired_access = FILE_MAP_READ | FILE_MAP_COPY;
	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_SUCCESS);
}

static void test_D24_write_handle_does_not_include_read(void)
{
	struct view_request rq = request(PAGE_READWRITE, GRAN, FILE_MAP_READ);
	struct view_plan out;

	rq.handle_access = FILE_MAP_WRITE;
	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_ACCESS_DENIED);
	rq.desired_access = FILE_MAP_COPY;
	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_ACCESS_DENIED);
	rq.desired_access = FILE_MAP_WRITE;
	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(out.prot, PROT_READ | PROT_WRITE);
}

static void test_D24_execute_needs_execute_access(void)
{
	struct view_request rq = request(PAGE_EXECUTE_READWRITE, GRAN,
					 FILE_MAP_READ | FILE_MAP_EXECUTE);
	struct view_plan out;

	rq.handle_access = FILE_MAP_READ | FILE_MAP_WRITE;
	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_ACCESS_DENIED);
	rq.handle_access = FILE_MAP_READ | FILE_MAP_EXECUTE;
	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_SUCCESS);
	rq.handle_access = FILE_MAP_READ | SECTION_MAP_EXECUTE;   /* the older spelling */
	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(out.page_protect, PAGE_EXECUTE_READ);
	rq.handle_access = FILE_MAP_ALL_ACCESS;                   /* has SECTION_MAP_EXECUTE */
	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_SUCCESS);
	rq.handle_access = 0;
	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_ACCESS_DENIED);
}

static void test_D24_needed_handle_access(void)
{
	CU_ASSERT_EQUAL(view_needed_handle_access(FILE_MAP_READ), SECTION_MAP_READ);
	CU_ASSERT_EQUAL(view_needed_handle_access(FILE_MAP_COPY), SECTION_MAP_READ);
	CU_ASSERT_EQUAL(view_needed_handle_access(FILE_MAP_READ | FILE_MAP_COPY), SECTION_MAP_READ);
	CU_ASSERT_EQUAL(view_needed_handle_access(FILE_MAP_WRITE), SECTION_MAP_WRITE);
	CU_ASSERT_EQUAL(view_needed_handle_access(FILE_MAP_READ | FILE_MAP_WRITE),
			SECTION_MAP_WRITE);
	CU_ASSERT_EQUAL(view_needed_handle_access(FILE_MAP_ALL_ACCESS), SECTION_MAP_WRITE);
	CU_ASSERT_EQUAL(view_needed_handle_access(FILE_MAP_READ | FILE_MAP_EXECUTE),
			SECTION_MAP_READ | FILE_MAP_EXECUTE);
	CU_ASSERT_EQUAL(view_needed_handle_access(FILE_MAP_WRITE | FILE_MAP_EXECUTE),
			SECTION_MAP_WRITE | FILE_MAP_EXECUTE);
}

/* D24 is checked before D23: both are ERROR_ACCESS_DENIED, and neither lets the other pass. */
static void test_D24_handle_and_section_both_count(void)
{
	struct view_request rq = request(PAGE_READONLY, GRAN, FILE_MAP_WRITE);
	struct view_plan out;

	rq.handle_access = FILE_MAP_ALL_ACCESS;       /* the handle could, the section cannot */
	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_ACCESS_DENIED);
	rq.section_protect = PAGE_READWRITE;
	rq.handle_access = FILE_MAP_READ;             /* the section could, the handle cannot */
	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_ACCESS_DENIED);
	rq.offset = 1;                                /* access comes before alignment */
	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_ACCESS_DENIED);
	rq.handle_access = FILE_MAP_WRITE;
	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_MAPPED_ALIGNMENT);
}

/* ---- D25, D26 ---- */

static void test_D25_size_zero_maps_to_the_end(void)
{
	struct view_request rq = request(PAGE_READWRITE, 5 * GRAN + 123, FILE_MAP_READ);
	struct view_plan out;

	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(out.length, 5 * GRAN + 123);
	rq.offset = 2 * GRAN;
	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(out.length, 3 * GRAN + 123);
	rq.offset = 5 * GRAN;
	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(out.length, 123);
}

static void test_D26_size_past_the_end(void)
{
	struct view_request rq = request(PAGE_READWRITE, 0x3452, FILE_MAP_READ);
	struct view_plan out;

	rq.size = 0x3452;
	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(out.length, 0x3452);
	rq.size = 0x3453;
	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_ACCESS_DENIED);
	rq.size = 0x4000;
	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_ACCESS_DENIED);
	rq.size = UINT64_MAX;
	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_ACCESS_DENIED);
	rq.size = 1;
	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(out.length, 1);

	/* from an offset: what is left after it */
	rq = request(PAGE_READWRITE, 2 * GRAN + 0x3452, FILE_MAP_WRITE);
	rq.offset = 2 * GRAN;
	rq.size = 0x3452;
	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(out.length, 0x3452);
	rq.size = 0x3453;
	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_ACCESS_DENIED);
	rq.size = UINT64_MAX - GRAN;                  /* offset + size would wrap */
	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_ACCESS_DENIED);
}

static void test_D26_offset_at_or_past_the_end(void)
{
	struct view_request rq = request(PAGE_READWRITE, 2 * GRAN, FILE_MAP_READ);
	struct view_plan out;

	rq.offset = 2 * GRAN;
	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_INVALID_PARAMETER);
	rq.size = 1;
	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_INVALID_PARAMETER);
	rq.offset = 7 * GRAN;
	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_INVALID_PARAMETER);
	rq.offset = 0xFFFFFFFFFFFF0000ull;
	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_INVALID_PARAMETER);
	/* a small section: the first aligned offset after 0 is already past it */
	rq = request(PAGE_READWRITE, 0x3452, FILE_MAP_READ);
	rq.offset = GRAN;
	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_INVALID_PARAMETER);
	/* an empty section has no offset to map */
	rq = request(PAGE_READWRITE, 0, FILE_MAP_READ);
	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_INVALID_PARAMETER);
	/* the offset is checked before the size */
	rq = request(PAGE_READWRITE, GRAN, FILE_MAP_READ);
	rq.offset = GRAN;
	rq.size = 5 * GRAN;
	CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_INVALID_PARAMETER);
}

/* ---- D27, D28 ---- */

static void test_D27_offset_must_be_64k_aligned(void)
{
	const uint64_t bad[] = { 1, 0x1000, GRAN - 1, GRAN + 0x1000, 3 * GRAN / 2 };
	struct view_plan out;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct view_request rq = request(PAGE_READWRITE, 4 * GRAN, FILE_MAP_READ);
		rq.offset = bad[i];
		CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_MAPPED_ALIGNMENT);
		/* alignment comes before the end checks */
		rq.offset = bad[i] + 8 * GRAN;
		CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_MAPPED_ALIGNMENT);
		rq.size = 100 * GRAN;
		CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_MAPPED_ALIGNMENT);
	}
	{
		struct view_request rq = request(PAGE_READWRITE, 4 * GRAN, FILE_MAP_READ);
		rq.offset = 3 * GRAN;
		CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_SUCCESS);
		CU_ASSERT_EQUAL(out.length, GRAN);
	}
}

static void test_D28_base_must_be_64k_aligned(void)
{
	const uint64_t bad[] = { 1, 0x1000, 0x7f0000001000ull, GRAN + 1 };
	struct view_plan out;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct view_request rq = request(PAGE_READWRITE, GRAN, FILE_MAP_WRITE);
		rq.base = bad[i];
		CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_MAPPED_ALIGNMENT);
		rq.offset = 5 * GRAN;   /* alignment before the end checks */
		CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_MAPPED_ALIGNMENT);
	}
	{
		struct view_request rq = request(PAGE_READWRITE, GRAN, FILE_MAP_WRITE);
		rq.base = 0x7f0000010000ull;
		CU_ASSERT_EQUAL(plan(&rq, &out), ERROR_SUCCESS);
		CU_ASSERT_EQUAL(out.length, GRAN);
		CU_ASSERT_EQUAL(out.page_protect, PAGE_READWRITE);
	}
}

/* ---- outputs ---- */

static void test_view_plan_outputs_for_each_protection(void)
{
	/* FILE_MAP_READ on each protection: always a shared read-only view */
	for (size_t p = 0; p < 6; p++) {
		struct view_request rq = request(protections[p], 3 * GRAN, FILE_MAP_READ);
		struct view_plan out;
		CU_ASSERT_EQUAL_FATAL(plan(&rq, &out), ERROR_SUCCESS);
		CU_ASSERT_EQUAL(out.prot, PROT_READ);
		CU_ASSERT_TRUE(out.shared);
		CU_ASSERT_EQUAL(out.page_protect, PAGE_READONLY);
		CU_ASSERT_EQUAL(out.length, 3 * GRAN);
	}
	/* FILE_MAP_WRITE where it is allowed: shared and writable */
	{
		struct view_request rq = request(PAGE_READWRITE, GRAN, FILE_MAP_WRITE | FILE_MAP_COPY);
		struct view_plan out;
		CU_ASSERT_EQUAL_FATAL(plan(&rq, &out), ERROR_SUCCESS);
		CU_ASSERT_TRUE(out.shared);   /* D30: COPY|WRITE is an ordinary shared view */
		CU_ASSERT_EQUAL(out.prot, PROT_READ | PROT_WRITE);
		CU_ASSERT_EQUAL(out.page_protect, PAGE_READWRITE);
	}
}

const char *suite_name = "view";
const struct unit_test suite_tests[] = {
	UNIT_TEST(test_D22_every_access_combination),
	UNIT_TEST(test_D22_no_data_access_is_a_noaccess_view),
	UNIT_TEST(test_D34_commit_protections_by_view),
	UNIT_TEST(test_D23_matrix_over_the_six_protections),
	UNIT_TEST(test_D23_copy_views_of_every_section_are_private),
	UNIT_TEST(test_D24_read_handle_cannot_map_write),
	UNIT_TEST(test_D24_write_handle_does_not_include_read),
	UNIT_TEST(test_D24_execute_needs_execute_access),
	UNIT_TEST(test_D24_needed_handle_access),
	UNIT_TEST(test_D24_handle_and_section_both_count),
	UNIT_TEST(test_D25_size_zero_maps_to_the_end),
	UNIT_TEST(test_D26_size_past_the_end),
	UNIT_TEST(test_D26_offset_at_or_past_the_end),
	UNIT_TEST(test_D27_offset_must_be_64k_aligned),
	UNIT_TEST(test_D28_base_must_be_64k_aligned),
	UNIT_TEST(test_view_plan_outputs_for_each_protection),
	{ 0 },
};
