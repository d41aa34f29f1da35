/* The command line, parsed once: our options out, FUSE's options through. */
#include "options.h"

#include <errno.h>
#include <grp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct raw_options {
	char *sessions;
	char *size;
	char *nr_sections;
	char *pagefile;
	char *global_create;
	char *passthrough;
	char *io_uring;
	char *nonopt[2];
	unsigned n_nonopt;
};

#define RAW_OPT(t, p) { t, offsetof(struct raw_options, p), 0 }

static const struct fuse_opt raw_option_spec[] = {
	RAW_OPT("sessions=%s", sessions),
	RAW_OPT("size=%s", size),
	RAW_OPT("nr_sections=%s", nr_sections),
	RAW_OPT("pagefile=%s", pagefile),
	RAW_OPT("global_create=%s", global_create),
	RAW_OPT("passthrough=%s", passthrough),
	RAW_OPT("io_uring=%s", io_uring),
	FUSE_OPT_END
};

/* Keeps SOURCE and MOUNTPOINT for ourselves ("mount -t fuse.sectionfs SOURCE DIR" passes both). */
static int keep_nonopt(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	struct raw_options *raw = data;

	(void)outargs;
	if (key != FUSE_OPT_KEY_NONOPT)
		return 1;
	if (raw->n_nonopt == 2) {
		fprintf(stderr, "sectionfs: too many arguments: '%s'\n", arg);
		return -1;
	}
	raw->nonopt[raw->n_nonopt++] = strdup(arg);
	return 0;
}

/* One word of a list: the first is the default when the option is absent. */
struct choice {
	const char *word;
	int value;
};

static bool parse_choice(const char *option, const char *text, const struct choice *choices,
			 int *value)
{
	if (!text) {
		*value = choices[0].value;
		return true;
	}
	for (const struct choice *c = choices; c->word; c++)
		if (!strcmp(text, c->word)) {
			*value = c->value;
			return true;
		}
	fprintf(stderr, "sectionfs: %s=%s: use", option, text);
	for (const struct choice *c = choices; c->word; c++)
		fprintf(stderr, "%s %s", c == choices ? "" : (c[1].word ? "," : " or"), c->word);
	fprintf(stderr, "\n");
	return false;
}

/* "1g", "512m", "25%", "4096": bytes, or false. */
static bool options_parse_size(const char *text, uint64_t *bytes)
{
	char *end;
	unsigned long long n;
	uint64_t unit = 1;

	if (!text || !*text || *text == '-')
		return false;
	errno = 0;
	n = strtoull(text, &end, 10);
	if (errno || end == text)
		return false;
	if (!strcmp(end, "%")) {
		long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
		if (n == 0 || n > 100 || pages <= 0 || page <= 0)
			return false;
		*bytes = (uint64_t)pages * (uint64_t)page / 100 * n;
		return true;
	}
	if (!strcasecmp(end, "k"))
		unit = 1ull << 10;
	else if (!strcasecmp(end, "m"))
		unit = 1ull << 20;
	else if (!strcasecmp(end, "g"))
		unit = 1ull << 30;
	else if (!strcasecmp(end, "t"))
		unit = 1ull << 40;
	else if (*end)
		return false;
	if (n == 0 || n > UINT64_MAX / unit)
		return false;
	*bytes = n * unit;
	return true;
}

/* "anyone", "root" or "group:NAME" (a group name or number). */
static bool parse_global_create(const char *text, struct global_create *out)
{
	*out = (struct global_create){ GLOBAL_CREATE_ANYONE, 0 };
	if (!text || !strcmp(text, "anyone"))
		return true;
	if (!strcmp(text, "root")) {
		out->rule = GLOBAL_CREATE_ROOT;
		return true;
	}
	if (!strncmp(text, "group:", 6) && text[6]) {
		const char *name = text + 6;
		struct group *g = getgrnam(name);
		char *end;
		unsigned long id;

		out->rule = GLOBAL_CREATE_GROUP;
		if (g) {
			out->gid = g->gr_gid;
			return true;
		}
		errno = 0;
		id = strtoul(name, &end, 10);
		if (!errno && !*end && *name >= '0' && *name <= '9' && id < (gid_t)-1) {
			out->gid = (gid_t)id;
			return true;
		}
		fprintf(stderr, "sectionfs: global_create=%s: no such group\n", text);
		return false;
	}
	fprintf(stderr, "sectionfs: global_create=%s: use anyone, root or group:NAME\n", text);
	return false;
}

