/*
 * html_meta.c: the metadata of a web page.
 *
 * Candidates for each field are gathered from one walk over the whole tree
 * (before extraction removes headers and bylines), each with a rank saying
 * how much it is trusted; the best-ranked one that the metadata library
 * accepts (quarry_date_parse(), quarry_author_normalize()) wins.  Sources:
 * <title>, <html lang>, <meta name/property/itemprop>, <link rel=canonical>,
 * rel=author and byline markup, <time datetime>, microdata, JSON-LD (parsed
 * with jansson, including @graph, arrays and @id references; dates from the
 * text of invalid JSON-LD and of other scripts) and a date in the URL path.
 * After the metadata, in the spirit of htmldate, dates are searched in the
 * page itself: elements whose class, id or itemprop says date (or meta,
 * byline, posted...), <abbr title>, data-utime and similar attributes,
 * labelled text ("Stand:", "Published:") and short free texts, each
 * ranked by where it sits (the article above the rest, comments, sidebars
 * and footers last).  man/quarry-html.1 lists the order.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdio.h>
#include <time.h>

#include <utf8proc.h>

#include "html_private.h"

enum field { F_TITLE, F_AUTHOR, F_DATE, F_MODIFIED, F_DESC, F_URL, F_SITE,
	F_LANG, NFIELDS };

static const char *const field_names[NFIELDS] = {
	"title", "author", "date", "modified", "description", "url", "site",
	"lang",
};

struct cand {
	int rank;
	unsigned seq;
	char *value;
};

struct meta {
	struct cand *c[NFIELDS];
	size_t n[NFIELDS], cap[NFIELDS];
	unsigned seq;
	int oom;
	const char *lang;	/* <html lang>, for the order of numeric dates */
	int maxyear;		/* dates after this year are not publication dates */
	unsigned text_tries;	/* free texts searched for a date so far */
	json_t *ld_ids;		/* JSON-LD nodes by @id (borrowed refs) */
	const char *url;	/* the page's address, when given */
	unsigned tw_by;		/* twitter:labelN that say "Written by" */
	char *tw_data[10];	/* twitter:dataN, N < 10 */
	char title_tail[64];	/* "Handball Schweiz" of "News - Handball Schweiz" */
	unsigned dated_names;	/* different names found by dated_name() */
	char dated_first[64];	/* the first of them */
};

/* The ranks of dated_name()'s names, inside and outside the article. */
#define DATED_IN 47
#define DATED_OUT 49

static int first_case(const char *, size_t);

static void
add(struct meta *m, enum field f, int rank, const char *v, size_t len)
{
	struct cand *c;
	char *s;

	if (v == NULL)
		return;
	if (m->n[f] == m->cap[f]) {
		size_t nc = m->cap[f] ? m->cap[f] * 2 : 8;
		struct cand *p;

		if (nc > 4096)
			return;		/* enough candidates for one field */
		if ((p = realloc(m->c[f], nc * sizeof(*p))) == NULL) {
			m->oom = 1;
			return;
		}
		m->c[f] = p;
		m->cap[f] = nc;
	}
	if ((s = strndup(v, len)) == NULL) {
		m->oom = 1;
		return;
	}
	if (html_squash(s) == 0) {
		free(s);
		return;
	}
	c = &m->c[f][m->n[f]++];
	c->rank = rank;
	c->seq = m->seq++;
	c->value = s;
}

static void
adds(struct meta *m, enum field f, int rank, const char *v)
{
	if (v != NULL)
		add(m, f, rank, v, strlen(v));
}

static int
cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* ------------------------------------------------------------- JSON-LD */

/*
 * Decodes HTML character references in s in place: JSON-LD written by
 * templates often holds "Redacci&oacute;n" or "&#8217;".  Unknown ones
 * stay as they are.
 */
static void
unentity(char *s)
{
	char *r = s, *w = s;

	while (*r) {
		char *e;
		unsigned long cp = 0;

		if (*r != '&' || (e = strchr(r + 1, ';')) == NULL || e - r > 12 ||
		    e - r < 3) {
			*w++ = *r++;
			continue;
		}
		if (r[1] == '#') {
			char *end;

			cp = r[2] == 'x' || r[2] == 'X' ?
			    strtoul(r + 3, &end, 16) : strtoul(r + 2, &end, 10);
			if (end != e)
				cp = 0;
		} else {
			char name[16];
			const htmlEntityDesc *d;

			memcpy(name, r + 1, (size_t)(e - r - 1));
			name[e - r - 1] = '\0';
			if ((d = htmlEntityLookup((const xmlChar *)name)) != NULL)
				cp = d->value;
		}
		if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) {
			*w++ = *r++;
			continue;
		}
		/* The UTF-8 form is never longer than the reference. */
		if (cp < 0x80)
			*w++ = (char)cp;
		else if (cp < 0x800) {
			*w++ = (char)(0xC0 | cp >> 6);
			*w++ = (char)(0x80 | (cp & 0x3F));
		} else if (cp < 0x10000) {
			*w++ = (char)(0xE0 | cp >> 12);
			*w++ = (char)(0x80 | (cp >> 6 & 0x3F));
			*w++ = (char)(0x80 | (cp & 0x3F));
		} else {
			*w++ = (char)(0xF0 | cp >> 18);
			*w++ = (char)(0x80 | (cp >> 12 & 0x3F));
			*w++ = (char)(0x80 | (cp >> 6 & 0x3F));
			*w++ = (char)(0x80 | (cp & 0x3F));
		}
		r = e + 1;
	}
	*w = '\0';
}

/* add() for a JSON-LD string, with its character references decoded. */
static void
ld_add(struct meta *m, enum field f, int rank, const char *v, size_t len)
{
	char *s;

	if (v == NULL)
		return;
	if (memchr(v, '&', len) == NULL) {
		add(m, f, rank, v, len);
		return;
	}
	if ((s = strndup(v, len)) == NULL) {
		m->oom = 1;
		return;
	}
	unentity(s);
	add(m, f, rank, s, strlen(s));
	free(s);
}

static void
ld_adds(struct meta *m, enum field f, int rank, const char *v)
{
	if (v != NULL)
		ld_add(m, f, rank, v, strlen(v));
}

static int
type_is(json_t *o, const char *const *types)
{
	json_t *t = json_object_get(o, "@type"), *v;
	size_t i, k;

	if (json_is_string(t)) {
		for (k = 0; types[k]; k++)
			if (strcasestr(json_string_value(t), types[k]))
				return 1;
		return 0;
	}
	json_array_foreach(t, i, v)
		if (json_is_string(v))
			for (k = 0; types[k]; k++)
				if (strcasestr(json_string_value(v), types[k]))
					return 1;
	return 0;
}

static const char *const article_types[] = {
	"Article", "BlogPosting", "Report", "Posting", "Review", "Recipe",
	"NewsArticle", "LiveBlog", "CreativeWork", "Thesis", NULL,
};

/* Follows an {"@id": ...} reference to the node with that @id. */
static json_t *
deref(struct meta *m, json_t *v)
{
	json_t *id;

	if (json_is_object(v) && json_object_size(v) <= 2 &&
	    json_is_string(id = json_object_get(v, "@id")) &&
	    json_object_get(v, "name") == NULL) {
		json_t *t = json_object_get(m->ld_ids, json_string_value(id));

		if (t != NULL)
			return t;
	}
	return v;
}

/* Appends the names in a JSON-LD author value to b ("; "-joined). */
static void
ld_names(struct meta *m, json_t *v, struct quarry_buf *b)
{
	json_t *x, *name;
	size_t i;

	if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			if (!json_is_array(x))
				ld_names(m, x, b);
		return;
	}
	v = deref(m, v);
	if (json_is_string(v))
		name = v;
	else if (json_is_object(v))
		name = json_object_get(v, "name");
	else
		return;
	if (json_is_array(name))
		name = json_array_get(name, 0);
	if (!json_is_string(name) || json_string_length(name) == 0)
		return;
	if (b->len > 0)
		quarry_buf_append(b, "; ", 2);
	quarry_buf_append(b, json_string_value(name), json_string_length(name));
}

static const char *
ld_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (json_is_array(v))
		v = json_array_get(v, 0);
	if (json_is_object(v))
		v = json_object_get(v, "@value");
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static void
ld_object(struct meta *m, json_t *o)
{
	int art = type_is(o, article_types);
	int page = !art && type_is(o, (const char *const[]){ "WebPage", NULL });
	int bonus = art ? 0 : page ? 30 : 40;
	struct quarry_buf b = { 0 };
	json_t *pub;
	const char *s;

	if (type_is(o, (const char *const[]){ "Person", "Organization",
	    "WebSite", "ImageObject", "BreadcrumbList", "VideoObject",
	    "SiteNavigationElement", "Comment", NULL }) && !art) {
		if (type_is(o, (const char *const[]){ "WebSite", NULL }))
			ld_adds(m, F_SITE, 30, ld_str(o, "name"));
		return;
	}
	if ((s = ld_str(o, "headline")) != NULL || (s = ld_str(o, "name")))
		ld_adds(m, F_TITLE, 12 + bonus, s);
	if (json_object_get(o, "author") != NULL) {
		ld_names(m, json_object_get(o, "author"), &b);
		if (b.len > 0)
			ld_add(m, F_AUTHOR, 10 + bonus, b.data, b.len);
	} else if (json_object_get(o, "creator") != NULL) {
		ld_names(m, json_object_get(o, "creator"), &b);
		if (b.len > 0)
			ld_add(m, F_AUTHOR, 12 + bonus, b.data, b.len);
	}
	quarry_buf_free(&b);
	adds(m, F_DATE, 21 + bonus, ld_str(o, "datePublished"));
	adds(m, F_DATE, 22 + bonus, ld_str(o, "dateCreated"));
	adds(m, F_DATE, 30 + bonus, ld_str(o, "uploadDate"));
	adds(m, F_MODIFIED, 10 + bonus, ld_str(o, "dateModified"));
	ld_adds(m, F_DESC, 15 + bonus, ld_str(o, "description"));
	/* A person as publisher is a blog's author, not a site's name. */
	pub = deref(m, json_object_get(o, "publisher"));
	if (json_is_object(pub) &&
	    !type_is(pub, (const char *const[]){ "Person", NULL }))
		ld_adds(m, F_SITE, 15 + bonus, ld_str(pub, "name"));
}

