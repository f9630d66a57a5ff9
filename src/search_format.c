/*
 * search_format.c: the output formats of search results
 * (man/quarry-search.1, OUTPUT): JSON Lines, text for people, and a context
 * for an LLM prompt, whose passages are arranged best-first and best-last
 * since models use the start and the end of a long context best and its
 * middle worst (Liu et al., "Lost in the Middle", TACL 2024).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quarry.h"
#include "search_private.h"

/* Appends a NUL-terminated string. */
static int
put(struct quarry_buf *b, const char *s)
{
	return quarry_buf_append(b, s, strlen(s));
}

static int
putf_score(struct quarry_buf *b, double score)
{
	char num[64];

	snprintf(num, sizeof(num), "%.6f", score);
	return put(b, num);
}

static int
format_json(struct quarry_buf *b, const char *query,
    const quarry_search_hit *h, size_t rank)
{
	const char *key;
	json_t *v;
	char num[64];
	int rc = 0;

	rc |= put(b, "{");
	if (query != NULL) {
		rc |= put(b, "\"query\":");
		rc |= quarry_buf_json_string(b, query, strlen(query));
		rc |= put(b, ",");
	}
	snprintf(num, sizeof(num), "\"rank\":%zu,\"score\":", rank);
	rc |= put(b, num);
	rc |= putf_score(b, h->score);
	json_object_foreach((json_t *)h->rec, key, v) {
		if (strcmp(key, "query") == 0 || strcmp(key, "rank") == 0 ||
		    strcmp(key, "score") == 0 || strcmp(key, "embedding") == 0)
			continue;
		rc |= put(b, ",");
		rc |= quarry_buf_json_string(b, key, strlen(key));
		rc |= put(b, ":");
		rc |= quarry_buf_json(b, v);
	}
	rc |= put(b, "}\n");
	return rc ? QUARRY_ENOMEM : 0;
}

/* Appends "SOURCE:PAGE", or "SOURCE" without a page. */
static int
put_citation(struct quarry_buf *b, const json_t *rec, int words)
{
	const char *src = quarry_record_string(rec, "source", NULL);
	json_t *page = json_object_get(rec, "page");
	char num[64];
	int rc = 0;

	if (src == NULL && (src = quarry_record_string(rec, "doc", NULL)) ==
	    NULL)
		src = "?";
	rc |= put(b, src);
	if (json_is_integer(page)) {
		snprintf(num, sizeof(num), words ? ", page %lld" : ":%lld",
		    (long long)json_integer_value(page));
		rc |= put(b, num);
	}
	return rc;
}

/* The title of a result: its "title", else its last heading, else NULL. */
static const char *
title_of(const json_t *rec)
{
	const char *t = quarry_record_string(rec, "title", NULL);
	json_t *hs = json_object_get(rec, "headings");
	size_t n;

	if (t != NULL && *t != '\0')
		return t;
	if (json_is_array(hs) && (n = json_array_size(hs)) > 0 &&
	    json_is_string(json_array_get(hs, n - 1)))
		return json_string_value(json_array_get(hs, n - 1));
	return NULL;
}

/* Appends text[0..len) with runs of white space collapsed to one space,
 * cut at about max bytes (at a character boundary) with an ellipsis. */
static int
put_snippet(struct quarry_buf *b, const char *text, size_t len, size_t max)
{
	size_t i, out = 0;
	int space = 0, rc = 0;

	while (len > 0 && strchr(" \t\n\r\f\v", text[0]) != NULL) {
		text++;
		len--;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == '\f' || c == '\v') {
			space = 1;
			continue;
		}
		if (out >= max && (c & 0xC0) != 0x80) {
			rc |= put(b, "\xe2\x80\xa6");	/* U+2026 */
			return rc;
		}
		if (space) {
			rc |= quarry_buf_append(b, " ", 1);
			out++;
			space = 0;
		}
		rc |= quarry_buf_append(b, text + i, 1);
		out++;
	}
	return rc;
}

static int
format_text(struct quarry_buf *b, const quarry_search_hit *h, size_t rank)
{
	const char *title = title_of(h->rec), *date, *text;
	size_t len = 0;
	char num[64];
	int rc = 0;

	snprintf(num, sizeof(num), "%2zu. ", rank);
	rc |= put(b, num);
	rc |= putf_score(b, h->score);
	rc |= put(b, "  ");
	rc |= put_citation(b, h->rec, 0);
	if (title != NULL) {
		rc |= put(b, "  ");
		rc |= put(b, title);
	}
	if ((date = quarry_record_string(h->rec, "date", NULL)) != NULL) {
		rc |= put(b, " (");
		rc |= put(b, date);
		rc |= put(b, ")");
	}
	rc |= put(b, "\n    ");
	if ((text = quarry_record_string(h->rec, "text", &len)) != NULL)
		rc |= put_snippet(b, text, len, 200);
	rc |= put(b, "\n");
	return rc;
}

