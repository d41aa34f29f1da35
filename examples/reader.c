/* The reader of the Win32 documentation's "Creating Named Shared Memory" example: opens the
 * named section "Mysharedmem" that the creator made, maps it, prints what the creator wrote and
 * answers.  Only the include changed. */
#include <stdio.h>
#include <string.h>
#include <winmap.h>

int main(void)
{
	HANDLE hMySharedMapFile = OpenFileMapping(FILE_MAP_WRITE, FALSE, "Mysharedmem");
	if (hMySharedMapFile == NULL) {
		printf("OpenFileMapping failed: %lu (is the creator running?)\n",
		       (unsigned long)GetLastError());
		return 1;
	}
	LPSTR pszMySharedMapView = (LPSTR)MapViewOfFile(hMySharedMapFile,
							FILE_MAP_READ | FILE_MAP_WRITE, 0, 0, 0);
	if (pszMySharedMapView == NULL) {
		printf("MapViewOfFile failed: %lu\n", (unsigned long)GetLastError());
		CloseHandle(hMySharedMapFile);
		return 1;
	}
	printf("read: %s\n", pszMySharedMapView);
	strcpy(pszMySharedMapView + 2048, "Hello back from the reader");

	if (!UnmapViewOfFile(pszMySharedMapView))
		printf("Could not unmap view of file\n");
	CloseHandle(hMySharedMapFile);
	return 0;
}
