/* map_pingpong PATH ROLE ROUNDS: two processes, each with its own open and MAP_SHARED map of the
 * same section, take turns through the first word of the map without msync.  Role 0 moves the
 * counter from even to odd, role 1 from odd to even; each also stores, beside the counter, the
 * value it saw, which the other checks.  Exits 0 after ROUNDS turns of its own with the counter
 * at the expected value; 1 on any error; 2 when the other side's stores never showed up (no
 * progress for 20 s, a broken map, not a slow machine). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

struct shared {
	_Atomic uint64_t counter;
	_Atomic uint64_t echo[2];     /* echo[role]: the counter value role last moved from */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s PATH ROLE ROUNDS\n", argv[0]);
		return 1;
	}
	int role = atoi(argv[2]);
	long rounds = atol(argv[3]);
	int fd = open(argv[1], O_RDWR);
	if (fd < 0) {
		perror("open");
		return 1;
	}
	struct shared *s = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (s == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	close(fd);   /* the map holds the file */
	printf("mapped\n");
	fflush(stdout);

	for (long i = 0; i < rounds; i++) {
		uint64_t want = (uint64_t)(2 * i + role);   /* my turn when the counter is this */
		double last = now();
		uint64_t c;
		unsigned spins = 0;

		while ((c = atomic_load(&s->counter)) != want) {
			if (c > want) {
				fprintf(stderr, "role %d: counter %llu ran past %llu\n", role,
					(unsigned long long)c, (unsigned long long)want);
				return 1;
			}
			if (++spins % 1024 == 0) {
				if (now() - last > 20.0) {
					fprintf(stderr, "role %d: counter stuck at %llu, waiting for %llu\n",
						role, (unsigned long long)c, (unsigned long long)want);
					return 2;
				}
				sched_yield();
			}
		}
		/* The other side's echo of its previous turn must be visible too. */
		if (want > 0 && atomic_load(&s->echo[!role]) != want - 1) {
			fprintf(stderr, "role %d: echo %llu, expected %llu\n", role,
				(unsigned long long)atomic_load(&s->echo[!role]),
				(unsigned long long)(want - 1));
			return 1;
		}
		atomic_store(&s->echo[role], want);
		atomic_store(&s->counter, want + 1);
	}
	printf("done %llu\n", (unsigned long long)atomic_load(&s->counter));
	munmap(s, 4096);
	return 0;
}
