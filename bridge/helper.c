/* The helper program under wine: started with pipes, spoken to a line at a time. */
#include "bridge.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STOP_GRACE_MS 2000

bool helper_start(struct helper *h, const struct wine_prefix *wp, const char *exe, bool events)
{
	int in[2], out[2];

	memset(h, 0, sizeof(*h));
	h->pid = -1;
	if (pipe2(in, O_CLOEXEC) < 0)
		goto fail;
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		goto fail;
	}
	h->pid = fork();
	if (h->pid == 0) {
		/* wine execs its loader: the helper's program runs in this very process, so
		 * the pid is the one whose descriptors take.c reads */
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		setenv("WINEPREFIX", wp->path, 1);
		if (!getenv("WINEDEBUG"))
			setenv("WINEDEBUG", "-all", 1);
		execl(wp->wine, wp->wine, exe, events ? NULL : "--no-events", (char *)NULL);
		fprintf(stderr, "sectionfs-bridge: cannot run %s: %s\n", wp->wine, strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	if (h->pid < 0) {
		close(in[1]);
		close(out[0]);
		goto fail;
	}
	h->to = in[1];
	h->from = out[0];
	return true;
fail:
	fprintf(stderr, "sectionfs-bridge: cannot start the helper: %s\n", strerror(errno));
	return false;
}

bool helper_send(struct helper *h, const char *fmt, ...)
{
	char line[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 1)
		return false;
	line[n++] = '\n';
	for (int done = 0; done < n;) {
		ssize_t w = write(h->to, line + done, (size_t)(n - done));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		done += (int)w;
	}
	return true;
}

bool helper_read(struct helper *h, void (*on_line)(char *line, void *ctx), void *ctx)
{
	ssize_t n = read(h->from, h->buf + h->used, sizeof(h->buf) - h->used - 1);
	char *start, *nl;

	if (n < 0 && errno == EINTR)
		return true;
	if (n <= 0)
		return false;
	h->used += (size_t)n;
	h->buf[h->used] = '\0';
	start = h->buf;
	while ((nl = strchr(start, '\n'))) {
		*nl = '\0';
		if (nl > start && nl[-1] == '\r')
			nl[-1] = '\0';   /* the helper's C runtime may write text mode */
		on_line(start, ctx);
		start = nl + 1;
	}
	h->used -= (size_t)(start - h->buf);
	memmove(h->buf, start, h->used);
	if (h->used == sizeof(h->buf) - 1)
		h->used = 0;   /* a line longer than any the helper writes: drop it */
	return true;
}

int helper_stop(struct helper *h)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	int status = -1;

	/* the end of its input ends it; a helper already gone still leaves its pipes to close */
	close(h->to);
	close(h->from);
	h->to = h->from = -1;
	if (h->pid <= 0)
		return -1;
	for (int waited = 0; waited < STOP_GRACE_MS; waited += 20) {
		if (waitpid(h->pid, &status, WNOHANG) == h->pid) {
			h->pid = -1;
			return status;
		}
		nanosleep(&pause, NULL);
	}
	kill(h->pid, SIGKILL);
	waitpid(h->pid, &status, 0);
	h->pid = -1;
	return status;
}