/* Visits every object of a JSON-LD value (bounded explicit stack). */
static void
ld_walk(struct meta *m, json_t *root, int index_only)
{
	json_t *stack[256], *v, *x;
	const char *key;
	size_t sp = 0, i;

	stack[sp++] = root;
	while (sp > 0) {
		v = stack[--sp];
		if (json_is_array(v)) {
			for (i = json_array_size(v); i-- > 0 && sp < 256; )
				stack[sp++] = json_array_get(v, i);
			continue;
		}
		if (!json_is_object(v))
			continue;
		if (index_only) {
			json_t *id = json_object_get(v, "@id");

			if (json_is_string(id) && json_object_size(v) > 2)
				json_object_set(m->ld_ids,
				    json_string_value(id), v);
		} else
			ld_object(m, v);
		json_object_foreach(v, key, x)
			if ((strcmp(key, "@graph") == 0 ||
			    strcmp(key, "mainEntity") == 0 ||
			    strcmp(key, "itemListElement") == 0 ||
			    (index_only && (json_is_object(x) ||
			    json_is_array(x)))) && sp < 256)
				stack[sp++] = x;
	}
}

/* ---------------------------------------------------------------- meta */

static const struct {
	const char *key;
	enum field f;
	int rank;
} meta_keys[] = {
	{ "og:title", F_TITLE, 10 },
	{ "citation_title", F_TITLE, 14 },
	{ "dc.title", F_TITLE, 16 },
	{ "twitter:title", F_TITLE, 18 },
	{ "author", F_AUTHOR, 20 },
	{ "article:author", F_AUTHOR, 22 },
	{ "dc.creator", F_AUTHOR, 24 },
	{ "dcterms.creator", F_AUTHOR, 24 },
	{ "parsely-author", F_AUTHOR, 28 },
	{ "sailthru.author", F_AUTHOR, 28 },
	{ "byl", F_AUTHOR, 29 },
	{ "article:published_time", F_DATE, 20 },
	{ "og:published_time", F_DATE, 21 },
	{ "article:published", F_DATE, 21 },
	{ "dc.date", F_DATE, 24 },
	{ "dc.date.issued", F_DATE, 24 },
	{ "dcterms.date", F_DATE, 24 },
	{ "dcterms.issued", F_DATE, 24 },
	{ "dc.date.created", F_DATE, 25 },
	{ "dcterms.created", F_DATE, 25 },
	{ "citation_publication_date", F_DATE, 26 },
	{ "citation_date", F_DATE, 27 },
	{ "citation_online_date", F_DATE, 27 },
	{ "datepublished", F_DATE, 28 },
	{ "date", F_DATE, 29 },
	{ "pubdate", F_DATE, 29 },
	{ "publishdate", F_DATE, 29 },
	{ "publish-date", F_DATE, 29 },
	{ "publish_date", F_DATE, 29 },
	{ "publication_date", F_DATE, 29 },
	{ "sailthru.date", F_DATE, 29 },
	{ "parsely-pub-date", F_DATE, 29 },
	{ "article.published", F_DATE, 29 },
	{ "og:article:published_time", F_DATE, 29 },
	{ "originalpublicationdate", F_DATE, 29 },
	{ "article_date_original", F_DATE, 29 },
	{ "og:pubdate", F_DATE, 29 },
	{ "published_time", F_DATE, 29 },
	{ "published-date", F_DATE, 29 },
	{ "article:published_date", F_DATE, 29 },
	{ "dc.date.published", F_DATE, 29 },
	{ "dc:date", F_DATE, 29 },
	{ "dc:created", F_DATE, 29 },
	{ "dc.created", F_DATE, 29 },
	{ "sw-pubdate", F_DATE, 29 },
	{ "bt:pubdate", F_DATE, 29 },
	{ "rnews:datepublished", F_DATE, 29 },
	{ "vr:published_time", F_DATE, 29 },
	{ "shareaholic:article_published_time", F_DATE, 29 },
	{ "cxenseparse:recs:publishtime", F_DATE, 29 },
	{ "date_published", F_DATE, 29 },
	{ "publishedtime", F_DATE, 29 },
	{ "pdate", F_DATE, 30 },
	{ "displaydate", F_DATE, 30 },
	{ "article_date", F_DATE, 30 },
	{ "article.created", F_DATE, 30 },
	{ "datecreated", F_DATE, 30 },
	{ "release_date", F_DATE, 30 },
	{ "uploaddate", F_DATE, 32 },
	{ "dc.date.available", F_DATE, 31 },
	{ "dcterms.available", F_DATE, 31 },
	{ "created", F_DATE, 33 },
	{ "article:modified_time", F_MODIFIED, 20 },
	{ "og:updated_time", F_MODIFIED, 22 },
	{ "dcterms.modified", F_MODIFIED, 24 },
	{ "dc.date.modified", F_MODIFIED, 24 },
	{ "datemodified", F_MODIFIED, 26 },
	{ "last-modified", F_MODIFIED, 28 },
	{ "lastmod", F_MODIFIED, 28 },
	{ "og:modified_time", F_MODIFIED, 22 },
	{ "description", F_DESC, 10 },
	{ "og:description", F_DESC, 12 },
	{ "dc.description", F_DESC, 14 },
	{ "twitter:description", F_DESC, 16 },
	{ "og:site_name", F_SITE, 10 },
	{ "application-name", F_SITE, 40 },
	{ "og:url", F_URL, 20 },
	{ "content-language", F_LANG, 20 },
	{ "dc.language", F_LANG, 22 },
};

static void
meta_element(struct meta *m, xmlNode *n, struct quarry_buf *citation)
{
	const char *content = html_attr(n, "content");
	const char *keys[3];
	size_t i, k;

	if (content == NULL)
		return;
	keys[0] = html_attr(n, "name");
	keys[1] = html_attr(n, "property");
	keys[2] = html_attr(n, "itemprop");
	if (keys[0] == NULL)
		keys[0] = html_attr(n, "http-equiv");
	for (k = 0; k < 3; k++) {
		if (keys[k] == NULL)
			continue;
		/* Yoast's twitter:label1 "Written by" + twitter:data1. */
		if (strncasecmp(keys[k], "twitter:label", 13) == 0 &&
		    isdigit((unsigned char)keys[k][13]) && keys[k][14] == '\0') {
			static const char *const by[] = { "written by",
			    "verfasst von", "geschrieben von", "author", "autor",
			    "escrito por", "\xc3\xa9" "crit par", "scritto da",
			    NULL };

			for (i = 0; by[i] != NULL; i++)
				if (strcasecmp(content, by[i]) == 0)
					m->tw_by |= 1u << (keys[k][13] - '0');
			continue;
		}
		if (strncasecmp(keys[k], "twitter:data", 12) == 0 &&
		    isdigit((unsigned char)keys[k][12]) && keys[k][13] == '\0') {
			char **d = &m->tw_data[keys[k][12] - '0'];

			if (*d == NULL && (*d = strdup(content)) == NULL)
				m->oom = 1;
			continue;
		}
		if (strcasecmp(keys[k], "citation_author") == 0) {
			const char *comma = strchr(content, ',');

			if (citation->len > 0)
				quarry_buf_append(citation, "; ", 2);
			/* Scholar's "Last, First" becomes "First Last". */
			if (comma != NULL && strchr(comma + 1, ',') == NULL &&
			    comma[1] != '\0') {
				const char *first = comma + 1;

				while (*first == ' ')
					first++;
				quarry_buf_append(citation, first, strlen(first));
				quarry_buf_append(citation, " ", 1);
				quarry_buf_append(citation, content,
				    (size_t)(comma - content));
			} else
				quarry_buf_append(citation, content,
				    strlen(content));
			continue;
		}
		for (i = 0; i < sizeof(meta_keys) / sizeof(meta_keys[0]); i++)
			if (strcasecmp(keys[k], meta_keys[i].key) == 0)
				adds(m, meta_keys[i].f, meta_keys[i].rank,
				    content);
	}
}

/* The squashed text of n, at most max bytes (NULL when longer). */
static char *
short_text(xmlNode *n, size_t max)
{
	xmlChar *s = xmlNodeGetContent(n);
	char *r;

	if (s == NULL)
		return NULL;
	if (strlen((char *)s) > max * 4) {
		xmlFree(s);
		return NULL;
	}
	r = strdup((char *)s);
	xmlFree(s);
	if (r != NULL && html_squash(r) > max) {
		free(r);
		return NULL;
	}
	return r;
}

/*
 * The text of n (from its descendant node from, when not NULL) with a
 * space where one element ends and a sibling one starts or at a block's
 * edge, so that "<a>Ann Lee</a><span>vor 2 Tagen</span>" reads as two
 * words but "ORF.at/<a>Agenturen</a>" as one; with stop_block, up to the
 * first block element or <br> below n.  NULL when longer than max bytes.
 */
static char *
spaced_text(const xmlNode *n, const xmlNode *from, size_t max, int stop_block)
{
	struct quarry_buf b = { 0 };
	const xmlNode *c = from != NULL ? from : n->children;
	int up = 0, down = 0, edge = 0;
	char *r;

	while (c != NULL) {
		int descend = 1;

		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			const char *t = (const char *)c->content;
			size_t len = t ? strlen(t) : 0;

			if (b.len + len > max * 4) {
				quarry_buf_free(&b);
				return NULL;
			}
			if (b.len > 0 && (edge || (up && down)))
				quarry_buf_append(&b, " ", 1);
			quarry_buf_append(&b, t, len);
			up = down = edge = 0;
		} else if (c->type == XML_ELEMENT_NODE) {
			if (html_is(c, "script") || html_is(c, "style") ||
			    html_is(c, "noscript") || html_is(c, "template") ||
			    html_is(c, "svg") || html_is(c, "select"))
				descend = 0;
			else if (html_block(c)) {
				if (stop_block)
					break;
				edge = 1;
			} else
				down = 1;
		} else
			descend = 0;
		if (descend && c->children != NULL) {
			c = c->children;
			continue;
		}
		while (c != n && c != NULL && c->next == NULL) {
			c = c->parent;
			if (c != NULL && c != n && c->type == XML_ELEMENT_NODE) {
				up = 1;
				if (html_block(c))
					edge = 1;
			}
		}
		c = c == n || c == NULL ? NULL : c->next;
	}
	if (quarry_buf_append(&b, "", 1) != 0) {
		quarry_buf_free(&b);
		return NULL;
	}
	r = b.data;
	if (html_squash(r) > max) {
		free(r);
		return NULL;
	}
	return r;
}

