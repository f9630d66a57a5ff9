/*
 * fuzz_date.c: libFuzzer target for quarry_date_parse() and
 * quarry_author_normalize().
 *
 * Invariants: a date is either QUARRY_ENODATE with an empty out, or 0 with
 * out a valid RFC 3339 UTC date-time ("YYYY-MM-DDTHH:MM:SSZ") or a real
 * calendar day ("YYYY-MM-DD"), year 1000 to 9999, that parses back to
 * itself.  An author is a non-empty string of names joined by "; " with no
 * white space at either end of a name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quarry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
num(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			abort();
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static void
check_date(const char *out)
{
	static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	size_t len = strlen(out);
	int y, m, d, leap;
	char again[21];

	if (len != 10 && len != 20)
		abort();
	if (out[4] != '-' || out[7] != '-')
		abort();
	y = num(out, 4);
	m = num(out + 5, 2);
	d = num(out + 8, 2);
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1000 || m < 1 || m > 12 || d < 1 ||
	    d > dm[m - 1] + (m == 2 && leap))
		abort();
	if (len == 20) {
		if (out[10] != 'T' || out[13] != ':' || out[16] != ':' ||
		    out[19] != 'Z')
			abort();
		if (num(out + 11, 2) > 23 || num(out + 14, 2) > 59 ||
		    num(out + 17, 2) > 59)
			abort();
	}
	if (quarry_date_parse(out, len, QUARRY_DATE_AUTO, NULL, 0, again) != 0 ||
	    strcmp(out, again) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const langs[] = { NULL, "en-US", "de" };
	const char *s = (const char *)data;
	char out[21], *a = NULL;
	int k, rc;

	for (k = 0; k < 6; k++) {
		memset(out, 'x', sizeof(out));
		rc = quarry_date_parse(s, size, (enum quarry_date_order)(k % 3),
		    langs[k % 3], k >= 3 ? QUARRY_DATE_PDF : 0, out);
		if (rc == 0)
			check_date(out);
		else if (rc != QUARRY_ENODATE || out[0] != '\0')
			abort();
	}
	if (quarry_utf8_validate(s, size, NULL) != 0)
		return 0;
	rc = quarry_author_normalize(s, size, &a);
	if (rc == 0) {
		size_t n = strlen(a);

		if (n == 0 || a[0] == ' ' || a[n - 1] == ' ' ||
		    strstr(a, "  ") != NULL || strstr(a, " ;") != NULL)
			abort();
		free(a);
	} else if (rc != QUARRY_ENOTFOUND && rc != QUARRY_ENOMEM)
		abort();
	return 0;
}
