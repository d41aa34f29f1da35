/* Finding a mount in /proc/self/mountinfo, against real tmpfs mounts: a mount point with a space
 * and a backslash in its name (written \040 and \134 there) is found with its device numbers,
 * fstype picks the type, the mount on top answers, and a path is found only when it is a mount
 * point exactly: no prefix of one, no part of one, no directory inside one, no escaped spelling.
 *
 * The suite runs in a mount namespace of its own (made private, so nothing propagates out), and
 * every test unmounts what it mounted, so a failing or crashing test leaves no mount behind. */
#include <CUnit/CUnit.h>

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cunit_main.h"
#include "mountinfo.h"

/* The directory mounted on: a space, a backslash, and a backslash followed by digits that must
 * not be read as an escape once mountinfo's own escapes are undone. */
#define TEMPLATE "/tmp/sectionfs mount\\info \\040-XXXXXX"

static char dir[sizeof(TEMPLATE)];
static int mounted;              /* how many tmpfs instances are on dir now */
static bool namespace_ready;

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	int ok = f && fputs(text, f) >= 0;

	if (f && fclose(f) != 0)
		ok = 0;
	return ok ? 0 : -1;
}

/* A mount namespace of our own, private so that nothing mounted here shows anywhere else and
 * everything goes when the process does.  Without the privilege, a user namespace gives it. */
static bool own_mount_namespace(void)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	char map[64];

	if (unshare(CLONE_NEWNS) < 0) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
			fprintf(stderr, "no mount namespace: %s\n", strerror(errno));
			return false;
		}
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
		write_text("/proc/self/setgroups", "deny");
		if (write_text("/proc/self/uid_map", map) < 0)
			return false;
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
		if (write_text("/proc/self/gid_map", map) < 0)
			return false;
	}
	return mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
}

void suite_setup(void)
{
	if (!namespace_ready)
		namespace_ready = own_mount_namespace();
	snprintf(dir, sizeof(dir), "%s", TEMPLATE);
	if (!mkdtemp(dir))
		dir[0] = '\0';
	mounted = 0;
}

void suite_teardown(void)
{
	while (mounted > 0 && umount2(dir, MNT_DETACH) == 0)
		mounted--;
	if (dir[0])
		rmdir(dir);
	dir[0] = '\0';
}

/* Mounts one more tmpfs on dir; its device. */
static dev_t mount_tmpfs(void)
{
	struct stat s;

	CU_ASSERT_TRUE_FATAL(namespace_ready);
	CU_ASSERT_TRUE_FATAL(dir[0] != '\0');
	CU_ASSERT_EQUAL_FATAL(mount("sectionfs-test", dir, "tmpfs", 0, "size=64k"), 0);
	mounted++;
	CU_ASSERT_EQUAL_FATAL(stat(dir, &s), 0);
	return s.st_dev;
}

static void unmount_one(void)
{
	CU_ASSERT_EQUAL(umount2(dir, 0), 0);
	mounted--;
}

/* ---- unescaping ---- */

static void test_mountinfo_unescape_undoes_octal_escapes(void)
{
	const struct { const char *in, *out; } cases[] = {
		{ "", "" },
		{ "/plain/path", "/plain/path" },
		{ "/a\\040b", "/a b" },         /* space */
		{ "/tab\\011here", "/tab\there" },
		{ "/new\\012line", "/new\nline" },
		{ "/back\\134slash", "/back\\slash" },
		{ "\\040\\040", "  " },         /* adjacent, and at the start */
		{ "/end\\040", "/end " },       /* at the end */
		{ "/a\\134040", "/a\\040" },    /* an escaped backslash is not re-read */
		{ "/x\\377y", "/x\377y" },      /* the highest byte */
		/* not escapes: kept as they are */
		{ "/a\\", "/a\\" },
		{ "/a\\04", "/a\\04" },
		{ "/a\\0", "/a\\0" },
		{ "/a\\400", "/a\\400" },       /* past a byte */
		{ "/a\\08x", "/a\\08x" },       /* 8 is no octal digit */
		{ "/a\\x20", "/a\\x20" },
		{ "/a\\\\040", "/a\\ " },       /* a lone backslash, then an escape */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[64];
		snprintf(buf, sizeof(buf), "%s", cases[i].in);
		mountinfo_unescape(buf);
		if (strcmp(buf, cases[i].out) != 0)
			fprintf(stderr, "\nunescape(\"%s\") gave \"%s\"\n", cases[i].in, buf);
		CU_ASSERT_STRING_EQUAL(buf, cases[i].out);
	}
}