/* A positive count, at most 2^32. */
static bool parse_count(const char *text, uint64_t *count)
{
	char *end;
	unsigned long long n;

	if (!text || *text < '0' || *text > '9')
		return false;
	errno = 0;
	n = strtoull(text, &end, 10);
	if (errno || *end || n == 0 || n > (1ULL << 32))
		return false;
	*count = n;
	return true;
}

void options_usage(const char *prog)
{
	printf("usage: %s [options] [SOURCE] MOUNTPOINT\n\n"
	       "Shows Windows-style named shared memory sections as files:\n"
	       "Global/, Local (each caller's session), Sessions/<id>/ and Staging/.\n\n"
	       "sectionfs options:\n"
	       "    -o sessions=login|posix|none  what a Windows session is (default: login,\n"
	       "                                  the audit login session of the caller)\n"
	       "    -o size=N[k|m|g|t|%%]          cap on the bytes of all sections\n"
	       "                                  (default: 50%% of RAM)\n"
	       "    -o nr_sections=N              how many sections may exist at once\n"
	       "                                  (default: like tmpfs's inodes, half the\n"
	       "                                  pages of RAM, within the descriptor limit)\n"
	       "    -o pagefile=auto|tmpfs|memfd  where sections' memory lives: a private\n"
	       "                                  tmpfs (the kernel holds the cap) or memfds\n"
	       "                                  (the daemon counts; cached mode only);\n"
	       "                                  default auto: tmpfs when possible\n"
	       "    -o global_create=anyone|root|group:NAME\n"
	       "                                  who may create in Global/ from a session\n"
	       "                                  other than 0 (default anyone)\n"
	       "    -o passthrough=auto|on|off    serve sections straight from their memfds\n"
	       "                                  (FUSE passthrough: Linux 6.9+, root; default\n"
	       "                                  auto: when possible, else cached mode)\n"
	       "    -o io_uring=auto|on|off       serve requests over io_uring, one queue per\n"
	       "                                  CPU (Linux 6.14+ with the fuse module's\n"
	       "                                  enable_uring=Y; default auto: when the kernel\n"
	       "                                  offers it, else /dev/fuse; on: refuse to\n"
	       "                                  mount without it)\n"
	       "    -f                            stay in the foreground\n"
	       "    -d                            debug: print every request (implies -f)\n\n",
	       prog);
}

