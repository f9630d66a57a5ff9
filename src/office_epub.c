/*
 * office_epub.c: EPUB 2 and 3 to text.
 *
 * META-INF/container.xml names the package document (OPF); its metadata
 * gives title, creators, dates, language, publisher, description and
 * subjects, its spine the reading order of the content documents.  Each
 * XHTML content document is rendered with the HTML module's Markdown
 * renderer (the whole body, not a "main content" guess) and chapters are
 * separated by form feeds.  The EPUB 3 navigation document is left out
 * (it repeats the headings).  References are resolved against the OPF's
 * directory and may not leave the archive.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html_private.h"
#include "office_private.h"

/* Finds the OPF's path from the container document. */
static int
rootfile(quarry_office *h, char *opf, size_t sz)
{
	struct quarry_buf b = { 0 };
	xmlDoc *doc;
	xmlNode *rf, *n;
	int rc;

	if ((rc = office_part(h, "META-INF/container.xml", &b)) != 0) {
		quarry_buf_free(&b);
		return rc == QUARRY_ENOTFOUND ? qerr_set(&h->err,
		    QUARRY_EFORMAT, "no META-INF/container.xml") : rc;
	}
	doc = office_xml(h, "META-INF/container.xml", &b, 0);
	quarry_buf_free(&b);
	if (doc == NULL)
		return QUARRY_EFORMAT;
	rf = ox_child(xmlDocGetRootElement(doc), "rootfiles");
	rc = qerr_set(&h->err, QUARRY_EFORMAT,
	    "META-INF/container.xml names no package document");
	for (n = rf ? rf->children : NULL; n != NULL; n = n->next) {
		const char *path = ox_attr(n, "full-path");
		const char *type = ox_attr(n, "media-type");

		if (!ox_is(n, NULL, "rootfile") || path == NULL ||
		    (type != NULL &&
		    strcmp(type, "application/oebps-package+xml") != 0))
			continue;
		qerr_clear(&h->err);
		rc = office_resolve(h, "", path, opf, sz);
		break;
	}
	xmlFreeDoc(doc);
	return rc;
}

/* Appends the text of n to list (joined by sep) and returns 0 or an error. */
static int
join(struct quarry_buf *list, xmlNode *n, const char *sep)
{
	size_t mark = list->len;

	if (list->len > 0 && quarry_buf_append(list, sep, strlen(sep)) != 0)
		return QUARRY_ENOMEM;
	if (ox_text(n, list) != 0)
		return QUARRY_ENOMEM;
	if (list->len == mark + strlen(sep) && mark > 0)
		list->len = mark;
	return 0;
}

static int
metadata(quarry_office *h, xmlNode *md)
{
	struct quarry_buf b = { 0 }, authors = { 0 }, subjects = { 0 };
	xmlNode *n;
	int rc = 0, have_title = 0, have_date = 0;

	/* The language first: it decides how numeric dates read. */
	for (n = md ? md->children : NULL; n != NULL; n = n->next)
		if (ox_is(n, "purl.org/dc", "language")) {
			if (ox_text(n, &b) != 0 ||
			    quarry_buf_append(&b, "", 1) != 0)
				rc = QUARRY_ENOMEM;
			else
				rc = office_meta(h, "lang", b.data);
			break;
		}
	for (n = md ? md->children : NULL; rc == 0 && n != NULL; n = n->next) {
		const char *key = NULL;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (ox_is(n, "purl.org/dc", "creator"))
			rc = join(&authors, n, "; ");
		else if (ox_is(n, "purl.org/dc", "subject"))
			rc = join(&subjects, n, ", ");
		else if (ox_is(n, "purl.org/dc", "title") && !have_title) {
			key = "title";
			have_title = 1;
		} else if (ox_is(n, "purl.org/dc", "date")) {
			const char *ev = ox_attr(n, "event");

			if (ev != NULL && strcmp(ev, "modification") == 0)
				key = "modified";
			else if (ev == NULL || strcmp(ev, "publication") == 0 ||
			    !have_date) {
				key = "date";
				have_date = 1;
			}
		} else if (ox_is(n, "purl.org/dc", "description"))
			key = "description";
		else if (ox_is(n, "purl.org/dc", "publisher"))
			key = "publisher";
		else if (ox_is(n, NULL, "meta")) {
			const char *p = ox_attr(n, "property");

			if (p != NULL && strcmp(p, "dcterms:modified") == 0)
				key = "modified";
		}
		if (key == NULL)
			continue;
		rc = office_meta_text(h, key, n, &b);
	}
	if (rc == 0 && authors.len > 0) {
		if (quarry_buf_append(&authors, "", 1) != 0)
			rc = QUARRY_ENOMEM;
		else
			rc = office_meta(h, "author", authors.data);
	}
	if (rc == 0 && subjects.len > 0) {
		if (quarry_buf_append(&subjects, "", 1) != 0)
			rc = QUARRY_ENOMEM;
		else
			rc = office_meta(h, "subject", subjects.data);
	}
	quarry_buf_free(&b);
	quarry_buf_free(&authors);
	quarry_buf_free(&subjects);
	return rc;
}

