/* The store the daemon serves: where sections' memory lives, how much of it and how many
 * sections there may be.
 *
 * Every section holds one descriptor (its data), so the count of sections is bounded the way
 * tmpfs bounds inodes, and never past what the descriptor limit allows: a user who makes empty
 * sections until the count is reached gets ENOSPC (and `df -i` shows it), never a daemon that
 * has run out of descriptors for everyone. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <syslog.h>
#include <unistd.h>

#include "sectionfs.h"
#include "options.h"
#include "pagefile.h"
#include "store.h"

/* Descriptors kept for everything but sections: /dev/fuse clones (one per worker thread), the
 * paging file, /proc reads, descriptors taken from callers for a moment. */
#define FDS_RESERVED 256

/* Raises the soft descriptor limit to the hard one and answers how many sections that allows. */
static uint64_t sections_the_descriptors_allow(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1024 - FDS_RESERVED;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur == RLIM_INFINITY)
		return UINT64_MAX;
	return rl.rlim_cur > 2 * FDS_RESERVED ? rl.rlim_cur - FDS_RESERVED : rl.rlim_cur / 2;
}

/* tmpfs's default for nr_inodes: half the pages of RAM. */
static uint64_t sections_by_default(void)
{
	long pages = sysconf(_SC_PHYS_PAGES);

	return pages > 0 ? (uint64_t)pages / 2 : 65536;
}

static struct pagefile *open_pagefile(struct sfs *fs, const struct sfs_options *opts,
				      uint64_t max_sections)
{
	struct pagefile *pf;
	char why[256];

	if (opts->pagefile == PAGEFILE_CHOICE_MEMFD) {
		fs->pt.mode = PASSTHROUGH_OFF;   /* options.c refused passthrough=on */
		sfs_log(fs, LOG_INFO, "pagefile=memfd: sections live in memfds and the daemon counts "
			"their sizes against the cap");
		return pagefile_new_memfd();
	}
	pf = pagefile_new_tmpfs(opts->cap_bytes, max_sections, why, sizeof(why));
	if (pf) {
		sfs_log(fs, LOG_INFO, "sections live in a private tmpfs of %llu bytes: the kernel "
			"holds the cap", (unsigned long long)opts->cap_bytes);
		return pf;
	}
	if (opts->pagefile == PAGEFILE_CHOICE_TMPFS) {
		fprintf(stderr, "sectionfs: pagefile=tmpfs: %s\n", why);
		return NULL;
	}
	if (fs->pt.mode == PASSTHROUGH_ON) {
		fprintf(stderr, "sectionfs: passthrough=on: %s, and without one the cap could not "
				"hold over writes the daemon never sees\n", why);
		return NULL;
	}
	/* Without the kernel holding the cap, only writes the daemon sees can be counted. */
	fs->pt.mode = PASSTHROUGH_OFF;
	sfs_log(fs, LOG_WARNING, "%s: sections live in memfds, the daemon counts their sizes "
		"against the cap, cached mode", why);
	return pagefile_new_memfd();
}

int store_setup(struct sfs *fs, const struct sfs_options *opts)
{
	uint64_t allowed = sections_the_descriptors_allow();
	uint64_t max_sections = opts->max_sections;
	struct store_config config;

	if (max_sections > allowed) {
		fprintf(stderr, "sectionfs: nr_sections=%llu: this process may open only %llu more "
				"descriptors (ulimit -Hn); raise the limit or ask for fewer\n",
			(unsigned long long)max_sections, (unsigned long long)allowed);
		return -1;
	}
	if (!max_sections)
		max_sections = sections_by_default() < allowed ? sections_by_default() : allowed;
	config = (struct store_config){
		.cap = opts->cap_bytes,
		.max_sections = max_sections,
		.pagefile = open_pagefile(fs, opts, max_sections),
	};
	if (!config.pagefile)
		return -1;
	fs->store = store_new_config(&config);
	if (!fs->store) {
		fprintf(stderr, "sectionfs: store: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}
