/* Which wine runs the helper, in which prefix, and where that prefix's wineserver lives. */
#include "bridge.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool executable_at(const char *path)
{
	return access(path, X_OK) == 0;
}

/* The first of `names` found in PATH. */
static bool in_path(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save;
	bool found = false;

	if (!path || !(copy = strdup(path)))
		return false;
	for (dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		snprintf(out, len, "%s/%s", dir, name);
		found = executable_at(out);
	}
	free(copy);
	return found;
}

/* Proton: the command runs ".../proton waitforexitandrun GAME"; its own wine sits beside it. */
static bool proton_wine(char *const *command, char *out, size_t len)
{
	static const char *const beside[] = { "files/bin/wine64", "dist/bin/wine64" };

	for (; command && *command; command++) {
		char copy[PATH_MAX];
		const char *base = strrchr(*command, '/');

		if (!base || strcmp(base + 1, "proton"))
			continue;
		snprintf(copy, sizeof(copy), "%s", *command);
		for (size_t i = 0; i < sizeof(beside) / sizeof(beside[0]); i++) {
			snprintf(out, len, "%s/%s", dirname(copy), beside[i]);
			if (executable_at(out))
				return true;
		}
	}
	return false;
}

bool wine_prefix_find(struct wine_prefix *wp, char *const *command)
{
	const char *env_wine = getenv("WINE"), *prefix = getenv("WINEPREFIX");
	const char *steam = getenv("STEAM_COMPAT_DATA_PATH"), *home = getenv("HOME");
	char path[PATH_MAX];

	memset(wp, 0, sizeof(*wp));
	if (env_wine && *env_wine)
		snprintf(wp->wine, sizeof(wp->wine), "%s", env_wine);
	else if (!proton_wine(command, wp->wine, sizeof(wp->wine)) &&
		 !in_path("wine64", wp->wine, sizeof(wp->wine)) &&
		 !in_path("wine", wp->wine, sizeof(wp->wine)))
		snprintf(wp->wine, sizeof(wp->wine), "/usr/lib/wine/wine64");   /* Debian's */
	if (!executable_at(wp->wine)) {
		fprintf(stderr, "sectionfs-bridge: no wine to run the helper with (%s: %s); "
				"install wine64, or set WINE to the wine of your games\n",
			wp->wine, strerror(errno));
		return false;
	}
	if (prefix && *prefix)
		snprintf(path, sizeof(path), "%s", prefix);
	else if (steam && *steam)
		snprintf(path, sizeof(path), "%s/pfx", steam);
	else
		snprintf(path, sizeof(path), "%s/.wine", home ? home : "");
	/* the prefix may not exist yet (the game's wine makes it): its own path then */
	if (!realpath(path, wp->path))
		snprintf(wp->path, sizeof(wp->path), "%s", path);
	return true;
}

bool wine_prefix_server_dir(struct wine_prefix *wp)
{
	char tmpdir[PATH_MAX] = "", file[PATH_MAX + 16];
	struct stat st;
	ssize_t n;
	int fd;

	if (stat(wp->path, &st) < 0)
		return false;
	/* Debian's wine names the directory in PREFIX/wineserver; upstream's is /tmp/.wine-UID */
	snprintf(file, sizeof(file), "%s/wineserver", wp->path);
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, tmpdir, sizeof(tmpdir) - 1);
		close(fd);
		tmpdir[n > 0 ? n : 0] = '\0';
		tmpdir[strcspn(tmpdir, "\n")] = '\0';
		if (strchr(tmpdir, '/') || !strcmp(tmpdir, "..") || !strcmp(tmpdir, "."))
			tmpdir[0] = '\0';   /* not a name in /tmp: ignore it */
	}
	if (!tmpdir[0])
		snprintf(tmpdir, sizeof(tmpdir), ".wine-%u", (unsigned)getuid());
	snprintf(wp->server_dir, sizeof(wp->server_dir), "/tmp/%s/server-%llx-%llx", tmpdir,
		 (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	return access(wp->server_dir, F_OK) == 0;
}