/* Renders one content document into t as a chapter. */
static int
chapter(quarry_office *h, struct otext *t, const char *path)
{
	struct quarry_buf b = { 0 };
	struct html_render_options ro;
	xmlNode **roots = NULL;
	size_t nroots = 0, s, e;
	xmlDoc *doc;
	int rc;

	if ((rc = office_part(h, path, &b)) != 0) {
		quarry_buf_free(&b);
		return rc == QUARRY_ENOTFOUND ? qerr_set(&h->err,
		    QUARRY_EFORMAT, "the spine names %s, which is missing",
		    path) : rc;
	}
	doc = office_xml(h, path, &b, 1);
	if (doc == NULL) {
		quarry_buf_free(&b);
		return QUARRY_EFORMAT;
	}
	b.len = 0;
	ro.links = QUARRY_HTML_LINKS_NONE;
	ro.base = NULL;
	if ((rc = html_extract(doc, 0, &roots, &nroots)) == 0)
		rc = html_render(roots, nroots, &ro, &b);
	free(roots);
	xmlFreeDoc(doc);
	if (rc == 0) {
		for (s = 0; s < b.len && (b.data[s] == ' ' ||
		    b.data[s] == '\n' || b.data[s] == '\t'); s++)
			;
		for (e = b.len; e > s && (b.data[e - 1] == ' ' ||
		    b.data[e - 1] == '\n' || b.data[e - 1] == '\t'); e--)
			;
		if (e > s) {
			ot_page(t);
			ot_raw_block(t, b.data + s, e - s);
		}
	} else
		qerr_set(&h->err, rc, "%s: %s", path, quarry_strerror(rc));
	quarry_buf_free(&b);
	return rc;
}

int
office_epub(quarry_office *h, struct otext *t)
{
	struct quarry_buf b = { 0 };
	char opf[512], path[512];
	xmlDoc *doc = NULL;
	xmlNode *root, *manifest, *spine, *ref, *it;
	int rc;

	if ((rc = rootfile(h, opf, sizeof(opf))) != 0)
		return rc;
	if ((rc = office_part(h, opf, &b)) != 0) {
		quarry_buf_free(&b);
		return rc == QUARRY_ENOTFOUND ? qerr_set(&h->err,
		    QUARRY_EFORMAT, "the package document %s is missing",
		    opf) : rc;
	}
	doc = office_xml(h, opf, &b, 0);
	quarry_buf_free(&b);
	if (doc == NULL)
		return QUARRY_EFORMAT;
	root = xmlDocGetRootElement(doc);
	if ((rc = metadata(h, ox_child(root, "metadata"))) != 0)
		goto out;
	manifest = ox_child(root, "manifest");
	spine = ox_child(root, "spine");
	if (manifest == NULL || spine == NULL) {
		rc = qerr_set(&h->err, QUARRY_EFORMAT,
		    "%s: no manifest or spine", opf);
		goto out;
	}
	for (ref = spine->children; ref != NULL; ref = ref->next) {
		const char *idref = ox_attr(ref, "idref");

		if (!ox_is(ref, NULL, "itemref") || idref == NULL)
			continue;
		for (it = manifest->children; it != NULL; it = it->next) {
			const char *id = ox_attr(it, "id");
			const char *href = ox_attr(it, "href");
			const char *type = ox_attr(it, "media-type");
			const char *props = ox_attr(it, "properties");

			if (!ox_is(it, NULL, "item") || id == NULL ||
			    strcmp(id, idref) != 0)
				continue;
			if (href == NULL || (type != NULL &&
			    strcmp(type, "application/xhtml+xml") != 0 &&
			    strcmp(type, "text/html") != 0) ||
			    (props != NULL && strstr(props, "nav") != NULL))
				break;
			if ((rc = office_resolve(h, opf, href, path,
			    sizeof(path))) != 0 ||
			    (rc = chapter(h, t, path)) != 0)
				goto out;
			break;
		}
	}
out:
	if (rc == QUARRY_ENOMEM)
		qerr_set(&h->err, rc, "out of memory");
	xmlFreeDoc(doc);
	return rc;
}
