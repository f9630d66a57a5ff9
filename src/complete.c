/*
 * complete.c: whether the chunk records of one document make the whole
 * document (man/quarry.7, "Complete documents").  quarry-index replaces a
 * stored document only with a complete one, so that a pipeline whose
 * embedder died half-way through a document cannot leave a mix, or a
 * document cut short, in the store.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "quarry.h"

static int
incomplete(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (len > 0) {
		va_start(ap, fmt);
		vsnprintf(msg, len, fmt, ap);
		va_end(ap);
	}
	return QUARRY_EFORMAT;
}

int
quarry_doc_complete(json_t *const *recs, size_t n, size_t *bad, char *msg,
    size_t len)
{
	json_int_t count = -1;
	size_t i, with_count = 0;

	*bad = 0;
	if (len > 0)
		msg[0] = '\0';
	for (i = 0; i < n; i++)
		if (json_object_get(recs[i], "chunk_count") != NULL)
			with_count++;
	if (with_count > 0) {
		for (i = 0; i < n; i++) {
			json_t *v = json_object_get(recs[i], "chunk_count");

			*bad = i;
			if (v == NULL)
				return incomplete(msg, len, "some chunks have "
				    "a \"chunk_count\" and some do not");
			if (!json_is_integer(v) || json_integer_value(v) < 1)
				return incomplete(msg, len, "field "
				    "\"chunk_count\" is not a positive "
				    "integer");
			if (count >= 0 && json_integer_value(v) != count)
				return incomplete(msg, len, "\"chunk_count\" "
				    "%" JSON_INTEGER_FORMAT " after %"
				    JSON_INTEGER_FORMAT, json_integer_value(v),
				    count);
			count = json_integer_value(v);
		}
	}
	for (i = 0; i < n; i++) {
		json_t *v = json_object_get(recs[i], "chunk");

		*bad = i;
		if (!json_is_integer(v))
			return incomplete(msg, len, v == NULL ?
			    "missing field \"chunk\"" : "field \"chunk\" is "
			    "not an integer");
		if (json_integer_value(v) != (json_int_t)i) {
			if (json_integer_value(v) > (json_int_t)i &&
			    (count < 0 || (json_int_t)i < count))
				return incomplete(msg, len, "chunk %zu is "
				    "missing", i);
			return incomplete(msg, len, "chunk %" JSON_INTEGER_FORMAT
			    " where chunk %zu belongs (chunks must run from 0, "
			    "in order, once each)", json_integer_value(v), i);
		}
	}
	*bad = n > 0 ? n - 1 : 0;
	if (count >= 0 && (json_int_t)n != count)
		return incomplete(msg, len, "%zu of %" JSON_INTEGER_FORMAT
		    " chunks (chunk %zu and later are missing)", n, count, n);
	return 0;
}