/*
 * Finds /YYYY/MM/DD/, YYYY-MM-DD, /YYYYMMDD/ or a segment /DD-MM-YYYY/ in a
 * URL's path; the first such date in the path is added.  Returns nonzero
 * when one was found.
 */
static int
url_date(struct meta *m, const char *url, int rank)
{
	const char *p, *path;
	char buf[11];

	if (url == NULL)
		return 0;
	path = strstr(url, "://");
	path = path ? strchr(path + 3, '/') : url;
	if (path == NULL)
		return 0;
	for (p = path; *p; p++) {
		const char *q = p;
		int y, mo, d;

		if (!isdigit((unsigned char)q[0]) || (p > path &&
		    isdigit((unsigned char)p[-1])))
			continue;
		/* A whole segment /DD-MM-YYYY/ or /DD.MM.YYYY/. */
		if (p[-1] == '/' && isdigit((unsigned char)q[1]) &&
		    (q[2] == '-' || q[2] == '.') &&
		    isdigit((unsigned char)q[3]) && isdigit((unsigned char)q[4]) &&
		    q[5] == q[2] && (strncmp(q + 6, "19", 2) == 0 ||
		    strncmp(q + 6, "20", 2) == 0) &&
		    isdigit((unsigned char)q[8]) && isdigit((unsigned char)q[9]) &&
		    strchr("/?#", q[10]) != NULL) {
			d = (q[0] - '0') * 10 + q[1] - '0';
			mo = (q[3] - '0') * 10 + q[4] - '0';
			y = atoi(q + 6);
			if (mo >= 1 && mo <= 12 && d >= 1 && d <= 31) {
				snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y,
				    mo, d);
				adds(m, F_DATE, rank, buf);
				return 1;
			}
		}
		if (!(q[0] == '1' && q[1] == '9') && !(q[0] == '2' && q[1] == '0'))
			continue;
		if (!isdigit((unsigned char)q[2]) || !isdigit((unsigned char)q[3]))
			continue;
		/* The year is the four digits, not the whole digit run. */
		y = (q[0] - '0') * 1000 + (q[1] - '0') * 100 +
		    (q[2] - '0') * 10 + (q[3] - '0');
		if (y < 1990 || y > 2099)
			continue;
		if ((q[4] == '/' || q[4] == '-' || q[4] == '_') &&
		    isdigit((unsigned char)q[5]) && isdigit((unsigned char)q[6]) &&
		    q[7] == q[4] && isdigit((unsigned char)q[8]) &&
		    isdigit((unsigned char)q[9]) &&
		    !isdigit((unsigned char)q[10])) {
			mo = (q[5] - '0') * 10 + q[6] - '0';
			d = (q[8] - '0') * 10 + q[9] - '0';
		} else if (isdigit((unsigned char)q[4]) &&
		    isdigit((unsigned char)q[5]) && isdigit((unsigned char)q[6]) &&
		    isdigit((unsigned char)q[7]) &&
		    !isdigit((unsigned char)q[8]) && p > path &&
		    (p[-1] == '/' || p[-1] == '-' || p[-1] == '_') &&
		    (q[8] == '/' || q[8] == '-' || q[8] == '_' || q[8] == '.' ||
		    q[8] == '\0')) {
			mo = (q[4] - '0') * 10 + q[5] - '0';
			d = (q[6] - '0') * 10 + q[7] - '0';
		} else
			continue;
		if (mo < 1 || mo > 12 || d < 1 || d > 31)
			continue;
		snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, mo, d);
		adds(m, F_DATE, rank, buf);
		return 1;
	}
	return 0;
}


/* ------------------------------------------------------ dates in text */

/* Is c a byte that may end a date token ("2020," "(12.03.2019)")? */
static int
trail_punct(int c)
{
	return c == ',' || c == ';' || c == ')' || c == '(' || c == '|' ||
	    c == ']' || c == '[' || c == '"' || c == '\'' || c == '-' ||
	    c == '/' || c == ':' || c == '.';
}

/*
 * Finds a date in a short free text ("Posted on March 11, 2020 by ...",
 * "Stand: 19.10.2019 11:05 Uhr"): every run of up to six words that holds
 * a digit is tried with quarry_date_parse(), the longest run from the
 * earliest word that reads as a date wins.  Runs of digits alone are not
 * dates here (counts, prices, ids), nor dates before 1995 or after next
 * year.  Returns 0 and the date in out, or -1.
 */
static int
text_date(const struct meta *m, const char *s, char out[21])
{
	const char *w[64];
	size_t wl[64], nw = 0, i, k;
	const char *p = s;

	while (*p && nw < 64) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		w[nw] = p;
		while (*p && *p != ' ')
			p++;
		wl[nw] = (size_t)(p - w[nw]);
		nw++;
	}
	for (i = 0; i < nw; i++) {
		int digit = 0;

		for (k = i; k < nw && k < i + 6; k++) {
			size_t j;

			for (j = 0; j < wl[k]; j++)
				if (isdigit((unsigned char)w[k][j]))
					digit = 1;
		}
		if (!digit)
			continue;
		for (k = (i + 6 < nw ? i + 6 : nw); k > i; k--) {
			const char *a = w[i];
			const char *e = w[k - 1] + wl[k - 1];
			size_t j, alpha = 0, dig = 0;
			int y;

			while (a < e && trail_punct((unsigned char)*a))
				a++;
			while (e > a && trail_punct((unsigned char)e[-1]))
				e--;
			if (e - a < 6)
				continue;
			for (j = 0; a + j < e; j++) {
				if (isdigit((unsigned char)a[j]))
					dig++;
				else if (isalpha((unsigned char)a[j]) ||
				    (unsigned char)a[j] >= 0x80)
					alpha++;
			}
			if (dig == 0 || (alpha == 0 && dig == (size_t)(e - a)))
				continue;
			if (quarry_date_parse(a, (size_t)(e - a), QUARRY_DATE_AUTO,
			    m->lang, 0, out) != 0)
				continue;
			y = atoi(out);
			if (y < 1995 || y > m->maxyear)
				continue;
			return 0;
		}
	}
	return -1;
}

/* Class, id and itemprop words of elements that hold a page's date. */
static const char *const date_words[] = {
	"date", "datum", "time", "publish", "posted", "byline", "meta",
	"fecha", "submitted", "dateline", "entry-info", "post-info",
	"article-info", "info", "stand", "pubdate", "zeit", "created",
	"timestamp", NULL,
};

/*
 * Where an element sits: inside comments, sidebars and other furniture
 * (prefixes of one class or id word: "comment-list", "sidebar-left").
 */
static const char *const furniture_words[] = {
	"comment", "related", "reply", "recommend",
	"popular-posts", "most-read", "most-popular", "mostread", "trending",
	"newsletter", "pagination", "respond", "disqus", "discussion", NULL,
};

/* html_dom.c's (the names this file's callers use). */
static int
words_in(const char *s, const char *const *words)
{
	return html_words(s, words);
}

static int
word_prefix(const char *s, const char *const *prefixes)
{
	return html_word_starts(s, prefixes, NULL);
}

/*
 * 1 when n is inside the page's article (article, main, role=main,
 * itemprop=article...), -1 when inside comments, a sidebar, related links
 * or the page's footer (a footer inside the article is the article's),
 * 0 elsewhere.
 */
static int
placement(const xmlNode *n)
{
	static const char *const layout[] = { "sidebar", "widget-area", NULL };
	int depth = 0, footer = 0, side = 0;

	for (; n != NULL && depth < 64; n = n->parent, depth++) {
		const char *v, *cls, *id;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		cls = html_attr(n, "class");
		id = html_attr(n, "id");
		if (html_is(n, "aside") || html_is(n, "nav"))
			return -1;
		if (html_is(n, "footer") || (id != NULL &&
		    (strcasecmp(id, "footer") == 0 ||
		    strcasecmp(id, "site-footer") == 0)) ||
		    (cls != NULL && (strcasecmp(cls, "footer") == 0 ||
		    strncasecmp(cls, "site-footer", 11) == 0)))
			footer = 1;
		/* A "sidebar" column inside an <article> is its layout. */
		if (!html_is(n, "body") && (word_prefix(cls, layout) ||
		    word_prefix(id, layout)))
			side = 1;
		else if (!html_is(n, "body") && (word_prefix(cls,
		    furniture_words) || word_prefix(id, furniture_words)))
			return -1;
		if (html_is(n, "article"))
			return 1;
		if (html_is(n, "main") || ((v = html_attr(n, "role")) &&
		    strcmp(v, "main") == 0))
			return side ? -1 : 1;
		if ((v = html_attr(n, "itemprop")) && strcasestr(v, "article"))
			return 1;
	}
	return footer || side ? -1 : 0;
}

/* Adds the date found in the short text below n, if any. */
static void
element_date(struct meta *m, const xmlNode *n, size_t max, int rank)
{
	struct quarry_buf b = { 0 };
	char date[21];

	if (html_text_upto(n, max, &b) == 0 && b.len > 0 &&
	    quarry_buf_append(&b, "", 1) == 0 &&
	    !strstr(b.data, "\xc2\xa9") && !strcasestr(b.data, "copyright") &&
	    text_date(m, b.data, date) == 0)
		adds(m, F_DATE, rank, date);
	quarry_buf_free(&b);
}

/* Labels that introduce a page's date in its text. */
static const char *const date_labels[] = {
	"published", "posted", "updated", "datum", "stand", "date",
	"ver\xc3\xb6" "ffentlicht", "erstellt", "publi\xc3\xa9", "mis \xc3\xa0 jour",
	"publicado", "pubblicato", "geplaatst", "gepubliceerd", "aktualisiert",
	"erschienen", "am ", "le ", "on ", NULL,
};

