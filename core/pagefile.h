/* The paging file: where the memory of paging-file sections and of copy-on-write copies lives,
 * and who keeps it under the cap.
 *
 * Two kinds.  A *tmpfs* paging file is a private tmpfs instance of size= the cap that only this
 * process can reach (a detached mount from fsopen/fsmount; its files are O_TMPFILE, so they have
 * no names): the kernel itself refuses a page past the cap with ENOSPC, whoever writes it and
 * however (write, mmap, FUSE passthrough, copy_file_range, fallocate), and counts pages really
 * used, as tmpfs does.  A *memfd* paging file is one memfd per file, for when the kernel or the
 * privileges allow no tmpfs instance: the kernel counts nothing, so the store charges every size
 * against the cap itself (store.h), which holds only while every growth passes through us.
 *
 * Single pages (pagefile_page_*) are slots of one shared file, so that copy-on-write copies are
 * counted like everything else without costing a descriptor each. */
#ifndef SECTIONFS_PAGEFILE_H
#define SECTIONFS_PAGEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pagefile;

enum pagefile_kind {
	PAGEFILE_MEMFD,   /* memfds: the store counts sizes against the cap */
	PAGEFILE_TMPFS,   /* a private tmpfs of size= the cap: the kernel counts pages */
};

/* A memfd paging file.  NULL (errno ENOMEM) on failure. */
struct pagefile *pagefile_new_memfd(void);

/* A tmpfs paging file of cap bytes (rounded up to pages) and at most max_files files.  Made
 * directly when this process may mount, else inside a user namespace of its own made by a child
 * process (unprivileged users may have one).  Call before starting threads.  NULL with a
 * sentence saying why in `why` when neither works. */
struct pagefile *pagefile_new_tmpfs(uint64_t cap, uint64_t max_files, char *why, size_t len);

void pagefile_free(struct pagefile *pf);

enum pagefile_kind pagefile_kind(const struct pagefile *pf);

/* A new empty file, read-write, close-on-exec: the caller owns the descriptor.  -1 with errno
 * (ENOSPC: the tmpfs instance has no inode left). */
int pagefile_new_file(struct pagefile *pf);

/* Is fd's file open nowhere but through fd itself: no other open file, no map made through one
 * (a map keeps its open file)?  Asked with a write lease (F_SETLEASE), which the kernel grants
 * only then; for tmpfs paging files, whose files are opened like any file (memfds are not). */
bool pagefile_file_alone(int fd);

/* Bytes in use in a tmpfs paging file, as the kernel counts them (0 for memfds: the store
 * counts those). */
uint64_t pagefile_used(struct pagefile *pf);

/* ---- single pages (PAGEFILE_PAGE_SIZE bytes each) ---- */

#define PAGEFILE_PAGE_SIZE 4096

/* Takes a free slot, fills it with `data` and answers its number; 0 or a negative errno
 * (-ENOSPC: the cap is full, nothing taken). */
int pagefile_page_new(struct pagefile *pf, const void *data, uint64_t *slot);

/* Reads or writes part of a slot: [in_page, in_page + len) must lie within the page.  0 or a
 * negative errno. */
int pagefile_page_read(struct pagefile *pf, uint64_t slot, void *buf, size_t len, size_t in_page);
int pagefile_page_write(struct pagefile *pf, uint64_t slot, const void *buf, size_t len,
			size_t in_page);

/* Gives a slot back; its memory is released at once. */
void pagefile_page_free(struct pagefile *pf, uint64_t slot);

#endif
