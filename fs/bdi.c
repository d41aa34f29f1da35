/* Tuning the mount's backing device (FUSE-NOTES): FUSE mounts get a small read-ahead and a hard
 * cap on dirty pages (strict_limit, max_ratio 1%), which held a memset over a shared map to
 * 0.86 GB/s where 29 GB/s was possible.  Root may lift both after mounting, in sysfs (never on
 * the mount itself). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sectionfs.h"

static void write_setting(unsigned major, unsigned minor, const char *name, const char *value)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/sys/class/bdi/%u:%u/%s", major, minor, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;   /* not root, or an older kernel: the defaults stay */
	if (write(fd, value, strlen(value)) < 0) {
		/* the same: a setting we could not change is a slower mount, not a broken one */
	}
	close(fd);
}

void bdi_tune(struct sfs *fs)
{
	if (geteuid() != 0 || (fs->mount_dev_major == 0 && fs->mount_dev_minor == 0))
		return;
	write_setting(fs->mount_dev_major, fs->mount_dev_minor, "read_ahead_kb", "1024");
	write_setting(fs->mount_dev_major, fs->mount_dev_minor, "strict_limit", "0");
	write_setting(fs->mount_dev_major, fs->mount_dev_minor, "max_ratio", "100");
}
