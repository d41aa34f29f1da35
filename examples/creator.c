/* The creator of the Win32 documentation's "Creating Named Shared Memory" example: makes the
 * 4096-byte named section "Mysharedmem", maps it, writes a message and waits for a reader to
 * answer.  Written for <windows.h>; only the include changed.  Run it, then the reader (or
 * `cat /run/sectionfs/Local/Mysharedmem`). */
#include <stdio.h>
#include <string.h>
#include <winmap.h>

int main(void)
{
	HANDLE hMySharedMapFile = CreateFileMapping((HANDLE)0xFFFFFFFF, NULL, PAGE_READWRITE, 0,
						    0x1000, "Mysharedmem");
	if (hMySharedMapFile == NULL) {
		printf("CreateFileMapping failed: %lu\n", (unsigned long)GetLastError());
		return 1;
	}
	if (GetLastError() == ERROR_ALREADY_EXISTS)
		printf("Mysharedmem exists already: using it\n");

	LPSTR pszMySharedMapView = (LPSTR)MapViewOfFile(hMySharedMapFile,
							FILE_MAP_READ | FILE_MAP_WRITE, 0, 0, 0);
	if (pszMySharedMapView == NULL) {
		printf("MapViewOfFile failed: %lu\n", (unsigned long)GetLastError());
		CloseHandle(hMySharedMapFile);
		return 1;
	}
	strcpy(pszMySharedMapView, "Hello from the creator of Mysharedmem");
	printf("wrote: %s\n", pszMySharedMapView);
	fflush(stdout);

	/* The reader answers at offset 2048; give it up to a minute. */
	for (int i = 0; i < 6000 && pszMySharedMapView[2048] == 0; i++)
		Sleep(10);
	if (pszMySharedMapView[2048])
		printf("reader answered: %s\n", pszMySharedMapView + 2048);
	else
		printf("no reader answered\n");

	if (!UnmapViewOfFile(pszMySharedMapView))
		printf("Could not unmap view of file\n");
	CloseHandle(hMySharedMapFile);
	return 0;
}
