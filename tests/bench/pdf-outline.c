/*
 * pdf-outline.c: prints the outline (bookmarks) of a PDF, one entry a
 * line: level, a tab, the destination's page (0 when unknown), a tab, the
 * title.  The reference of tests/bench/pdf-headings.py; built by it.
 *
 *	cc -o pdf-outline pdf-outline.c $(pkg-config --cflags --libs poppler-glib)
 */
#include <stdio.h>
#include <string.h>

#include <poppler.h>

static void
walk(PopplerDocument *doc, PopplerIndexIter *it, int level)
{
	do {
		PopplerAction *a = poppler_index_iter_get_action(it);
		PopplerIndexIter *child;
		int page = 0;

		if (a != NULL && a->type == POPPLER_ACTION_GOTO_DEST &&
		    a->goto_dest.dest != NULL) {
			PopplerDest *d = a->goto_dest.dest, *f = NULL;

			if (d->type == POPPLER_DEST_NAMED)
				d = f = poppler_document_find_dest(doc,
				    d->named_dest);
			if (d != NULL)
				page = d->page_num;
			if (f != NULL)
				poppler_dest_free(f);
		}
		if (a != NULL && a->any.title != NULL) {
			char *t = a->any.title, *c;

			for (c = t; *c != '\0'; c++)
				if (*c == '\n' || *c == '\r' || *c == '\t')
					*c = ' ';
			printf("%d\t%d\t%s\n", level, page, t);
		}
		if (a != NULL)
			poppler_action_free(a);
		if (level < 16 && (child = poppler_index_iter_get_child(it)) != NULL) {
			walk(doc, child, level + 1);
			poppler_index_iter_free(child);
		}
	} while (poppler_index_iter_next(it));
}

int
main(int argc, char **argv)
{
	int i, rc = 0;

	for (i = 1; i < argc; i++) {
		GError *err = NULL;
		char *path = g_canonicalize_filename(argv[i], NULL);
		char *uri = g_filename_to_uri(path, NULL, NULL);
		PopplerDocument *doc = uri != NULL ?
		    poppler_document_new_from_file(uri, NULL, &err) : NULL;
		PopplerIndexIter *it;

		g_free(uri);
		g_free(path);
		if (doc == NULL) {
			fprintf(stderr, "pdf-outline: %s: %s\n", argv[i],
			    err != NULL ? err->message : "cannot open");
			g_clear_error(&err);
			rc = 1;
			continue;
		}
		if ((it = poppler_index_iter_new(doc)) != NULL) {
			walk(doc, it, 1);
			poppler_index_iter_free(it);
		}
		g_object_unref(doc);
	}
	return rc;
}