/* Appends passage number num of the context. */
static int
format_passage(struct quarry_buf *b, const quarry_search_hit *h, size_t num,
    size_t maxlen)
{
	const char *title = title_of(h->rec), *date, *author, *text;
	size_t len = 0, cut;
	char n[64];
	int rc = 0;

	snprintf(n, sizeof(n), "[%zu] ", num);
	rc |= put(b, n);
	if (title != NULL) {
		rc |= put(b, title);
		rc |= put(b, " \xe2\x80\x94 ");	/* em dash */
	}
	if ((author = quarry_record_string(h->rec, "author", NULL)) != NULL) {
		rc |= put(b, author);
		rc |= put(b, ", ");
	}
	rc |= put_citation(b, h->rec, 1);
	if ((date = quarry_record_string(h->rec, "date", NULL)) != NULL) {
		rc |= put(b, " (");
		rc |= put(b, date);
		rc |= put(b, ")");
	}
	rc |= put(b, "\n");
	if ((text = quarry_record_string(h->rec, "text", &len)) != NULL) {
		cut = len;
		if (cut > maxlen) {
			cut = quarry_grapheme_floor(text, len, maxlen);
			while (cut > 0 && strchr(" \t\n", text[cut - 1]))
				cut--;
		}
		rc |= quarry_buf_append(b, text, cut);
		if (cut < len)
			rc |= put(b, " \xe2\x80\xa6");
	}
	rc |= put(b, "\n\n");
	return rc;
}

/*
 * The context: passages taken by rank while they fit in max_tokens, then
 * placed best first, second best last, third second, and so on inwards.
 */
static int
format_context(struct quarry_buf *b, const quarry_search_hit *hits, size_t n,
    size_t max_tokens)
{
	struct quarry_buf one = { 0 };
	size_t *take, ntake = 0, used = 0, i, t, pos;
	int rc = 0;

	if (n == 0)
		return 0;
	if ((take = calloc(n, sizeof(*take))) == NULL)
		return QUARRY_ENOMEM;
	for (i = 0; i < n; i++) {
		one.len = 0;
		if (format_passage(&one, &hits[i], i + 1, (size_t)-1) != 0) {
			rc = QUARRY_ENOMEM;
			goto out;
		}
		t = quarry_token_estimate(one.data, one.len);
		if (max_tokens == 0 || used + t <= max_tokens) {
			take[ntake++] = i;
			used += t;
		}
	}
	/* Even the best passage alone is too long: keep its beginning. */
	if (ntake == 0) {
		const char *text = quarry_record_string(hits[0].rec, "text",
		    NULL);
		size_t maxlen = text ? strlen(text) : 0;

		while (maxlen > 0) {
			maxlen /= 2;
			one.len = 0;
			if (format_passage(&one, &hits[0], 1, maxlen) != 0) {
				rc = QUARRY_ENOMEM;
				goto out;
			}
			if (quarry_token_estimate(one.data, one.len) <=
			    max_tokens)
				break;
		}
		one.len = 0;
		rc = format_passage(b, &hits[0], 1, maxlen) ? QUARRY_ENOMEM :
		    0;
		goto out;
	}
	for (pos = 0; pos < ntake; pos++) {
		/* Position pos holds rank 0, 2, 4, ... from the front and
		 * ranks 1, 3, 5, ... from the back. */
		size_t r = pos < (ntake + 1) / 2 ? 2 * pos :
		    2 * (ntake - 1 - pos) + 1;

		if (format_passage(b, &hits[take[r]], pos + 1, (size_t)-1) !=
		    0) {
			rc = QUARRY_ENOMEM;
			goto out;
		}
	}
out:
	quarry_buf_free(&one);
	free(take);
	return rc;
}

/* Appends "legs":{...} for hit h. */
static int
put_legs(struct quarry_buf *b, const quarry_search_hit *h)
{
	char num[128];
	int rc = 0;

	rc |= put(b, "\"legs\":{");
	if (h->vec_rank) {
		snprintf(num, sizeof(num), "\"vector\":{\"rank\":%zu,"
		    "\"score\":%.6f}", h->vec_rank, h->vec_score);
		rc |= put(b, num);
	}
	if (h->lex_rank) {
		snprintf(num, sizeof(num), "%s\"lexical\":{\"rank\":%zu,"
		    "\"score\":%.6f}", h->vec_rank ? "," : "", h->lex_rank,
		    h->lex_score);
		rc |= put(b, num);
	}
	rc |= put(b, "}");
	return rc;
}

