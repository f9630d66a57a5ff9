/*
 * pdf_meta.c: reads the fields quarry uses from a PDF's XMP metadata packet
 * (ISO 16684-1; the properties are Dublin Core's dc:, xmp: and pdf:).  The
 * packet is parsed with libxml2 with the network off, no DTD loading and no
 * entity substitution, so a hostile packet can neither fetch nor expand.
 *
 * libxml2 is loaded with dlopen() by the first packet, not linked: with
 * the ICU libraries it needs, it costs about 0.7 ms at every start of
 * quarry-pdf, and three PDFs in four have no XMP packet.
 */
#include "config.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "pdf_private.h"

/* The libxml2 functions used, looked up in QUARRY_LIBXML2_SONAME. */
#define XML_FUNCS(X) \
	X(xmlDocGetRootElement) \
	X(xmlFreeDoc) \
	X(xmlGetNsProp) \
	X(xmlNodeGetContent) \
	X(xmlReadMemory)

static struct {
#define X(f) __typeof__(f) *f;
	XML_FUNCS(X)
#undef X
	xmlFreeFunc *free_fn;	/* xmlFree, a variable in libxml2 */
} lx;
static pthread_once_t xml_once = PTHREAD_ONCE_INIT;
static int xml_ok;

/* Loads libxml2 once, for all threads; the library stays loaded. */
static void
xml_load(void)
{
	void *h, *sym;

	if ((h = dlopen(QUARRY_LIBXML2_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL)
		return;
#define X(f) \
	if ((sym = dlsym(h, #f)) == NULL) \
		return; \
	memcpy(&lx.f, &sym, sizeof(sym));
	XML_FUNCS(X)
#undef X
	if ((sym = dlsym(h, "xmlFree")) == NULL)
		return;
	memcpy(&lx.free_fn, &sym, sizeof(sym));
	xml_ok = 1;
}

/* How far around "/Catalog" its object's "/Lang" is looked for. */
#define CATALOG_SPAN 4096

int
pdf_catalog_lang(const char *data, size_t len, char *out, size_t outsz)
{
	const char *p = data, *end = data + len;

	while (p < end && (p = memmem(p, (size_t)(end - p), "/Catalog", 8))
	    != NULL) {
		const char *a = p - (p - data < CATALOG_SPAN ? p - data :
		    CATALOG_SPAN), *b, *o, *l;
		size_t n;

		/* The object around it: from its "obj" to its "endobj". */
		for (o = NULL, l = a; (l = memmem(l, (size_t)(p - l), " obj",
		    4)) != NULL; l += 4)
			o = l;
		b = p + 8;
		l = memmem(b, (size_t)(end - b) < CATALOG_SPAN ?
		    (size_t)(end - b) : CATALOG_SPAN, "endobj", 6);
		p += 8;
		if (o == NULL || l == NULL)
			continue;
		if ((b = memmem(o, (size_t)(l - o), "/Lang", 5)) == NULL)
			continue;
		for (b += 5; b < l && (*b == ' ' || *b == '\r' ||
		    *b == '\n' || *b == '\t'); b++)
			;
		if (b >= l || *b != '(')
			continue;
		for (n = 0, b++; b + n < l && b[n] != ')' && n + 1 < outsz;
		    n++)
			if (!((b[n] >= 'a' && b[n] <= 'z') ||
			    (b[n] >= 'A' && b[n] <= 'Z') ||
			    (b[n] >= '0' && b[n] <= '9') || b[n] == '-'))
				break;
		if (n < 2 || b + n >= l || b[n] != ')')
			continue;
		memcpy(out, b, n);
		out[n] = '\0';
		return 0;
	}
	return -1;
}

#define NS_RDF "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define NS_DC "http://purl.org/dc/elements/1.1/"
#define NS_XMP "http://ns.adobe.com/xap/1.0/"
#define NS_PDF "http://ns.adobe.com/pdf/1.3/"

/* Strips leading and trailing white space in place; NULL when empty. */
static char *
trimmed(char *s)
{
	size_t len;
	char *p = s;

	if (s == NULL)
		return NULL;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	len = strlen(p);
	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t' ||
	    p[len - 1] == '\n' || p[len - 1] == '\r'))
		len--;
	if (len == 0) {
		free(s);
		return NULL;
	}
	memmove(s, p, len);
	s[len] = '\0';
	return s;
}

static char *
text_of(xmlNode *n)
{
	xmlChar *c = lx.xmlNodeGetContent(n);
	char *s;

	if (c == NULL)
		return NULL;
	s = strdup((const char *)c);
	(*lx.free_fn)(c);
	return trimmed(s);
}

static int
is(const xmlNode *n, const char *ns, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    strcmp((const char *)n->ns->href, ns) == 0 &&
	    strcmp((const char *)n->name, name) == 0;
}

/*
 * The value of a property element: the items of an rdf:Alt/Seq/Bag (the
 * x-default one alone for an Alt when there is one), joined by sep, or the
 * element's text.
 */
static char *
value_of(xmlNode *prop, const char *sep)
{
	xmlNode *c, *li;
	char *acc = NULL;

	for (c = prop->children; c != NULL; c = c->next) {
		int alt;

		if (!(is(c, NS_RDF, "Alt") || is(c, NS_RDF, "Seq") ||
		    is(c, NS_RDF, "Bag")))
			continue;
		alt = is(c, NS_RDF, "Alt");
		if (alt)
			for (li = c->children; li != NULL; li = li->next) {
				xmlChar *lang;
				int def;

				if (!is(li, NS_RDF, "li"))
					continue;
				lang = lx.xmlGetNsProp(li, (const xmlChar *)"lang",
				    XML_XML_NAMESPACE);
				def = lang != NULL &&
				    strcmp((const char *)lang, "x-default") == 0;
				(*lx.free_fn)(lang);
				if (def) {
					char *s = text_of(li);

					if (s != NULL)
						return s;
				}
			}
		for (li = c->children; li != NULL; li = li->next) {
			char *s, *n;

			if (!is(li, NS_RDF, "li") || (s = text_of(li)) == NULL)
				continue;
			if (acc == NULL) {
				acc = s;
			} else {
				size_t a = strlen(acc), b = strlen(s);

				if ((n = realloc(acc, a + strlen(sep) + b + 1)) == NULL) {
					free(s);
					return acc;
				}
				acc = n;
				strcpy(acc + a, sep);
				strcpy(acc + a + strlen(sep), s);
				free(s);
			}
			if (alt)
				break;
		}
		return acc;
	}
	return text_of(prop);
}

static void
set(char **field, char *value)
{
	if (value == NULL)
		return;
	if (*field != NULL) {	/* the first occurrence wins */
		free(value);
		return;
	}
	*field = value;
}

/* Looks at one element and its attributes for the properties we want. */
static void
visit(xmlNode *n, struct pdf_xmp *x)
{
	xmlAttr *a;

	for (; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (is(n, NS_DC, "title"))
			set(&x->title, value_of(n, " "));
		else if (is(n, NS_DC, "creator"))
			set(&x->creator, value_of(n, "; "));
		else if (is(n, NS_DC, "language"))
			set(&x->language, value_of(n, ""));	/* first */
		else if (is(n, NS_DC, "description"))
			set(&x->description, value_of(n, " "));
		else if (is(n, NS_XMP, "CreateDate"))
			set(&x->create_date, value_of(n, " "));
		else if (is(n, NS_XMP, "ModifyDate"))
			set(&x->modify_date, value_of(n, " "));
		else if (is(n, NS_XMP, "CreatorTool"))
			set(&x->creator_tool, value_of(n, " "));
		else if (is(n, NS_PDF, "Keywords"))
			set(&x->keywords, value_of(n, ", "));
		else if (is(n, NS_PDF, "Producer"))
			set(&x->producer, value_of(n, " "));
		else
			visit(n->children, x);
		/* Simple properties may be written as attributes. */
		for (a = n->properties; a != NULL; a = a->next) {
			const char *ns = a->ns ? (const char *)a->ns->href : "";
			const char *nm = (const char *)a->name;
			char **f = NULL;
			xmlChar *v;

			if (strcmp(ns, NS_XMP) == 0 && strcmp(nm, "CreateDate") == 0)
				f = &x->create_date;
			else if (strcmp(ns, NS_XMP) == 0 && strcmp(nm, "ModifyDate") == 0)
				f = &x->modify_date;
			else if (strcmp(ns, NS_XMP) == 0 && strcmp(nm, "CreatorTool") == 0)
				f = &x->creator_tool;
			else if (strcmp(ns, NS_PDF) == 0 && strcmp(nm, "Keywords") == 0)
				f = &x->keywords;
			else if (strcmp(ns, NS_PDF) == 0 && strcmp(nm, "Producer") == 0)
				f = &x->producer;
			if (f == NULL)
				continue;
			if ((v = lx.xmlNodeGetContent((xmlNode *)a)) != NULL) {
				set(f, trimmed(strdup((const char *)v)));
				(*lx.free_fn)(v);
			}
		}
	}
}

int
pdf_xmp_parse(const char *xml, size_t len, struct pdf_xmp *out)
{
	xmlDoc *doc;

	memset(out, 0, sizeof(*out));
	if (len > (size_t)1 << 26)
		return QUARRY_ETOOBIG;
	pthread_once(&xml_once, xml_load);
	if (!xml_ok)
		return QUARRY_EFORMAT;
	doc = lx.xmlReadMemory(xml, (int)len, "xmp.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
	    XML_PARSE_NOCDATA);
	if (doc == NULL)
		return QUARRY_EFORMAT;
	visit(lx.xmlDocGetRootElement(doc), out);
	lx.xmlFreeDoc(doc);
	return 0;
}

void
pdf_xmp_clear(struct pdf_xmp *x)
{
	free(x->title);
	free(x->creator);
	free(x->language);
	free(x->create_date);
	free(x->modify_date);
	free(x->description);
	free(x->keywords);
	free(x->producer);
	free(x->creator_tool);
	memset(x, 0, sizeof(*x));
}
