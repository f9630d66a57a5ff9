/*
 * vectors.c: the vector attacher, the one place where chunk records get
 * their vectors (quarry-embed and quarry-sync both use it).
 *
 * Records are gathered in a window.  For each one the text to embed is
 * composed -- by default the document's title and the chunk's heading path
 * on lines of their own above the chunk text, so that a chunk that says
 * "it" still carries what it is about (issue 13, item 5) -- and keyed by
 * the hash of exactly that text: the record's "hash" when the text sent is
 * the chunk text alone, else a new "embed_hash" field, which the store's
 * vector cache keys on in its place.  A store built with other context
 * settings thus re-embeds only the chunks whose text sent changed.  The
 * key is looked up in the store's cache when a store is given; the rest
 * are embedded in one call when the caller flushes the window, each
 * distinct text once.  The record format is man/quarry.7.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "quarry.h"

struct item {
	json_t *rec;
	void *tag;
	int cached;
	size_t text;		/* index of its text among those sent */
};

struct quarry_vectors {
	quarry_vectors_options o;
	struct item *items;
	size_t n, cap, misses;
	float *cache;		/* cached vectors, dims per item */
	size_t capcache;
	json_t *byhash;		/* key -> index among the texts sent */
	struct quarry_buf texts;	/* composed texts, NUL-separated */
	size_t *offs, *lens, captexts, ntexts;
	const char **ptrs;
	size_t capptrs;
};

int
quarry_vectors_new(quarry_vectors **out, const quarry_vectors_options *o)
{
	quarry_vectors *v;

	*out = NULL;
	if (o->embedder == NULL)
		return QUARRY_EINVAL;
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return QUARRY_ENOMEM;
	v->o = *o;
	if ((v->byhash = json_object()) == NULL) {
		free(v);
		return QUARRY_ENOMEM;
	}
	*out = v;
	return 0;
}

int
quarry_vectors_compose(const json_t *rec, int context, struct quarry_buf *b)
{
	const char *text, *title;
	size_t len, tlen, i;
	json_t *hd, *h;
	int any = 0;

	if ((text = quarry_record_string(rec, "text", &len)) == NULL)
		return QUARRY_EFIELD;
	if (!context)
		return quarry_buf_append(b, text, len);
	title = quarry_record_string(rec, "title", &tlen);
	if (title != NULL && tlen > 0) {
		if (quarry_buf_append(b, title, tlen) != 0 ||
		    quarry_buf_append(b, "\n", 1) != 0)
			return QUARRY_ENOMEM;
		any = 1;
	}
	hd = json_object_get(rec, "headings");
	if (json_is_array(hd) && json_array_size(hd) > 0) {
		size_t k = 0;

		json_array_foreach(hd, i, h) {
			if (!json_is_string(h) || json_string_length(h) == 0)
				continue;
			if ((k++ > 0 && quarry_buf_append(b, " > ", 3) != 0) ||
			    quarry_buf_append(b, json_string_value(h),
			    json_string_length(h)) != 0)
				return QUARRY_ENOMEM;
		}
		if (k > 0) {
			if (quarry_buf_append(b, "\n", 1) != 0)
				return QUARRY_ENOMEM;
			any = 1;
		}
	}
	if (any && quarry_buf_append(b, "\n", 1) != 0)
		return QUARRY_ENOMEM;
	return quarry_buf_append(b, text, len);
}

