/*
 * office.c: DOCX, ODT and EPUB to document records (man/quarry-office.1).
 *
 * This file holds the container side: the zip archive read with libzip from
 * memory, the limits that stop zip bombs (entries, expanded bytes, ratio),
 * the refusal of entry names that leave the archive, the XML parser
 * settings, the detection of the format and the record.  The formats
 * themselves are read by office_docx.c (ECMA-376 WordprocessingML),
 * office_odt.c (OASIS OpenDocument 1.3) and office_epub.c (EPUB 3.3, with
 * EPUB 2's OPF).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "html_private.h"
#include "office_private.h"

/* Below this many bytes an entry's ratio is not looked at. */
#define RATIO_FLOOR ((size_t)1 << 20)

void
quarry_office_options_init(quarry_office_options *o)
{
	memset(o, 0, sizeof(*o));
	o->max_size = QUARRY_OFFICE_MAX_SIZE_DEFAULT;
	o->max_expanded = QUARRY_OFFICE_MAX_EXPANDED_DEFAULT;
	o->max_ratio = QUARRY_OFFICE_MAX_RATIO_DEFAULT;
	o->max_entries = QUARRY_OFFICE_MAX_ENTRIES_DEFAULT;
}

int
quarry_office_new(quarry_office **out, const quarry_office_options *o)
{
	quarry_office *h;

	*out = NULL;
	html_xml_init();
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return QUARRY_ENOMEM;
	if (o != NULL)
		h->opt = *o;
	else
		quarry_office_options_init(&h->opt);
	*out = h;
	return 0;
}

const char *
quarry_office_mime(enum quarry_office_format f)
{
	switch (f) {
	case QUARRY_OFFICE_DOCX:
		return "application/"
		    "vnd.openxmlformats-officedocument.wordprocessingml.document";
	case QUARRY_OFFICE_ODT:
		return "application/vnd.oasis.opendocument.text";
	case QUARRY_OFFICE_EPUB:
		return "application/epub+zip";
	default:
		return NULL;
	}
}

static unsigned
le16(const unsigned char *p)
{
	return p[0] | (unsigned)p[1] << 8;
}

/* The format a "mimetype" entry's contents name. */
static enum quarry_office_format
mimetype_format(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' ||
	    s[n - 1] == ' '))
		n--;
	if (n == 20 && memcmp(s, "application/epub+zip", 20) == 0)
		return QUARRY_OFFICE_EPUB;
	if (n >= 39 && memcmp(s, "application/vnd.oasis.opendocument.text",
	    39) == 0 && (n == 39 || s[39] == '-'))
		return QUARRY_OFFICE_ODT;
	return QUARRY_OFFICE_NONE;
}

enum quarry_office_format
quarry_office_sniff(const void *head, size_t n)
{
	const unsigned char *p = head;
	size_t nlen, xlen, clen;
	const char *name;

	if (n < 30 || memcmp(p, "PK\3\4", 4) != 0)
		return QUARRY_OFFICE_NONE;
	nlen = le16(p + 26);
	xlen = le16(p + 28);
	if (30 + nlen > n)
		return QUARRY_OFFICE_NONE;
	name = (const char *)p + 30;
	if (nlen == 8 && memcmp(name, "mimetype", 8) == 0) {
		clen = le16(p + 18) | (size_t)le16(p + 20) << 16;
		/* Stored (method 0), as both specifications require. */
		if (le16(p + 8) != 0 || 30 + nlen + xlen + clen > n ||
		    clen > 100)
			return QUARRY_OFFICE_NONE;
		return mimetype_format((const char *)p + 30 + nlen + xlen,
		    clen);
	}
#define HAS(s) (nlen >= sizeof(s) - 1 && memcmp(name, s, sizeof(s) - 1) == 0)
	if (HAS("[Content_Types].xml") || HAS("_rels/") || HAS("word/") ||
	    HAS("docProps/"))
		return QUARRY_OFFICE_DOCX;
#undef HAS
	return QUARRY_OFFICE_NONE;
}

