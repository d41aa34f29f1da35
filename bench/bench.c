/* sectionfs-bench DIR: times the operations people do on shared memory, in one directory.
 *
 * scripts/bench runs it on tmpfs (/dev/shm) and on a sectionfs mount in the same run and prints
 * the ratios.  Each line of output is "<operation> <rate> <unit>"; higher is faster.  A third
 * argument runs only the benchmarks it names (e.g. "fresh_write,sequential"). */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024.0 * 1024.0)

static const char *dir;
static size_t big = 256u << 20;        /* bytes for the throughput tests */
static int n_sections = 10000;          /* for the listing test */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static void report(const char *op, double rate, const char *unit)
{
	printf("%s %.6g %s\n", op, rate, unit);
	fflush(stdout);
}

/* Writes `big` bytes to fd, chunk bytes a call. */
static void write_big(int fd, const char *buf, size_t chunk)
{
	for (size_t done = 0; done < big; done += chunk)
		if (write(fd, buf, chunk) != (ssize_t)chunk)
			die("write");
}

/* create + size + map + touch + unmap + close + unlink, per second */
static void bench_lifecycle(void)
{
	const int n = 2000;
	char path[4096];
	double t0 = now();

	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/life%d", dir, i);
		int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
		if (fd < 0 || ftruncate(fd, 65536) < 0)
			die("create");
		char *p = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			die("mmap");
		p[0] = 1;
		munmap(p, 65536);
		close(fd);
		if (unlink(path) < 0)
			die("unlink");
	}
	report("create_map_unlink", n / (now() - t0), "ops/s");
}

/* ftruncate grow + shrink of an open section, per second: the shrink is where E36 looks for
 * other holders and, in passthrough mode, for maps (fs/map_guard.c) */
static void bench_truncate(void)
{
	const int n = 5000;
	char path[4096];
	int fd;

	path_of(path, sizeof(path), "resized");
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die("create");
	double t0 = now();
	for (int i = 0; i < n; i++)
		if (ftruncate(fd, 65536) < 0 || ftruncate(fd, 4096) < 0)
			die("ftruncate");
	report("truncate_grow_shrink", n / (now() - t0), "ops/s");
	close(fd);
	unlink(path);
}

/* open + read 4 KiB + close, per second */
static void bench_open_read(void)
{
	const int n = 20000;
	char path[4096], buf[4096];
	int fd;

	path_of(path, sizeof(path), "small");
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	memset(buf, 7, sizeof(buf));
	if (fd < 0 || write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
		die("small");
	close(fd);
	double t0 = now();
	for (int i = 0; i < n; i++) {
		fd = open(path, O_RDONLY);
		if (fd < 0 || read(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			die("open+read");
		close(fd);
	}
	report("open_read_4k", n / (now() - t0), "ops/s");
	unlink(path);
}

static void bench_sequential(void)
{
	const size_t chunk = 1u << 20;
	char path[4096], *buf = malloc(chunk);
	int fd;

	path_of(path, sizeof(path), "seq");
	memset(buf, 0x5a, chunk);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die("seq");
	double t0 = now();
	write_big(fd, buf, chunk);
	report("seq_write", big / MIB / (now() - t0), "MiB/s");
	close(fd);
	fd = open(path, O_RDONLY);
	t0 = now();
	for (size_t done = 0; done < big; done += chunk)
		if (read(fd, buf, chunk) != (ssize_t)chunk)
			die("read");
	report("seq_read", big / MIB / (now() - t0), "MiB/s");
	close(fd);
	unlink(path);
	free(buf);
}

/* Sequential write into a new section, as a program that rewrites its file does: unlink the
 * previous one, create a new one, write `big` bytes in 1 MiB chunks, fsync; `reps` times, the
 * rate over all of it.  Unlike seq_write (which writes into a file whose predecessor is long
 * gone), the previous section's memory may still be going back to the store while the next one
 * grows.  BENCH_PHASES=1 prints each phase's time on stderr. */
static void bench_fresh_write(void)
{
	const size_t chunk = 1u << 20;
	const int reps = 4;
	char path[4096], *buf = malloc(chunk);
	double phase[4] = { 0 };   /* unlink, create, write, fsync */
	bool show = getenv("BENCH_PHASES") != NULL;
	int fd;

	path_of(path, sizeof(path), "fresh");
	memset(buf, 0x6b, chunk);
	double start = now();
	for (int r = 0; r < reps; r++) {
		double t0 = now();
		if (unlink(path) < 0 && errno != ENOENT)
			die("unlink");
		double t1 = now();
		fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
		if (fd < 0)
			die("fresh");
		double t2 = now();
		write_big(fd, buf, chunk);
		double t3 = now();
		if (fsync(fd) < 0)
			die("fsync");
		close(fd);
		double t4 = now();
		phase[0] += t1 - t0;
		phase[1] += t2 - t1;
		phase[2] += t3 - t2;
		phase[3] += t4 - t3;
		if (show)
			fprintf(stderr, "fresh_seq_write %s rep %d: unlink %.2f ms, create %.2f ms, "
				"write %.1f MiB/s, fsync+close %.2f ms\n", dir, r, (t1 - t0) * 1e3,
				(t2 - t1) * 1e3, big / MIB / (t3 - t2), (t4 - t3) * 1e3);
	}
	report("fresh_seq_write", reps * (big / MIB) / (now() - start), "MiB/s");
	if (show)
		fprintf(stderr, "fresh_seq_write %s: unlink %.2f ms, create %.2f ms, write %.1f MiB/s, "
			"fsync+close %.2f ms (means)\n", dir, phase[0] / reps * 1e3,
			phase[1] / reps * 1e3, reps * (big / MIB) / phase[2], phase[3] / reps * 1e3);
	unlink(path);
	free(buf);
}

/* first touch of every page of a fresh shared map, then memset over it */
static void bench_map(void)
{
	char path[4096];
	long page = sysconf(_SC_PAGESIZE);
	int fd;

	path_of(path, sizeof(path), "map");
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)big) < 0)
		die("map");
	char *p = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap");
	double t0 = now();
	for (size_t off = 0; off < big; off += (size_t)page)
		p[off] = 1;
	report("mmap_first_touch", big / MIB / (now() - t0), "MiB/s");
	t0 = now();
	memset(p, 0x33, big);
	report("mmap_memset", big / MIB / (now() - t0), "MiB/s");
	munmap(p, big);
	close(fd);
	unlink(path);
}