/* Makes room for one more item (and its cached vector). */
static int
grow(quarry_vectors *v, size_t dims)
{
	if (v->n == v->cap) {
		size_t nc = v->cap ? v->cap * 2 : 256;
		struct item *ni = realloc(v->items, nc * sizeof(*ni));

		if (ni == NULL)
			return QUARRY_ENOMEM;
		v->items = ni;
		v->cap = nc;
	}
	if (dims > 0 && v->capcache < (v->n + 1) * dims) {
		size_t nc = v->cap * dims;
		float *nf = realloc(v->cache, nc * sizeof(*nf));

		if (nf == NULL)
			return QUARRY_ENOMEM;
		v->cache = nf;
		v->capcache = nc;
	}
	if (v->ntexts == v->captexts) {
		size_t nc = v->captexts ? v->captexts * 2 : 256;
		size_t *no = realloc(v->offs, nc * sizeof(*no));

		if (no == NULL)
			return QUARRY_ENOMEM;
		v->offs = no;
		if ((no = realloc(v->lens, nc * sizeof(*no))) == NULL)
			return QUARRY_ENOMEM;
		v->lens = no;
		v->captexts = nc;
	}
	return 0;
}

int
quarry_vectors_add(quarry_vectors *v, json_t *rec, void *tag)
{
	quarry_embedder *e = v->o.embedder;
	const char *model = quarry_embedder_model(e), *text, *key;
	size_t dims = quarry_embedder_dims(e), start = v->texts.len, len, tl;
	struct item *it;
	char hex[33];
	json_t *idx;
	int rc;

	if ((rc = grow(v, dims)) != 0)
		return rc;
	if ((rc = quarry_vectors_compose(rec, !v->o.no_context,
	    &v->texts)) != 0) {
		v->texts.len = start;
		return rc;
	}
	len = v->texts.len - start;
	text = quarry_record_string(rec, "text", &tl);
	/* The key of what is sent: the chunk's hash when that is the
	 * chunk text, else its own field. */
	if (len == tl && memcmp(v->texts.data + start, text, tl) == 0) {
		json_object_del(rec, "embed_hash");
		if ((key = quarry_record_string(rec, "hash", NULL)) == NULL) {
			quarry_hash_hex(text, tl, hex);
			key = hex;
		}
	} else {
		quarry_hash_hex(v->texts.data + start, len, hex);
		if (json_object_set_new(rec, "embed_hash",
		    json_string(hex)) != 0)
			return QUARRY_ENOMEM;
		key = hex;
	}
	it = &v->items[v->n];
	memset(it, 0, sizeof(*it));
	it->tag = tag;
	if (v->o.cache != NULL && model != NULL && dims > 0 &&
	    quarry_store_cache_get(v->o.cache, model, key,
	    v->cache + v->n * dims, dims) == 0) {
		it->cached = 1;
		v->texts.len = start;
	} else if ((idx = json_object_get(v->byhash, key)) != NULL) {
		/* The same text as one already waiting: sent once. */
		it->text = (size_t)json_integer_value(idx);
		v->texts.len = start;
		v->misses++;
	} else {
		if (json_object_set_new(v->byhash, key,
		    json_integer((json_int_t)v->ntexts)) != 0)
			return QUARRY_ENOMEM;
		it->text = v->ntexts;
		v->offs[v->ntexts] = start;
		v->lens[v->ntexts++] = len;
		v->misses++;
	}
	it->rec = json_incref(rec);
	v->n++;
	return 0;
}

void
quarry_vectors_count(const quarry_vectors *v, size_t *records,
    size_t *misses)
{
	if (records != NULL)
		*records = v->n;
	if (misses != NULL)
		*misses = v->misses;
}

