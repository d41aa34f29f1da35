/* Prints the numbers of the daemon's contract (include/sectionfs/protocol.h) that the Python
 * package spells again, one "NAME VALUE" a line, for test_python to compare. */
#include <stdio.h>

#include "sectionfs/layout.h"
#include "sectionfs/protocol.h"

int main(void)
{
	printf("IOC_INFO %lu\n", (unsigned long)SECTIONFS_IOC_INFO);
	printf("IOC_BECOME_VIEW %lu\n", (unsigned long)SECTIONFS_IOC_BECOME_VIEW);
	printf("IOC_RETIRE %lu\n", (unsigned long)SECTIONFS_IOC_RETIRE);
	printf("IOC_OBJECT %lu\n", (unsigned long)SECTIONFS_IOC_OBJECT);
	printf("IOC_SIGNAL %lu\n", (unsigned long)SECTIONFS_IOC_SIGNAL);
	printf("IOC_WAIT %lu\n", (unsigned long)SECTIONFS_IOC_WAIT);
	printf("WAIT_STRUCT %zu\n", sizeof(struct sectionfs_wait));
	printf("WAIT_MAX %u\n", SECTIONFS_WAIT_MAX);
	printf("WAIT_INFINITE %u\n", SECTIONFS_WAIT_INFINITE);
	printf("OBJECT_STRUCT %zu\n", sizeof(struct sectionfs_object));
	printf("SIGNAL_STRUCT %zu\n", sizeof(struct sectionfs_signal));
	printf("KIND_SECTION %u\n", SECTIONFS_KIND_SECTION);
	printf("KIND_EVENT %u\n", SECTIONFS_KIND_EVENT);
	printf("KIND_MUTEX %u\n", SECTIONFS_KIND_MUTEX);
	printf("KIND_SEMAPHORE %u\n", SECTIONFS_KIND_SEMAPHORE);
	printf("SIGNAL_SET_EVENT %u\n", SECTIONFS_SIGNAL_SET_EVENT);
	printf("SIGNAL_RESET_EVENT %u\n", SECTIONFS_SIGNAL_RESET_EVENT);
	printf("SIGNAL_PULSE_EVENT %u\n", SECTIONFS_SIGNAL_PULSE_EVENT);
	printf("SIGNAL_RELEASE_MUTEX %u\n", SECTIONFS_SIGNAL_RELEASE_MUTEX);
	printf("SIGNAL_RELEASE_SEMAPHORE %u\n", SECTIONFS_SIGNAL_RELEASE_SEMAPHORE);
	printf("INFO_FILE_BACKED %u\n", SECTIONFS_INFO_FILE_BACKED);
	printf("INFO_STAGED %u\n", SECTIONFS_INFO_STAGED);
	printf("INFO_TEMPORARY %u\n", SECTIONFS_INFO_TEMPORARY);
	printf("INFO_STRUCT %zu\n", sizeof(struct sectionfs_info));
	printf("VIEW_STRUCT %zu\n", sizeof(struct sectionfs_view));
	printf("XATTR_PREFIX %s\n", SECTIONFS_XATTR_PREFIX);
	printf("XATTR_SETUP %s\n", SECTIONFS_XATTR_SETUP);
	printf("XATTR_PROTECT %s\n", SECTIONFS_XATTR_PROTECT);
	printf("XATTR_TYPE %s\n", SECTIONFS_XATTR_TYPE);
	printf("XATTR_STATE %s\n", SECTIONFS_XATTR_STATE);
	printf("XATTR_WAITERS %s\n", SECTIONFS_XATTR_WAITERS);
	printf("XATTR_LIFETIME %s\n", SECTIONFS_XATTR_LIFETIME);
	printf("LIFETIMES %s,%s\n", SECTIONFS_LIFETIME_TEMPORARY, SECTIONFS_LIFETIME_PERMANENT);
	printf("GLOBAL %s\n", SECTIONFS_GLOBAL);
	printf("LOCAL %s\n", SECTIONFS_LOCAL);
	printf("SESSIONS %s\n", SECTIONFS_SESSIONS);
	printf("STAGING %s\n", SECTIONFS_STAGING);
	printf("SESSION %s\n", SECTIONFS_SESSION);
	return 0;
}
