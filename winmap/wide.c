/* UTF-16 (WCHAR) to UTF-8, for the W functions. */
#include <stdlib.h>

#include "internal.h"

char *wm_utf16_to_utf8(const WCHAR *s, bool *bad)
{
	size_t n = 0, out = 0;
	char *utf8;

	*bad = false;
	if (!s)
		return NULL;
	while (s[n])
		n++;
	utf8 = malloc(n * 3 + 1);
	if (!utf8)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		uint32_t c = s[i];
		if (c >= 0xD800 && c <= 0xDBFF) {
			if (i + 1 >= n || s[i + 1] < 0xDC00 || s[i + 1] > 0xDFFF)
				goto invalid;
			c = 0x10000 + ((c - 0xD800) << 10) + (s[++i] - 0xDC00u);
		} else if (c >= 0xDC00 && c <= 0xDFFF) {
			goto invalid;
		}
		if (c < 0x80) {
			utf8[out++] = (char)c;
		} else if (c < 0x800) {
			utf8[out++] = (char)(0xC0 | (c >> 6));
			utf8[out++] = (char)(0x80 | (c & 0x3F));
		} else if (c < 0x10000) {
			utf8[out++] = (char)(0xE0 | (c >> 12));
			utf8[out++] = (char)(0x80 | ((c >> 6) & 0x3F));
			utf8[out++] = (char)(0x80 | (c & 0x3F));
		} else {
			utf8[out++] = (char)(0xF0 | (c >> 18));
			utf8[out++] = (char)(0x80 | ((c >> 12) & 0x3F));
			utf8[out++] = (char)(0x80 | ((c >> 6) & 0x3F));
			utf8[out++] = (char)(0x80 | (c & 0x3F));
		}
	}
	utf8[out] = '\0';
	return utf8;
invalid:
	free(utf8);
	*bad = true;
	return NULL;
}

bool wm_wide_argument(const WCHAR *wide, char **utf8)
{
	bool bad;

	*utf8 = wm_utf16_to_utf8(wide, &bad);
	if (bad || (wide && !*utf8)) {
		wm_fail(bad ? ERROR_INVALID_NAME : ERROR_NOT_ENOUGH_MEMORY);
		return false;
	}
	return true;
}
