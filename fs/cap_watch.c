/* The cap and the section count, watched: one line in the log when the mount fills up (the
 * first ENOSPC users will ask about) and one when it has room again, per episode rather than
 * per refused request.  A refusal may come from the kernel alone (in passthrough mode the
 * private tmpfs refuses writes the daemon never sees), so the watch looks at what is used, once
 * a second, rather than at the requests it refused: a fill shorter than that goes unsaid.
 * Each look first retries the trims still waiting (trims.c), so their pages go within a second. */
#include <inttypes.h>
#include <stdlib.h>
#include <syslog.h>

#include "sectionfs.h"
#include "store.h"
#include "win32_constants.h"

#define WATCH_INTERVAL_S 1
/* Room again once use is back under this share of the bound: a writer hovering at the cap
 * gives one line, not one a second. */
#define ROOM_AGAIN_PERCENT 90

struct cap_watch {
	struct sfs *fs;
	struct ticker *ticker;
	bool bytes_full, count_full; /* the ticker thread's own */
};

static void look(void *arg)
{
	struct cap_watch *w = arg;
	struct store *st = w->fs->store;
	uint64_t cap, used, max = store_max_sections(st), live = store_live_sections(st);

	trims_retry(w->fs->trims);
	cap = store_cap(st);
	used = store_used(st);

	if (!w->bytes_full && used + WIN32_PAGE_SIZE > cap) {
		w->bytes_full = true;
		sfs_log(w->fs, LOG_WARNING, "the cap is reached: %" PRIu64 " of %" PRIu64 " bytes in "
			"use; what needs more fails with ENOSPC (-o size=)", used, cap);
	} else if (w->bytes_full && used <= cap / 100 * ROOM_AGAIN_PERCENT) {
		w->bytes_full = false;
		sfs_log(w->fs, LOG_NOTICE, "below the cap again: %" PRIu64 " of %" PRIu64 " bytes "
			"in use", used, cap);
	}
	if (!max)
		return;
	if (!w->count_full && live >= max) {
		w->count_full = true;
		sfs_log(w->fs, LOG_WARNING, "%" PRIu64 " sections exist, the most there may be: "
			"creating fails with ENOSPC (-o nr_sections=)", live);
	} else if (w->count_full && live <= max / 100 * ROOM_AGAIN_PERCENT) {
		w->count_full = false;
		sfs_log(w->fs, LOG_NOTICE, "sections may be created again: %" PRIu64 " of at most "
			"%" PRIu64, live, max);
	}
}

struct cap_watch *cap_watch_start(struct sfs *fs)
{
	struct cap_watch *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->fs = fs;
	w->ticker = ticker_start(look, w, WATCH_INTERVAL_S);
	if (!w->ticker) {
		free(w);
		return NULL;
	}
	return w;
}

void cap_watch_stop(struct cap_watch *w)
{
	if (!w)
		return;
	ticker_stop(w->ticker);
	free(w);
}
