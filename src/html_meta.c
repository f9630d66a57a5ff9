/*
 * html_meta.c: the metadata of a web page.
 *
 * Candidates for each field are gathered from one walk over the whole tree
 * (before extraction removes headers and bylines), each with a rank saying
 * how much it is trusted; the best-ranked one that the metadata library
 * accepts (quarry_date_parse(), quarry_author_normalize()) wins.  Sources:
 * <title>, <html lang>, <meta name/property/itemprop>, <link rel=canonical>,
 * rel=author and byline markup, <time datetime>, microdata, JSON-LD (parsed
 * with jansson, including @graph, arrays and @id references) and a date in
 * the URL path.  man/quarry-html.1 lists the order.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
	json_t *ld_ids;		/* JSON-LD nodes by @id (borrowed refs) */
};

size_t
html_squash(char *s)
{
	size_t i = 0, j = 0;
	int space = 0;

	for (; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
		    c == '\v') {
			space = j > 0;
			continue;
		}
		if (c == 0xc2 && (unsigned char)s[i + 1] == 0xa0) {
			space = j > 0;
			i++;
			continue;
		}
		if (space)
			s[j++] = ' ';
		space = 0;
		s[j++] = s[i];
	}
	s[j] = '\0';
	return j;
}

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
			adds(m, F_SITE, 30, ld_str(o, "name"));
		return;
	}
	if ((s = ld_str(o, "headline")) != NULL || (s = ld_str(o, "name")))
		adds(m, F_TITLE, 12 + bonus, s);
	if (json_object_get(o, "author") != NULL) {
		ld_names(m, json_object_get(o, "author"), &b);
		if (b.len > 0)
			add(m, F_AUTHOR, 10 + bonus, b.data, b.len);
	} else if (json_object_get(o, "creator") != NULL) {
		ld_names(m, json_object_get(o, "creator"), &b);
		if (b.len > 0)
			add(m, F_AUTHOR, 12 + bonus, b.data, b.len);
	}
	quarry_buf_free(&b);
	adds(m, F_DATE, 10 + bonus, ld_str(o, "datePublished"));
	adds(m, F_DATE, 12 + bonus, ld_str(o, "dateCreated"));
	adds(m, F_DATE, 30 + bonus, ld_str(o, "uploadDate"));
	adds(m, F_MODIFIED, 10 + bonus, ld_str(o, "dateModified"));
	adds(m, F_DESC, 15 + bonus, ld_str(o, "description"));
	pub = deref(m, json_object_get(o, "publisher"));
	if (json_is_object(pub))
		adds(m, F_SITE, 15 + bonus, ld_str(pub, "name"));
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
	{ "dc.date.available", F_DATE, 31 },
	{ "created", F_DATE, 33 },
	{ "article:modified_time", F_MODIFIED, 20 },
	{ "og:updated_time", F_MODIFIED, 22 },
	{ "dcterms.modified", F_MODIFIED, 24 },
	{ "dc.date.modified", F_MODIFIED, 24 },
	{ "datemodified", F_MODIFIED, 26 },
	{ "last-modified", F_MODIFIED, 28 },
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

static int
inside_content(const xmlNode *n)
{
	int depth = 0;

	for (n = n->parent; n != NULL && depth < 64; n = n->parent, depth++) {
		const char *v;

		if (html_is(n, "article") || html_is(n, "main"))
			return 1;
		if ((v = html_attr(n, "role")) && strcmp(v, "main") == 0)
			return 1;
		if ((v = html_attr(n, "itemprop")) && strcasestr(v, "article"))
			return 1;
		if (html_is(n, "footer") || html_is(n, "aside") ||
		    html_is(n, "nav"))
			return 0;
	}
	return 0;
}

/* Finds /YYYY/MM/DD/, YYYY-MM-DD or /YYYYMMDD/ in a URL's path. */
static void
url_date(struct meta *m, const char *url, int rank)
{
	const char *p, *path;
	char buf[11];

	if (url == NULL)
		return;
	path = strstr(url, "://");
	path = path ? strchr(path + 3, '/') : url;
	if (path == NULL)
		return;
	for (p = path; *p; p++) {
		const char *q = p;
		int y, mo, d;

		if (!isdigit((unsigned char)q[0]) || (p > path &&
		    isdigit((unsigned char)p[-1])))
			continue;
		if (!(q[0] == '1' && q[1] == '9') && !(q[0] == '2' && q[1] == '0'))
			continue;
		if (!isdigit((unsigned char)q[2]) || !isdigit((unsigned char)q[3]))
			continue;
		y = atoi(q);
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
		return;
	}
}

