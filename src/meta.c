/*
 * meta.c: metadata editing over records, the library side of quarry-meta
 * (man/quarry-meta.1): sidecar tables, --set/--default assignments, facts
 * from the file system (size, modification time, fingerprint), and the
 * normalisation of "date", "modified" and "author" (date.c, author.c).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "error_private.h"
#include "quarry.h"

struct assign {
	char *field;
	json_t *value;
	int only_missing;
};

struct quarry_meta {
	struct assign *as;
	size_t nas;
	int raw;
	int from_file;
	enum quarry_date_order order;
	json_t *by_source;	/* sidecar rows keyed by "source" */
	json_t *by_doc;		/* ... and by "doc" */
	/* The last file fingerprinted: records of one document follow each
	 * other (chunks), so one entry saves re-reading the file. */
	char *fp_path;
	struct stat fp_st;
	quarry_fingerprint fp;
	struct qerr err;
};

int
quarry_meta_new(quarry_meta **out)
{
	quarry_meta *m;

	*out = NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return QUARRY_ENOMEM;
	m->by_source = json_object();
	m->by_doc = json_object();
	if (m->by_source == NULL || m->by_doc == NULL) {
		quarry_meta_free(m);
		return QUARRY_ENOMEM;
	}
	*out = m;
	return 0;
}

void
quarry_meta_free(quarry_meta *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nas; i++) {
		free(m->as[i].field);
		json_decref(m->as[i].value);
	}
	free(m->as);
	json_decref(m->by_source);
	json_decref(m->by_doc);
	free(m->fp_path);
	free(m);
}

const char *
quarry_meta_error(const quarry_meta *m)
{
	return qerr_str(m ? &m->err : NULL);
}

void
quarry_meta_set_raw(quarry_meta *m, int raw)
{
	m->raw = raw;
}

void
quarry_meta_set_order(quarry_meta *m, enum quarry_date_order order)
{
	m->order = order;
}

void
quarry_meta_set_from_file(quarry_meta *m, int on)
{
	m->from_file = on;
}

/* ------------------------------------------------------- normalisation */

static int
is_date_field(const char *f)
{
	return strcmp(f, "date") == 0 || strcmp(f, "modified") == 0;
}

/*
 * Normalises the value v of field (date, modified or author).  Returns a new
 * value, or NULL with a reason in why (static text) when there is none.
 * *err is set when the value could not be read at all (not merely empty).
 */
static json_t *
normalize_value(const quarry_meta *m, const char *field, json_t *v,
    const char *lang, const char **why)
{
	if (is_date_field(field)) {
		char out[21], num[32];
		const char *s;
		size_t len;

		if (json_is_integer(v)) {
			/* Unix time given as a number. */
			len = (size_t)snprintf(num, sizeof(num),
			    "%" JSON_INTEGER_FORMAT, json_integer_value(v));
			s = num;
		} else if (json_is_string(v)) {
			s = json_string_value(v);
			len = json_string_length(v);
		} else {
			*why = "not a string";
			return NULL;
		}
		if (quarry_date_parse(s, len, m->order, lang, 0, out) != 0) {
			*why = "not a date";
			return NULL;
		}
		return json_string(out);
	} else {
		struct quarry_buf b = { 0 };
		char *out = NULL;
		json_t *r;
		int rc;

		if (json_is_string(v)) {
			rc = quarry_author_normalize(json_string_value(v),
			    json_string_length(v), &out);
		} else if (json_is_array(v)) {
			/* Several names as an array, as JSON-LD has them. */
			size_t i;
			json_t *e;

			json_array_foreach(v, i, e) {
				if (!json_is_string(e)) {
					quarry_buf_free(&b);
					*why = "not a string or array of strings";
					return NULL;
				}
				if ((b.len > 0 && quarry_buf_append(&b, "; ", 2)) ||
				    quarry_buf_append(&b, json_string_value(e),
				    json_string_length(e))) {
					quarry_buf_free(&b);
					*why = "out of memory";
					return NULL;
				}
			}
			rc = quarry_author_normalize(b.data ? b.data : "",
			    b.len, &out);
			quarry_buf_free(&b);
		} else {
			*why = "not a string or array of strings";
			return NULL;
		}
		if (rc == QUARRY_ENOMEM) {
			*why = "out of memory";
			return NULL;
		}
		if (rc != 0) {
			*why = NULL;	/* nothing but addresses: no author */
			return NULL;
		}
		r = json_string(out);
		free(out);
		return r;
	}
}

