/*
 * fuzz_record.c: libFuzzer target for the JSON Lines reader and writer.
 * Every record read must write back as one line that reads back equal.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quarry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *in = fmemopen((void *)data, size, "r");
	quarry_reader *r;
	json_t *rec;
	int rc;

	if (in == NULL)
		return 0;
	if (quarry_reader_new(&r, in, "fuzz") != 0) {
		fclose(in);
		return 0;
	}
	quarry_reader_set_max_line(r, 1 << 16);
	while ((rc = quarry_reader_next(r, &rec)) != 0) {
		char *buf = NULL;
		size_t len = 0;
		FILE *out;
		quarry_reader *r2;
		json_t *back = NULL;

		if (rc < 0) {
			if (rc == QUARRY_EIO || rc == QUARRY_ENOMEM)
				break;
			continue;
		}
		out = open_memstream(&buf, &len);
		if (quarry_record_write(out, rec) != 0)
			abort();
		fclose(out);
		if (memchr(buf, '\n', len) != buf + len - 1)
			abort();
		out = fmemopen(buf, len, "r");
		quarry_reader_new(&r2, out, "again");
		if (quarry_reader_next(r2, &back) != 1 || !json_equal(rec, back))
			abort();
		json_decref(back);
		quarry_reader_free(r2);
		fclose(out);
		free(buf);
		json_decref(rec);
	}
	quarry_reader_free(r);
	fclose(in);
	return 0;
}
