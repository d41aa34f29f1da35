/* The command line: sectionfs [options] [SOURCE] MOUNTPOINT, with -o sessions=, size=,
 * nr_sections=, pagefile=, passthrough=, io_uring= and global_create=. */
#ifndef SECTIONFS_OPTIONS_H
#define SECTIONFS_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "sectionfs.h"

/* Where sections' memory lives (pagefile.h). */
enum pagefile_choice {
	PAGEFILE_CHOICE_AUTO,       /* a private tmpfs when possible, else memfds (said so) */
	PAGEFILE_CHOICE_TMPFS,      /* a private tmpfs, or no mount */
	PAGEFILE_CHOICE_MEMFD,      /* memfds, counted by the daemon; cached mode only */
};

struct sfs_options {
	enum session_mode sessions;
	enum passthrough_mode passthrough;
	enum uring_mode io_uring;
	enum pagefile_choice pagefile;
	uint64_t cap_bytes;
	uint64_t max_sections;      /* 0: the default, decided once the descriptor limit is known */
	struct global_create global_create;
	char *mountpoint;
	bool foreground;
	bool show_help;
	bool show_version;
	unsigned max_threads;       /* 0: libfuse's default */
};

/* Parses argv into opts and into args, the arguments left for fuse_session_new (standard FUSE
 * options, with allow_other and auto_unmount added as the mount needs).  Prints what is
 * wrong and returns false on bad input. */
bool options_parse(int argc, char **argv, struct sfs_options *opts, struct fuse_args *args);

void options_usage(const char *prog);

#endif
