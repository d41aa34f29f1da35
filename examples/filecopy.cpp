// The file copy of ../shared/seeds/001: copies a file through two mappings (the source mapped,
// the destination created at the same size by CreateFileMapping, rule A5) and prints how long
// it took.  The seed's function with its paths made arguments; only the include changed.
#include <iostream>
#include <string.h>
#include <winmap.h>
using namespace std;

static int CreateFileMappingEx(const char *src, const char *dst)
{
	DWORD timebegin = ::timeGetTime();
	HANDLE fp = CreateFile(src,                      // the file you want to copy
			       GENERIC_READ | GENERIC_WRITE,
			       FILE_SHARE_READ,
			       NULL,
			       OPEN_EXISTING,
			       FILE_FLAG_SEQUENTIAL_SCAN,
			       NULL);
	if (fp == INVALID_HANDLE_VALUE) {
		cout << "Error " << GetLastError() << endl;
		return 1;
	}

	DWORD dwBytesInBlock = GetFileSize(fp, NULL);    // file length

	// Create a file-mapping kernel object, its handle stored in hFileMapping
	HANDLE hFileMapping = CreateFileMapping(fp, NULL, PAGE_READWRITE, 0, dwBytesInBlock, NULL);
	int dwError = GetLastError();
	// Releasing the file kernel object: the mapping keeps the file
	CloseHandle(fp);
	if (hFileMapping == NULL) {
		cout << "CreateFileMapping error " << dwError << endl;
		return 1;
	}

	__int64 qwFileOffset = 0;                      // offset address
	// Map the file data into the address space of the process
	LPVOID pbFile = (LPVOID)MapViewOfFile(hFileMapping, FILE_MAP_ALL_ACCESS,
					      (DWORD)(qwFileOffset >> 32),
					      (DWORD)(qwFileOffset & 0xFFFFFFFF),
					      dwBytesInBlock);

	HANDLE wp = CreateFile(dst,                      // where to paste it
			       GENERIC_READ | GENERIC_WRITE,
			       FILE_SHARE_WRITE,
			       NULL,
			       CREATE_ALWAYS,
			       FILE_FLAG_SEQUENTIAL_SCAN | FILE_FLAG_WRITE_THROUGH,
			       NULL);

	HANDLE hFileMapping2 = CreateFileMapping(wp, NULL, PAGE_READWRITE, 0, dwBytesInBlock, NULL);
	CloseHandle(wp);

	LPVOID pbFile2 = (LPVOID)MapViewOfFile(hFileMapping2, FILE_MAP_ALL_ACCESS,
					       (DWORD)(qwFileOffset >> 32),
					       (DWORD)(qwFileOffset & 0xFFFFFFFF),
					       dwBytesInBlock);
	if (pbFile == NULL || pbFile2 == NULL) {
		cout << "MapViewOfFile error " << GetLastError() << endl;
		return 1;
	}

	memcpy(pbFile2, pbFile, dwBytesInBlock);

	UnmapViewOfFile(pbFile2);
	UnmapViewOfFile(pbFile);

	CloseHandle(hFileMapping2);
	CloseHandle(hFileMapping);
	DWORD timeend = ::timeGetTime();
	cout << "CreateFileMapping and MapViewOfFile program run time is " << timeend - timebegin
	     << " ms" << endl;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		cout << "usage: " << argv[0] << " SOURCE DESTINATION" << endl;
		return 2;
	}
	return CreateFileMappingEx(argv[1], argv[2]);
}