/* Unix times and dates in data attributes (data-utime="1495...", ...). */
static void
data_dates(struct meta *m, const xmlNode *n)
{
	static const char *const keys[] = { "data-utime", "data-timestamp",
	    "data-published", "data-publish-date", "data-date",
	    "data-datetime", "data-time", NULL };
	const xmlAttr *a;
	size_t i;

	for (a = n->properties; a != NULL; a = a->next) {
		const char *name = (const char *)a->name, *v;
		char date[21];
		int y;

		if (name[0] != 'd' || strncmp(name, "data-", 5) != 0)
			continue;
		for (i = 0; keys[i] != NULL; i++)
			if (strcasecmp(name, keys[i]) == 0)
				break;
		if (keys[i] == NULL || a->children == NULL ||
		    a->children->type != XML_TEXT_NODE)
			continue;
		v = (const char *)a->children->content;
		if (quarry_date_parse(v, strlen(v), QUARRY_DATE_AUTO, m->lang, 0,
		    date) != 0 || (y = atoi(date)) < 1995 || y > m->maxyear)
			continue;
		adds(m, F_DATE, placement(n) >= 0 ? 38 : 70, date);
		return;
	}
}

/* Free texts with a digit searched for a date, at most, on one page. */
#define MAX_TEXT_TRIES 3000

static int weak_ok(const char *);

/*
 * What one part of a dated line is: DN_NAME two to four capitalised words
 * (weak_ok()); DN_DATE a date, DN_CLOCK a time but no date, each with at
 * most two words without a digit ("04.02.2022", "22. April 2020"; "13:10
 * Uhr"); DN_LABEL a number
 * or a text with a colon, a dot or an @ ("Foto: dpa", "150"); DN_WORDS
 * other words ("Arena", "B72", "PAID CONTENT", "Aymz- Flex").
 */
enum { DN_LABEL, DN_NAME, DN_DATE, DN_CLOCK, DN_WORDS };
#define DN_TIMED(kd) ((kd) == DN_DATE || (kd) == DN_CLOCK)

static int
dated_part(const struct meta *m, const char *s)
{
	size_t i, words = 0, plain = 0;
	int digit = 0, lower = 0, odd = 0, letter = 0, clock = 0;
	char date[21];

	for (i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isdigit(c))
			digit = 1;
		else if (isalpha(c) || c >= 0x80)
			letter = 1;
		if (c == ':' && i > 0 && isdigit((unsigned char)s[i - 1]) &&
		    isdigit((unsigned char)s[i + 1]))
			clock = 1;	/* "13:10" */
		if (c == ':' || c == '.' || c == '@')
			odd = 1;
		else if (c == '-' && (i == 0 || s[i - 1] == ' ' ||
		    s[i + 1] == ' ' || s[i + 1] == '\0'))
			return DN_WORDS;
		lower |= islower(c) != 0;
		if (c != ' ' && (i == 0 || s[i - 1] == ' ')) {
			size_t j = i;

			while (s[j] && s[j] != ' ' && !isdigit((unsigned char)s[j]))
				j++;
			words++;
			plain += s[j] == '\0' || s[j] == ' ';
		}
	}
	if (digit && plain <= 2 && text_date(m, s, date) == 0)
		return DN_DATE;
	if (digit && plain <= 2 && clock)
		return DN_CLOCK;
	if (digit)
		return letter ? DN_WORDS : DN_LABEL;	/* "B72", "150" */
	if (odd)
		return DN_LABEL;
	if (words >= 2 && words <= 4 && lower && weak_ok(s))
		return DN_NAME;
	return DN_WORDS;
}

/*
 * A name beside a date in a short line of its own, parts split by " - ",
 * " | ", " / ", " · " and the like: "11.12.2019 - Eva Roth", "04.02.2022 |
 * 13:10 Uhr | Eva Roth", "<a>Eva Roth</a> / 22.04.2020 / 06:15 / Foto:
 * dpa".  One name, next to a date or a time, and no other words ("03.11.2022
 * - Mark Turner - Arena" lists a concert); it ranks below bylines, and
 * where two lines or more have different ones, they list events and
 * choose() drops them all (teasers of one author's posts are no list).
 */
static void
dated_name(struct meta *m, xmlNode *e, int place)
{
	static const char *const seps[] = { " - ", " | ", " / ",
	    " \xc2\xb7 ", " \xe2\x80\x93 ", " \xe2\x80\x94 ",
	    " \xe2\x80\xa2 ", NULL };
	char *s, *p, *part[8], *name = NULL;
	int kind[8], dated = 0, names = 0;
	size_t i, k, np = 0;

	if (e == NULL || (s = spaced_text(e, NULL, 80, 0)) == NULL)
		return;
	for (part[np++] = p = s; *p && np < 8; ) {
		for (i = 0; seps[i] != NULL; i++)
			if (strncmp(p, seps[i], strlen(seps[i])) == 0)
				break;
		if (seps[i] == NULL) {
			p++;
			continue;
		}
		*p = '\0';
		p += strlen(seps[i]);
		part[np++] = p;
	}
	if (*p != '\0')
		np = 0;		/* more than 8 parts */
	for (k = 0; k < np; k++) {
		kind[k] = dated_part(m, part[k]);
		if (kind[k] == DN_DATE)
			dated = 1;
		else if (kind[k] == DN_NAME) {
			name = part[k];
			names++;
		}
	}
	for (k = 0; names == 1 && k < np; k++)
		if (kind[k] == DN_WORDS || (kind[k] == DN_NAME &&
		    !(k > 0 && DN_TIMED(kind[k - 1])) &&
		    !(k + 1 < np && DN_TIMED(kind[k + 1]))))
			names = 0;
	if (dated && names == 1) {
		if (m->dated_names == 0)
			snprintf(m->dated_first, sizeof(m->dated_first), "%s",
			    name);
		if (m->dated_names == 0 || strcmp(m->dated_first, name) != 0)
			m->dated_names++;
		adds(m, F_AUTHOR, place > 0 ? DATED_IN : DATED_OUT, name);
	}
	free(s);
}

/*
 * A date in a short text of the page (or at the start of a longer one):
 * after a label ("Stand: 19.10.2019", "Veröffentlicht am 3. Mai 2019") it
 * ranks above the URL, otherwise below everything else, and from comments,
 * sidebars or footers lower still; never from copyright lines.
 */
