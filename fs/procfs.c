/* Reading a process's /proc files a line at a time: who is in which group, which thread is in
 * which process, who maps what.  Lines of any length (a path in /proc/PID/maps may be long). */
#include <stdio.h>
#include <stdlib.h>

#include "sectionfs.h"

bool proc_find_line(pid_t pid, const char *file, bool (*match)(const char *line, void *ctx),
		    void *ctx)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	f = fopen(path, "re");
	while (f && !found && getline(&line, &cap, f) > 0)
		found = match(line, ctx);
	free(line);
	if (f)
		fclose(f);
	return found;
}
