/*
 * embed_json.c: the two JSON readers of the embedding backends: a vector
 * (one line of a command backend's output) and the response of an
 * OpenAI-compatible /v1/embeddings endpoint (man/quarry-embed.1).
 *
 * They are hand-written scanners rather than jansson because a response
 * holds up to hundreds of thousands of numbers that must become float32:
 * jansson would make each a double first (and float(double(text)) can
 * differ from the float nearest the text), and would build a tree we throw
 * away.  Members we do not know are skipped, with the JSON grammar still
 * checked; nesting is bounded.
 */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed_private.h"

#define MAX_DEPTH 64
#define MAX_NUMBER 512		/* longest number text accepted */

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void
c_locale_init(void)
{
	c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

struct scan {
	const char *s;
	size_t len;
	size_t pos;
	char *err;
	size_t errlen;
};

static int
fail(struct scan *sc, int code, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sc->errlen == 0)
		return code;
	n = snprintf(sc->err, sc->errlen, "at byte %zu: ", sc->pos + 1);
	if (n < 0 || (size_t)n >= sc->errlen)
		return code;
	va_start(ap, fmt);
	vsnprintf(sc->err + n, sc->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return code;
}

static void
ws(struct scan *sc)
{
	while (sc->pos < sc->len) {
		char c = sc->s[sc->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		sc->pos++;
	}
}

/* Consumes c after white space; returns 1 when it was there. */
static int
eat(struct scan *sc, char c)
{
	ws(sc);
	if (sc->pos < sc->len && sc->s[sc->pos] == c) {
		sc->pos++;
		return 1;
	}
	return 0;
}

static int
peek(struct scan *sc)
{
	ws(sc);
	return sc->pos < sc->len ? (unsigned char)sc->s[sc->pos] : -1;
}

static int
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/*
 * Scans a string at the current position (after white space); sets *start
 * and *end to its raw contents (escapes not decoded).
 */
static int
scan_string(struct scan *sc, size_t *start, size_t *end)
{
	if (!eat(sc, '"'))
		return fail(sc, QUARRY_EJSON, "string expected");
	*start = sc->pos;
	while (sc->pos < sc->len) {
		unsigned char c = (unsigned char)sc->s[sc->pos];

		if (c == '"') {
			*end = sc->pos++;
			return 0;
		}
		if (c < 0x20)
			return fail(sc, QUARRY_EJSON,
			    "control character in string");
		if (c == '\\') {
			char x;

			if (sc->pos + 1 >= sc->len)
				break;
			x = sc->s[sc->pos + 1];
			if (x == 'u') {
				size_t k;

				if (sc->pos + 6 > sc->len)
					break;
				for (k = 2; k < 6; k++)
					if (!is_hex(sc->s[sc->pos + k]))
						return fail(sc, QUARRY_EJSON,
						    "bad \\u escape");
				sc->pos += 6;
				continue;
			}
			if (strchr("\"\\/bfnrt", x) == NULL || x == '\0')
				return fail(sc, QUARRY_EJSON, "bad escape");
			sc->pos += 2;
			continue;
		}
		sc->pos++;
	}
	sc->pos = sc->len;
	return fail(sc, QUARRY_EJSON, "unterminated string");
}

/* Scans a JSON number's text; sets [*start, sc->pos). */
static int
scan_number(struct scan *sc, size_t *start)
{
	const char *s = sc->s;
	size_t p, e = sc->len;

	ws(sc);
	p = *start = sc->pos;
	if (p < e && s[p] == '-')
		p++;
	if (p < e && s[p] == '0')
		p++;
	else if (p < e && s[p] >= '1' && s[p] <= '9')
		while (p < e && s[p] >= '0' && s[p] <= '9')
			p++;
	else
		return fail(sc, QUARRY_EJSON, "number expected");
	if (p < e && s[p] == '.') {
		p++;
		if (!(p < e && s[p] >= '0' && s[p] <= '9'))
			return fail(sc, QUARRY_EJSON, "digit expected");
		while (p < e && s[p] >= '0' && s[p] <= '9')
			p++;
	}
	if (p < e && (s[p] == 'e' || s[p] == 'E')) {
		p++;
		if (p < e && (s[p] == '+' || s[p] == '-'))
			p++;
		if (!(p < e && s[p] >= '0' && s[p] <= '9'))
			return fail(sc, QUARRY_EJSON, "digit expected");
		while (p < e && s[p] >= '0' && s[p] <= '9')
			p++;
	}
	sc->pos = p;
	return 0;
}

static int
scan_float(struct scan *sc, float *out)
{
	char buf[MAX_NUMBER + 1];
	size_t start, n;
	char *end;
	float f;
	int rc;

	if ((rc = scan_number(sc, &start)) != 0)
		return rc;
	n = sc->pos - start;
	if (n > MAX_NUMBER)
		return fail(sc, QUARRY_EJSON, "number too long");
	memcpy(buf, sc->s + start, n);
	buf[n] = '\0';
	pthread_once(&c_locale_once, c_locale_init);
	errno = 0;
	f = c_locale ? strtof_l(buf, &end, c_locale) : strtof(buf, &end);
	if (end != buf + n)
		return fail(sc, QUARRY_EJSON, "bad number");
	if (errno == ERANGE && isinf(f))
		return fail(sc, QUARRY_EJSON, "number %s is out of the float "
		    "range", buf);
	*out = f;
	return 0;
}

/* Scans a non-negative integer that fits size_t. */
static int
scan_index(struct scan *sc, size_t *out)
{
	size_t start, i, v = 0;
	int rc;

	if ((rc = scan_number(sc, &start)) != 0)
		return rc;
	for (i = start; i < sc->pos; i++) {
		char c = sc->s[i];

		if (c < '0' || c > '9')
			return fail(sc, QUARRY_EFORMAT,
			    "index is not a non-negative integer");
		if (v > ((size_t)-1 - 9) / 10)
			return fail(sc, QUARRY_EFORMAT, "index too large");
		v = v * 10 + (size_t)(c - '0');
	}
	*out = v;
	return 0;
}

static int
scan_literal(struct scan *sc, const char *lit)
{
	size_t n = strlen(lit);

	ws(sc);
	if (sc->len - sc->pos < n || memcmp(sc->s + sc->pos, lit, n) != 0)
		return fail(sc, QUARRY_EJSON, "unexpected character");
	sc->pos += n;
	return 0;
}

/*
 * Steps through the members of an object or the elements of an array whose
 * opening bracket has been eaten; close is the closing one ('}' or ']'),
 * *count the members seen so far (0 to begin).  Returns 1 when one more
 * follows (for an object, its key is s[*a..*b) and its ':' has been eaten,
 * so that the scanner stands at the value), 0 once the closing bracket
 * has been eaten, or an error code.
 */
static int
scan_next(struct scan *sc, char close, size_t *count, size_t *a, size_t *b)
{
	int rc;

	if (*count == 0 ? eat(sc, close) : !eat(sc, ',')) {
		if (*count > 0 && !eat(sc, close))
			return fail(sc, QUARRY_EJSON, "'%c' expected", close);
		return 0;
	}
	(*count)++;
	if (close == '}') {
		if ((rc = scan_string(sc, a, b)) != 0)
			return rc;
		if (!eat(sc, ':'))
			return fail(sc, QUARRY_EJSON, "':' expected");
	}
	return 1;
}

static int
skip_value(struct scan *sc, int depth)
{
	size_t a = 0, b = 0, count = 0;
	int c, rc;

	if (depth > MAX_DEPTH)
		return fail(sc, QUARRY_EJSON, "nested too deeply");
	c = peek(sc);
	switch (c) {
	case '"':
		return scan_string(sc, &a, &b);
	case '{':
	case '[':
		sc->pos++;
		while ((rc = scan_next(sc, c == '{' ? '}' : ']', &count, &a,
		    &b)) == 1)
			if ((rc = skip_value(sc, depth + 1)) != 0)
				return rc;
		return rc;
	case 't':
		return scan_literal(sc, "true");
	case 'f':
		return scan_literal(sc, "false");
	case 'n':
		return scan_literal(sc, "null");
	case -1:
		return fail(sc, QUARRY_EJSON, "unexpected end of input");
	default:
		return scan_number(sc, &a);
	}
}

/* Appends one float to a growing array. */
static int
push(float **v, size_t *n, size_t *cap, float f)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 256;
		float *nv = realloc(*v, ncap * sizeof(float));

		if (nv == NULL)
			return QUARRY_ENOMEM;
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = f;
	return 0;
}

/* Scans an array of numbers, appending them to *v. */
static int
scan_vector(struct scan *sc, float **v, size_t *n, size_t *cap)
{
	float f;
	int rc;

	if (peek(sc) == '"')
		return fail(sc, QUARRY_EFORMAT, "embedding is a string "
		    "(base64 encoding is not supported)");
	if (!eat(sc, '['))
		return fail(sc, QUARRY_EFORMAT, "embedding is not an array");
	if (eat(sc, ']'))
		return 0;
	do {
		int c = peek(sc);

		if (c == -1)
			return fail(sc, QUARRY_EJSON,
			    "unexpected end of input");
		if (c != '-' && !(c >= '0' && c <= '9'))
			return fail(sc, QUARRY_EFORMAT,
			    "embedding holds a value that is not a number");
		if ((rc = scan_float(sc, &f)) != 0)
			return rc;
		if (push(v, n, cap, f) != 0)
			return fail(sc, QUARRY_ENOMEM, "out of memory");
	} while (eat(sc, ','));
	if (!eat(sc, ']'))
		return fail(sc, QUARRY_EJSON, "']' expected");
	return 0;
}

int
embed_parse_float(const char *s, size_t len, size_t *pos, float *out)
{
	struct scan sc = { s, len, *pos, NULL, 0 };
	int rc = scan_float(&sc, out);

	*pos = sc.pos;
	return rc;
}

int
embed_parse_vector(const char *s, size_t len, float **vec, size_t *cap,
    size_t *n, char *err, size_t errlen)
{
	struct scan sc = { s, len, 0, err, errlen };
	int rc;

	*n = 0;
	if (errlen)
		err[0] = '\0';
	if (peek(&sc) != '[')
		return fail(&sc, QUARRY_EFORMAT, "a JSON array of numbers "
		    "expected");
	if ((rc = scan_vector(&sc, vec, n, cap)) != 0)
		return rc;
	ws(&sc);
	if (sc.pos != sc.len)
		return fail(&sc, QUARRY_EJSON, "text after the array");
	return 0;
}

static int
key_is(struct scan *sc, size_t a, size_t b, const char *key)
{
	size_t n = strlen(key);

	return b - a == n && memcmp(sc->s + a, key, n) == 0;
}

/* After the top-level object (what: the object, the response): nothing
 * but white space. */
static int
scan_end(struct scan *sc, const char *what)
{
	ws(sc);
	if (sc->pos != sc->len)
		return fail(sc, QUARRY_EJSON, "text after the %s", what);
	return 0;
}

int
embed_parse_answer(const char *s, size_t len, float **vec, size_t *cap,
    size_t *n, size_t *id, int *has_id, char *err, size_t errlen)
{
	struct scan sc = { s, len, 0, err, errlen };
	size_t a = 0, b = 0, count = 0;
	int rc, got_vec = 0;

	*n = 0;
	*has_id = 0;
	if (errlen)
		err[0] = '\0';
	if (peek(&sc) != '{')
		return embed_parse_vector(s, len, vec, cap, n, err, errlen);
	sc.pos++;
	while ((rc = scan_next(&sc, '}', &count, &a, &b)) == 1) {
		if (key_is(&sc, a, b, "id")) {
			if (*has_id)
				return fail(&sc, QUARRY_EFORMAT,
				    "duplicate \"id\"");
			if ((rc = scan_index(&sc, id)) != 0)
				return rc;
			*has_id = 1;
		} else if (key_is(&sc, a, b, "embedding")) {
			if (got_vec)
				return fail(&sc, QUARRY_EFORMAT,
				    "duplicate \"embedding\"");
			if ((rc = scan_vector(&sc, vec, n, cap)) != 0)
				return rc;
			got_vec = 1;
		} else if ((rc = skip_value(&sc, 1)) != 0)
			return rc;
	}
	if (rc != 0 || (rc = scan_end(&sc, "object")) != 0)
		return rc;
	if (!*has_id)
		return fail(&sc, QUARRY_EFORMAT, "answer has no \"id\"");
	if (!got_vec)
		return fail(&sc, QUARRY_EFORMAT, "answer has no \"embedding\"");
	return 0;
}

/* Scans one entry of "data". */
static int
scan_entry(struct scan *sc, struct embed_response *r, int *have_index)
{
	size_t a = 0, b = 0, idx = 0, count = 0;
	int rc, got_index = 0, got_vec = 0;
	size_t before = r->nvals;

	if (r->n == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 64;
		size_t *ni = realloc(r->index, ncap * sizeof(size_t));

		if (ni == NULL)
			return fail(sc, QUARRY_ENOMEM, "out of memory");
		r->index = ni;
		if ((ni = realloc(r->off, ncap * sizeof(size_t))) == NULL)
			return fail(sc, QUARRY_ENOMEM, "out of memory");
		r->off = ni;
		if ((ni = realloc(r->dims, ncap * sizeof(size_t))) == NULL)
			return fail(sc, QUARRY_ENOMEM, "out of memory");
		r->dims = ni;
		r->cap = ncap;
	}
	if (!eat(sc, '{'))
		return fail(sc, QUARRY_EFORMAT, "entry %zu of \"data\" is not "
		    "an object", r->n);
	while ((rc = scan_next(sc, '}', &count, &a, &b)) == 1) {
		if (key_is(sc, a, b, "index")) {
			if (got_index)
				return fail(sc, QUARRY_EFORMAT,
				    "duplicate \"index\"");
			if ((rc = scan_index(sc, &idx)) != 0)
				return rc;
			got_index = 1;
		} else if (key_is(sc, a, b, "embedding")) {
			if (got_vec)
				return fail(sc, QUARRY_EFORMAT,
				    "duplicate \"embedding\"");
			if ((rc = scan_vector(sc, &r->vals, &r->nvals,
			    &r->capvals)) != 0)
				return rc;
			got_vec = 1;
		} else if ((rc = skip_value(sc, 2)) != 0)
			return rc;
	}
	if (rc != 0)
		return rc;
	if (!got_vec)
		return fail(sc, QUARRY_EFORMAT, "entry %zu of \"data\" has no "
		    "\"embedding\"", r->n);
	if (*have_index == -1)
		*have_index = got_index;
	else if (*have_index != got_index)
		return fail(sc, QUARRY_EFORMAT, "some entries of \"data\" have "
		    "an \"index\" and some do not");
	r->index[r->n] = got_index ? idx : r->n;
	r->off[r->n] = before;
	r->dims[r->n] = r->nvals - before;
	r->n++;
	return 0;
}

int
embed_parse_response(const char *body, size_t len, struct embed_response *r,
    char *err, size_t errlen)
{
	struct scan sc = { body, len, 0, err, errlen };
	size_t a = 0, b = 0, count = 0, entries = 0;
	int rc, got_data = 0, have_index = -1;

	r->n = 0;
	r->nvals = 0;
	if (errlen)
		err[0] = '\0';
	if (!eat(&sc, '{'))
		return fail(&sc, QUARRY_EJSON, "response is not a JSON object");
	while ((rc = scan_next(&sc, '}', &count, &a, &b)) == 1) {
		if (key_is(&sc, a, b, "data")) {
			if (got_data)
				return fail(&sc, QUARRY_EFORMAT,
				    "duplicate \"data\"");
			got_data = 1;
			if (!eat(&sc, '['))
				return fail(&sc, QUARRY_EFORMAT,
				    "\"data\" is not an array");
			while ((rc = scan_next(&sc, ']', &entries, NULL,
			    NULL)) == 1)
				if ((rc = scan_entry(&sc, r, &have_index)) != 0)
					return rc;
			if (rc != 0)
				return rc;
		} else if ((rc = skip_value(&sc, 1)) != 0)
			return rc;
	}
	if (rc != 0 || (rc = scan_end(&sc, "response")) != 0)
		return rc;
	if (!got_data)
		return fail(&sc, QUARRY_EFORMAT, "response has no \"data\"");
	return 0;
}

void
embed_response_free(struct embed_response *r)
{
	free(r->index);
	free(r->off);
	free(r->dims);
	free(r->vals);
	memset(r, 0, sizeof(*r));
}
