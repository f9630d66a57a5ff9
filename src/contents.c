/*
 * contents.c: the contents and index page rule shared by the PDF and HTML
 * extractors (contents.h).  Measured on ten Debian manuals (README, "PDF
 * headings"): dot-leader contents pages and "term, 12, 45" index pages are
 * the two forms that fill a store with page-number chunks.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include <utf8proc.h>

#include "contents.h"
#include "text_private.h"
#include "quarry.h"

int
contents_title(const char *t, size_t len)
{
	static const char *const titles[] = {
		"contents", "tableofcontents", "index", "generalindex",
		"moduleindex", "pythonmoduleindex", "alphabeticalindex",
		"inhalt", "inhaltsverzeichnis", "tabledesmatieres",
		"sommaire", "indice", "indicegeneral", NULL,
	};
	char key[32];
	size_t i = 0, o = 0, k;

	/* Letters only, lower case, accents dropped ("matières"). */
	while (i < len) {
		int32_t c;

		i += text_decode(t, len, i, &c);
		if (c >= 0x80) {
			utf8proc_int32_t s[4];
			utf8proc_ssize_t n = utf8proc_decompose_char(c, s, 4,
			    UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK |
			    UTF8PROC_CASEFOLD, NULL);

			if (n < 1)
				return 0;
			c = s[0];
		}
		if (c < 0x80 && isdigit(c) && o == 0)
			continue;	/* a section number */
		if (!text_is_letter(c))
			continue;
		if (c >= 0x80 || o + 1 >= sizeof(key))
			return 0;
		key[o++] = (char)tolower(c);
	}
	key[o] = '\0';
	for (k = 0; titles[k] != NULL; k++)
		if (strcmp(key, titles[k]) == 0)
			return 1;
	return 0;
}

int
contents_ref_line(const char *t, size_t len, int *leader, int *comma)
{
	size_t e = len, d, i = 0;
	int letter = 0;

	*leader = *comma = 0;
	while (i < len && !letter) {
		int32_t c;

		i += text_decode(t, len, i, &c);
		letter = text_is_letter(c);
	}
	if (!letter)
		return 0;
	if (memmem(t, len, "...", 3) != NULL ||
	    memmem(t, len, ". . .", 5) != NULL ||
	    memmem(t, len, "\xE2\x80\xA6", 3) != NULL)
		*leader = 1;
	while (e > 0 && isdigit((unsigned char)t[e - 1]))
		e--;
	d = len - e;
	if (d == 0) {	/* roman page numbers: "Preface vii" */
		while (e > 0 && strchr("ivxlc", t[e - 1]) != NULL)
			e--;
		d = len - e;
		if (d == 0 || d > 6)
			return *leader;
	}
	if (d > 4 || e == 0 || (t[e - 1] != ' ' && t[e - 1] != '.'))
		return *leader;
	if (e >= 2 && t[e - 1] == ' ' && (t[e - 2] == ',' ||
	    isdigit((unsigned char)t[e - 2])))
		*comma = 1;
	return 1;
}

void
contents_count_line(struct contents_count *c, const char *t, size_t len)
{
	int leader, comma;

	while (len > 0 && (t[len - 1] == ' ' || t[len - 1] == '\t' ||
	    t[len - 1] == '\r'))
		len--;
	while (len > 0 && (*t == ' ' || *t == '\t')) {
		t++;
		len--;
	}
	if (len == 0)
		return;
	if (c->lines < 4 && contents_title(t, len))
		c->titled = 1;
	c->lines++;
	if (contents_ref_line(t, len, &leader, &comma)) {
		c->refs++;
		c->leaders += (size_t)leader;
		c->commas += (size_t)comma;
	}
}

int
contents_page(const struct contents_count *c, int prev)
{
	return c->lines >= 6 && c->refs * 10 >= c->lines * 6 &&
	    (c->leaders * 3 >= c->lines || c->titled ||
	    c->commas * 3 >= c->lines || prev);
}