static void
text_node_date(struct meta *m, xmlNode *n)
{
	const char *t = (const char *)n->content;
	char buf[161], date[21];
	size_t len, i;
	int place, labelled = 0;

	if (t == NULL)
		return;
	while (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r')
		t++;
	for (len = 0; t[len] && len < 160; len++)
		;
	if (len < 6)
		return;
	if (len == 160) {	/* the first words of a long text */
		while (len > 100 && t[len] != ' ')
			len--;
		if (len == 100)
			return;
	}
	for (i = 0; i < len && !isdigit((unsigned char)t[i]); i++)
		;
	if (i == len || strstr(t, "\xc2\xa9") || strcasestr(t, "copyright"))
		return;
	/* A huge page's own date is near its top: search the first texts. */
	if (m->text_tries >= MAX_TEXT_TRIES)
		return;
	m->text_tries++;
	if (n->parent != NULL && (html_is(n->parent, "script") ||
	    html_is(n->parent, "style") || html_is(n->parent, "option") ||
	    html_is(n->parent, "title")))
		return;
	place = placement(n->parent);
	memcpy(buf, t, len);
	buf[len] = '\0';
	html_squash(buf);
	for (i = 0; date_labels[i] != NULL; i++)
		if (strncasecmp(buf, date_labels[i], strlen(date_labels[i])) == 0)
			labelled = 1;
	if (text_date(m, buf, date) != 0)
		return;
	adds(m, F_DATE, place < 0 ? 72 : html_is(n->parent, "a") ? 62 :
	    labelled ? 48 : place > 0 ? 58 : 60, date);
	if (place >= 0)
		dated_name(m, n->parent, place);
}

/*
 * Dates in the text of a script that is not (valid) JSON-LD: the first
 * "datePublished": "...", "published_at": "..." and the like.
 */
static void
script_dates(struct meta *m, const char *s, int rank)
{
	static const char *const keys[] = { "\"datePublished\"",
	    "\"published_at\"", "\"publishedDate\"", "\"publishDate\"",
	    "\"publicationDate\"", "\"date_published\"", "\"pubDate\"",
	    "\"dateCreated\"", "\"createdAt\"", "\"created_at\"",
	    "\"uploadDate\"", NULL };
	size_t k;

	for (k = 0; keys[k] != NULL; k++) {
		const char *p = strstr(s, keys[k]), *e;

		if (p == NULL)
			continue;
		p += strlen(keys[k]);
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (*p++ != ':')
			continue;
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (*p++ != '"')
			continue;
		for (e = p; *e && *e != '"' && e - p < 64; e++)
			;
		if (*e == '"')
			add(m, F_DATE, rank + (int)k / 4, p, (size_t)(e - p));
		return;
	}
}

/* Class words of the element that names a page's author. */
static const char *const byline_words[] = {
	"byline", "author", "credits", "postmetadata", "autor", "verfasser",
	NULL,
};

/* What comment forms and CMS defaults put where a name would be. */
static const char *const not_names[] = {
	"name", "name *", "name*", "name (required)", "name (erforderlich)",
	"super user", "administrator", "anonymous", "guest", "gast", "user",
	"von", "by", "posted", "published", "updated", "ver\xc3\xb6" "ffentlicht",
	"aktualisiert", "more posts", "admin", "unknown", "unbekannt", "anonym",
	"an\xc3\xb3nimo", "anonyme", "no author", "editorial team", "red", "red.",
	"follow", "folgen", NULL,
};

/* Words that come before the name in a byline, cut with what precedes. */
static const char *const byline_marks[] = {
	" by ", "by:", "von:", "autor:", "autorin:", "author:", "text:",
	"written by", "posted by", "beitrag von", "beitragvon",
	"gespeichert von", "beitr\xc3\xa4ge von", "profil von", "artikel von",
	"ver\xc3\xb6" "ffentlicht von", "erstellt von", "eingestellt von",
	"verfasst von", "geschrieben von", "interview:", "publi\xc3\xa9 par",
	"publicado por", "escrito por", "pubblicato da", "scritto da",
	"redaktion:", "reporter:", "auteur:", "authors:", "autoren:", "texte:",
	"submitted by", NULL,
};

/* Words after a name in a byline that start its date ("Samstag", "Jan"). */
static const char *const byline_date_words[] = {
	"january", "february", "march", "july", "september", "october",
	"november", "december", "jan", "feb", "apr", "jun", "jul",
	"aug", "sep", "sept", "oct", "nov", "dec", "januar", "februar",
	"m\xc3\xa4rz", "juni", "juli", "oktober", "dezember", "monday",
	"tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
	"tue", "wed", "thu", "fri", "montag", "dienstag", "mittwoch",
	"donnerstag", "freitag", "samstag", "sonntag", "mo", "mi", "fr",
	"stand", "aktualisiert", "updated", "published", "hace", "datum",
	"date", "fecha", "vor", NULL,
};

/*
 * Cleans a byline in place: what precedes "by"/"von"/"Autor:" goes, and so
 * does everything from the first word with a digit (a date or a time), a
 * "says"/"schreibt" (a comment), a "|", and @handles and e-mail addresses.
 */
static void
byline_clean(char *s)
{
	static const char *const photo[] = { "foto:", "fotos:", "photo:",
	    "photos:", "bild:", "bilder:", "image:", "foto \xc2\xa9",
	    "bild \xc2\xa9", "photo \xc2\xa9", "image \xc2\xa9", NULL };
	char *p, *q, *best = NULL;
	size_t i, n;

	for (i = 0; byline_marks[i] != NULL; i++) {
		char *hit = NULL;

		for (p = s; (p = strcasestr(p, byline_marks[i])) != NULL; p++)
			hit = p;
		if (hit != NULL && (p = hit + strlen(byline_marks[i])) > best)
			best = p;
	}
	if (best == NULL) {
		static const char *const lead[] = { "by ", "von ", "vom ",
		    "por ", "par ", "autoren ", "autorin ", "author", "autor",
		    "posted", "interview ", NULL };

		for (i = 0; lead[i] != NULL; i++) {
			n = strlen(lead[i]);
			if (strncasecmp(s, lead[i], n) == 0 &&
			    (lead[i][n - 1] == ' ' || s[n] == ' ' ||
			    isupper((unsigned char)s[n]))) {
				best = s + n;
				break;
			}
		}
	}
	if (best != NULL)
		memmove(s, best, strlen(best) + 1);
	/* A photo credit is not the text's author. */
	for (i = 0; photo[i] != NULL; i++)
		if ((p = strcasestr(s, photo[i])) != NULL)
			*p = '\0';
	for (p = s; *p; p++) {
		if (*p == '|' || (isdigit((unsigned char)*p) && (p == s ||
		    p[-1] == ' ' || p[-1] == '(')) ||
		    (p > s && strncmp(p, " (", 2) == 0) ||
		    strncmp(p, " \xe2\x80\xa2", 4) == 0 ||
		    strncasecmp(p, " says", 5) == 0 ||
		    strncasecmp(p, " schreibt", 9) == 0 ||
		    strncasecmp(p, " sagt", 5) == 0 ||
		    strncmp(p, " \xe2\x80\x94", 4) == 0 ||
		    strncmp(p, " \xe2\x86\x92", 4) == 0 ||
		    strncmp(p, "More Posts", 10) == 0 ||
		    strncmp(p, " \xc2\xb7", 3) == 0 ||
		    strncmp(p, " \xc2\xbb", 3) == 0 ||
		    strncmp(p, " //", 3) == 0 || strncmp(p, " ~", 2) == 0 ||
		    strncasecmp(p, "quelle:", 7) == 0 ||
		    strncasecmp(p, "source:", 7) == 0 ||
		    strncasecmp(p, "fuente:", 7) == 0) {
			*p = '\0';
			break;
		}
	}
	/* Drop @handles and e-mail addresses, word by word. */
	for (p = q = s; *p; ) {
		char *w = p;

		while (*p && *p != ' ')
			p++;
		n = (size_t)(p - w);
		if (!(w[0] == '@' || memchr(w, '@', n) != NULL)) {
			if (q > s)
				*q++ = ' ';
			memmove(q, w, n);
			q += n;
		}
		while (*p == ' ')
			p++;
	}
	*q = '\0';
	/* From the second word on, a label ("Fotos:", "Quelle:") starts
	 * what is not the name. */
	for (p = s; (p = strchr(p, ':')) != NULL; p++)
		if (p[1] == '\0' || p[1] == ' ') {
			char *w = p;

			while (w > s && w[-1] != ' ')
				w--;
			if (w > s && p - w >= 2) {
				*w = '\0';
				break;
			}
		}
	/* From the second word on, a month or weekday starts the date. */
	for (p = s; *p; ) {
		char *w = p;

		while (*p && *p != ' ')
			p++;
		n = (size_t)(p - w);
		while (n > 0 && (w[n - 1] == '.' || w[n - 1] == ',' ||
		    w[n - 1] == ':'))
			n--;
		if (w > s) {
			for (i = 0; byline_date_words[i] != NULL; i++)
				if (strlen(byline_date_words[i]) == n &&
				    strncasecmp(w, byline_date_words[i], n) == 0)
					break;
			if (byline_date_words[i] != NULL) {
				*w = '\0';
				break;
			}
		}
		while (*p == ' ')
			p++;
	}
	/* Trailing separators and the words that lead to a date. */
	for (;;) {
		n = strlen(s);
		while (n > 0 && strchr(" ,;:-/(", s[n - 1]) != NULL)
			s[--n] = '\0';
		for (p = s + n; p > s && p[-1] != ' '; p--)
			;
		if (p > s && (strcasecmp(p, "am") == 0 ||
		    strcasecmp(p, "on") == 0 || strcasecmp(p, "le") == 0 ||
		    strcasecmp(p, "el") == 0 || strcasecmp(p, "um") == 0 ||
		    strcmp(p, "\xc3\xa0") == 0 ||
		    strcasecmp(p, "at") == 0 || strcasecmp(p, "posted") == 0 ||
		    strcasecmp(p, "updated") == 0)) {
			p[-1] = '\0';
			continue;
		}
		break;
	}
}

/* Lower-case words inside a name ("Ludwig van Beethoven"). */
static const char *const particles[] = {
	"von", "vom", "van", "der", "den", "de", "del", "della", "dei", "di",
	"da", "das", "do", "dos", "du", "la", "le", "y", "e", "zu", "zur",
	"ter", "ten", "bin", "ibn", "al", "el", "v.", "d'", NULL,
};

static int
in_list(const char *w, size_t n, const char *const *list)
{
	size_t i;

	for (i = 0; list[i] != NULL; i++)
		if (strlen(list[i]) == n && strncasecmp(w, list[i], n) == 0)
			return 1;
	return 0;
}


/*
 * After "by", "von", "par"... (words of running text, too: "von Gästen und
 * Einheimischen"), a name of two capitalised words at least, and no
 * sentence: no lower-case word but particles before the first break
 * (",", "|", "und", a digit...), no full stop at the end.
 */
static int
weak_ok(const char *s)
{
	size_t words = 0, n;
	const char *p = s, *e;

	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0' || *p == ',' || *p == '|' || *p == '(' ||
		    *p == '-' || isdigit((unsigned char)*p))
			break;
		for (e = p; *e && *e != ' ' && *e != ','; e++)
			;
		n = (size_t)(e - p);
		if (in_list(p, n, (const char *const[]){ "und", "and", "&",
		    "et", "y", NULL }))
			break;
		if (first_case(p, n) <= 0 && !in_list(p, n, particles))
			return 0;
		if (*e == '\0' && n > 3 && p[n - 1] == '.')
			return 0;	/* "von G-Data." ends a sentence */
		words++;
		p = e;
	}
	return words >= 2;
}

/*
 * Words that open a byline in running text: weak ones are words of
 * sentences too ("von Gästen und Einheimischen"), strong ones are not.
 */
static const char *const weak_leads[] = {
	"by", "von", "par", "por", "door", "autor", "autorin", "autoren",
	NULL,
};
static const char *const strong_leads[] = {
	"posted by", "written by", "submitted by", "geschrieben von",
	"verfasst von", "gespeichert von", "ein artikel von",
	"ein beitrag von", "ein kommentar von", "escrito por",
	"publicado por", "\xc3\xa9" "crit par", "publi\xc3\xa9 par",
	"scritto da", "pubblicato da", "autor:", "autorin:", "autoren:",
	"author:", "authors:", "auteur:", "text:", "texte:", "reporter:",
	"redaktion:", NULL,
};

/*
 * The length of the byline lead that s starts with after white space and
 * a separator ("| By", "- Redaktion:"), with *strong set; 0 if none.
 * *skip is what comes before the lead.
 */
static size_t
byline_lead(const char *s, size_t *skip, int *strong)
{
	const char *t = s;
	size_t i, len, k;

	for (k = 0; k < 2; k++) {
		while (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r' ||
		    ((unsigned char)t[0] == 0xc2 && (unsigned char)t[1] == 0xa0))
			t += (unsigned char)*t == 0xc2 ? 2 : 1;
		if (k == 0 && (*t == '|' || *t == '-' || *t == '/'))
			t++;
		else if (k == 0 && strncmp(t, "\xe2\x80\x94", 3) == 0)
			t += 3;
		else
			break;
	}
	*skip = (size_t)(t - s);
	if (*t == '\0' || strchr("bvpdgewatrs\xc3", tolower((unsigned char)*t))
	    == NULL)
		return 0;
	for (k = 0; k < 2; k++) {
		const char *const *leads = k ? weak_leads : strong_leads;

		for (i = 0; leads[i] != NULL; i++) {
			len = strlen(leads[i]);
			/* "Von:", "Written by:" are labels: strong. */
			if (strncasecmp(t, leads[i], len) == 0 &&
			    leads[i][len - 1] != ':' && t[len] == ':') {
				*strong = 1;
				return len + 1;
			}
			if (strncasecmp(t, leads[i], len) == 0 &&
			    (leads[i][len - 1] == ':' || t[len] == ' ' ||
			    t[len] == '\0' || t[len] == '\n' || t[len] == '\t' ||
			    ((unsigned char)t[len] == 0xc2 &&
			    (unsigned char)t[len + 1] == 0xa0))) {
				*strong = !k;
				return len;
			}
		}
	}
	return 0;
}

