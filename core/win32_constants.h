/* The Windows constants that sections speak in, with their Windows values.
 *
 * Shared by the core, the daemon and winmap.h (which installs this header beside itself), so that
 * every number is written down once.  Values follow docs/windows-rules.md and the Windows SDK. */
#ifndef SECTIONFS_WIN32_CONSTANTS_H
#define SECTIONFS_WIN32_CONSTANTS_H

/* Page protections (flProtect, low byte). */
#define PAGE_NOACCESS          0x01u
#define PAGE_READONLY          0x02u
#define PAGE_READWRITE         0x04u
#define PAGE_WRITECOPY         0x08u
#define PAGE_EXECUTE           0x10u
#define PAGE_EXECUTE_READ      0x20u
#define PAGE_EXECUTE_READWRITE 0x40u
#define PAGE_EXECUTE_WRITECOPY 0x80u

/* Page protection modifiers, added to one of the above (VirtualAlloc, VirtualQuery). */
#define PAGE_GUARD             0x100u
#define PAGE_NOCACHE           0x200u
#define PAGE_WRITECOMBINE      0x400u

/* Section attributes (flProtect, high bits). */
#define SEC_FILE               0x00800000u
#define SEC_IMAGE              0x01000000u
#define SEC_RESERVE            0x04000000u
#define SEC_COMMIT             0x08000000u
#define SEC_NOCACHE            0x10000000u
#define SEC_WRITECOMBINE       0x40000000u
#define SEC_LARGE_PAGES        0x80000000u

/* View and handle access (dwDesiredAccess). */
#define FILE_MAP_COPY          0x0001u
#define FILE_MAP_WRITE         0x0002u
#define FILE_MAP_READ          0x0004u
#define FILE_MAP_EXECUTE       0x0020u
#define FILE_MAP_ALL_ACCESS    0x000F001Fu
#define SECTION_QUERY          0x0001u
#define SECTION_MAP_WRITE      0x0002u
#define SECTION_MAP_READ       0x0004u
#define SECTION_MAP_EXECUTE    0x0008u
#define SECTION_EXTEND_SIZE    0x0010u
#define SECTION_ALL_ACCESS     0x000F001Fu

/* Virtual memory (VirtualAlloc / VirtualFree / VirtualQuery). */
#define MEM_COMMIT             0x00001000u
#define MEM_RESERVE            0x00002000u
#define MEM_DECOMMIT           0x00004000u
#define MEM_RELEASE            0x00008000u
#define MEM_RESET              0x00080000u
#define MEM_FREE               0x00010000u
#define MEM_PRIVATE            0x00020000u
#define MEM_MAPPED             0x00040000u

/* Win32 error codes (GetLastError). */
#define ERROR_SUCCESS             0u
#define ERROR_FILE_NOT_FOUND      2u
#define ERROR_PATH_NOT_FOUND      3u
#define ERROR_TOO_MANY_OPEN_FILES 4u
#define ERROR_ACCESS_DENIED       5u
#define ERROR_INVALID_HANDLE      6u
#define ERROR_NOT_ENOUGH_MEMORY   8u
#define ERROR_WRITE_PROTECT       19u
#define ERROR_GEN_FAILURE         31u
#define ERROR_BAD_LENGTH          24u
#define ERROR_SHARING_VIOLATION   32u
#define ERROR_HANDLE_EOF          38u
#define ERROR_NOT_SUPPORTED       50u
#define ERROR_FILE_EXISTS         80u
#define ERROR_INVALID_PARAMETER   87u
#define ERROR_DISK_FULL           112u
#define ERROR_CALL_NOT_IMPLEMENTED 120u
#define ERROR_INSUFFICIENT_BUFFER 122u
#define ERROR_INVALID_NAME        123u
#define ERROR_NEGATIVE_SEEK       131u
#define ERROR_BAD_PATHNAME        161u
#define ERROR_ALREADY_EXISTS      183u
#define ERROR_BAD_EXE_FORMAT      193u
#define ERROR_FILENAME_EXCED_RANGE 206u
#define ERROR_FILE_TOO_LARGE      223u
#define ERROR_NOT_OWNER           288u
#define ERROR_TOO_MANY_POSTS      298u
#define ERROR_INVALID_ADDRESS     487u
#define ERROR_NOACCESS            998u
#define ERROR_FILE_INVALID        1006u
#define ERROR_MAPPED_ALIGNMENT    1132u
#define ERROR_USER_MAPPED_FILE    1224u

/* Synchronization objects: access rights (CreateEventEx, OpenEvent...) and wait results
 * (WaitForSingleObject, WaitForMultipleObjects). */
#define DELETE                    0x00010000u
#define READ_CONTROL              0x00020000u
#define SYNCHRONIZE               0x00100000u
#define STANDARD_RIGHTS_REQUIRED  0x000F0000u
#define EVENT_MODIFY_STATE        0x0002u
#define EVENT_ALL_ACCESS          0x001F0003u
#define MUTEX_MODIFY_STATE        0x0001u
#define MUTEX_ALL_ACCESS          0x001F0001u
#define SEMAPHORE_MODIFY_STATE    0x0002u
#define SEMAPHORE_ALL_ACCESS      0x001F0003u
#define CREATE_EVENT_MANUAL_RESET  0x1u
#define CREATE_EVENT_INITIAL_SET   0x2u
#define CREATE_MUTEX_INITIAL_OWNER 0x1u
#define MAXIMUM_WAIT_OBJECTS      64u
#define INFINITE                  0xFFFFFFFFu
#define WAIT_OBJECT_0             0x00000000u
#define WAIT_ABANDONED_0          0x00000080u
#define WAIT_ABANDONED            WAIT_ABANDONED_0
#define WAIT_TIMEOUT              0x00000102u
#define WAIT_IO_COMPLETION        0x000000C0u
#define WAIT_FAILED               0xFFFFFFFFu

/* NTSTATUS values a Win32 caller sees (in OVERLAPPED.Internal). */
#define STATUS_SUCCESS            0x00000000u
#define STATUS_END_OF_FILE        0xC0000011u

/* The machine's page size and allocation granularity as Windows reports them (GetSystemInfo). */
#define WIN32_PAGE_SIZE              0x1000u
#define WIN32_ALLOCATION_GRANULARITY 0x10000u

/* MAX_PATH: ANSI object names of this many characters or more, NUL included, are refused (B19). */
#define WIN32_MAX_PATH 260u

#endif