/* ---- finding mounts ---- */

static void test_mountinfo_finds_a_mount_point_with_a_space_and_a_backslash(void)
{
	dev_t dev = mount_tmpfs();
	unsigned major_ = 12345, minor_ = 12345;

	CU_ASSERT_TRUE(mountinfo_find(dir, "tmpfs", &major_, &minor_));
	CU_ASSERT_EQUAL(major_, major(dev));
	CU_ASSERT_EQUAL(minor_, minor(dev));
	/* any type, and without asking for the numbers */
	major_ = minor_ = 12345;
	CU_ASSERT_TRUE(mountinfo_find(dir, NULL, &major_, &minor_));
	CU_ASSERT_EQUAL(major_, major(dev));
	CU_ASSERT_EQUAL(minor_, minor(dev));
	CU_ASSERT_TRUE(mountinfo_find(dir, "tmpfs", NULL, NULL));
	unmount_one();
	/* gone with its mount */
	major_ = minor_ = 12345;
	CU_ASSERT_FALSE(mountinfo_find(dir, NULL, &major_, &minor_));
	CU_ASSERT_EQUAL(major_, 12345);
	CU_ASSERT_EQUAL(minor_, 12345);
}

static void test_mountinfo_fstype_must_match(void)
{
	unsigned major_ = 12345, minor_ = 12345;

	mount_tmpfs();
	CU_ASSERT_FALSE(mountinfo_find(dir, "fuse.sectionfs", &major_, &minor_));
	CU_ASSERT_FALSE(mountinfo_find(dir, "tmpf", NULL, NULL));
	CU_ASSERT_FALSE(mountinfo_find(dir, "tmpfs ", NULL, NULL));
	CU_ASSERT_FALSE(mountinfo_find(dir, "TMPFS", NULL, NULL));
	CU_ASSERT_FALSE(mountinfo_find(dir, "", NULL, NULL));
	CU_ASSERT_FALSE(mountinfo_find(dir, "sectionfs-test", NULL, NULL));   /* the source */
	CU_ASSERT_EQUAL(major_, 12345);       /* untouched when not found */
	CU_ASSERT_EQUAL(minor_, 12345);
	CU_ASSERT_TRUE(mountinfo_find(dir, "tmpfs", NULL, NULL));
	unmount_one();
}

static void test_mountinfo_only_a_whole_mount_point_is_found(void)
{
	size_t len = strlen(dir);
	char path[2 * sizeof(dir) + 16];
	const char *inside = strchr(dir + 1, '/');   /* dir without "/tmp" */

	mount_tmpfs();
	CU_ASSERT_TRUE_FATAL(mountinfo_find(dir, "tmpfs", NULL, NULL));

	/* a prefix of the mount point */
	snprintf(path, sizeof(path), "%.*s", (int)(len - 1), dir);
	CU_ASSERT_FALSE(mountinfo_find(path, NULL, NULL, NULL));
	/* up to the space */
	snprintf(path, sizeof(path), "%.*s", (int)(strchr(dir, ' ') - dir), dir);
	CU_ASSERT_FALSE(mountinfo_find(path, NULL, NULL, NULL));
	/* the mount point with more after it: a trailing slash, a directory inside the mount */
	snprintf(path, sizeof(path), "%s/", dir);
	CU_ASSERT_FALSE(mountinfo_find(path, NULL, NULL, NULL));
	snprintf(path, sizeof(path), "%s/sub", dir);
	CU_ASSERT_EQUAL(mkdir(path, 0700), 0);
	CU_ASSERT_FALSE(mountinfo_find(path, NULL, NULL, NULL));
	/* a path that the mount point merely contains as text */
	CU_ASSERT_PTR_NOT_NULL_FATAL(inside);
	CU_ASSERT_FALSE(mountinfo_find(inside, NULL, NULL, NULL));
	CU_ASSERT_FALSE(mountinfo_find(strchr(dir, ' '), NULL, NULL, NULL));
	CU_ASSERT_FALSE(mountinfo_find(strrchr(dir, '\\'), NULL, NULL, NULL));
	/* the name as mountinfo spells it, and with the literal "\040" read as a space */
	{
		size_t o = 0;
		for (const char *c = dir; *c && o + 5 < sizeof(path); c++) {
			if (*c == ' ' || *c == '\\')
				o += (size_t)snprintf(path + o, sizeof(path) - o, "\\%03o",
						      (unsigned char)*c);
			else
				path[o++] = *c;
		}
		path[o] = '\0';
		CU_ASSERT_FALSE(mountinfo_find(path, NULL, NULL, NULL));
		snprintf(path, sizeof(path), "%s", dir);
		mountinfo_unescape(path);
		CU_ASSERT_STRING_NOT_EQUAL(path, dir);
		CU_ASSERT_FALSE(mountinfo_find(path, NULL, NULL, NULL));
	}
	CU_ASSERT_FALSE(mountinfo_find("", NULL, NULL, NULL));
	CU_ASSERT_FALSE(mountinfo_find(NULL, NULL, NULL, NULL));
	unmount_one();
}

