/* Round-trip latency of a mount (not a test): N statx(AT_STATX_FORCE_SYNC) of FILE, each one
 * GETATTR the kernel cannot answer from its cache, then N open + read 4 KiB + close (an OPEN,
 * and a RELEASE in the background), with the mean and percentiles in microseconds.
 * Usage: sectionfs-latency FILE [N, default 10000].  Run it on two mounts, -o io_uring=on and
 * -o io_uring=off, to compare the transports (README "Speed"). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, double *us, int n)
{
	double sum = 0;

	qsort(us, (size_t)n, sizeof(*us), by_value);
	for (int i = 0; i < n; i++)
		sum += us[i];
	printf("%-24s mean %7.1f us  p50 %7.1f  p90 %7.1f  p99 %7.1f\n", what, sum / n,
	       us[n / 2], us[n * 9 / 10], us[n * 99 / 100]);
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[2]) : 10000;
	double *us;
	char buf[4096];
	struct statx stx;

	if (argc < 2 || n < 1) {
		fprintf(stderr, "usage: %s FILE [N]\n", argv[0]);
		return 2;
	}
	us = calloc((size_t)n, sizeof(*us));
	if (!us)
		return 1;
	for (int i = 0; i < n; i++) {
		double t = now_us();
		if (statx(AT_FDCWD, argv[1], AT_STATX_FORCE_SYNC, STATX_BASIC_STATS, &stx) != 0) {
			perror("statx");
			return 1;
		}
		us[i] = now_us() - t;
	}
	report("stat (FORCE_SYNC)", us, n);
	for (int i = 0; i < n; i++) {
		double t = now_us();
		int fd = open(argv[1], O_RDONLY);
		if (fd < 0 || read(fd, buf, sizeof(buf)) < 0) {
			perror(argv[1]);
			return 1;
		}
		close(fd);
		us[i] = now_us() - t;
	}
	report("open+read 4 KiB+close", us, n);
	free(us);
	return 0;
}
