/* Section specs: rules A1-A10, what a creation request (CreateFileMapping's, or a plain
 * filesystem create) is, validated before anything is made.  No locks: a spec is the caller's
 * own, and the file it names is only asked (fstat). */
#include "section.h"

#include <errno.h>
#include <sys/stat.h>

#include "errors.h"
#include "protect.h"
#include "section_internal.h"
#include "win32_constants.h"

uint32_t section_spec_win32(uint32_t flprotect, uint64_t size, int file_fd, unsigned file_access,
			    enum section_lifetime lifetime, struct section_spec *spec)
{
	bool file_backed = file_fd >= 0;
	uint32_t page, attributes, err;
	bool grow = false;
	struct stat st;

	if (!file_backed && size == 0)
		return ERROR_INVALID_PARAMETER;                 /* A1: before anything else */
	err = protect_parse(flprotect, file_backed, &page, &attributes);   /* A8, A9 */
	if (err)
		return err;
	if (size > SECTION_SIZE_MAX)
		return ERROR_NOT_ENOUGH_MEMORY;                 /* A7 */

	if (file_backed) {
		err = protect_check_file_access(page, file_access);        /* A10 */
		if (err)
			return err;
		if (fstat(file_fd, &st) < 0)
			return winerr_from_errno(errno);
		if (!S_ISREG(st.st_mode))
			return ERROR_FILE_INVALID;
		if (size == 0) {
			if (st.st_size == 0)
				return ERROR_FILE_INVALID;              /* A3 */
			size = (uint64_t)st.st_size;            /* A4: exactly, no rounding */
		} else if (size > (uint64_t)st.st_size) {
			/* A5 grows the file; A6: a protection that cannot write, or a file that
			 * was not opened for writing, cannot grow it. */
			if (!(protect_allows_shared_write(page) || protect_is_copy_on_write(page)) ||
			    !(file_access & FILE_ACCESS_WRITE))
				return ERROR_NOT_ENOUGH_MEMORY;
			grow = true;
		}
	} else {
		size = round_to_page(size);                     /* A2 */
	}

	*spec = (struct section_spec){
		.protect = page,
		.attributes = attributes,
		.size = size,
		.file_fd = file_fd,
		.grow_file = grow,
		.lifetime = lifetime,
	};
	return ERROR_SUCCESS;
}

struct section_spec section_spec_default(enum section_lifetime lifetime)
{
	return (struct section_spec){
		.protect = PAGE_READWRITE,
		.attributes = SEC_COMMIT,
		.size = 0,
		.file_fd = -1,
		.lifetime = lifetime,
	};
}