static void test_mountinfo_the_mount_on_top_answers(void)
{
	dev_t below = mount_tmpfs(), top = mount_tmpfs();
	unsigned major_ = 0, minor_ = 0;

	CU_ASSERT_NOT_EQUAL(below, top);
	CU_ASSERT_TRUE(mountinfo_find(dir, "tmpfs", &major_, &minor_));
	CU_ASSERT_EQUAL(major_, major(top));
	CU_ASSERT_EQUAL(minor_, minor(top));
	unmount_one();
	CU_ASSERT_TRUE(mountinfo_find(dir, "tmpfs", &major_, &minor_));
	CU_ASSERT_EQUAL(major_, major(below));
	CU_ASSERT_EQUAL(minor_, minor(below));
	unmount_one();
	CU_ASSERT_FALSE(mountinfo_find(dir, "tmpfs", NULL, NULL));
}

static void test_mountinfo_finds_the_root(void)
{
	struct stat s;
	unsigned major_ = 12345, minor_ = 12345;

	CU_ASSERT_TRUE(mountinfo_find("/", NULL, &major_, &minor_));
	CU_ASSERT_NOT_EQUAL(major_, 12345);
	CU_ASSERT_EQUAL_FATAL(stat("/proc", &s), 0);
	CU_ASSERT_TRUE(mountinfo_find("/proc", "proc", &major_, &minor_));
	CU_ASSERT_EQUAL(major_, major(s.st_dev));
	CU_ASSERT_EQUAL(minor_, minor(s.st_dev));
	CU_ASSERT_FALSE(mountinfo_find("/proc", "tmpfs", NULL, NULL));
}

/* A client's mount: the one given (or $SECTIONFS_ROOT) is the only one tried, and it must be a
 * sectionfs mount; the path comes back as written. */
static void test_mountinfo_sectionfs_root_tries_only_what_it_is_given(void)
{
	char buf[256];
	char *saved = getenv("SECTIONFS_ROOT") ? strdup(getenv("SECTIONFS_ROOT")) : NULL;

	CU_ASSERT_FALSE(mountinfo_sectionfs_root("/tmp", buf, sizeof(buf)));   /* not sectionfs */
	CU_ASSERT_STRING_EQUAL(buf, "/tmp");
	CU_ASSERT_FALSE(mountinfo_sectionfs_root("/nonexistent/x", buf, sizeof(buf)));
	setenv("SECTIONFS_ROOT", "/proc", 1);
	CU_ASSERT_FALSE(mountinfo_sectionfs_root(NULL, buf, sizeof(buf)));     /* a mount, not ours */
	CU_ASSERT_STRING_EQUAL(buf, "/proc");
	if (saved)
		setenv("SECTIONFS_ROOT", saved, 1);
	else
		unsetenv("SECTIONFS_ROOT");
	free(saved);
}

const char *suite_name = "mountinfo";
const struct unit_test suite_tests[] = {
	UNIT_TEST(test_mountinfo_unescape_undoes_octal_escapes),
	UNIT_TEST(test_mountinfo_finds_a_mount_point_with_a_space_and_a_backslash),
	UNIT_TEST(test_mountinfo_fstype_must_match),
	UNIT_TEST(test_mountinfo_only_a_whole_mount_point_is_found),
	UNIT_TEST(test_mountinfo_the_mount_on_top_answers),
	UNIT_TEST(test_mountinfo_finds_the_root),
	UNIT_TEST(test_mountinfo_sectionfs_root_tries_only_what_it_is_given),
	{ 0 },
};
