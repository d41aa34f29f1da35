/* The daemon's messages: one line per event worth knowing, to syslog (the journal), and to
 * stderr as well while the daemon runs in the foreground. */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "sectionfs.h"

void sfs_log(const struct sfs *fs, int priority, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	syslog(priority, "%s", line);
	if (fs->foreground)
		fprintf(stderr, "sectionfs: %s\n", line);
}