/*
 * A byline in the page's text: a text that starts with a byline lead,
 * read with what follows it in the same block up to a <br> ("<p>Von
 * <b>Eva Roth</b> und <b>Jo Lang</b><br>", "<strong>Autor:</strong> <a>Eva
 * Roth</a>"), or after the block when the lead is all of it ("<h5>Autor:
 * </h5>Eva Roth").  After a weak lead, a name of capitalised words
 * (weak_ok()); after a strong one, a name or a user name.  Not in
 * comments, sidebars, footers or quoted posts; below the bylines marked
 * up as such.
 */
static void
text_node_byline(struct meta *m, xmlNode *n)
{
	const char *t = (const char *)n->content, *rest;
	xmlNode *block, *a, *nx;
	size_t len, skip;
	char *s;
	int place, strong, label;

	if (t == NULL || (len = byline_lead(t, &skip, &strong)) == 0)
		return;
	if (n->parent == NULL || html_is(n->parent, "script") ||
	    html_is(n->parent, "style") || html_is(n->parent, "title") ||
	    html_is(n->parent, "option") || html_is(n->parent, "textarea"))
		return;
	for (block = n->parent; block->parent != NULL &&
	    block->parent->type == XML_ELEMENT_NODE && !html_block(block);
	    block = block->parent)
		;
	for (a = block; a != NULL; a = a->parent)
		if (html_is(a, "blockquote"))
			return;
	if ((place = placement(block)) < 0)
		return;
	if ((s = spaced_text(block, n, 120, 1)) == NULL)
		return;
	(void)byline_lead(s, &skip, &strong);
	for (rest = s + skip + len; *rest == ' ' || *rest == ':'; rest++)
		;
	/* A weak lead alone ("<h4>Autor</h4>") is a label: the name
	 * follows, and must look like one (weak_ok()). */
	label = !strong && *rest == '\0';
	if (*rest == '\0' && (strong || label)) {
		/*
		 * The name follows the lead in its block, past breaks and
		 * into inner blocks ("<b>Von:</b><br><br>Eva Roth",
		 * "<span>by</span><h3>Eva Roth</h3>"), or else opens the
		 * next block ("<h4>Autor</h4><p><a>Eva Roth</a></p>").
		 */
		xmlNode *c = html_walk_next(n, block, 1);
		char *after = NULL;

		while (c != NULL && (c->type != XML_TEXT_NODE ||
		    xmlIsBlankNode(c)))
			c = html_walk_next(c, block, !html_is(c, "script") &&
			    !html_is(c, "style"));
		for (nx = block->next; nx != NULL && xmlIsBlankNode(nx);
		    nx = nx->next)
			;
		if (c != NULL)
			after = spaced_text(block, c, 100, 1);
		else if (nx != NULL && block->parent != NULL)
			after = nx->type == XML_ELEMENT_NODE && html_block(nx) ?
			    spaced_text(nx, NULL, 100, 1) :
			    spaced_text(block->parent, nx, 100, 1);
		if (after != NULL && *after != '\0') {
			char *both = malloc(strlen(s) + strlen(after) + 2);

			if (both != NULL) {
				sprintf(both, "%s %s", s, after);
				free(s);
				s = both;
				rest = s + skip + len;
				while (*rest == ' ' || *rest == ':')
					rest++;
			}
		}
		free(after);
	}
	/* "Autoren: Medien: RSS:" is a menu of labels. */
	len = strcspn(rest, " ");
	if (len > 0 && rest[len - 1] == ':')
		;
	else if (strong && !label ? first_case(rest, strlen(rest)) != 0 :
	    first_case(rest, strlen(rest)) > 0 && weak_ok(rest))
		adds(m, F_AUTHOR, place > 0 ? 44 : 46, s + skip);
	free(s);
}

/*
 * Copies the letters and digits of s, lower-cased, into out (at most
 * cap - 1 bytes; bytes of other scripts as they are): "AUTO ZEITUNG" and
 * "auto-zeitung" both give "autozeitung".
 */
static void
squash_name(const char *s, char *out, size_t cap)
{
	size_t o = 0;

	for (; *s && o + 1 < cap; s++)
		if (isalnum((unsigned char)*s) || (unsigned char)*s >= 0x80)
			out[o++] = (char)tolower((unsigned char)*s);
	out[o] = '\0';
}

/*
 * Does sq (squashed) name the host of url: the host without "www.", its
 * domain (the last two labels) with or without the top level, or the
 * label before the top level ("tag24" of www.tag24.de)?
 */
static int
names_host(const char *sq, const char *url)
{
	const char *h, *e, *dom, *p;
	char host[256], buf[256];
	size_t n;

	if (url == NULL || (h = strstr(url, "://")) == NULL)
		return 0;
	h += 3;
	for (e = h; *e && *e != '/' && *e != ':' && *e != '?' && *e != '#'; e++)
		;
	if ((n = (size_t)(e - h)) == 0 || n >= sizeof(host))
		return 0;
	memcpy(host, h, n);
	host[n] = '\0';
	if (strncasecmp(host, "www.", 4) == 0)
		memmove(host, host + 4, n - 3);
	squash_name(host, buf, sizeof(buf));
	if (strcmp(sq, buf) == 0)
		return 1;
	/* The domain: from the second-to-last dot. */
	dom = host;
	for (p = host; *p; p++)
		if (*p == '.' && strchr(p + 1, '.') != NULL)
			dom = p + 1;
	squash_name(dom, buf, sizeof(buf));
	if (strcmp(sq, buf) == 0)
		return 1;
	if ((p = strchr(dom, '.')) != NULL && (size_t)(p - dom) < sizeof(buf)) {
		char label[256];

		memcpy(label, dom, (size_t)(p - dom));
		label[p - dom] = '\0';
		squash_name(label, buf, sizeof(buf));
		if (strlen(buf) >= 3 && strcmp(sq, buf) == 0)
			return 1;
	}
	return 0;
}

/* Legal forms and kinds of institution: a name with one is no person's. */
static const char *const org_words[] = {
	"GmbH", "AG", "KG", "eG", "SE", "e.V.", "e. V.", "Ltd", "Ltd.", "Inc",
	"Inc.", "LLC", "S.A.", "S.L.", "Verlag", "Verlags", "Verband",
	"Bundesverband", "Ministerium", "Bundesministerium", "Stiftung",
	"Landesanstalt", "Bundesamt", "Departement", "Partei", "Feuerwehr",
	"Media", "Diakonie", "Kreuz", "B\xc3\xbcndnis", "Sekretariat", NULL,
};

static int
is_org(const char *a)
{
	size_t i, n;
	const char *p;

	for (i = 0; org_words[i] != NULL; i++) {
		n = strlen(org_words[i]);
		for (p = a; (p = strstr(p, org_words[i])) != NULL; p++)
			if ((p == a || p[-1] == ' ' || p[-1] == '-') &&
			    (p[n] == '\0' || p[n] == ' ' || p[n] == ',' ||
			    p[n] == ';' || p[n] == ')'))
				return 1;
	}
	return 0;
}

/*
 * Is this normalised author no person's name: a form label, a user
 * handle ("christian.stadtfeld", "admin"), a web address, a company, the
 * site or its publisher (by name or by host)?
 */
static int
not_a_name(const struct meta *m, const char *a, int strict)
{
	const char *p;
	size_t i;
	int lower = 1, letters = 0, spaces = 0, dot = 0;

	for (i = 0; not_names[i] != NULL; i++)
		if (strcasecmp(a, not_names[i]) == 0)
			return 1;
	for (p = a; *p; p++) {
		if (isupper((unsigned char)*p) || (unsigned char)*p >= 0x80)
			lower = 0;
		if (isalpha((unsigned char)*p) || (unsigned char)*p >= 0x80)
			letters++;
		if (*p == ' ')
			spaces++;
		if (*p == '.' || *p == '_')
			dot = 1;
	}
	if (letters < 2 || strlen(a) > 100)
		return 1;
	if (spaces == 0 && strict && (lower || dot))
		return 1;		/* a handle or a domain */
	if (strcasestr(a, "www.") || strcasestr(a, "http"))
		return 1;
	if (is_org(a))
		return 1;
	{
		char sq[256], site[256];

		squash_name(a, sq, sizeof(sq));
		if (sq[0] == '\0')
			return 1;
		for (i = 0; i < m->n[F_SITE]; i++) {
			squash_name(m->c[F_SITE][i].value, site, sizeof(site));
			if (strcmp(sq, site) == 0)
				return 1;
		}
		squash_name(m->title_tail, site, sizeof(site));
		if (strcmp(sq, site) == 0)
			return 1;
		if (names_host(sq, m->url))
			return 1;
		for (i = 0; i < m->n[F_URL]; i++)
			if (names_host(sq, m->c[F_URL][i].value))
				return 1;
	}
	return 0;
}

/* Words that give a person's job, not a name ("Autorin", "Staff"). */
static const char *const role_words[] = {
	"autor", "autorin", "author", "redakteur", "redakteurin",
	"chefredakteur", "chefredakteurin", "journalist", "journalistin",
	"kolumnist", "kolumnistin", "editor", "reporter", "staff", "writer",
	"correspondent", "contributor", "korrespondent", "korrespondentin",
	"fotograf", "fotografin", "photographer", "gastautor", "gastautorin",
	"rechtsanwalt", "rechtsanw\xc3\xa4ltin", "experte", "expertin", NULL,
};

/* Countries: a list ending in one is an address ("X, Frankfurt, Germany"). */
static const char *const countries[] = {
	"germany", "deutschland", "austria", "\xc3\xb6sterreich", "switzerland",
	"schweiz", NULL,
};