/* two processes bounce a counter through a shared map: round trips per second */
static void bench_pingpong(void)
{
	const long n = 100000;
	char path[4096];
	int fd;

	path_of(path, sizeof(path), "pingpong");
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, 4096) < 0)
		die("pingpong");
	volatile long *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (shared == MAP_FAILED)
		die("mmap");
	pid_t child = fork();
	if (child == 0) {
		/* The child maps the section itself, through its own open file. */
		int cfd = open(path, O_RDWR);
		volatile long *c = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
		for (long i = 0; i < n; i++) {
			while (c[0] != 2 * i + 1)
				;
			c[0] = 2 * i + 2;
		}
		_exit(0);
	}
	double t0 = now();
	for (long i = 0; i < n; i++) {
		shared[0] = 2 * i + 1;
		while (shared[0] != 2 * i + 2)
			;
	}
	double t = now() - t0;
	waitpid(child, NULL, 0);
	report("pingpong", n / t, "round-trips/s");
	munmap((void *)shared, 4096);
	close(fd);
	unlink(path);
}

/* readdir + stat of n_sections sections, entries per second */
static void bench_listing(void)
{
	char path[4096];
	struct stat st;

	for (int i = 0; i < n_sections; i++) {
		snprintf(path, sizeof(path), "%s/entry%05d", dir, i);
		int fd = open(path, O_RDWR | O_CREAT, 0600);
		if (fd < 0)
			die("entry");
		close(fd);
	}
	double t0 = now();
	DIR *d = opendir(dir);
	struct dirent *e;
	int seen = 0;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "entry", 5))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st) < 0)
			die("stat");
		seen++;
	}
	closedir(d);
	report("list_stat", seen / (now() - t0), "entries/s");
	for (int i = 0; i < n_sections; i++) {
		snprintf(path, sizeof(path), "%s/entry%05d", dir, i);
		unlink(path);
	}
}

/* kB of file data held in memory ("Cached": every page cache page, shared memory included,
 * which is where tmpfs files, memfds and a FUSE mount's cached pages all live) */
static long memory_in_use_kb(void)
{
	char line[128];
	long cached = 0, v;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Cached: %ld kB", &v) == 1)
			cached = v;
	if (f)
		fclose(f);
	return cached;
}

/* How many bytes of memory one byte of section data costs while it lives (the daemon's store and
 * any page cache of the mount both count). */
static void bench_resident(void)
{
	const size_t chunk = 1u << 20;
	char path[4096], *buf = malloc(chunk);
	long before, after;
	int fd;

	path_of(path, sizeof(path), "resident");
	memset(buf, 0x77, chunk);
	sync();
	before = memory_in_use_kb();
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die("resident");
	write_big(fd, buf, chunk);
	close(fd);
	after = memory_in_use_kb();
	report("resident_per_byte", (double)(after - before) * 1024.0 / (double)big, "bytes/byte");
	unlink(path);
	free(buf);
}

static const struct {
	const char *name;
	void (*run)(void);
} benches[] = {
	{ "lifecycle", bench_lifecycle },
	{ "open_read", bench_open_read },
	{ "truncate", bench_truncate },
	{ "sequential", bench_sequential },
	{ "fresh_write", bench_fresh_write },
	{ "map", bench_map },
	{ "pingpong", bench_pingpong },
	{ "listing", bench_listing },
	{ "resident", bench_resident },
};

/* Is `name` in the comma-separated list `only` (NULL: every benchmark)? */
static bool chosen(const char *only, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = only; p; p = strchr(p, ','), p = p ? p + 1 : NULL)
		if (!strncmp(p, name, len) && (p[len] == ',' || p[len] == '\0'))
			return true;
	return !only;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR [MiB [BENCH,...]]\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	if (argc > 2)
		big = (size_t)atol(argv[2]) << 20;
	for (size_t i = 0; i < sizeof(benches) / sizeof(benches[0]); i++)
		if (chosen(argc > 3 ? argv[3] : NULL, benches[i].name))
			benches[i].run();
	return 0;
}
