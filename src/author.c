/*
 * author.c: cleaning up author strings into the record form, names joined
 * by "; " (man/quarry.7).
 *
 * Author fields come from <meta name="author">, PDF /Author, bylines and
 * feeds, and carry "By ", e-mail addresses, several names in one string and
 * the same name twice.  The rules are deliberately conservative: a string is
 * split only at list separators that cannot belong to a name (";", "|", a
 * comma between multi-word names, "and"/"und"/"&"/"et" between names), and a
 * lone "Surname, Given" stays one name.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "quarry.h"

#define MAX_PARTS 64

struct part {
	char *s;	/* in the work buffer, NUL-terminated */
	size_t len;
};

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int
ieq(const char *a, size_t alen, const char *b)
{
	size_t i, blen = strlen(b);

	if (alen != blen)
		return 0;
	for (i = 0; i < alen; i++)
		if (lower((unsigned char)a[i]) != b[i])
			return 0;
	return 1;
}

static int
istarts(const char *a, size_t alen, const char *b)
{
	size_t i, blen = strlen(b);

	if (alen < blen)
		return 0;
	for (i = 0; i < blen; i++)
		if (lower((unsigned char)a[i]) != b[i])
			return 0;
	return 1;
}

/* Trims spaces and list punctuation at both ends of p. */
static void
trim(struct part *p)
{
	static const char junk[] = " ,;:|-\"'";
	static const char *const open_q[] = { "\xE2\x80\x9C", "\xE2\x80\x9D",
	    "\xC2\xAB", "\xC2\xBB", NULL };
	int changed = 1;

	while (changed && p->len > 0) {
		size_t k;

		changed = 0;
		if (strchr(junk, p->s[0]) != NULL) {
			p->s++;
			p->len--;
			changed = 1;
			continue;
		}
		if (strchr(junk, p->s[p->len - 1]) != NULL) {
			p->len--;
			changed = 1;
			continue;
		}
		for (k = 0; open_q[k]; k++) {
			size_t ql = strlen(open_q[k]);

			if (p->len >= ql && memcmp(p->s, open_q[k], ql) == 0) {
				p->s += ql;
				p->len -= ql;
				changed = 1;
			} else if (p->len >= ql && memcmp(p->s + p->len - ql,
			    open_q[k], ql) == 0) {
				p->len -= ql;
				changed = 1;
			}
		}
	}
}

/* A word that is an e-mail address or a URL rather than a name. */
static int
is_address(const char *w, size_t n)
{
	if (memchr(w, '@', n) != NULL && n > 1 && w[0] != '@')
		return 1;
	return istarts(w, n, "http://") || istarts(w, n, "https://") ||
	    istarts(w, n, "www.") || istarts(w, n, "mailto:");
}

/*
 * Copies s into buf with white space collapsed, and with addresses and
 * bracketed addresses ("<a@b.c>", "(a@b.c)") removed.  Returns the length.
 */
static size_t
clean(const char *s, size_t len, char *buf)
{
	size_t i = 0, o = 0;

	while (i < len) {
		size_t j, ws = 0;

		/* White space, including U+00A0. */
		while (i < len) {
			unsigned char c = (unsigned char)s[i];

			if (c <= ' ' || c == 0x7F)	/* controls too */
				i++;
			else if (c == 0xC2 && i + 1 < len &&
			    (unsigned char)s[i + 1] == 0xA0)
				i += 2;
			else
				break;
			ws = 1;
		}
		if (i >= len)
			break;
		if (ws && o > 0 && buf[o - 1] != ' ')
			buf[o++] = ' ';
		/* One word, up to the next space. */
		for (j = i; j < len && (unsigned char)s[j] > ' ' &&
		    s[j] != 0x7F && !((unsigned char)s[j] == 0xC2 &&
		    j + 1 < len && (unsigned char)s[j + 1] == 0xA0); j++)
			;
		{
			const char *w = s + i;
			size_t n = j - i, a = 0, b = n;

			/* Look inside brackets and after trailing
			 * punctuation for the address itself. */
			while (a < b && strchr("<([\"'", w[a]) != NULL)
				a++;
			while (b > a && strchr(">)]\"',;.:", w[b - 1]) != NULL)
				b--;
			if (b > a && is_address(w + a, b - a)) {
				/* Keep a list separator that followed it. */
				size_t k;

				for (k = b; k < n; k++)
					if (w[k] == ',' || w[k] == ';')
						buf[o++] = w[k];
			} else {
				memcpy(buf + o, w, n);
				o += n;
			}
		}
		i = j;
	}
	while (o > 0 && buf[o - 1] == ' ')
		o--;
	buf[o] = '\0';
	return o;
}

/* Drops a leading "By", "Von", "Par", "Por" or "Author:" from p. */
static void
drop_by(struct part *p)
{
	static const char *const by[] = { "by ", "by: ", "von ", "par ",
	    "por ", "door ", "di ", "author: ", "authors: ", "autor: ",
	    "autoren: ", "auteur: ", "auteurs: ", "autore: ", "autores: ",
	    "written by ", "posted by ", "geschrieben von ", "ecrit par ",
	    "\xC3\xA9" "crit par ", "escrito por ", "scritto da ", NULL };
	size_t k;

	for (k = 0; by[k]; k++)
		if (istarts(p->s, p->len, by[k])) {
			size_t n = strlen(by[k]);

			p->s += n;
			p->len -= n;
			trim(p);
			return;
		}
	if (ieq(p->s, p->len, "by"))
		p->len = 0;
}