/* The case of the first letter of s: 1 upper, -1 lower, 0 neither. */
static int
first_case(const char *s, size_t n)
{
	utf8proc_int32_t c;

	if (utf8proc_iterate((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n,
	    &c) <= 0)
		return 0;
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LT:
		return 1;
	case UTF8PROC_CATEGORY_LL:
		return -1;
	default:
		return 0;
	}
}

/*
 * Rewrites s[0..n) in place in title case ("SVEN MICHAELSEN" -> "Sven
 * Michaelsen", "O'SULLIVAN" -> "O'Sullivan"); words with a dot (initials,
 * "R.C.") and of two letters ("AG") stay.  Lower-case forms are never longer in UTF-8 for the
 * letters this is used on; when one would be, the word is left alone.
 */
static void
title_case(char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t j = i, o;
		int first = 1, dot = 0;

		while (j < n && s[j] != ' ')
			j++;
		if (memchr(s + i, '.', j - i) != NULL || j - i <= 2)
			dot = 1;	/* "R.C.", "AG" */
		for (o = i; !dot && o < j; ) {
			utf8proc_int32_t c, l;
			utf8proc_uint8_t enc[4];
			utf8proc_ssize_t len = utf8proc_iterate(
			    (const utf8proc_uint8_t *)s + o,
			    (utf8proc_ssize_t)(j - o), &c), el;

			if (len <= 0)
				break;
			l = first ? c : utf8proc_tolower(c);
			el = utf8proc_encode_char(l, enc);
			if (el == len)
				memcpy(s + o, enc, (size_t)len);
			first = c == '-' || c == '\'';
			o += (size_t)len;
		}
		i = j + 1;
	}
}

/*
 * Does s[0..n) read as one person's (or one organisation's) name: at most
 * eight words, not a sentence (lower-case words beside capitalised ones,
 * other than particles such as "von" or "de"; three lower-case words or
 * more), not ending in "!" or "?"?
 */
static int
name_like(const char *s, size_t n)
{
	size_t i = 0, words = 0, upper = 0, lower = 0;
	int lead = 0;

	if (n == 0 || s[n - 1] == '!' || s[n - 1] == '?')
		return 0;
	while (i < n) {
		size_t j = i, k;
		int c;

		while (j < n && s[j] != ' ')
			j++;
		words++;
		c = first_case(s + i, j - i);
		for (k = i; k < j; k++)	/* "datev.de", "r23" are no words */
			if (s[k] == '.' || isdigit((unsigned char)s[k]))
				c = 0;
		if (c > 0)
			upper++;
		else if (c < 0 && !in_list(s + i, j - i, particles)) {
			lower++;
			if (words == 1)
				lead = 1;
		}
		i = j + 1;
	}
	/* "deutscher Journalist"; "Mobasir hassan" may be a name. */
	if (words > 8 || (upper > 0 && lower > 0 && (words > 2 || lead)) ||
	    (upper == 0 && words > 2))
		return 0;
	if (words == 1 && in_list(s, n, byline_date_words))
		return 0;	/* "Donnerstag" */
	return 1;
}

/*
 * Cleans the names of a normalised author list ("; "-joined) in place: a
 * name in capitals is title-cased, a name written twice ("jesusfreak
 * jesusfreak") once, a job after a name ("Christoph Hein Chefredakteur")
 * and non-names ("deutscher Journalist") are dropped, and so are jobs
 * listed beside names ("Jan Fleischhauer; Kolumnist") unless roles.
 * Returns 1, 0 when nothing is left, or -1 (and "") when the list is a
 * postal address ("Giromatch, Frankfurt, Germany").
 */
static int
author_parts(char *a, int roles)
{
	char *r = a, *w = a;
	int capital = first_case(a, strlen(a)) > 0;

	/* Is any name capitalised?  Then "dpa" beside it is no name. */
	for (r = a; !capital && (r = strstr(r, "; ")) != NULL; r += 2)
		capital = first_case(r + 2, strlen(r + 2)) > 0;
	r = a;
	while (*r) {
		char *e = strstr(r, "; "), *p;
		size_t n = e ? (size_t)(e - r) : strlen(r), k, words = 1;
		int caps = 1, letters = 0;

		for (k = 0; k < n; k++) {
			if (r[k] == ' ')
				words++;
			if (first_case(r + k, n - k) < 0)
				caps = 0;
			else if (first_case(r + k, n - k) > 0)
				letters++;
		}
		/* The last word: a job, or the country of an address. */
		for (p = r + n; p > r && p[-1] != ' '; p--)
			;
		if (p == r && w > a && in_list(p, n, countries)) {
			*a = '\0';
			return -1;
		}
		while (p > r && words > 2 &&
		    in_list(p, (size_t)(r + n - p), role_words)) {
			n = (size_t)(p - r - 1);
			for (p = r + n; p > r && p[-1] != ' '; p--)
				;
			words--;
		}
		/* A job before the name ("Rechtsanwalt Eva Roth",
		 * "FOCUS-Online-Experte Eva Roth"). */
		for (;;) {
			char *sp = memchr(r, ' ', n);
			size_t wl = sp ? (size_t)(sp - r) : n, h;

			if (sp == NULL || words <= 2)
				break;
			for (h = wl; h > 0 && r[h - 1] != '-'; h--)
				;
			if (!in_list(r, wl, role_words) &&
			    !in_list(r + h, wl - h, role_words))
				break;
			n -= wl + 1;
			r = sp + 1;
			words--;
		}

		/* "Peter Maahn/SP-X": a person, then the agency. */
		if (!caps && words >= 2 && (p = memchr(r, '/', n)) != NULL &&
		    memchr(p, ' ', (size_t)(r + n - p)) == NULL &&
		    r + n - p <= 9 && first_case(r, n) > 0 && p[-1] != ' ')
			n = (size_t)(p - r);
		if (caps && letters >= 4 && words >= 2)
			title_case(r, n);
		/* "X Y X Y": the same name twice. */
		if (words % 2 == 0 && n % 2 == 1 && n > 8 && r[n / 2] == ' ' &&
		    memcmp(r, r + n / 2 + 1, n / 2) == 0)
			n /= 2;
		if (n > 0 && name_like(r, n) && (roles ||
		    !in_list(r, n, role_words)) && (!capital ||
		    first_case(r, n) >= 0 || words > 1)) {
			if (w > a) {
				*w++ = ';';
				*w++ = ' ';
			}
			memmove(w, r, n);
			w += n;
		}
		r = e ? e + 2 : r + strlen(r);
	}
	*w = '\0';
	return w > a;
}

/*
 * The author that candidate s (of rank) gives, cleaned, in *v (NULL when
 * it names nobody).  Strictly, user names from JSON-LD and <meta> are
 * refused (a byline's user name is its author's); leniently, <meta> is.
 */
static int
author_value(const struct meta *m, const struct cand *cd, int lenient,
    json_t **v)
{
	const char *s = cd->value;
	int rank = cd->rank;
	char *c, *a = NULL, *keep;
	int strict = !lenient && rank < 30, rc = 0;

	*v = NULL;
	if (lenient && rank >= 20 && rank < 30)
		return 0;		/* <meta>: strict only */
	if ((c = strdup(s)) == NULL)
		return QUARRY_ENOMEM;
	byline_clean(c);
	if (quarry_author_normalize(c, strlen(c), &a) != 0) {
		free(c);
		return 0;
	}
	free(c);
	if (not_a_name(m, a, strict))
		goto done;
	if ((keep = strdup(a)) == NULL) {
		rc = QUARRY_ENOMEM;
		goto done;
	}
	/* Jobs go unless they are all there is. */
	if (author_parts(a, 0) == 0) {
		strcpy(a, keep);
		author_parts(a, 1);
	}
	free(keep);
	/* In a list, the site or a company is no name ("Rob Picheta; CNN"). */
	if (strstr(a, "; ") != NULL) {
		char *r = a, *w = a;

		while (*r) {
			char *e = strstr(r, "; ");
			size_t n = e ? (size_t)(e - r) : strlen(r);
			char save = r[n];

			r[n] = '\0';
			if (!not_a_name(m, r, 0)) {
				if (w > a) {
					*w++ = ';';
					*w++ = ' ';
				}
				memmove(w, r, n);
				w += n;
			}
			r[n] = save;	/* w never passes r */
			r = e ? r + n + 2 : r + n;
		}
		*w = '\0';
	}
	if (*a != '\0' && !not_a_name(m, a, strict))
		*v = json_string(a);	/* NULL if not UTF-8 */
done:
	free(a);
	return rc;
}

/*
 * A numeric date that reads both ways ("11/01/2023"): when the other
 * reading is the day another candidate of the page gives, and the chosen
 * one is not, the other is taken.  date is rewritten in place.
 */
static void
other_order(const struct meta *m, const char *s, const char *lang,
    char date[21])
{
	char dmy[21], mdy[21], *alt, d[21];
	size_t i, n = strlen(s);
	int for_alt = 0, for_date = 0;

	if (quarry_date_parse(s, n, QUARRY_DATE_DMY, lang, 0, dmy) != 0 ||
	    quarry_date_parse(s, n, QUARRY_DATE_MDY, lang, 0, mdy) != 0 ||
	    strncmp(dmy, mdy, 10) == 0)
		return;
	alt = strncmp(date, dmy, 10) == 0 ? mdy : dmy;
	for (i = 0; i < m->n[F_DATE]; i++) {
		const char *v = m->c[F_DATE][i].value;

		if (strcmp(v, s) == 0 || quarry_date_parse(v, strlen(v),
		    QUARRY_DATE_AUTO, lang, 0, d) != 0)
			continue;
		if (strncmp(d, alt, 10) == 0)
			for_alt = 1;
		else if (strncmp(d, date, 10) == 0)
			for_date = 1;
	}
	if (for_alt && !for_date)
		memcpy(date, alt, 21);
}

