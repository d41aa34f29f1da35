/* The daemon's messages: one line per event worth knowing, to syslog (the journal), and to
 * stderr as well while the daemon runs in the foreground, unless stderr is the journal itself
 * (a systemd unit runs the daemon with -f), which would then hold every line twice. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "sectionfs.h"

/* systemd connects a service's stderr to the journal and says so in $JOURNAL_STREAM
 * ("DEVICE:INODE" of that stream). */
static bool stderr_is_journal(void)
{
	const char *stream = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return stream && sscanf(stream, "%llu:%llu", &dev, &ino) == 2 &&
	       fstat(STDERR_FILENO, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

void sfs_log(const struct sfs *fs, int priority, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	syslog(priority, "%s", line);
	if (fs->foreground && !stderr_is_journal())
		fprintf(stderr, "sectionfs: %s\n", line);
}
