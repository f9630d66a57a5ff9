/*
 * chunk_record.c: the chunk-record builder, the one place where a document
 * becomes chunk records (man/quarry.7, "Chunk records").
 *
 * quarry-chunk and quarry-sync both build their chunk records here, so the
 * pipeline and quarry-sync give the store the same ids, texts, pages and
 * headings.  The table of chunk-level fields -- the fields that belong to a
 * chunk rather than to its document -- is here too, for the store as well.
 *
 * Records are written as JSON text straight into a buffer rather than
 * built as jansson objects: quarry-chunk's throughput is mostly the cost of
 * writing its records, and printf is a good part of that, so numbers are
 * formatted by hand.
 */
#include "config.h"

#include <string.h>

#include "quarry.h"
#include "chunk_private.h"

/*
 * The fields of a chunk record that are set for each chunk (or, for
 * "embedding" and "model", by quarry-embed, and for "score" by
 * quarry-search) and so never copied from a document to its chunks nor
 * stored as the document's metadata.
 */
static const char *const chunk_fields[] = {
	"id", "chunk", "chunk_count", "text", "offset", "length", "page",
	"page_end", "headings", "tokens", "hash", "embed_hash", "embedding",
	"model", "score",
};

int
chunk_field(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(chunk_fields) / sizeof(chunk_fields[0]); i++)
		if (strcmp(key, chunk_fields[i]) == 0)
			return 1;
	return 0;
}

#define APPEND_LIT(b, s) quarry_buf_append((b), (s), sizeof(s) - 1)

/* Appends ,"key":v; by hand, since printf is a good part of the time. */
static int
put_number(struct quarry_buf *b, const char *key, size_t v)
{
	char tmp[64], *p = tmp + sizeof(tmp);
	size_t klen = strlen(key);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	*--p = ':';
	*--p = '"';
	p -= klen;
	memcpy(p, key, klen);
	*--p = '"';
	*--p = ',';
	return quarry_buf_append(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

/* The document's own fields, as the inside of a JSON object. */
static int
put_prefix(struct quarry_buf *p, const quarry_chunk_doc *d)
{
	const char *key;
	json_t *val;

	if (d->rec == NULL)
		return APPEND_LIT(p, "\"doc\":") != 0 ||
		    quarry_buf_json_string(p, d->doc, d->doclen) != 0 ||
		    APPEND_LIT(p, ",\"source\":") != 0 ||
		    quarry_buf_json_string(p, d->doc, d->doclen) != 0 ?
		    QUARRY_ENOMEM : 0;
	json_object_foreach((json_t *)d->rec, key, val) {
		if (chunk_field(key))
			continue;
		if ((p->len > 0 && APPEND_LIT(p, ",") != 0) ||
		    quarry_buf_json_string(p, key, strlen(key)) != 0 ||
		    APPEND_LIT(p, ":") != 0 || quarry_buf_json(p, val) != 0)
			return QUARRY_ENOMEM;
	}
	return 0;
}

/* The page numbering base: an extract of pages 5 to 9 numbers from 5. */
static size_t
page_base(const json_t *rec)
{
	json_t *fp = rec != NULL ? json_object_get(rec, "first_page") : NULL;

	if (json_is_integer(fp) && json_integer_value(fp) > 1 &&
	    json_integer_value(fp) < 1000000000)
		return (size_t)json_integer_value(fp) - 1;
	return 0;
}

int
quarry_chunk_records(quarry_chunker *c, const quarry_chunk_doc *d,
    struct quarry_buf *out, size_t *nchunks, quarry_chunk_flush_fn *flush,
    void *arg)
{
	struct quarry_buf prefix = { 0 }, id = { 0 };
	const quarry_chunk *ch;
	size_t n, i, h, pbase = page_base(d->rec);
	int rc;

	if (nchunks != NULL)
		*nchunks = 0;
	if ((rc = quarry_chunker_run(c, d->text, d->len, d->lang, &ch, &n)) != 0)
		return rc;
	if ((rc = put_prefix(&prefix, d)) != 0)
		goto out;
	rc = QUARRY_ENOMEM;
	for (i = 0; i < n; i++) {
		struct quarry_buf *b = out;
		char num[32], hex[33];
		quarry_heading_path hp;
		int k = snprintf(num, sizeof(num), "#%zu", i);

		quarry_hash_hex(d->text + ch[i].offset, ch[i].length, hex);
		hp = quarry_chunker_headings(c, ch[i].heading);
		/* The id is the document's id, '#' and the chunk number. */
		id.len = 0;
		if (APPEND_LIT(b, "{") != 0 ||
		    quarry_buf_append(b, prefix.data, prefix.len) != 0 ||
		    (prefix.len > 0 && APPEND_LIT(b, ",") != 0) ||
		    APPEND_LIT(b, "\"id\":") != 0 ||
		    quarry_buf_append(&id, d->doc, d->doclen) != 0 ||
		    quarry_buf_append(&id, num, (size_t)k) != 0 ||
		    quarry_buf_json_string(b, id.data, id.len) != 0 ||
		    put_number(b, "chunk", i) != 0 ||
		    put_number(b, "chunk_count", n) != 0 ||
		    APPEND_LIT(b, ",\"text\":") != 0 ||
		    (d->reader != NULL ? quarry_reader_put_text(d->reader, b,
		    ch[i].offset, ch[i].length) : quarry_buf_json_string(b,
		    d->text + ch[i].offset, ch[i].length)) != 0 ||
		    put_number(b, "offset", ch[i].offset) != 0 ||
		    put_number(b, "length", ch[i].length) != 0 ||
		    put_number(b, "page", pbase + ch[i].page) != 0 ||
		    put_number(b, "page_end", pbase + ch[i].page_end) != 0 ||
		    APPEND_LIT(b, ",\"headings\":[") != 0)
			goto out;
		for (h = 0; h < hp.n; h++)
			if ((h > 0 && APPEND_LIT(b, ",") != 0) ||
			    quarry_buf_json_string(b, d->text +
			    hp.titles[h].start, hp.titles[h].end -
			    hp.titles[h].start) != 0)
				goto out;
		if (APPEND_LIT(b, "]") != 0 ||
		    put_number(b, "tokens", ch[i].size) != 0 ||
		    APPEND_LIT(b, ",\"hash\":\"") != 0 ||
		    quarry_buf_append(b, hex, 32) != 0 ||
		    APPEND_LIT(b, "\"}\n") != 0)
			goto out;
		if (flush != NULL && b->len >= QUARRY_CHUNK_FLUSH &&
		    (rc = flush(arg, b)) != 0)
			goto out;
	}
	if (nchunks != NULL)
		*nchunks = n;
	rc = 0;
out:
	quarry_buf_free(&prefix);
	quarry_buf_free(&id);
	return rc;
}