static void
report(quarry_meta_warn_fn *warn, void *arg, const char *field,
    const json_t *v, const char *why)
{
	char msg[512];

	if (warn == NULL)
		return;
	if (json_is_string(v)) {
		struct quarry_buf b = { 0 };
		size_t len = json_string_length(v);

		/* Quote the value as JSON, shortened when long. */
		if (quarry_buf_json_string(&b, json_string_value(v),
		    len > 80 ? (size_t)quarry_grapheme_floor(
		    json_string_value(v), len, 80) : len) == 0)
			snprintf(msg, sizeof(msg), "%s: %s: %.*s%s", field, why,
			    (int)b.len, b.data, len > 80 ? "..." : "");
		else
			snprintf(msg, sizeof(msg), "%s: %s", field, why);
		quarry_buf_free(&b);
	} else if (json_is_integer(v))
		snprintf(msg, sizeof(msg), "%s: %s: %" JSON_INTEGER_FORMAT,
		    field, why, json_integer_value(v));
	else
		snprintf(msg, sizeof(msg), "%s: %s", field, why);
	warn(arg, 0, msg);
}

/* ---------------------------------------------------------- assignments */

int
quarry_meta_assign(quarry_meta *m, const char *assignment, int only_missing)
{
	const char *eq = strchr(assignment, '=');
	size_t flen;
	int json = 0;
	json_t *v;
	struct assign *na;

	if (eq == NULL || eq == assignment)
		return qerr_set(&m->err, QUARRY_EINVAL,
		    "'%s': expected FIELD=VALUE or FIELD:=JSON", assignment);
	flen = (size_t)(eq - assignment);
	if (eq[-1] == ':') {
		json = 1;
		flen--;
	}
	if (flen == 0)
		return qerr_set(&m->err, QUARRY_EINVAL,
		    "'%s': expected FIELD=VALUE or FIELD:=JSON", assignment);
	if (json) {
		json_error_t jerr;

		v = json_loads(eq + 1, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES,
		    &jerr);
		if (v == NULL)
			return qerr_set(&m->err, QUARRY_EINVAL,
			    "'%s': malformed JSON: %s", assignment, jerr.text);
	} else {
		size_t bad;

		if (quarry_utf8_validate(eq + 1, strlen(eq + 1), &bad) != 0)
			return qerr_set(&m->err, QUARRY_EINVAL,
			    "'%s': invalid UTF-8", assignment);
		if ((v = json_string(eq + 1)) == NULL)
			return QUARRY_ENOMEM;
	}
	if ((na = realloc(m->as, (m->nas + 1) * sizeof(*na))) == NULL) {
		json_decref(v);
		return QUARRY_ENOMEM;
	}
	m->as = na;
	na = &m->as[m->nas];
	if ((na->field = strndup(assignment, flen)) == NULL) {
		json_decref(v);
		return QUARRY_ENOMEM;
	}
	na->value = v;
	na->only_missing = only_missing;
	if (!m->raw && (is_date_field(na->field) ||
	    strcmp(na->field, "author") == 0) && !json_is_null(v)) {
		const char *why = NULL;
		json_t *n = normalize_value(m, na->field, v, NULL, &why);

		if (n == NULL && why != NULL) {
			int rc = qerr_set(&m->err, QUARRY_EINVAL, "'%s': %s",
			    assignment, why);

			free(na->field);
			json_decref(v);
			return rc;
		}
		json_decref(n);
	}
	m->nas++;
	return 0;
}

/* ---------------------------------------------------------- file system */

/* Formats a modification time in nanoseconds as RFC 3339 UTC, keeping
 * the fraction when there is one. */
static int
format_mtime(int64_t ns, char *buf, size_t size)
{
	int64_t sec = ns / 1000000000, frac = ns % 1000000000;
	char day[21];

	if (frac < 0) {
		frac += 1000000000;
		sec--;
	}
	if (quarry_date_from_unix(sec, day) != 0)
		return -1;
	if (frac == 0)
		snprintf(buf, size, "%s", day);
	else
		snprintf(buf, size, "%.19s.%09ldZ", day, (long)frac);
	return 0;
}

