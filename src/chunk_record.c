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

#include "error_private.h"
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
	"model", "score", "section",
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
		return QUARRY_BUF_LIT(p, "\"doc\":") != 0 ||
		    quarry_buf_json_string(p, d->doc, d->doclen) != 0 ||
		    QUARRY_BUF_LIT(p, ",\"source\":") != 0 ||
		    quarry_buf_json_string(p, d->doc, d->doclen) != 0 ?
		    QUARRY_ENOMEM : 0;
	json_object_foreach((json_t *)d->rec, key, val) {
		if (chunk_field(key))
			continue;
		if ((p->len > 0 && QUARRY_BUF_LIT(p, ",") != 0) ||
		    quarry_buf_json_string(p, key, strlen(key)) != 0 ||
		    QUARRY_BUF_LIT(p, ":") != 0 || quarry_buf_json(p, val) != 0)
			return QUARRY_ENOMEM;
	}
	return 0;
}

/* Whether two heading paths have the same titles. */
static int
same_path(const char *text, quarry_heading_path a, quarry_heading_path b)
{
	size_t h;

	if (a.n != b.n)
		return 0;
	for (h = 0; h < a.n; h++)
		if (a.titles[h].end - a.titles[h].start !=
		    b.titles[h].end - b.titles[h].start ||
		    memcmp(text + a.titles[h].start, text + b.titles[h].start,
		    a.titles[h].end - a.titles[h].start) != 0)
			return 0;
	return 1;
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

	quarry_chunk_doc fd = *d;
	json_t *fm = NULL;
	const char *mime = d->rec != NULL ?
	    quarry_record_string(d->rec, "mime", NULL) : NULL;
	size_t base = 0;

	if (nchunks != NULL)
		*nchunks = 0;
	qerr_clear(chunker_err(c));
	/* text/plain has no headings; text/markdown may open with front
	 * matter, read into the fields and left out of the chunks, whose
	 * offsets still count from the start of the text. */
	quarry_chunker_set_plain(c, mime != NULL &&
	    strcmp(mime, "text/plain") == 0);
	if (mime != NULL && strcmp(mime, "text/markdown") == 0 &&
	    d->len > 3 && d->text[0] == '-') {
		if ((fm = json_copy((json_t *)d->rec)) == NULL)
			return qerr_ret(chunker_err(c), QUARRY_ENOMEM);
		if (quarry_frontmatter_read(d->text, d->len, fm, &base, d->warn,
		    d->warn_arg, NULL, d->lang) == QUARRY_ENOMEM) {
			json_decref(fm);
			return qerr_ret(chunker_err(c), QUARRY_ENOMEM);
		}
		fd.rec = fm;
		fd.text += base;
		fd.len -= base;
		d = &fd;
	}
	if ((rc = quarry_chunker_run(c, d->text, d->len, d->lang, &ch, &n)) != 0) {
		json_decref(fm);
		return rc;
	}
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
		if (QUARRY_BUF_LIT(b, "{") != 0 ||
		    quarry_buf_append(b, prefix.data, prefix.len) != 0 ||
		    (prefix.len > 0 && QUARRY_BUF_LIT(b, ",") != 0) ||
		    QUARRY_BUF_LIT(b, "\"id\":") != 0 ||
		    quarry_buf_append(&id, d->doc, d->doclen) != 0 ||
		    quarry_buf_append(&id, num, (size_t)k) != 0 ||
		    quarry_buf_json_string(b, id.data, id.len) != 0 ||
		    put_number(b, "chunk", i) != 0 ||
		    put_number(b, "chunk_count", n) != 0 ||
		    QUARRY_BUF_LIT(b, ",\"text\":") != 0 ||
		    (d->reader != NULL ? quarry_reader_put_text(d->reader, b,
		    base + ch[i].offset, ch[i].length) :
		    quarry_buf_json_string(b, d->text + ch[i].offset,
		    ch[i].length)) != 0 ||
		    put_number(b, "offset", base + ch[i].offset) != 0 ||
		    put_number(b, "length", ch[i].length) != 0 ||
		    put_number(b, "page", pbase + ch[i].page) != 0 ||
		    put_number(b, "page_end", pbase + ch[i].page_end) != 0 ||
		    QUARRY_BUF_LIT(b, ",\"headings\":[") != 0)
			goto out;
		for (h = 0; h < hp.n; h++)
			if ((h > 0 && QUARRY_BUF_LIT(b, ",") != 0) ||
			    quarry_buf_json_string(b, d->text +
			    hp.titles[h].start, hp.titles[h].end -
			    hp.titles[h].start) != 0)
				goto out;
		if (QUARRY_BUF_LIT(b, "]") != 0)
			goto out;
		/* Where most of the chunk lies, when another section. */
		if (ch[i].section != ch[i].heading && !same_path(d->text, hp,
		    quarry_chunker_headings(c, ch[i].section))) {
			quarry_heading_path sp = quarry_chunker_headings(c,
			    ch[i].section);

			if (QUARRY_BUF_LIT(b, ",\"section\":[") != 0)
				goto out;
			for (h = 0; h < sp.n; h++)
				if ((h > 0 && QUARRY_BUF_LIT(b, ",") != 0) ||
				    quarry_buf_json_string(b, d->text +
				    sp.titles[h].start, sp.titles[h].end -
				    sp.titles[h].start) != 0)
					goto out;
			if (QUARRY_BUF_LIT(b, "]") != 0)
				goto out;
		}
		if (put_number(b, "tokens", ch[i].size) != 0 ||
		    QUARRY_BUF_LIT(b, ",\"hash\":\"") != 0 ||
		    quarry_buf_append(b, hex, 32) != 0 ||
		    QUARRY_BUF_LIT(b, "\"}\n") != 0)
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
	json_decref(fm);
	return qerr_ret(chunker_err(c), rc);
}