/* Chooses the value of each field and stores it in out. */
static int
choose(struct meta *m, json_t *out)
{
	const char *lang = NULL;
	json_t *v;
	size_t i;
	int f;

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
	for (f = 0; f < NFIELDS; f++) {
		for (i = 0; i < m->n[f]; i++) {
			const char *s = m->c[f][i].value;
			char date[21], *a = NULL;

			v = NULL;
			if (f == F_DATE || f == F_MODIFIED) {
				if (quarry_date_parse(s, strlen(s),
				    QUARRY_DATE_AUTO, lang, 0, date) == 0)
					v = json_string(date);
			} else if (f == F_AUTHOR) {
				if (quarry_author_normalize(s, strlen(s), &a) == 0) {
					v = json_string(a);
					free(a);
				}
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

int
html_meta(xmlDoc *doc, const char *url, json_t *out)
{
	struct quarry_buf citation = { 0 };
	xmlNode *root = xmlDocGetRootElement(doc), *n;
	struct meta m;
	int h1 = 0, title = 0, rc, f;
	size_t i;

	memset(&m, 0, sizeof(m));
	if ((m.ld_ids = json_object()) == NULL)
		return QUARRY_ENOMEM;
	url_date(&m, url, 50);
	for (n = root; n != NULL; ) {
		int descend = 1;
		const char *v;

		if (n->type != XML_ELEMENT_NODE) {
			n = html_walk_next(n, root, 0);
			continue;
		}
		if (html_is(n, "html")) {
			if ((v = html_attr(n, "lang")) || (v = html_attr(n, "xml:lang")))
				adds(&m, F_LANG, 10, v);
		} else if (html_is(n, "title") && !title) {
			char *s = short_text(n, 2000);

			title = 1;
			adds(&m, F_TITLE, 20, s);
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
				}
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
				int r = html_attr(n, "pubdate") != NULL ? 32 :
				    inside_content(n) ? 40 : 55;

				if (dt == NULL && r < 55) {
					char *s = short_text(n, 100);

					adds(&m, F_DATE, r + 2, s);
					free(s);
				}
				if (cls && (strcasestr(cls, "updated") ||
				    strcasestr(cls, "modified")))
					adds(&m, F_MODIFIED, 40, dt);
				else
					adds(&m, F_DATE, r, dt);
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
							s = short_text(c, 200);
							break;
						}
					if (s == NULL)
						s = short_text(n, 200);
					adds(&m, F_AUTHOR, 30, s);
					free(s);
				}
			}
			if (rel != NULL && strcasecmp(rel, "author") == 0 &&
			    html_is(n, "a")) {
				char *s = short_text(n, 200);

				adds(&m, F_AUTHOR, 35, s);
				free(s);
			}
			if (cls != NULL && (strcasestr(cls, "byline") ||
			    strcasestr(cls, "author")) &&
			    !strcasestr(cls, "avatar") && !strcasestr(cls, "bio") &&
			    !strcasestr(cls, "image") && !strcasestr(cls, "img") &&
			    !strcasestr(cls, "photo")) {
				char *s = short_text(n, 120);

				adds(&m, F_AUTHOR, inside_content(n) ? 40 : 42, s);
				free(s);
			}
		}
		n = html_walk_next(n, root, descend);
	}
	if (citation.len > 0)
		add(&m, F_AUTHOR, 23, citation.data, citation.len);
	quarry_buf_free(&citation);
	for (i = 0; i < m.n[F_URL] && url == NULL; i++) {
		url_date(&m, m.c[F_URL][i].value, 51);
		break;
	}
	rc = m.oom ? QUARRY_ENOMEM : choose(&m, out);
	for (f = 0; f < NFIELDS; f++) {
		for (i = 0; i < m.n[f]; i++)
			free(m.c[f][i].value);
		free(m.c[f]);
	}
	json_decref(m.ld_ids);
	return rc;
}