int
quarry_vectors_flush(quarry_vectors *v, quarry_vectors_fn *fn, void *arg,
    size_t *sent)
{
	quarry_embedder *e = v->o.embedder;
	const char *model, *msg;
	size_t dims, i;
	int rc = 0, cb = 0;

	if (sent != NULL)
		*sent = v->ntexts;
	if (v->ntexts > 0) {
		if (v->capptrs < v->ntexts) {
			free(v->ptrs);
			v->capptrs = 0;
			if ((v->ptrs = malloc(v->captexts *
			    sizeof(*v->ptrs))) == NULL) {
				rc = QUARRY_ENOMEM;
				goto out;
			}
			v->capptrs = v->captexts;
		}
		for (i = 0; i < v->ntexts; i++)
			v->ptrs[i] = v->texts.data + v->offs[i];
		rc = quarry_embedder_embed(e, v->ptrs, v->lens, v->ntexts);
	}
	dims = quarry_embedder_dims(e);
	model = quarry_embedder_model(e);
	for (i = 0; i < v->n && cb == 0; i++) {
		struct item *it = &v->items[i];
		const float *vec;

		if (it->cached)
			cb = fn(arg, it->rec, it->tag, v->cache + i * dims, dims,
			    model, 1, NULL);
		else if ((vec = quarry_embedder_vector(e, it->text)) != NULL)
			cb = fn(arg, it->rec, it->tag, vec, dims, model, 0,
			    NULL);
		else {
			quarry_embedder_status(e, it->text, &msg);
			cb = fn(arg, it->rec, it->tag, NULL, dims, model, 0,
			    msg != NULL ? msg : quarry_embedder_error(e));
		}
	}
	if (cb != 0 && rc == 0)
		rc = cb;
out:
	for (i = 0; i < v->n; i++)
		json_decref(v->items[i].rec);
	v->n = 0;
	v->misses = 0;
	v->ntexts = 0;
	v->texts.len = 0;
	json_object_clear(v->byhash);
	return rc;
}

void
quarry_vectors_free(quarry_vectors *v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < v->n; i++)
		json_decref(v->items[i].rec);
	free(v->items);
	free(v->cache);
	json_decref(v->byhash);
	quarry_buf_free(&v->texts);
	free(v->offs);
	free(v->lens);
	free(v->ptrs);
	free(v);
}

int
quarry_record_set_vector(json_t *rec, const float *vec, size_t dims,
    const char *model)
{
	json_t *a = json_array();
	size_t i;

	if (a == NULL)
		return QUARRY_ENOMEM;
	for (i = 0; i < dims; i++)
		if (json_array_append_new(a, json_real((double)vec[i])) != 0) {
			json_decref(a);
			return QUARRY_ENOMEM;
		}
	if (json_object_set_new(rec, "embedding", a) != 0 ||
	    json_object_set_new(rec, "model", json_string(model)) != 0)
		return QUARRY_ENOMEM;
	return 0;
}

int
quarry_buf_record_vector(struct quarry_buf *b, json_t *rec,
    const float *vec, size_t dims, const char *model)
{
	size_t i, start = b->len;
	int rc;

	if (json_object_get(rec, "embedding") != NULL ||
	    json_object_get(rec, "model") != NULL) {
		/* Replaced in place, where the record had them. */
		if ((rc = quarry_record_set_vector(rec, vec, dims, model)) != 0)
			return rc;
		return quarry_buf_json(b, rec) != 0 ||
		    quarry_buf_append(b, "\n", 1) != 0 ? QUARRY_ENOMEM : 0;
	}
	/* The fast way: the record without its '}', then the vector, printed
	 * exactly as quarry_record_write() would print it. */
	if (quarry_buf_json(b, rec) != 0 ||
	    quarry_buf_reserve(b, dims * 18 + strlen(model) * 6 + 64) != 0) {
		quarry_buf_truncate(b, start);
		return QUARRY_ENOMEM;
	}
	quarry_buf_truncate(b, b->len - 1);	/* the record's '}' */
	(void)QUARRY_BUF_LIT(b, ",\"embedding\":[");	/* reserved above */
	for (i = 0; i < dims; i++) {
		char *o;

		if (quarry_buf_reserve(b, 40) != 0)
			return QUARRY_ENOMEM;
		o = b->data + b->len;
		if (i > 0)
			*o++ = ',';
		o += quarry_format_float(o, vec[i]);
		*o = '\0';
		b->len = (size_t)(o - b->data);
	}
	if (quarry_buf_append(b, "],\"model\":", 10) != 0 ||
	    quarry_buf_json_string(b, model, strlen(model)) != 0 ||
	    quarry_buf_append(b, "}\n", 2) != 0)
		return QUARRY_ENOMEM;
	return 0;
}