bool options_parse(int argc, char **argv, struct sfs_options *opts, struct fuse_args *args)
{
	struct raw_options raw = { 0 };
	struct fuse_cmdline_opts cmd;
	bool ok = false;

	memset(opts, 0, sizeof(*opts));
	*args = (struct fuse_args)FUSE_ARGS_INIT(argc, argv);
	if (fuse_opt_parse(args, &raw, raw_option_spec, keep_nonopt) != 0)
		goto out;

	static const struct choice session_choices[] = {
		{ "login", SESSIONS_LOGIN }, { "posix", SESSIONS_POSIX }, { "none", SESSIONS_NONE },
		{ NULL, 0 } };
	static const struct choice pagefile_choices[] = {
		{ "auto", PAGEFILE_CHOICE_AUTO }, { "tmpfs", PAGEFILE_CHOICE_TMPFS },
		{ "memfd", PAGEFILE_CHOICE_MEMFD }, { NULL, 0 } };
	static const struct choice passthrough_choices[] = {
		{ "auto", PASSTHROUGH_AUTO }, { "on", PASSTHROUGH_ON }, { "off", PASSTHROUGH_OFF },
		{ NULL, 0 } };
	static const struct choice uring_choices[] = {
		{ "auto", URING_AUTO }, { "on", URING_ON }, { "off", URING_OFF }, { NULL, 0 } };
	int sessions, pagefile, passthrough, io_uring;
	if (!parse_choice("sessions", raw.sessions, session_choices, &sessions) ||
	    !parse_choice("pagefile", raw.pagefile, pagefile_choices, &pagefile) ||
	    !parse_choice("passthrough", raw.passthrough, passthrough_choices, &passthrough) ||
	    !parse_choice("io_uring", raw.io_uring, uring_choices, &io_uring) ||
	    !parse_global_create(raw.global_create, &opts->global_create))
		goto out;
	opts->sessions = (enum session_mode)sessions;
	opts->pagefile = (enum pagefile_choice)pagefile;
	opts->passthrough = (enum passthrough_mode)passthrough;
	opts->io_uring = (enum uring_mode)io_uring;
	if (opts->pagefile == PAGEFILE_CHOICE_MEMFD && opts->passthrough == PASSTHROUGH_ON) {
		fprintf(stderr, "sectionfs: pagefile=memfd needs cached mode: the daemon could not "
				"hold the cap over writes it never sees (use passthrough=off or auto)\n");
		goto out;
	}
	if (opts->sessions == SESSIONS_NONE && opts->global_create.rule != GLOBAL_CREATE_ANYONE) {
		fprintf(stderr, "sectionfs: global_create=%s does nothing with sessions=none: every "
				"process is in session 0, which may always create global names\n",
			raw.global_create);
		goto out;
	}
	if (raw.nr_sections && !parse_count(raw.nr_sections, &opts->max_sections)) {
		fprintf(stderr, "sectionfs: nr_sections=%s: use a count from 1 to 4294967296\n",
			raw.nr_sections);
		goto out;
	}
	if (raw.size) {
		if (!options_parse_size(raw.size, &opts->cap_bytes)) {
			fprintf(stderr, "sectionfs: size=%s: use a positive number of bytes with an "
					"optional k, m, g, t or %% (of RAM)\n", raw.size);
			goto out;
		}
	} else {
		options_parse_size("50%", &opts->cap_bytes);
	}

	/* The mount point is the last argument; a SOURCE before it is mount(8)'s and unused. */
	if (raw.n_nonopt > 0 && fuse_opt_add_arg(args, raw.nonopt[raw.n_nonopt - 1]) != 0)
		goto out;
	if (fuse_parse_cmdline(args, &cmd) != 0)
		goto out;
	opts->mountpoint = cmd.mountpoint;
	opts->foreground = cmd.foreground;
	opts->show_help = cmd.show_help;
	opts->show_version = cmd.show_version;
	opts->max_threads = cmd.max_threads;
	if (!opts->show_help && !opts->show_version && !opts->mountpoint) {
		fprintf(stderr, "sectionfs: no mount point given (try --help)\n");
		goto out;
	}

	/* No default_permissions: the daemon checks permissions against the modes it reports
	 * (permissions.c), which spares the GETATTR of the directory the kernel's checks needed
	 * after every create and unlink.  A root mount is for every user, like tmpfs.  The mount
	 * shows up as "fuse.sectionfs".  auto_unmount has fusermount3 watch the daemon, so even
	 * one killed outright leaves no dead mount. */
	if (fuse_opt_add_arg(args, "-oauto_unmount") != 0 ||
	    fuse_opt_add_arg(args, "-osubtype=sectionfs,fsname=sectionfs") != 0 ||
	    (geteuid() == 0 && fuse_opt_add_arg(args, "-oallow_other") != 0))
		goto out;
	ok = true;
out:
	free(raw.sessions);
	free(raw.size);
	free(raw.nr_sections);
	free(raw.pagefile);
	free(raw.global_create);
	free(raw.passthrough);
	free(raw.io_uring);
	for (unsigned i = 0; i < raw.n_nonopt; i++)
		free(raw.nonopt[i]);
	return ok;
}