/* A source that names a URL rather than a file (file: URLs excepted). */
static const char *
source_path(const char *src)
{
	const char *p;

	if (strncmp(src, "file://", 7) == 0)
		return src[7] == '/' ? src + 7 : NULL;
	for (p = src; (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
	    (p > src && ((*p >= '0' && *p <= '9') || *p == '+' || *p == '-' ||
	    *p == '.')); p++)
		;
	if (p > src + 1 && p[0] == ':' && p[1] == '/' && p[2] == '/')
		return NULL;
	return src;
}

static int apply_path(quarry_meta *, json_t *, const char *, const char *,
    quarry_meta_warn_fn *, void *);

static int
apply_file(quarry_meta *m, json_t *rec, quarry_meta_warn_fn *warn, void *arg)
{
	const char *src = quarry_record_string(rec, "source", NULL), *path;
	char *real;
	int rc;

	if (src == NULL || (path = source_path(src)) == NULL)
		return apply_path(m, rec, src, NULL, warn, arg);
	/* "source" carries names that are not UTF-8 escaped (quarry.7). */
	if ((real = quarry_name_unescape(path)) == NULL)
		return QUARRY_ENOMEM;
	rc = apply_path(m, rec, src, real, warn, arg);
	free(real);
	return rc;
}

static int
apply_path(quarry_meta *m, json_t *rec, const char *src, const char *path,
    quarry_meta_warn_fn *warn, void *arg)
{
	char msg[512], when[21], mt[40];
	struct stat st;
	json_t *fpj;

	if (src == NULL) {
		if (warn)
			warn(arg, 0, "the record has no \"source\" to "
			    "take the file's facts from");
		return 1;
	}
	if (path == NULL)
		return 0;
	if (stat(path, &st) != 0) {
		snprintf(msg, sizeof(msg), "%s: %s", src, strerror(errno));
		if (warn)
			warn(arg, 0, msg);
		return 1;
	}
	if (!S_ISREG(st.st_mode)) {
		/* A FIFO would block, a device never end. */
		snprintf(msg, sizeof(msg), "%s: %s", src, S_ISDIR(st.st_mode) ?
		    strerror(EISDIR) : "not a regular file");
		if (warn)
			warn(arg, 0, msg);
		return 1;
	}
	if (!m->fp.has || m->fp_path == NULL ||
	    strcmp(m->fp_path, path) != 0 || st.st_dev != m->fp_st.st_dev ||
	    st.st_ino != m->fp_st.st_ino || st.st_size != m->fp_st.st_size ||
	    st.st_mtim.tv_sec != m->fp_st.st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != m->fp_st.st_mtim.tv_nsec) {
		int rc;

		free(m->fp_path);
		if ((m->fp_path = strdup(path)) == NULL)
			return QUARRY_ENOMEM;
		rc = quarry_fingerprint_file(path, &m->fp);
		if (rc == QUARRY_ENOMEM)
			return rc;
		if (rc != 0) {
			snprintf(msg, sizeof(msg), "%s: %s", src,
			    rc == QUARRY_ENOTFOUND ? strerror(ENOENT) :
			    strerror(errno));
			m->fp.has = 0;
			if (warn)
				warn(arg, 0, msg);
			return 1;
		}
		m->fp_st = st;
	}
	if (format_mtime(m->fp.mtime_ns, mt, sizeof(mt)) != 0)
		mt[0] = '\0';
	if ((fpj = json_pack("{s:I,s:s,s:s}", "size", (json_int_t)m->fp.size,
	    "mtime", mt, "hash", m->fp.hash)) == NULL ||
	    json_object_set_new(rec, "fingerprint", fpj) != 0 ||
	    json_object_set_new(rec, "size",
	    json_integer((json_int_t)m->fp.size)) != 0)
		return QUARRY_ENOMEM;
	if (json_object_get(rec, "modified") == NULL && quarry_date_from_unix(
	    m->fp.mtime_ns / 1000000000 - (m->fp.mtime_ns % 1000000000 < 0),
	    when) == 0 &&
	    json_object_set_new(rec, "modified", json_string(when)) != 0)
		return QUARRY_ENOMEM;
	return 0;
}

/* -------------------------------------------------------------- sidecar */

static void
row_fault(quarry_meta_warn_fn *warn, void *arg, unsigned long line,
    const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (warn)
		warn(arg, line, msg);
}

/*
 * Files row under its key.  Returns 0, 1 when the row was refused (and
 * reported), or QUARRY_ENOMEM.  Takes the reference to row.
 */
static int
add_row(quarry_meta *m, json_t *row, unsigned long line,
    quarry_meta_warn_fn *warn, void *arg)
{
	const char *key = "source", *val;
	json_t *table = m->by_source;

	if ((val = quarry_record_string(row, "source", NULL)) == NULL) {
		key = "doc";
		table = m->by_doc;
		val = quarry_record_string(row, "doc", NULL);
	}
	if (val == NULL || *val == '\0') {
		row_fault(warn, arg, line, "row has no \"source\" or \"doc\" key");
		json_decref(row);
		return 1;
	}
	if (json_object_get(table, val) != NULL) {
		row_fault(warn, arg, line, "duplicate %s \"%s\" (first one kept)",
		    key, val);
		json_decref(row);
		return 1;
	}
	if (json_object_set_new(table, val, row) != 0)
		return QUARRY_ENOMEM;
	return 0;
}

/* Undoes the TSV escapes \t \n \r \\ in place; returns -1 on a bad one. */
static int
tsv_unescape(char *s)
{
	char *o = s, *i = s;

	while (*i) {
		if (*i != '\\') {
			*o++ = *i++;
			continue;
		}
		switch (i[1]) {
		case 't': *o++ = '\t'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case '\\': *o++ = '\\'; break;
		default: return -1;
		}
		i += 2;
	}
	*o = '\0';
	return 0;
}

/* Splits a TSV line in place into at most max cells; returns the count. */
static size_t
tsv_split(char *line, char **cells, size_t max)
{
	size_t n = 0;
	char *p = line;

	for (;;) {
		char *tab = strchr(p, '\t');

		if (n < max)
			cells[n] = p;
		n++;
		if (tab == NULL)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	return n;
}

int
quarry_meta_load_sidecar(quarry_meta *m, FILE *fp, const char *name,
    quarry_meta_warn_fn *warn, void *arg)
{
	char *line = NULL, **head = NULL, **cells = NULL;
	size_t cap = 0, ncols = 0;
	ssize_t got;
	unsigned long lineno = 0;
	int format = 0, bad = 0, rc = 0;	/* 1 JSON Lines, 2 TSV */

	(void)name;
	qerr_clear(&m->err);
	while ((got = getline(&line, &cap, fp)) > 0) {
		size_t len = (size_t)got, badpos, k, n;
		json_t *row;

		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		for (k = 0; k < len && (line[k] == ' ' || line[k] == '\t'); k++)
			;
		if (k == len)
			continue;
		if (memchr(line, '\0', len) != NULL ||
		    quarry_utf8_validate(line, len, &badpos) != 0) {
			row_fault(warn, arg, lineno, "invalid UTF-8");
			bad = 1;
			continue;
		}
		if (format == 0)
			format = line[k] == '{' ? 1 : 2;
		if (format == 1) {
			json_error_t jerr;

			row = json_loadb(line, len, JSON_REJECT_DUPLICATES,
			    &jerr);
			if (row == NULL || !json_is_object(row)) {
				row_fault(warn, arg, lineno, row ?
				    "row is not a JSON object" :
				    "malformed JSON at byte %d: %s",
				    jerr.position, jerr.text);
				json_decref(row);
				bad = 1;
				continue;
			}
		} else if (head == NULL) {
			/* The header: column names. */
			char **tmp;

			for (n = 1, k = 0; k < len; k++)
				n += line[k] == '\t';
			if ((tmp = calloc(n, sizeof(char *))) == NULL ||
			    (cells = calloc(n, sizeof(char *))) == NULL) {
				free(tmp);
				rc = QUARRY_ENOMEM;
				break;
			}
			tsv_split(line, cells, n);
			for (k = 0; k < n; k++) {
				if (tsv_unescape(cells[k]) != 0 ||
				    *cells[k] == '\0' ||
				    (tmp[k] = strdup(cells[k])) == NULL)
					break;
			}
			ncols = k;
			head = tmp;
			if (k < n) {
				row_fault(warn, arg, lineno,
				    "bad column name in the TSV header");
				rc = QUARRY_EFORMAT;
				break;
			}
			continue;
		} else {
			n = tsv_split(line, cells, ncols);
			if (n != ncols) {
				row_fault(warn, arg, lineno,
				    "%zu cells where the header has %zu", n,
				    ncols);
				bad = 1;
				continue;
			}
			if ((row = json_object()) == NULL) {
				rc = QUARRY_ENOMEM;
				break;
			}
			for (k = 0; k < n; k++) {
				if (tsv_unescape(cells[k]) != 0) {
					row_fault(warn, arg, lineno,
					    "bad escape in column \"%s\"",
					    head[k]);
					break;
				}
				if (*cells[k] != '\0' && json_object_set_new(
				    row, head[k], json_string(cells[k])) != 0)
					break;
			}
			if (k < n) {
				json_decref(row);
				bad = 1;
				continue;
			}
		}
		if ((k = (size_t)add_row(m, row, lineno, warn, arg)) != 0) {
			if ((int)k == QUARRY_ENOMEM) {
				rc = QUARRY_ENOMEM;
				break;
			}
			bad = 1;
		}
	}
	if (rc == 0 && ferror(fp))
		rc = qerr_set(&m->err, QUARRY_EIO, "read error: %s",
		    strerror(errno));
	if (head) {
		size_t k;

		for (k = 0; k < ncols; k++)
			free(head[k]);
	}
	free(head);
	free(cells);
	free(line);
	if (rc == 0 && bad)
		rc = QUARRY_EFORMAT;
	return rc;
}

/* ---------------------------------------------------------------- apply */

static int
set_field(json_t *rec, const char *field, json_t *v, int only_missing)
{
	if (only_missing && json_object_get(rec, field) != NULL)
		return 0;
	return json_object_set(rec, field, v) != 0 ? QUARRY_ENOMEM : 0;
}

int
quarry_meta_apply(quarry_meta *m, json_t *rec, quarry_meta_warn_fn *warn,
    void *arg)
{
	static const char *const fields[] = { "date", "modified", "author" };
	const char *key, *lang;
	json_t *row = NULL, *v;
	size_t i;
	int reported = 0, rc;

	if ((key = quarry_record_string(rec, "source", NULL)) != NULL)
		row = json_object_get(m->by_source, key);
	if (row == NULL &&
	    (key = quarry_record_string(rec, "doc", NULL)) != NULL)
		row = json_object_get(m->by_doc, key);
	if (row != NULL) {
		const char *f;

		json_object_foreach(row, f, v)
			if (json_object_set(rec, f, v) != 0)
				return QUARRY_ENOMEM;
	}
	for (i = 0; i < m->nas; i++)
		if (!m->as[i].only_missing &&
		    set_field(rec, m->as[i].field, m->as[i].value, 0) != 0)
			return QUARRY_ENOMEM;
	if (m->from_file) {
		if ((rc = apply_file(m, rec, warn, arg)) < 0)
			return rc;
		reported |= rc;
	}
	for (i = 0; i < m->nas; i++)
		if (m->as[i].only_missing &&
		    set_field(rec, m->as[i].field, m->as[i].value, 1) != 0)
			return QUARRY_ENOMEM;
	if (m->raw)
		return reported;

	lang = quarry_record_string(rec, "lang", NULL);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *why = NULL;
		json_t *n;

		v = json_object_get(rec, fields[i]);
		if (v == NULL || json_is_null(v))
			continue;
		n = normalize_value(m, fields[i], v, lang, &why);
		if (n == NULL) {
			if (why != NULL) {
				report(warn, arg, fields[i], v, why);
				reported = 1;
			}
			json_object_del(rec, fields[i]);
			continue;
		}
		if (json_object_set_new(rec, fields[i], n) != 0)
			return QUARRY_ENOMEM;
	}
	return reported;
}