/* Appends "also":[...] for hit h. */
static int
put_also(struct quarry_buf *b, const quarry_search_hit *h)
{
	size_t i;
	int rc = 0;

	rc |= put(b, "\"also\":[");
	for (i = 0; i < h->nalso; i++) {
		const quarry_search_also *a = &h->also[i];

		rc |= put(b, i ? ",{\"id\":" : "{\"id\":");
		rc |= quarry_buf_json_string(b, a->id, strlen(a->id));
		rc |= put(b, ",\"doc\":");
		rc |= quarry_buf_json_string(b, a->doc, strlen(a->doc));
		if (a->source != NULL) {
			rc |= put(b, ",\"source\":");
			rc |= quarry_buf_json_string(b, a->source,
			    strlen(a->source));
		}
		rc |= put(b, "}");
	}
	rc |= put(b, "]");
	return rc;
}

static int
put_member(struct quarry_buf *b, int *first, const char *name)
{
	int rc = 0;

	rc |= put(b, *first ? "" : ",");
	*first = 0;
	rc |= quarry_buf_json_string(b, name, strlen(name));
	rc |= put(b, ":");
	return rc;
}

/* Opens a JSON result line with the query and its id, when there are. */
static int
put_query_members(struct quarry_buf *b, const quarry_search_output *o,
    int *first)
{
	int rc = put(b, "{");

	if (o->query != NULL) {
		rc |= put_member(b, first, "query");
		rc |= quarry_buf_json_string(b, o->query, strlen(o->query));
	}
	if (o->query_id != NULL) {
		rc |= put_member(b, first, "query_id");
		rc |= quarry_buf_json_string(b, o->query_id,
		    strlen(o->query_id));
	}
	return rc;
}

static int
print_json_hit(struct quarry_buf *b, const quarry_search_output *o,
    quarry_search *s, const quarry_search_hit *h, size_t i)
{
	const json_t *rec = h->rec;
	char num[64];
	size_t f;
	int rc = 0, first = 1;

	if (o->fields == NULL) {
		rc |= put_query_members(b, o, &first);
		snprintf(num, sizeof(num), "%s\"rank\":%zu,\"score\":",
		    first ? "" : ",", i + 1);
		rc |= put(b, num);
		rc |= putf_score(b, h->score);
		if (o->legs) {
			rc |= put(b, ",");
			rc |= put_legs(b, h);
		}
		if (h->nalso > 0) {
			rc |= put(b, ",");
			rc |= put_also(b, h);
		}
		if (rec == NULL && (rec = quarry_search_record(s, i)) == NULL)
			return QUARRY_ESTORE;
		{
			const char *key;
			json_t *v;

			json_object_foreach((json_t *)rec, key, v) {
				if (strcmp(key, "query") == 0 ||
				    strcmp(key, "query_id") == 0 ||
				    strcmp(key, "rank") == 0 ||
				    strcmp(key, "score") == 0 ||
				    strcmp(key, "legs") == 0 ||
				    strcmp(key, "also") == 0 ||
				    strcmp(key, "embedding") == 0)
					continue;
				rc |= put(b, ",");
				rc |= quarry_buf_json_string(b, key,
				    strlen(key));
				rc |= put(b, ":");
				rc |= quarry_buf_json(b, v);
			}
		}
		rc |= put(b, "}\n");
		return rc ? QUARRY_ENOMEM : 0;
	}
	rc |= put(b, "{");
	for (f = 0; f < o->nfields; f++) {
		const char *name = o->fields[f];

		if (strcmp(name, "query") == 0) {
			if (o->query == NULL)
				continue;
			rc |= put_member(b, &first, name);
			rc |= quarry_buf_json_string(b, o->query,
			    strlen(o->query));
		} else if (strcmp(name, "query_id") == 0) {
			if (o->query_id == NULL)
				continue;
			rc |= put_member(b, &first, name);
			rc |= quarry_buf_json_string(b, o->query_id,
			    strlen(o->query_id));
		} else if (strcmp(name, "rank") == 0) {
			rc |= put_member(b, &first, name);
			snprintf(num, sizeof(num), "%zu", i + 1);
			rc |= put(b, num);
		} else if (strcmp(name, "score") == 0) {
			rc |= put_member(b, &first, name);
			rc |= putf_score(b, h->score);
		} else if (strcmp(name, "legs") == 0) {
			rc |= put(b, first ? "" : ",");
			first = 0;
			rc |= put_legs(b, h);
		} else if (strcmp(name, "also") == 0) {
			rc |= put(b, first ? "" : ",");
			first = 0;
			rc |= put_also(b, h);
		} else if (strcmp(name, "id") == 0 || strcmp(name, "doc") == 0 ||
		    strcmp(name, "hash") == 0) {
			const char *v = name[0] == 'i' ? h->id :
			    name[0] == 'd' ? h->doc : h->hash;

			rc |= put_member(b, &first, name);
			rc |= quarry_buf_json_string(b, v, strlen(v));
		} else {
			json_t *v;

			if (strcmp(name, "embedding") == 0)
				continue;
			if (rec == NULL &&
			    (rec = quarry_search_record(s, i)) == NULL)
				return QUARRY_ESTORE;
			if ((v = json_object_get(rec, name)) == NULL)
				continue;
			rc |= put_member(b, &first, name);
			rc |= quarry_buf_json(b, v);
		}
	}
	rc |= put(b, "}\n");
	return rc ? QUARRY_ENOMEM : 0;
}

