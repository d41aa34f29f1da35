/* Finding a mount in /proc/self/mountinfo (mountinfo.h).
 *
 * A line is "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS",
 * fields separated by single spaces; a space, tab, newline or backslash inside a field is
 * written as \ooo.  So splitting on spaces is exact, and the separator is the field "-". */
#include "mountinfo.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mountinfo_unescape(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

/* Splits a line on spaces into at most max fields; returns how many. */
static int split(char *line, char **fields, int max)
{
	int n = 0;
	char *save = NULL;

	line[strcspn(line, "\n")] = '\0';
	for (char *f = strtok_r(line, " ", &save); f && n < max; f = strtok_r(NULL, " ", &save))
		fields[n++] = f;
	return n;
}

bool mountinfo_find(const char *path, const char *fstype, unsigned *major, unsigned *minor)
{
	char *line = NULL, *fields[64];
	size_t cap = 0;
	bool found = false;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f || !path)
		goto out;
	while (getline(&line, &cap, f) > 0) {
		unsigned maj, min;
		int n = split(line, fields, 64), dash = 6;

		while (dash < n && strcmp(fields[dash], "-"))
			dash++;
		if (dash + 1 >= n || sscanf(fields[2], "%u:%u", &maj, &min) != 2)
			continue;
		mountinfo_unescape(fields[4]);
		if (strcmp(fields[4], path) || (fstype && strcmp(fields[dash + 1], fstype)))
			continue;
		found = true;
		if (major)
			*major = maj;
		if (minor)
			*minor = min;
	}
out:
	free(line);
	if (f)
		fclose(f);
	return found;
}

static bool is_sectionfs_mount(const char *path)
{
	char real[PATH_MAX];

	return *path && realpath(path, real) && mountinfo_find(real, "fuse.sectionfs", NULL, NULL);
}

bool mountinfo_sectionfs_root(const char *given, char *buf, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (!given)
		given = getenv("SECTIONFS_ROOT");
	if (given)
		snprintf(buf, len, "%s", given);
	else if (is_sectionfs_mount("/run/sectionfs"))
		snprintf(buf, len, "/run/sectionfs");
	else if (xdg)
		snprintf(buf, len, "%s/sectionfs", xdg);
	else
		return false;
	return is_sectionfs_mount(buf);
}