/* Nonzero when an entry name could leave the archive if extracted. */
static int
bad_name(const char *s)
{
	const char *c;

	if (*s == '\0' || *s == '/' || *s == '\\' || strchr(s, '\\') != NULL)
		return 1;
	/* A drive letter ("C:..."). */
	if (((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z') && s[1] == ':')
		return 1;
	for (c = s; *c != '\0';) {
		size_t l = strcspn(c, "/");

		if (l == 2 && c[0] == '.' && c[1] == '.')
			return 1;
		c += l;
		if (*c == '/')
			c++;
	}
	return 0;
}

/* Checks the central directory: entry count and names. */
static int
check_archive(quarry_office *h)
{
	zip_int64_t n = zip_get_num_entries(h->za, 0), i;

	if (n < 0)
		return qerr_set(&h->err, QUARRY_EFORMAT, "damaged zip archive");
	if ((uint64_t)n > h->opt.max_entries)
		return qerr_set(&h->err, QUARRY_ETOOBIG,
		    "%lld entries exceed the limit of %zu", (long long)n,
		    h->opt.max_entries);
	for (i = 0; i < n; i++) {
		const char *name = zip_get_name(h->za, (zip_uint64_t)i,
		    ZIP_FL_ENC_RAW);

		if (name == NULL)
			return qerr_set(&h->err, QUARRY_EFORMAT,
			    "damaged zip archive: entry %lld has no name",
			    (long long)i);
		if (bad_name(name))
			return qerr_set(&h->err, QUARRY_EFORMAT,
			    "entry name '%.200s' leaves the archive", name);
	}
	return 0;
}

static int
part_from_list(quarry_office *h, const char *name, struct quarry_buf *out)
{
	size_t i;

	for (i = 0; i < h->nparts; i++) {
		if (strcmp(h->parts[i].name, name) != 0)
			continue;
		if (h->parts[i].len > h->opt.max_expanded - h->expanded)
			return qerr_set(&h->err, QUARRY_ETOOBIG,
			    "%s: expands past the limit of %zu bytes", name,
			    h->opt.max_expanded);
		h->expanded += h->parts[i].len;
		if (quarry_buf_reserve(out, h->parts[i].len + 1) != 0)
			return qerr_set(&h->err, QUARRY_ENOMEM,
			    "out of memory");
		memcpy(out->data, h->parts[i].data, h->parts[i].len);
		out->len = h->parts[i].len;
		out->data[out->len] = '\0';
		return 0;
	}
	return QUARRY_ENOTFOUND;
}

int
office_part(quarry_office *h, const char *name, struct quarry_buf *out)
{
	zip_int64_t idx;
	zip_stat_t st;
	zip_file_t *zf;
	size_t room;

	out->len = 0;
	if (h->za == NULL)
		return part_from_list(h, name, out);
	if ((idx = zip_name_locate(h->za, name, ZIP_FL_ENC_RAW)) < 0 &&
	    (idx = zip_name_locate(h->za, name,
	    ZIP_FL_ENC_RAW | ZIP_FL_NOCASE)) < 0)
		return QUARRY_ENOTFOUND;
	zip_stat_init(&st);
	if (zip_stat_index(h->za, (zip_uint64_t)idx, 0, &st) != 0)
		return qerr_set(&h->err, QUARRY_EFORMAT, "%s: %s", name,
		    zip_strerror(h->za));
	if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) &&
	    st.encryption_method != ZIP_EM_NONE)
		return qerr_set(&h->err, QUARRY_EPASSWORD,
		    "%s: the entry is encrypted", name);
	room = h->opt.max_expanded - h->expanded;
	if ((st.valid & ZIP_STAT_SIZE) && st.size > room)
		return qerr_set(&h->err, QUARRY_ETOOBIG,
		    "%s: expands to %llu bytes, past the limit of %zu", name,
		    (unsigned long long)st.size, h->opt.max_expanded);
	if ((zf = zip_fopen_index(h->za, (zip_uint64_t)idx, 0)) == NULL) {
		int ze = zip_error_code_zip(zip_get_error(h->za));

		return qerr_set(&h->err, ze == ZIP_ER_NOPASSWD ||
		    ze == ZIP_ER_WRONGPASSWD ? QUARRY_EPASSWORD :
		    QUARRY_EFORMAT, "%s: %s", name, zip_strerror(h->za));
	}
	/*
	 * The sizes in the headers are only claims: the limits are checked
	 * against the bytes that actually come out.
	 */
	for (;;) {
		zip_int64_t got;

		if (quarry_buf_reserve(out, 65536 + 1) != 0) {
			zip_fclose(zf);
			return qerr_set(&h->err, QUARRY_ENOMEM,
			    "out of memory");
		}
		got = zip_fread(zf, out->data + out->len, 65536);
		if (got < 0) {
			qerr_set(&h->err, QUARRY_EFORMAT, "%s: %s", name,
			    zip_file_strerror(zf));
			zip_fclose(zf);
			return QUARRY_EFORMAT;
		}
		if (got == 0)
			break;
		out->len += (size_t)got;
		out->data[out->len] = '\0';
		if (out->len > room) {
			zip_fclose(zf);
			return qerr_set(&h->err, QUARRY_ETOOBIG,
			    "%s: expands past the limit of %zu bytes", name,
			    h->opt.max_expanded);
		}
		if (h->opt.max_ratio > 0 && out->len > RATIO_FLOOR &&
		    (st.valid & ZIP_STAT_COMP_SIZE) &&
		    out->len / h->opt.max_ratio > st.comp_size) {
			zip_fclose(zf);
			return qerr_set(&h->err, QUARRY_ETOOBIG,
			    "%s: %llu compressed bytes expand past %zu, a "
			    "ratio over %u (a zip bomb?)", name,
			    (unsigned long long)st.comp_size, out->len,
			    h->opt.max_ratio);
		}
	}
	zip_fclose(zf);
	h->expanded += out->len;
	out->data[out->len] = '\0';
	return 0;
}

xmlDoc *
office_xml(quarry_office *h, const char *name, const struct quarry_buf *b,
    int html)
{
	/*
	 * No XML_PARSE_NOENT or XML_PARSE_DTDLOAD: entities stay references
	 * (the walks skip them) and no DTD is fetched; NONET for good measure
	 * on top of the loader that refuses everything.
	 */
	const int flags = XML_PARSE_NONET | XML_PARSE_NOERROR |
	    XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
	xmlDoc *doc;

	if (b->len > (size_t)0x7fffffff) {
		qerr_set(&h->err, QUARRY_ETOOBIG, "%s: too large for libxml2",
		    name);
		return NULL;
	}
	doc = xmlReadMemory(b->data ? b->data : "", (int)b->len, NULL, NULL,
	    flags);
	if (doc == NULL && html)
		doc = htmlReadMemory(b->data ? b->data : "", (int)b->len, NULL,
		    NULL, HTML_PARSE_RECOVER | HTML_PARSE_NONET |
		    HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
	if (doc == NULL || xmlDocGetRootElement(doc) == NULL) {
		const xmlError *e = xmlGetLastError();

		if (e != NULL && e->message != NULL)
			qerr_set(&h->err, QUARRY_EFORMAT, "%s:%d: %.*s", name,
			    e->line, (int)strcspn(e->message, "\n"),
			    e->message);
		else
			qerr_set(&h->err, QUARRY_EFORMAT, "%s: not XML", name);
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
office_resolve(quarry_office *h, const char *base, const char *ref,
    char *out, size_t outsz)
{
	char tmp[1024];
	size_t n = 0, i, end;
	const char *slash = strrchr(base, '/');
	char *seg, *save, *w;

	/* The directory of base, unless ref is absolute in the package. */
	if (*ref == '/')
		ref++;
	else if (slash != NULL) {
		if ((size_t)(slash - base) + 1 >= sizeof(tmp))
			goto long_;
		memcpy(tmp, base, (size_t)(slash - base) + 1);
		n = (size_t)(slash - base) + 1;
	}
	end = strcspn(ref, "#?");
	for (i = 0; i < end; i++) {
		int c = (unsigned char)ref[i];

		if (c == '%' && i + 2 < end + 1 && hexval(ref[i + 1]) >= 0 &&
		    hexval(ref[i + 2]) >= 0) {
			c = hexval(ref[i + 1]) * 16 + hexval(ref[i + 2]);
			i += 2;
		}
		if (c == 0 || c == '\\')
			return qerr_set(&h->err, QUARRY_EFORMAT,
			    "%s: bad reference '%.200s'", base, ref);
		if (n + 1 >= sizeof(tmp))
			goto long_;
		tmp[n++] = (char)c;
	}
	tmp[n] = '\0';
	/* Remove "." and ".." segments; ".." above the root is an error. */
	w = out;
	*w = '\0';
	for (seg = strtok_r(tmp, "/", &save); seg != NULL;
	    seg = strtok_r(NULL, "/", &save)) {
		size_t l = strlen(seg);

		if (strcmp(seg, ".") == 0)
			continue;
		if (strcmp(seg, "..") == 0) {
			char *p;

			if (w == out)
				return qerr_set(&h->err, QUARRY_EFORMAT,
				    "%s: reference '%.200s' leaves the "
				    "archive", base, ref);
			*--w = '\0';
			p = strrchr(out, '/');
			w = p != NULL ? p + 1 : out;
			*w = '\0';
			continue;
		}
		if ((size_t)(w - out) + l + 2 > outsz)
			goto long_;
		memcpy(w, seg, l);
		w += l;
		*w++ = '/';
		*w = '\0';
	}
	if (w > out)
		*--w = '\0';
	return 0;
long_:
	return qerr_set(&h->err, QUARRY_EFORMAT, "%s: reference too long",
	    base);
}

/* Collapses white space into a new string; NULL when empty or no memory. */
static char *
squash_dup(const char *s)
{
	size_t n = strlen(s);
	char *d = malloc(n + 1);

	if (d == NULL)
		return NULL;
	memcpy(d, s, n + 1);
	n = ot_squash(d, n);
	/* Line breaks in metadata are only white space. */
	for (size_t i = 0; i < n; i++)
		if (d[i] == '\n')
			d[i] = ' ';
	d[n] = '\0';
	if (n == 0) {
		free(d);
		return NULL;
	}
	return d;
}

int
office_meta_text(quarry_office *h, const char *key, const xmlNode *n,
    struct quarry_buf *b)
{
	quarry_buf_truncate(b, 0);
	if (ox_text(n, b) != 0 || quarry_buf_append(b, "", 1) != 0)
		return QUARRY_ENOMEM;
	return office_meta(h, key, b->data);
}

int
office_meta(quarry_office *h, const char *key, const char *s)
{
	char *v = s != NULL ? squash_dup(s) : NULL;
	json_t *j = NULL;
	int rc = 0;

	if (v == NULL)
		return 0;
	if (strcmp(key, "date") == 0 || strcmp(key, "modified") == 0) {
		char d[21];

		/* An unreadable date is dropped rather than passed on raw. */
		if (quarry_date_parse(v, strlen(v), QUARRY_DATE_AUTO,
		    quarry_record_string(h->meta, "lang", NULL), 0, d) == 0)
			j = json_string(d);
	} else if (strcmp(key, "author") == 0) {
		const char *old = quarry_record_string(h->meta, "author", NULL);
		char *norm = NULL;

		if (quarry_author_normalize(v, strlen(v), &norm) == 0) {
			if (old != NULL) {
				size_t l = strlen(old) + strlen(norm) + 3;
				char *both = malloc(l);

				if (both != NULL) {
					snprintf(both, l, "%s; %s", old, norm);
					if (quarry_author_normalize(both,
					    strlen(both), &v) == 0) {
						free(norm);
						norm = v;
						v = NULL;
					}
					free(both);
				}
			}
			j = json_string(norm);
			free(norm);
		}
	} else
		j = json_string(v);
	if (j != NULL && json_object_set_new(h->meta, key, j) != 0)
		rc = QUARRY_ENOMEM;
	free(v);
	return rc;
}

/* Tells the format from the archive's entries. */
static int
detect(quarry_office *h, struct quarry_buf *b)
{
	int rc = office_part(h, "mimetype", b);

	if (rc == 0) {
		if ((h->format = mimetype_format(b->data, b->len)) !=
		    QUARRY_OFFICE_NONE)
			return 0;
		return qerr_set(&h->err, QUARRY_EFORMAT,
		    "a zip archive of type '%.100s', not DOCX, ODT or EPUB",
		    b->data);
	}
	if (rc != QUARRY_ENOTFOUND)
		return rc;
	if ((rc = office_part(h, "[Content_Types].xml", b)) == 0) {
		if (strstr(b->data, "wordprocessingml.document.main") ||
		    strstr(b->data, "ms-word.document.macroEnabled.main") ||
		    strstr(b->data, "wordprocessingml.template.main") ||
		    strstr(b->data, "ms-word.template.macroEnabledTemplate")) {
			h->format = QUARRY_OFFICE_DOCX;
			return 0;
		}
		return qerr_set(&h->err, QUARRY_EFORMAT, "an Office Open XML "
		    "package without a word processing document");
	}
	if (rc != QUARRY_ENOTFOUND)
		return rc;
	if (office_part(h, "META-INF/container.xml", b) == 0) {
		h->format = QUARRY_OFFICE_EPUB;
		return 0;
	}
	if (office_part(h, "content.xml", b) == 0) {
		h->format = QUARRY_OFFICE_ODT;
		return 0;
	}
	return qerr_set(&h->err, QUARRY_EFORMAT,
	    "a zip archive, but not DOCX, ODT or EPUB");
}

static int
build_record(quarry_office *h, const char *name, json_t **rec)
{
	static const char *const fields[] = {
		"title", "author", "date", "modified", "lang", "description",
		"subject", "keywords", "publisher",
	};
	json_t *r = json_object(), *text;
	size_t i;
	int bad = 0;

	if (r == NULL)
		return qerr_set(&h->err, QUARRY_ENOMEM, "out of memory");
	bad |= json_object_set_new(r, "doc", quarry_name_json(name));
	bad |= json_object_set_new(r, "source", quarry_name_json(name));
	bad |= json_object_set_new(r, "mime",
	    json_string(quarry_office_mime(h->format)));
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		json_t *v = json_object_get(h->meta, fields[i]);

		if (v != NULL)
			bad |= json_object_set(r, fields[i], v);
	}
	if (bad) {
		json_decref(r);
		return qerr_set(&h->err, QUARRY_ENOMEM, "out of memory");
	}
	text = json_stringn(h->text.data ? h->text.data : "", h->text.len);
	if (text == NULL) {
		json_decref(r);
		return qerr_set(&h->err, QUARRY_EUTF8,
		    "text is not valid UTF-8");
	}
	if (json_object_set_new(r, "text", text) != 0) {
		json_decref(r);
		return qerr_set(&h->err, QUARRY_ENOMEM, "out of memory");
	}
	*rec = r;
	return 0;
}

/* Reads the package h is set up with (archive or parts). */
static int
run(quarry_office *h, const char *name, json_t **rec)
{
	struct quarry_buf b = { 0 };
	struct otext t;
	int rc;

	memset(&t, 0, sizeof(t));
	h->expanded = 0;
	h->format = QUARRY_OFFICE_NONE;
	h->text.len = 0;
	json_decref(h->meta);
	if ((h->meta = json_object()) == NULL)
		return qerr_set(&h->err, QUARRY_ENOMEM, "out of memory");
	rc = detect(h, &b);
	quarry_buf_free(&b);
	if (rc != 0)
		return rc;
	switch (h->format) {
	case QUARRY_OFFICE_DOCX:
		rc = office_docx(h, &t);
		break;
	case QUARRY_OFFICE_ODT:
		rc = office_odt(h, &t);
		break;
	default:
		rc = office_epub(h, &t);
		break;
	}
	if (rc == 0 && t.oom)
		rc = qerr_set(&h->err, QUARRY_ENOMEM, "out of memory");
	if (rc == 0 && ot_finish(&t, &h->text) != 0)
		rc = qerr_set(&h->err, QUARRY_ENOMEM, "out of memory");
	ot_free(&t);
	if (rc == 0)
		rc = build_record(h, name, rec);
	return rc;
}

int
quarry_office_extract(quarry_office *h, const void *data, size_t len,
    const char *name, json_t **rec)
{
	zip_source_t *src;
	zip_error_t ze;
	int rc;

	*rec = NULL;
	qerr_clear(&h->err);
	if (len > h->opt.max_size)
		return qerr_set(&h->err, QUARRY_ETOOBIG,
		    "file of %zu bytes exceeds the limit of %zu", len,
		    h->opt.max_size);
	if (len < 4 || memcmp(data, "PK", 2) != 0)
		return qerr_set(&h->err, QUARRY_EFORMAT,
		    len == 0 ? "empty file" : "not a zip archive");
	zip_error_init(&ze);
	if ((src = zip_source_buffer_create(data, len, 0, &ze)) == NULL) {
		zip_error_fini(&ze);
		return qerr_set(&h->err, QUARRY_ENOMEM, "out of memory");
	}
	if ((h->za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS,
	    &ze)) == NULL) {
		rc = zip_error_code_zip(&ze) == ZIP_ER_MEMORY ?
		    QUARRY_ENOMEM : QUARRY_EFORMAT;
		qerr_set(&h->err, rc, "damaged zip archive: %s",
		    zip_error_strerror(&ze));
		zip_source_free(src);
		zip_error_fini(&ze);
		return rc;
	}
	zip_error_fini(&ze);
	if ((rc = check_archive(h)) == 0)
		rc = run(h, name, rec);
	zip_discard(h->za);
	h->za = NULL;
	return rc;
}

int
office_extract_parts(quarry_office *h, const struct office_part *parts,
    size_t n, const char *name, json_t **rec)
{
	int rc;

	*rec = NULL;
	qerr_clear(&h->err);
	h->parts = parts;
	h->nparts = n;
	rc = run(h, name, rec);
	h->parts = NULL;
	h->nparts = 0;
	return rc;
}

enum quarry_office_format
quarry_office_format(const quarry_office *h)
{
	return h->format;
}

const char *
quarry_office_error(const quarry_office *h)
{
	return qerr_str(h ? &h->err : NULL);
}

void
quarry_office_free(quarry_office *h)
{
	if (h == NULL)
		return;
	json_decref(h->meta);
	quarry_buf_free(&h->text);
	free(h);
}