int
quarry_search_print(struct quarry_buf *b, const quarry_search_output *o,
    quarry_search *s, const quarry_search_hit *hits, size_t n)
{
	size_t i;
	int rc = 0;

	if (o->fmt == QUARRY_SEARCH_JSON) {
		if (n == 0) {
			int first = 1;

			rc |= put_query_members(b, o, &first);
			rc |= put(b, first ? "\"hits\":0}\n" :
			    ",\"hits\":0}\n");
			return rc ? QUARRY_ENOMEM : 0;
		}
		for (i = 0; i < n && rc == 0; i++)
			rc = print_json_hit(b, o, s, &hits[i], i);
		return rc;
	}
	/* The other formats need every record. */
	for (i = 0; i < n; i++)
		if (hits[i].rec == NULL && quarry_search_record(s, i) == NULL)
			return QUARRY_ESTORE;
	if (o->fmt == QUARRY_SEARCH_TEXT) {
		if (o->query != NULL) {
			rc |= put(b, "query: ");
			rc |= put(b, o->query);
			rc |= put(b, "\n");
		}
		if (n == 0)
			rc |= put(b, "no results\n");
		for (i = 0; i < n; i++) {
			const quarry_search_hit *h = &hits[i];
			char num[128];
			size_t j;

			rc |= format_text(b, h, i + 1);
			if (o->legs) {
				rc |= put(b, "    found by:");
				if (h->vec_rank) {
					snprintf(num, sizeof(num),
					    " vector #%zu (%.4f)", h->vec_rank,
					    h->vec_score);
					rc |= put(b, num);
				}
				if (h->lex_rank) {
					snprintf(num, sizeof(num),
					    "%s lexical #%zu (%.4f)",
					    h->vec_rank ? "," : "", h->lex_rank,
					    h->lex_score);
					rc |= put(b, num);
				}
				rc |= put(b, "\n");
			}
			if (h->nalso > 0) {
				rc |= put(b, "    also in:");
				for (j = 0; j < h->nalso; j++) {
					rc |= put(b, j ? ", " : " ");
					rc |= put(b, h->also[j].source ?
					    h->also[j].source : h->also[j].doc);
				}
				rc |= put(b, "\n");
			}
		}
		return rc ? QUARRY_ENOMEM : 0;
	}
	return format_context(b, hits, n, o->max_tokens);
}

int
quarry_search_format(struct quarry_buf *b, enum quarry_search_format fmt,
    const char *query, const quarry_search_hit *hits, size_t n,
    size_t max_tokens)
{
	size_t i;
	int rc = 0;

	switch (fmt) {
	case QUARRY_SEARCH_JSON:
		for (i = 0; i < n && rc == 0; i++)
			rc = format_json(b, query, &hits[i], i + 1);
		return rc;
	case QUARRY_SEARCH_TEXT:
		if (query != NULL) {
			rc |= put(b, "query: ");
			rc |= put(b, query);
			rc |= put(b, "\n");
		}
		if (n == 0)
			rc |= put(b, "no results\n");
		for (i = 0; i < n; i++)
			rc |= format_text(b, &hits[i], i + 1);
		return rc ? QUARRY_ENOMEM : 0;
	case QUARRY_SEARCH_CONTEXT:
		return format_context(b, hits, n, max_tokens);
	}
	return QUARRY_EINVAL;
}
