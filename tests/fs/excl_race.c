/* excl_race PATH N: N processes race open(PATH, O_CREAT | O_EXCL) at once.  They are forked
 * first and all wait on one pipe; closing its write end releases every one of them together.
 * A winner writes its number into the section and keeps it open until every racer has reported
 * (so that even a section that goes with its last open file, a staged one, is held for the whole
 * race).  Prints "created C exist E other O winner W" (W: the last winner, -1 when none) and
 * exits 0 when every racer reported. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { WON = 'w', EXISTED = 'e', OTHER = 'o' };

struct report {
	int racer;
	char what;
};

static void wait_gate(int fd)
{
	char c;

	while (read(fd, &c, 1) < 0 && errno == EINTR)
		;
}

static void racer(int i, const char *path, int start, int done, int report)
{
	struct report r = { i, OTHER };
	int fd = -1;

	wait_gate(start);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0644);
	if (fd < 0) {
		r.what = errno == EEXIST ? EXISTED : OTHER;
		if (errno != EEXIST)
			fprintf(stderr, "racer %d: %s\n", i, strerror(errno));
	} else {
		char text[16];
		int len = snprintf(text, sizeof(text), "%d", i);
		r.what = write(fd, text, (size_t)len) == len ? WON : OTHER;
		if (r.what == OTHER)
			perror("write");
	}
	if (write(report, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(1);
	if (fd >= 0) {
		wait_gate(done);
		close(fd);
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s PATH N\n", argv[0]);
		return 1;
	}
	int n = atoi(argv[2]);
	int start[2], done[2], report[2];
	pid_t *pids = calloc((size_t)(n > 0 ? n : 1), sizeof(*pids));

	if (!pids || n < 1 || pipe(start) < 0 || pipe(done) < 0 || pipe(report) < 0) {
		perror("setup");
		return 1;
	}
	for (int i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("fork");
			return 1;
		}
		if (pids[i] == 0) {
			close(start[1]);
			close(done[1]);
			close(report[0]);
			racer(i, argv[1], start[0], done[0], report[1]);
		}
	}
	close(start[0]);
	close(done[0]);
	close(report[1]);
	close(start[1]);   /* the start signal: every racer's read() returns 0 now */

	int created = 0, existed = 0, other = 0, winner = -1, got = 0;
	struct report r;
	while (got < n && read(report[0], &r, sizeof(r)) == (ssize_t)sizeof(r)) {
		got++;
		if (r.what == WON) {
			created++;
			winner = r.racer;
		} else if (r.what == EXISTED) {
			existed++;
		} else {
			other++;
		}
	}
	close(done[1]);    /* winners may close now */
	for (int i = 0; i < n; i++)
		waitpid(pids[i], NULL, 0);
	other += n - got;
	printf("created %d exist %d other %d winner %d\n", created, existed, other, winner);
	free(pids);
	return got == n ? 0 : 1;
}