/* Name suffixes that a comma separates from the name they belong to. */
static int
is_suffix(const char *s, size_t n)
{
	static const char *const sfx[] = { "jr", "jr.", "sr", "sr.", "ii",
	    "iii", "iv", "phd", "ph.d.", "md", "m.d.", "esq", "esq.", NULL };
	size_t k;

	for (k = 0; sfx[k]; k++)
		if (ieq(s, n, sfx[k]))
			return 1;
	return 0;
}

/*
 * Splits s[0..len) at the words of conj standing between two names, adding
 * the pieces to parts.  Returns the new count, or -1 on overflow.
 */
static int
split_words(char *s, size_t len, const char *const *conj, struct part *parts,
    int n)
{
	size_t start = 0, i = 0;

	while (i < len) {
		size_t j = i, k;

		while (j < len && s[j] != ' ')
			j++;
		for (k = 0; conj[k]; k++)
			if (j < len && ieq(s + i, j - i, conj[k]))
				break;
		if (conj[k] != NULL && i == start) {
			/* "A, B, and C": the conjunction opens the piece. */
			start = j + 1;
		} else if (conj[k] != NULL) {
			if (n == MAX_PARTS)
				return -1;
			parts[n].s = s + start;
			parts[n].len = i - start;
			n++;
			start = j + 1;
		}
		i = j + 1;
	}
	if (start < len) {
		if (n == MAX_PARTS)
			return -1;
		parts[n].s = s + start;
		parts[n].len = len - start;
		n++;
	}
	return n;
}

static int
has_space(const struct part *p)
{
	return memchr(p->s, ' ', p->len) != NULL;
}

int
quarry_author_normalize(const char *s, size_t len, char **out)
{
	static const char *const conj[] = { "and", "und", "&", "et", NULL };
	static const char *const conj_list[] = { "and", "und", "&", "et",
	    "y", "e", "en", NULL };
	struct part pieces[MAX_PARTS], parts[MAX_PARTS];
	size_t blen, i, o;
	int np = 0, n = 0, k, semi;
	char *buf, *res;

	*out = NULL;
	if ((buf = malloc(len + 1)) == NULL)
		return QUARRY_ENOMEM;
	blen = clean(s, len, buf);

	/* "et al." means more names we do not have. */
	if (blen >= 6 && (ieq(buf + blen - 6, 6, "et al.") ||
	    ieq(buf + blen - 6, 6, " et al")))
		blen -= 6;
	else if (blen >= 7 && ieq(buf + blen - 7, 7, " et al."))
		blen -= 7;
	buf[blen] = '\0';

	/* First level: ";" and "|" always separate names; commas do when
	 * there is no ";". */
	semi = memchr(buf, ';', blen) != NULL || memchr(buf, '|', blen) != NULL;
	{
		size_t start = 0;

		for (i = 0; i <= blen; i++) {
			if (i < blen && buf[i] != ';' && buf[i] != '|' &&
			    (semi || buf[i] != ','))
				continue;
			if (np == MAX_PARTS)
				break;
			pieces[np].s = buf + start;
			pieces[np].len = i - start;
			trim(&pieces[np]);
			if (pieces[np].len > 0)
				np++;
			start = i + 1;
		}
	}
	/* "Surname, Given" (two one-word pieces from a comma) is one name;
	 * so is "Name, Jr.". */
	if (!semi && np == 2 && !has_space(&pieces[0]) &&
	    !has_space(&pieces[1])) {
		pieces[0].len = (size_t)(pieces[1].s + pieces[1].len -
		    pieces[0].s);
		np = 1;
	}
	for (k = 0; k < np; k++) {
		if (k > 0 && !semi && is_suffix(pieces[k].s, pieces[k].len)) {
			struct part *q = &parts[n - 1];

			if (n > 0) {
				q->len = (size_t)(pieces[k].s + pieces[k].len -
				    q->s);
				continue;
			}
		}
		drop_by(&pieces[k]);
		/* Within a piece, conjunctions separate names; "y", "e"
		 * and "en" only at the end of a comma list ("A, B y C"),
		 * since "Ortega y Gasset" is one name. */
		n = split_words(pieces[k].s, pieces[k].len,
		    !semi && np > 1 && k == np - 1 ? conj_list : conj,
		    parts, n);
		if (n < 0) {
			n = MAX_PARTS;
			break;
		}
	}

	/* Clean each name, drop empty ones and repeats, and join. */
	if ((res = malloc(blen + 2 * (size_t)n + 1)) == NULL) {
		free(buf);
		return QUARRY_ENOMEM;
	}
	o = 0;
	for (k = 0; k < n; k++) {
		int dup = 0, j;

		trim(&parts[k]);
		drop_by(&parts[k]);
		if (parts[k].len == 0)
			continue;
		for (j = 0; j < k && !dup; j++)
			if (parts[j].len == parts[k].len && parts[j].len > 0) {
				size_t c;

				dup = 1;
				for (c = 0; c < parts[k].len; c++)
					if (lower((unsigned char)parts[j].s[c]) !=
					    lower((unsigned char)parts[k].s[c])) {
						dup = 0;
						break;
					}
			}
		if (dup) {
			parts[k].len = 0;
			continue;
		}
		if (o > 0) {
			res[o++] = ';';
			res[o++] = ' ';
		}
		memcpy(res + o, parts[k].s, parts[k].len);
		o += parts[k].len;
	}
	res[o] = '\0';
	free(buf);
	if (o == 0) {
		free(res);
		return QUARRY_ENOTFOUND;
	}
	*out = res;
	return 0;
}