/* Chooses the value of each field and stores it in out. */
static int
choose(struct meta *m, json_t *out)
{
	const char *lang = NULL;
	json_t *v;
	size_t i, k, end;
	int f, lenient;

	for (f = 0; f < NFIELDS; f++)
		if (m->n[f] > 1)
			qsort(m->c[f], m->n[f], sizeof(struct cand), cmp_cand);
	if (m->n[F_LANG] > 0) {
		char *s = m->c[F_LANG][0].value;

		for (i = 0; s[i]; i++)
			if (s[i] == '_')
				s[i] = '-';
		lang = s;
	}
	if (getenv("QDBG") != NULL)
		for (i = 0; i < m->n[F_DATE]; i++)
			fprintf(stderr, "QDBG %d %s\n", m->c[F_DATE][i].rank,
			    m->c[F_DATE][i].value);
	for (f = 0; f < NFIELDS; f++) {
		/*
		 * Authors get two passes: the first refuses what looks like a
		 * user handle, the second takes it when nothing better came.
		 */
		end = f == F_AUTHOR ? 2 * m->n[f] : m->n[f];
		for (k = 0; k < end; k++) {
			const char *s;
			char date[21];

			i = k % m->n[f];
			lenient = k >= m->n[f];
			s = m->c[f][i].value;

			v = NULL;
			if (f == F_DATE || f == F_MODIFIED) {
				if (quarry_date_parse(s, strlen(s),
				    QUARRY_DATE_AUTO, lang, 0, date) == 0) {
					if (f == F_DATE)
						other_order(m, s, lang, date);
					v = json_string(date);
				}
			} else if (f == F_AUTHOR) {
				int rc;

				if (m->dated_names > 1 &&
				    (m->c[f][i].rank == DATED_IN ||
				    m->c[f][i].rank == DATED_OUT))
					continue;
				rc = author_value(m, &m->c[f][i], lenient,
				    &v);

				if (rc != 0)
					return rc;
			} else
				v = json_string(s);
			if (v != NULL) {
				if (json_object_set_new(out, field_names[f], v))
					return QUARRY_ENOMEM;
				break;
			}
		}
	}
	return 0;
}

/*
 * Keeps the last part of a title ("News - Handball Schweiz", "Post |
 * Blog"), the site's name on most pages, to tell it from an author.
 */
static void
title_tail(struct meta *m, const char *title)
{
	static const char *const seps[] = { " - ", " | ", " \xe2\x80\x93 ",
	    " \xe2\x80\x94 ", " :: ", " \xc2\xbb ", NULL };
	const char *tail = NULL, *p;
	size_t i, n;

	if (title == NULL)
		return;
	for (i = 0; seps[i] != NULL; i++)
		if ((p = strstr(title, seps[i])) != NULL) {
			const char *q;

			while ((q = strstr(p + 1, seps[i])) != NULL)
				p = q;
			p += strlen(seps[i]);
			if (tail == NULL || p > tail)
				tail = p;
		}
	if (tail != NULL && (n = strlen(tail)) > 1 && n < sizeof(m->title_tail))
		memcpy(m->title_tail, tail, n + 1);
}

int
html_meta(xmlDoc *doc, const char *url, json_t *out)
{
	struct quarry_buf citation = { 0 };
	xmlNode *root = xmlDocGetRootElement(doc), *n;
	struct meta m;
	int h1 = 0, title = 0, rc, f;
	size_t i;

	memset(&m, 0, sizeof(m));
	{
		time_t now = time(NULL);
		struct tm tm;

		m.maxyear = gmtime_r(&now, &tm) ? tm.tm_year + 1900 + 1 : 2100;
	}
	if ((m.ld_ids = json_object()) == NULL)
		return QUARRY_ENOMEM;
	m.url = url;
	for (n = root; n != NULL; ) {
		int descend = 1;
		const char *v;

		if (n->type == XML_TEXT_NODE) {
			text_node_date(&m, n);
			text_node_byline(&m, n);
		}
		if (n->type != XML_ELEMENT_NODE) {
			n = html_walk_next(n, root, 0);
			continue;
		}
		if (html_is(n, "html")) {
			if ((v = html_attr(n, "lang")) || (v = html_attr(n, "xml:lang"))) {
				adds(&m, F_LANG, 10, v);
				m.lang = v;
			}
		} else if (html_is(n, "title") && !title) {
			char *s = short_text(n, 2000);

			title = 1;
			adds(&m, F_TITLE, 20, s);
			title_tail(&m, s);
			if (s != NULL && strlen(s) < 300) {
				char date[21];

				if (text_date(&m, s, date) == 0)
					adds(&m, F_DATE, 66, date);
			}
			free(s);
			descend = 0;
		} else if (html_is(n, "meta")) {
			meta_element(&m, n, &citation);
		} else if (html_is(n, "link")) {
			const char *rel = html_attr(n, "rel");

			if (rel && strcasecmp(rel, "canonical") == 0)
				adds(&m, F_URL, 10, html_attr(n, "href"));
		} else if (html_is(n, "script")) {
			const char *type = html_attr(n, "type");

			if (type && strcasestr(type, "ld+json")) {
				xmlChar *s = xmlNodeGetContent(n);
				json_t *j = s ? json_loads((char *)s,
				    JSON_DECODE_ANY, NULL) : NULL;

				if (j != NULL) {
					ld_walk(&m, j, 1);
					ld_walk(&m, j, 0);
					json_decref(j);
				} else if (s != NULL)	/* invalid JSON-LD */
					script_dates(&m, (char *)s, 23);
				xmlFree(s);
			} else if (type == NULL || strcasestr(type, "json") ||
			    strcasestr(type, "javascript")) {
				xmlChar *s = xmlNodeGetContent(n);

				if (s != NULL)
					script_dates(&m, (char *)s, 64);
				xmlFree(s);
			}
			descend = 0;
		} else if (html_is(n, "style") || html_is(n, "svg")) {
			descend = 0;
		} else {
			const char *ip = html_attr(n, "itemprop");
			const char *rel = html_attr(n, "rel");
			const char *cls = html_attr(n, "class");

			if (html_is(n, "h1") && !h1) {
				char *s = short_text(n, 1000);

				adds(&m, F_TITLE, 30, s);
				free(s);
				h1 = 1;
			}
			if (html_is(n, "time")) {
				const char *dt = html_attr(n, "datetime");
				int place = placement(n);
				int r = html_attr(n, "pubdate") != NULL ? 32 :
				    place > 0 ? 40 : place == 0 ? 55 : 75;

				if (dt == NULL)
					element_date(&m, n, 100, r + 2);
				if (cls && (strcasestr(cls, "updated") ||
				    strcasestr(cls, "modified")) &&
				    !strcasestr(cls, "publish"))
					adds(&m, F_MODIFIED, 40, dt);
				else
					adds(&m, F_DATE, r, dt);
			} else if ((v = html_attr(n, "title")) != NULL &&
			    (words_in(cls, date_words) ||
			    words_in(cls, (const char *const[]){ "published",
			    "updated", NULL }))) {
				/* <abbr class="published" title="2016-12-23T05:11"> */
				int place = placement(n);

				adds(&m, F_DATE, place > 0 ? 36 : place == 0 ? 44 :
				    70, v);
			}
			data_dates(&m, n);
			if ((words_in(cls, date_words) ||
			    words_in(html_attr(n, "id"), date_words) ||
			    (ip != NULL && words_in(ip, date_words))) &&
			    !html_is(n, "time") && !html_is(n, "body") &&
			    !html_is(n, "html")) {
				int place = placement(n);

				element_date(&m, n, 160, place > 0 ? 44 :
				    place == 0 ? 46 : 70);
			}
			if (ip != NULL && !html_is(n, "meta")) {
				const char *val = html_attr(n, "datetime");

				if (val == NULL)
					val = html_attr(n, "content");
				if (strcasecmp(ip, "datePublished") == 0 ||
				    strcasecmp(ip, "dateCreated") == 0) {
					char *s = val ? NULL : short_text(n, 100);

					adds(&m, F_DATE, 30, val ? val : s);
					free(s);
				} else if (strcasecmp(ip, "dateModified") == 0) {
					adds(&m, F_MODIFIED, 30, val);
				} else if (strcasecmp(ip, "author") == 0 ||
				    strcasecmp(ip, "creator") == 0) {
					xmlNode *c;
					char *s = NULL;

					for (c = n->children; c != NULL;
					    c = html_walk_next(c, n, 1))
						if ((v = html_attr(c, "itemprop")) &&
						    strcasecmp(v, "name") == 0) {
							s = spaced_text(c, NULL, 200, 0);
							break;
						}
					if (s == NULL)
						s = spaced_text(n, NULL, 200, 0);
					if (placement(n) >= 0)
						adds(&m, F_AUTHOR, 30, s);
					free(s);
				}
			}
			if (rel != NULL && strcasecmp(rel, "author") == 0 &&
			    html_is(n, "a")) {
				char *s = spaced_text(n, NULL, 200, 0);

				if (placement(n) >= 0)
					adds(&m, F_AUTHOR, 35, s);
				free(s);
			}
			if (cls != NULL && words_in(cls, byline_words) &&
			    !words_in(cls, (const char *const[]){ "avatar", "bio",
			    "image", "img", "photo", "comment", NULL })) {
				char *s = spaced_text(n, NULL, 120, 0);
				int place = placement(n);

				if (place >= 0)
					adds(&m, F_AUTHOR, place > 0 ? 40 : 42, s);
				free(s);
			}
		}
		n = html_walk_next(n, root, descend);
	}
	if (citation.len > 0)
		add(&m, F_AUTHOR, 23, citation.data, citation.len);
	for (i = 0; i < 10; i++) {
		if (m.tw_by & 1u << i)
			adds(&m, F_AUTHOR, 26, m.tw_data[i]);
		free(m.tw_data[i]);
	}
	quarry_buf_free(&citation);
	/* Every address the page gives for itself, until one has a date. */
	if (!url_date(&m, url, 50))
		for (i = 0; i < m.n[F_URL]; i++)
			if (url_date(&m, m.c[F_URL][i].value, 51))
				break;
	rc = m.oom ? QUARRY_ENOMEM : choose(&m, out);
	for (f = 0; f < NFIELDS; f++) {
		for (i = 0; i < m.n[f]; i++)
			free(m.c[f][i].value);
		free(m.c[f]);
	}
	json_decref(m.ld_ids);
	return rc;
}
