/*
 * fuzz_office.c: libFuzzer target for the zip path of the office module
 * (libzip from memory, the entry checks and limits, format detection, then
 * the readers).  The record must serialise and its text be valid UTF-8.
 * Small limits keep a bomb found by the fuzzer cheap to run.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quarry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	quarry_office_options o;
	quarry_office *h;
	json_t *rec;
	char *s;

	quarry_office_options_init(&o);
	o.max_expanded = 16 << 20;
	o.max_entries = 1000;
	if (quarry_office_new(&h, &o) != 0)
		abort();
	(void)quarry_office_sniff(data, size);
	if (quarry_office_extract(h, data, size, "fuzz", &rec) == 0) {
		const char *t = quarry_record_string(rec, "text", NULL);

		if (t == NULL || quarry_utf8_validate(t, strlen(t), NULL))
			abort();
		if ((s = json_dumps(rec, JSON_COMPACT)) == NULL)
			abort();
		free(s);
		json_decref(rec);
	} else if (*quarry_office_error(h) == '\0')
		abort();
	quarry_office_free(h);
	return 0;
}
