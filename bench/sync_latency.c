/* Wake-up latency of a sectionfs event (not a test): the time from a signal in one process to
 * the return of the wait it ends in another, ping-pong style, four ways in the same run:
 *   winmap    SetEvent -> WaitForSingleObject on named auto-reset events
 *   file      write() of 8 bytes to one event's file in the mount -> a blocked read() of it
 *   eventfd   write() -> read() of a Linux eventfd (the floor for a wake through a file)
 *   futex     FUTEX_WAKE -> FUTEX_WAIT on shared memory (the floor for any wake-up)
 * Each round trip is two one-way wakes (parent -> child, child -> parent); the signaller stamps
 * CLOCK_MONOTONIC into shared memory just before it signals, the woken side reads the clock as
 * soon as its wait returns, and every one-way time is a sample.
 * Usage: sectionfs-sync-latency [ROUND_TRIPS, default 2000]; the mount is $SECTIONFS_ROOT (or
 * where winmap finds one). */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mountinfo.h"
#include "winmap.h"

/* What both processes see: the stamps of the signal in flight and every sample. */
struct shared {
	_Atomic uint64_t stamp[2];      /* [to child, to parent]: when the signal was sent, ns */
	_Atomic uint32_t futex[2];      /* the futex way's words */
	double us[];                    /* 2 * round trips one-way samples */
};

/* One way of signalling: `to` is 0 for parent -> child, 1 for child -> parent. */
struct method {
	const char *name;
	void (*signal)(int to);
	void (*wait)(int to);
	void (*attach)(void);           /* in the child, before the first wait; may be NULL */
};

static struct shared *shm;

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "sync_latency: %s: %s (GetLastError %u)\n", what, strerror(errno),
		(unsigned)GetLastError());
	exit(1);
}

/* ---- winmap ---- */
static char event_names[2][96];
static HANDLE events[2];

/* The child opens the events by name, as another program would (not the parent's handles). */
static void winmap_attach(void)
{
	for (int i = 0; i < 2; i++) {
		events[i] = OpenEventA(SYNCHRONIZE | EVENT_MODIFY_STATE, FALSE, event_names[i]);
		if (!events[i])
			die("OpenEvent");
	}
}

static void winmap_signal(int to)
{
	if (!SetEvent(events[to]))
		die("SetEvent");
}

static void winmap_wait(int to)
{
	if (WaitForSingleObject(events[to], INFINITE) != WAIT_OBJECT_0)
		die("WaitForSingleObject");
}

/* ---- the event's file ---- */
static int files[2];

static void file_signal(int to)
{
	uint64_t set = 1;

	if (write(files[to], &set, sizeof(set)) != (ssize_t)sizeof(set))
		die("write event file");
}

static void file_wait(int to)
{
	uint64_t result;

	if (read(files[to], &result, sizeof(result)) != (ssize_t)sizeof(result))
		die("read event file");
}

/* ---- eventfd ---- */
static int efds[2];

static void eventfd_signal(int to)
{
	if (eventfd_write(efds[to], 1) < 0)
		die("eventfd_write");
}

static void eventfd_wait(int to)
{
	eventfd_t v;

	if (eventfd_read(efds[to], &v) < 0)
		die("eventfd_read");
}

/* ---- futex: the word goes 0 -> 1 on a signal and back to 0 when the waiter takes it ---- */
static void futex_signal(int to)
{
	atomic_store(&shm->futex[to], 1);
	syscall(SYS_futex, &shm->futex[to], FUTEX_WAKE, 1, NULL, NULL, 0);
}

static void futex_wait(int to)
{
	uint32_t one = 1;

	while (!atomic_compare_exchange_strong(&shm->futex[to], &one, 0)) {
		syscall(SYS_futex, &shm->futex[to], FUTEX_WAIT, 0, NULL, NULL, 0);
		one = 1;
	}
}

/* The woken side's sample: now minus the signaller's stamp. */
static void woke(int to, double *sample)
{
	*sample = (double)(now_ns() - atomic_load(&shm->stamp[to])) / 1e3;
}

static void send_to(const struct method *m, int to)
{
	atomic_store(&shm->stamp[to], now_ns());
	m->signal(to);
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void run(const struct method *m, int trips)
{
	pid_t child;
	int status, n = 2 * trips;

	fflush(stdout);
	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		if (m->attach)
			m->attach();
		for (int i = 0; i < trips; i++) {
			m->wait(0);
			woke(0, &shm->us[2 * i]);
			send_to(m, 1);
		}
		_exit(0);
	}
	for (int i = 0; i < trips; i++) {
		send_to(m, 0);
		m->wait(1);
		woke(1, &shm->us[2 * i + 1]);
	}
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status))
		die(m->name);
	qsort(shm->us, (size_t)n, sizeof(double), by_value);
	printf("%-10s one-way wake  median %7.1f us  p90 %7.1f  p99 %7.1f  max %8.1f  (%d wakes)\n",
	       m->name, shm->us[n / 2], shm->us[n * 9 / 10], shm->us[n * 99 / 100], shm->us[n - 1],
	       n);
}

int main(int argc, char **argv)
{
	int trips = argc > 1 ? atoi(argv[1]) : 2000;
	char root[4096], leaf[64], path[8192];
	static const struct method methods[] = {
		{ "winmap", winmap_signal, winmap_wait, winmap_attach },
		{ "file", file_signal, file_wait, NULL },
		{ "eventfd", eventfd_signal, eventfd_wait, NULL },
		{ "futex", futex_signal, futex_wait, NULL },
	};

	if (trips < 1) {
		fprintf(stderr, "usage: %s [ROUND_TRIPS]\n", argv[0]);
		return 2;
	}
	/* the event files where winmap makes the events: the mount it finds */
	if (!mountinfo_sectionfs_root(NULL, root, sizeof(root))) {
		fprintf(stderr, "sync_latency: no sectionfs mount (SECTIONFS_ROOT, /run/sectionfs, "
			"$XDG_RUNTIME_DIR/sectionfs)\n");
		return 1;
	}
	shm = mmap(NULL, sizeof(*shm) + 2 * (size_t)trips * sizeof(double),
		   PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED)
		die("mmap");
	for (int i = 0; i < 2; i++) {
		snprintf(leaf, sizeof(leaf), "sync-latency-%d-%d", (int)getpid(), i);
		snprintf(event_names[i], sizeof(event_names[i]), "Global\\%s", leaf);
		events[i] = CreateEventA(NULL, FALSE, FALSE, event_names[i]);
		if (!events[i])
			die("CreateEvent");
		snprintf(path, sizeof(path), "%s/Global/%s", root, leaf);
		files[i] = open(path, O_RDWR | O_CLOEXEC);
		if (files[i] < 0)
			die(path);
		efds[i] = eventfd(0, EFD_CLOEXEC);
		if (efds[i] < 0)
			die("eventfd");
	}
	printf("%d round trips each, two one-way wakes per round trip\n", trips);
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		run(&methods[i], trips);
	for (int i = 0; i < 2; i++) {
		close(files[i]);
		close(efds[i]);
		CloseHandle(events[i]);
	}
	return 0;
}
