/* Reads user.section.holders as a C program would, and checks getxattr's size protocol on it:
 * size 0 answers the length, a buffer one byte short is ERANGE, a buffer of that length gets
 * the value, which has no NUL.  Prints the value.  Usage: holders_probe PATH
 * Exit status 0, or 1 with the reason on stderr. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

#include "sectionfs/protocol.h"

int main(int argc, char **argv)
{
	const char *name = SECTIONFS_XATTR_HOLDERS;
	ssize_t len, got;
	char *value;

	if (argc != 2) {
		fprintf(stderr, "usage: holders_probe PATH\n");
		return 2;
	}
	len = getxattr(argv[1], name, NULL, 0);
	if (len < 0) {
		fprintf(stderr, "holders_probe: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	value = malloc((size_t)len + 1);
	if (!value)
		return 1;
	if (len > 0 && (getxattr(argv[1], name, value, (size_t)len - 1) != -1 || errno != ERANGE)) {
		fprintf(stderr, "holders_probe: a buffer of %zd bytes was not ERANGE\n", len - 1);
		return 1;
	}
	got = getxattr(argv[1], name, value, (size_t)len);
	if (got != len) {
		fprintf(stderr, "holders_probe: asked %zd bytes, got %zd (%s)\n", len, got,
			got < 0 ? strerror(errno) : "another length");
		return 1;
	}
	if (memchr(value, '\0', (size_t)len)) {
		fprintf(stderr, "holders_probe: the value holds a NUL\n");
		return 1;
	}
	fwrite(value, 1, (size_t)len, stdout);
	free(value);
	return 0;
}
