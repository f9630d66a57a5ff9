/*
 * walk.c: quarry-sync's walk of the trees -- which files are documents,
 * which are left out and why, and how a document's bytes are read.
 *
 * The walk goes through each root directory in byte order of names.  A
 * path is left out, and counted by reason (enum quarry_skip), when its
 * name starts with '.', when --exclude matches it (or, for a file, no
 * --include does), when the root's .quarryignore ignores it (gitignore's
 * syntax), when it is not a regular file, when it is a symbolic link
 * leading outside the roots, when it is larger than the size limit, or
 * when its type is not one quarry reads.  The type comes from the
 * extractor table (src/extract.c): by name first, then by the first bytes,
 * gzip undone for a name ending in ".gz" (README.gz, ls.1.gz).  A file
 * reached by several paths keeps one of them.  Options and messages are
 * in man/quarry-sync.1.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "quarry.h"
#include "walk_private.h"

static const char *const reasons[QUARRY_SKIP_N] = {
	[QUARRY_SKIP_HIDDEN] = "hidden",
	[QUARRY_SKIP_EXCLUDED] = "excluded",
	[QUARRY_SKIP_IGNORED] = "ignored",
	[QUARRY_SKIP_SPECIAL] = "not regular",
	[QUARRY_SKIP_UNKNOWN] = "unknown type",
	[QUARRY_SKIP_BINARY] = "binary",
	[QUARRY_SKIP_TOOLARGE] = "too large",
	[QUARRY_SKIP_OUTSIDE] = "outside the roots",
	[QUARRY_SKIP_DUPLICATE] = "duplicate",
	[QUARRY_SKIP_ALIAS] = "man alias",
	[QUARRY_SKIP_NOMANDOC] = "no mandoc",
};

const char *
quarry_skip_reason(enum quarry_skip why)
{
	return (unsigned)why < QUARRY_SKIP_N ? reasons[why] : "unknown";
}

static void
report(struct walk *w, const char *path, int warning, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
report(struct walk *w, const char *path, int warning, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!warning)
		w->failed++;
	if (w->report != NULL)
		w->report(w->arg, path, 0, warning, msg);
}

/* ---------------------------------------------------------------- globs */

/* Matches one byte c against the class at p ("[...]"); *end gets the byte
 * after it.  Returns -1 when p is not a whole class (then '[' is literal). */
static int
class_match(const char *p, unsigned char c, const char **end)
{
	int neg = 0, hit = 0;
	const char *q = p + 1;

	if (*q == '!' || *q == '^') {
		neg = 1;
		q++;
	}
	if (*q == ']') {		/* a leading ']' is literal */
		hit |= c == ']';
		q++;
	}
	while (*q != '\0' && *q != ']') {
		unsigned char lo = (unsigned char)*q, hi;

		if (*q == '\\' && q[1] != '\0')
			lo = (unsigned char)*++q;
		q++;
		hi = lo;
		if (*q == '-' && q[1] != ']' && q[1] != '\0') {
			q++;
			if (*q == '\\' && q[1] != '\0')
				q++;
			hi = (unsigned char)*q++;
		}
		if (c >= lo && c <= hi)
			hit = 1;
	}
	if (*q != ']')
		return -1;
	*end = q + 1;
	return hit != neg;
}

/* The length of the UTF-8 character at s (1 for a stray byte). */
static size_t
char_len(const char *s, const char *e)
{
	size_t n = 1;

	if ((unsigned char)*s >= 0xC0)
		while (s + n < e && ((unsigned char)s[n] & 0xC0) == 0x80 &&
		    n < 4)
			n++;
	return n;
}

/*
 * Whether the component pattern p[0..pe) matches s[0..se) (no '/' in
 * either): '*' as a run, with one backtracking point as in the classic
 * wildcard matcher, so the cost stays within len(p) x len(s).
 */
static int
comp_match(const char *p, const char *pe, const char *s, const char *se)
{
	const char *star_p = NULL, *star_s = NULL, *end;
	int m;

	while (s < se) {
		if (p < pe && *p == '*') {
			while (p < pe && *p == '*')
				p++;
			star_p = p;
			star_s = s;
			continue;
		}
		if (p < pe && *p == '?') {
			p++;
			s += char_len(s, se);
			continue;
		}
		if (p < pe && *p == '[' &&
		    (m = class_match(p, (unsigned char)*s, &end)) >= 0 &&
		    end <= pe) {
			if (m) {
				p = end;
				s++;
				continue;
			}
		} else if (p < pe) {
			const char *lit = p;

			if (*lit == '\\' && lit + 1 < pe)
				lit++;
			if (*lit == *s) {
				p = lit + 1;
				s++;
				continue;
			}
		}
		if (star_p == NULL)
			return 0;
		p = star_p;
		s = ++star_s;
	}
	while (p < pe && *p == '*')
		p++;
	return p == pe;
}

/* The end of the component starting at s. */
static const char *
comp_end(const char *s)
{
	const char *e = s;

	while (*e != '\0' && *e != '/') {
		if (*e == '\\' && e[1] != '\0')
			e++;
		e++;
	}
	return e;
}

static const char *
next_comp(const char *e)
{
	return *e == '/' ? e + 1 : e;
}

int
walk_glob(const char *pat, const char *path)
{
	/*
	 * By components: "**" is a star over whole components, any other
	 * component of pat matches exactly one of path; the same single
	 * backtracking point as comp_match(), so the cost stays bounded.
	 */
	const char *p = pat, *s = path, *star_p = NULL, *star_s = NULL;

	for (;;) {
		const char *pe, *se;

		if (*p == '\0') {
			if (*s == '\0')
				return 1;
			goto backtrack;
		}
		pe = comp_end(p);
		if (pe - p == 2 && p[0] == '*' && p[1] == '*') {
			if (*pe == '\0')	/* a trailing "**": all below */
				return *s != '\0';
			star_p = p = pe + 1;
			star_s = s;
			continue;
		}
		if (*s == '\0')
			goto backtrack;
		if ((se = strchr(s, '/')) == NULL)
			se = s + strlen(s);
		if (comp_match(p, pe, s, se)) {
			p = next_comp(pe);
			s = next_comp(se);
			continue;
		}
backtrack:
		/* Let the last "**" take one more component. */
		if (star_p == NULL || (se = strchr(star_s, '/')) == NULL)
			return 0;
		s = star_s = se + 1;
		p = star_p;
	}
}

/* ---------------------------------------------------------------- rules */

void
walk_rules_free(struct walk_rules *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		free(rs->r[i].pat);
	free(rs->r);
	memset(rs, 0, sizeof(*rs));
}

/* Adds the pattern line[0..len), already trimmed, with its marks. */
static int
rules_add(struct walk_rules *rs, const char *line, size_t len, int marks)
{
	struct walk_rule r = { 0 };
	const char *q;

	if (marks && len > 0 && line[0] == '!') {
		r.neg = 1;
		line++;
		len--;
	}
	if (len > 0 && line[len - 1] == '/' &&
	    (len < 2 || line[len - 2] != '\\')) {
		r.dir = 1;
		while (len > 0 && line[len - 1] == '/')
			len--;
	}
	for (q = line; q < line + len; q++)
		if (*q == '/')
			r.anchored = 1;
	while (len > 0 && line[0] == '/') {
		line++;
		len--;
	}
	if (len == 0)
		return 0;
	if (rs->n == rs->cap) {
		size_t ncap = rs->cap ? rs->cap * 2 : 8;
		struct walk_rule *n = realloc(rs->r, ncap * sizeof(*n));

		if (n == NULL)
			return QUARRY_ENOMEM;
		rs->r = n;
		rs->cap = ncap;
	}
	if ((r.pat = strndup(line, len)) == NULL)
		return QUARRY_ENOMEM;
	rs->r[rs->n++] = r;
	return 0;
}

int
walk_rules_add(struct walk_rules *rs, const char *pat)
{
	return rules_add(rs, pat, strlen(pat), 0);
}

int
walk_rules_parse(struct walk_rules *rs, const char *data, size_t len)
{
	size_t i = 0;
	int rc;

	while (i < len) {
		const char *line = data + i, *nl = memchr(line, '\n', len - i);
		size_t n = nl ? (size_t)(nl - line) : len - i;

		i += n + (nl != NULL);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		/* Trailing blanks go, unless quoted with '\'. */
		while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t') &&
		    (n < 2 || line[n - 2] != '\\'))
			n--;
		if (n == 0 || line[0] == '#' || memchr(line, '\0', n) != NULL)
			continue;
		/* "\#" and "\!" start a pattern with those bytes. */
		if (n >= 2 && line[0] == '\\' && (line[1] == '#' ||
		    line[1] == '!')) {
			line++;
			n--;
			if ((rc = rules_add(rs, line, n, 0)) != 0)
				return rc;
			continue;
		}
		if ((rc = rules_add(rs, line, n, 1)) != 0)
			return rc;
	}
	return 0;
}

int
walk_rules_match(const struct walk_rules *rs, const char *rel, int dir)
{
	const char *base = strrchr(rel, '/');
	size_t i;

	base = base ? base + 1 : rel;
	for (i = rs->n; i-- > 0;) {
		const struct walk_rule *r = &rs->r[i];

		if (r->dir && !dir)
			continue;
		if (walk_glob(r->pat, r->anchored ? rel : base))
			return r->neg ? -1 : 1;
	}
	return 0;
}

/* -------------------------------------------------------------- reading */

/*
 * Inflates the gzip members in[0..n) into b, at most max bytes.  When
 * partial, a stream cut short is fine (the first bytes of a file) and
 * reaching max stops without error.
 */
static int
gunzip(const unsigned char *in, size_t n, size_t max, int partial,
    struct quarry_buf *b, char *msg, size_t msglen)
{
	unsigned char out[65536];
	z_stream z;
	int zrc, rc = 0;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return QUARRY_ENOMEM;
	z.next_in = (unsigned char *)in;
	for (;;) {
		size_t room = n - (size_t)(z.next_in - in), got;

		z.avail_in = room > UINT32_MAX ? UINT32_MAX : (uInt)room;
		z.next_out = out;
		z.avail_out = sizeof(out);
		zrc = inflate(&z, Z_NO_FLUSH);
		got = sizeof(out) - z.avail_out;
		if (got > 0) {
			if (b->len + got > max) {
				if (partial) {
					got = max - b->len;
					if (quarry_buf_append(b, out, got) != 0)
						rc = QUARRY_ENOMEM;
					break;
				}
				snprintf(msg, msglen, "decompresses to more "
				    "than %zu bytes", max);
				rc = QUARRY_ETOOBIG;
				break;
			}
			if (quarry_buf_append(b, out, got) != 0) {
				rc = QUARRY_ENOMEM;
				break;
			}
		}
		if (zrc == Z_STREAM_END) {
			/* Another member may follow (as gzip writes them). */
			if (z.next_in == in + n)
				break;
			if (inflateReset(&z) != Z_OK) {
				rc = QUARRY_ENOMEM;
				break;
			}
			continue;
		}
		if (zrc == Z_BUF_ERROR && z.next_in == in + n && got == 0) {
			if (!partial) {
				snprintf(msg, msglen, "gzip data cut short");
				rc = QUARRY_EFORMAT;
			}
			break;
		}
		if (zrc == Z_MEM_ERROR) {
			rc = QUARRY_ENOMEM;
			break;
		}
		if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
			snprintf(msg, msglen, "not valid gzip data: %s",
			    z.msg ? z.msg : "inflate failed");
			rc = QUARRY_EFORMAT;
			break;
		}
	}
	inflateEnd(&z);
	return rc;
}

int
walk_read(const char *path, int gz, size_t max, struct quarry_buf *b,
    char *msg, size_t msglen)
{
	struct quarry_buf raw = { 0 };
	int rc;

	*msg = '\0';
	if (!gz)
		return quarry_buf_read_file(b, path, max);
	/* The compressed file is smaller than what it holds, but a gzip
	 * stream can hold more than 1000 times its size. */
	if ((rc = quarry_buf_read_file(&raw, path, max)) != 0)
		return rc;
	rc = gunzip((const unsigned char *)raw.data, raw.len, max, 0, b, msg,
	    msglen);
	quarry_buf_free(&raw);
	if (rc == 0 && quarry_buf_reserve(b, 1) != 0)
		rc = QUARRY_ENOMEM;
	if (rc == 0)
		b->data[b->len] = '\0';
	return rc;
}

/* Reads the first bytes of path (gzip undone when gz); -1 (errno). */
static int
read_head(const char *path, int gz, struct quarry_buf *head)
{
	unsigned char buf[QUARRY_SNIFF_BYTES * 4];
	size_t n = 0, want = gz ? sizeof(buf) : QUARRY_SNIFF_BYTES;
	ssize_t got;
	char msg[128];
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return -1;
	while (n < want) {
		got = read(fd, buf + n, want - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;

			close(fd);
			errno = e;
			return -1;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	if (!gz)
		return quarry_buf_append(head, buf, n) != 0 ? (errno = ENOMEM,
		    -1) : 0;
	if (gunzip(buf, n, QUARRY_SNIFF_BYTES, 1, head, msg, sizeof(msg)) ==
	    QUARRY_ENOMEM) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* ----------------------------------------------------------------- walk */

int
walk_under(const char *source, const char *root)
{
	size_t n = strlen(root);

	while (n > 1 && root[n - 1] == '/')
		n--;
	if (strncmp(source, root, n) != 0)
		return 0;
	return source[n] == '\0' || source[n] == '/' ||
	    (n > 0 && root[n - 1] == '/');
}

int
walk_left_out(const struct walk *w, const char *doc)
{
	char *p;
	size_t i;
	int out = 0;

	if (json_object_get(w->skipped, doc) != NULL)
		return 1;
	if ((p = strdup(doc)) == NULL)
		return QUARRY_ENOMEM;
	for (i = strlen(p); i-- > 1 && !out;)
		if (p[i] == '/') {
			p[i] = '\0';
			out = json_object_get(w->skipped, p) != NULL;
		}
	free(p);
	return out;
}

/* Notes a path the walk leaves out, so that its old document goes. */
static int
skip_path(struct walk *w, const char *path, enum quarry_skip why)
{
	char *e = quarry_name_escape(path);
	int rc;

	w->skip[why]++;
	if (w->o->skip != NULL)
		w->o->skip(w->o->arg, path, why);
	rc = e == NULL || json_object_set_new(w->skipped, e, json_true()) != 0;
	free(e);
	return rc ? QUARRY_ENOMEM : 0;
}

static int
add_file(struct walk *w, const char *path, const struct stat *sb, int link,
    enum quarry_doctype type, int gz)
{
	struct walk_file *f;
	char *e;

	if (w->nfiles == w->capfiles) {
		size_t ncap = w->capfiles ? w->capfiles * 2 : 256;
		struct walk_file *n = realloc(w->files, ncap * sizeof(*n));

		if (n == NULL)
			return QUARRY_ENOMEM;
		w->files = n;
		w->capfiles = ncap;
	}
	f = &w->files[w->nfiles];
	memset(f, 0, sizeof(*f));
	if ((f->path = strdup(path)) == NULL)
		return QUARRY_ENOMEM;
	f->dev = sb->st_dev;
	f->ino = sb->st_ino;
	f->link = link;
	f->type = type;
	f->gz = gz;
	if ((e = quarry_name_escape(path)) == NULL) {
		free(f->path);
		return QUARRY_ENOMEM;
	}
	f->stored = w->existing != NULL &&
	    json_object_get(w->existing, e) != NULL;
	free(e);
	w->nfiles++;
	return 0;
}

/*
 * Whether the symbolic link path leads outside every root directory (its
 * target resolved with realpath(3)).  Returns 1, 0, or -1 when the target
 * cannot be resolved.
 */
static int
outside(struct walk *w, const char *path)
{
	char *real = realpath(path, NULL);
	size_t i;
	int out = 1;

	if (real == NULL)
		return -1;
	for (i = 0; i < w->nroots && out; i++)
		if (w->realroots[i] != NULL && walk_under(real,
		    w->realroots[i]))
			out = 0;
	free(real);
	return out;
}

static int
cmp_files(const void *a, const void *b, void *arg)
{
	const struct walk_file *f = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	if (f[i].dev != f[j].dev)
		return f[i].dev < f[j].dev ? -1 : 1;
	if (f[i].ino != f[j].ino)
		return f[i].ino < f[j].ino ? -1 : 1;
	if (f[i].stored != f[j].stored)
		return f[j].stored - f[i].stored;
	if (f[i].link != f[j].link)
		return f[i].link - f[j].link;
	return i < j ? -1 : i > j;
}

/*
 * Keeps one path to each file (device and inode): the one the store has
 * a document under, else the first reached without a symbolic link, else
 * the first in walk order.  The others are left out as duplicates.
 */
static int
one_path_per_file(struct walk *w)
{
	size_t *ord, i, k;
	unsigned char *drop;
	int rc = 0;

	if (w->nfiles < 2)
		return 0;
	ord = malloc(w->nfiles * sizeof(*ord));
	drop = calloc(w->nfiles, 1);
	if (ord == NULL || drop == NULL) {
		free(ord);
		free(drop);
		return QUARRY_ENOMEM;
	}
	for (i = 0; i < w->nfiles; i++)
		ord[i] = i;
	qsort_r(ord, w->nfiles, sizeof(*ord), cmp_files, w->files);
	for (i = 1; i < w->nfiles; i++)
		if (w->files[ord[i]].dev == w->files[ord[i - 1]].dev &&
		    w->files[ord[i]].ino == w->files[ord[i - 1]].ino)
			drop[ord[i]] = 1;
	for (i = 0, k = 0; i < w->nfiles; i++) {
		if (drop[i]) {
			if (rc == 0)
				rc = skip_path(w, w->files[i].path,
				    QUARRY_SKIP_DUPLICATE);
			free(w->files[i].path);
			continue;
		}
		w->files[k++] = w->files[i];
	}
	w->nfiles = k;
	free(ord);
	free(drop);
	return rc;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether a program named name is on $PATH. */
static int
on_path(const char *name)
{
	const char *path = getenv("PATH"), *p, *e;
	char buf[4096];

	if (path == NULL || *path == '\0')
		path = "/usr/bin:/bin";
	for (p = path; ; p = e + 1) {
		e = strchr(p, ':');
		if (e == NULL)
			e = p + strlen(p);
		if (snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(e - p), p,
		    e > p ? "/" : "", name) < (int)sizeof(buf) &&
		    access(buf, X_OK) == 0)
			return 1;
		if (*e == '\0')
			return 0;
	}
}

/* Whether a manual page's first bytes only source another page (".so"),
 * after comment lines. */
static int
man_alias(const char *h, size_t n)
{
	size_t i = 0;

	while (i < n) {
		const char *nl = memchr(h + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - h) : n;

		if (e - i >= 4 && memcmp(h + i, ".so", 3) == 0 &&
		    (h[i + 3] == ' ' || h[i + 3] == '\t'))
			return 1;
		if (!(e - i >= 3 && (memcmp(h + i, ".\\\"", 3) == 0 ||
		    memcmp(h + i, "'\\\"", 3) == 0)) && e > i)
			return 0;
		i = e + 1;
	}
	return 0;
}

/* Whether the first bytes look binary: a NUL, or not UTF-8. */
static int
binary(const char *h, size_t n)
{
	size_t bad;

	if (memchr(h, '\0', n) != NULL)
		return 1;
	return quarry_utf8_validate(h, n, &bad) != 0 &&
	    (n < QUARRY_SNIFF_BYTES || n - bad > 3);
}

/* Whether name ends in ".gz" (the name without it in inner). */
static int
gz_name(const char *path, char **inner)
{
	size_t n = strlen(path);

	*inner = NULL;
	if (n < 4 || strcasecmp(path + n - 3, ".gz") != 0 ||
	    path[n - 4] == '/')
		return 0;
	*inner = strndup(path, n - 3);
	return 1;
}

/*
 * Tells the type of the regular file path, or why it is left out (*why,
 * type NONE).  Returns 0, or -1 with errno set when it cannot be read.
 */
static int
classify(struct walk *w, const char *path, enum quarry_doctype *t, int *gz,
    enum quarry_skip *why)
{
	struct quarry_buf head = { 0 };
	char *inner = NULL;
	const char *name = path;
	int rc = 0;

	*why = QUARRY_SKIP_N;
	if ((*gz = gz_name(path, &inner)) != 0) {
		if (inner == NULL) {
			errno = ENOMEM;
			return -1;
		}
		name = inner;
	}
	*t = quarry_extract_detect(name, NULL, 0);
	if (*t == QUARRY_DOCTYPE_NONE || *t == QUARRY_DOCTYPE_MAN || *gz) {
		if (read_head(path, *gz, &head) != 0) {
			rc = -1;
			goto out;
		}
		*t = quarry_extract_detect(name, head.data, head.len);
	}
	if (*t == QUARRY_DOCTYPE_NONE)
		*why = head.len > 0 && binary(head.data, head.len) ?
		    QUARRY_SKIP_BINARY : QUARRY_SKIP_UNKNOWN;
	else if (*t == QUARRY_DOCTYPE_MAN && man_alias(head.data, head.len))
		*why = QUARRY_SKIP_ALIAS;
	else if (*t == QUARRY_DOCTYPE_MAN) {
		if (w->mandoc < 0)
			w->mandoc = on_path("mandoc");
		if (!w->mandoc)
			*why = QUARRY_SKIP_NOMANDOC;
	}
	if (*why != QUARRY_SKIP_N)
		*t = QUARRY_DOCTYPE_NONE;
out:
	quarry_buf_free(&head);
	free(inner);
	return rc;
}

/* Whether the relative path rel is left out by the rules, and why. */
static int
selected(struct walk *w, const char *rel, int dir, enum quarry_skip *why)
{
	if (w->exclude.n > 0 && walk_rules_match(&w->exclude, rel, dir) > 0) {
		*why = QUARRY_SKIP_EXCLUDED;
		return 0;
	}
	if (!dir && w->include.n > 0 &&
	    walk_rules_match(&w->include, rel, 0) <= 0) {
		*why = QUARRY_SKIP_EXCLUDED;
		return 0;
	}
	if (w->ignore.n > 0 && walk_rules_match(&w->ignore, rel, dir) > 0) {
		*why = QUARRY_SKIP_IGNORED;
		return 0;
	}
	return 1;
}

/*
 * Lists the files under dir.  Returns 0, 1 when some part could not be
 * read (reported), or QUARRY_ENOMEM.
 */
static int
walk_dir(struct walk *w, const char *dir)
{
	char **names = NULL, *path = NULL;
	size_t n = 0, cap = 0, i, dlen = strlen(dir);
	struct dirent *de;
	DIR *d;
	int rc = 0, partial = 0;

	if ((d = opendir(dir)) == NULL) {
		report(w, dir, 0, "%s", strerror(errno));
		return 1;
	}
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			char **nn;

			cap = cap ? cap * 2 : 64;
			if ((nn = realloc(names, cap * sizeof(*nn))) == NULL) {
				rc = QUARRY_ENOMEM;
				goto out;
			}
			names = nn;
		}
		if ((names[n] = strdup(de->d_name)) == NULL) {
			rc = QUARRY_ENOMEM;
			goto out;
		}
		n++;
		errno = 0;
	}
	if (errno != 0) {
		report(w, dir, 0, "%s", strerror(errno));
		partial = 1;
	}
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		size_t len = dlen + 1 + strlen(names[i]) + 1;
		enum quarry_doctype t;
		enum quarry_skip why;
		const char *rel;
		struct stat sb;
		char *p;
		int link, gz;

		if ((p = realloc(path, len)) == NULL) {
			rc = QUARRY_ENOMEM;
			goto out;
		}
		path = p;
		snprintf(path, len, "%s%s%s", dir,
		    dlen > 0 && dir[dlen - 1] == '/' ? "" : "/", names[i]);
		rel = path + (w->rootlen <= strlen(path) ? w->rootlen : 0);
		if (names[i][0] == '.') {
			/* The ignore file itself is no document to count. */
			if (strcmp(rel, WALK_IGNORE_FILE) == 0)
				continue;
			why = QUARRY_SKIP_HIDDEN;
			goto skip;
		}
		if (lstat(path, &sb) != 0) {
			report(w, path, 0, "%s", strerror(errno));
			partial = 1;
			continue;
		}
		if (S_ISDIR(sb.st_mode)) {
			if (!selected(w, rel, 1, &why))
				goto skip;
			if ((rc = walk_dir(w, path)) < 0)
				goto out;
			partial |= rc;
			rc = 0;
			continue;
		}
		/*
		 * A symbolic link counts when it leads to a regular file,
		 * inside the roots unless the options allow any.
		 */
		link = S_ISLNK(sb.st_mode);
		if (!selected(w, rel, 0, &why))
			goto skip;
		if ((link && stat(path, &sb) != 0) || !S_ISREG(sb.st_mode)) {
			why = QUARRY_SKIP_SPECIAL;
			goto skip;
		}
		if (link && !w->o->outside_links && outside(w, path) != 0) {
			report(w, path, 1, "symbolic link to a file outside "
			    "the synced directories; skipped");
			why = QUARRY_SKIP_OUTSIDE;
			goto skip;
		}
		if (w->o->max_size > 0 && (uint64_t)sb.st_size >
		    (uint64_t)w->o->max_size) {
			why = QUARRY_SKIP_TOOLARGE;
			goto skip;
		}
		if (classify(w, path, &t, &gz, &why) != 0) {
			report(w, path, 0, "%s", strerror(errno));
			partial = 1;
			continue;
		}
		if (t == QUARRY_DOCTYPE_NONE)
			goto skip;
		if ((rc = add_file(w, path, &sb, link, t, gz)) != 0)
			goto out;
		continue;
skip:
		if ((rc = skip_path(w, path, why)) != 0)
			goto out;
	}
	rc = partial;
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(path);
	closedir(d);
	return rc;
}

/* Reads the root's ignore file into w->ignore (none is fine). */
static int
read_ignore(struct walk *w, const char *root)
{
	struct quarry_buf b = { 0 };
	char *path;
	size_t len = strlen(root) + sizeof(WALK_IGNORE_FILE) + 1;
	int rc;

	walk_rules_free(&w->ignore);
	if (w->o->no_ignore)
		return 0;
	if ((path = malloc(len)) == NULL)
		return QUARRY_ENOMEM;
	snprintf(path, len, "%s%s%s", root, root[strlen(root) - 1] == '/' ?
	    "" : "/", WALK_IGNORE_FILE);
	rc = quarry_buf_read_file(&b, path, 1 << 20);
	if (rc == QUARRY_EIO && errno == ENOENT)
		rc = 0;
	else if (rc == QUARRY_ENOMEM)
		;
	else if (rc != 0) {
		report(w, path, 0, "%s", rc == QUARRY_EIO ? strerror(errno) :
		    "larger than 1 MiB; not read");
		rc = 1;
	} else
		rc = walk_rules_parse(&w->ignore, b.data, b.len);
	quarry_buf_free(&b);
	free(path);
	return rc;
}

int
walk_run(struct walk *w, char *const *roots, size_t n)
{
	size_t i;
	int rc;

	w->mandoc = -1;
	if ((w->skipped = json_object()) == NULL ||
	    (w->root_bad = calloc(n ? n : 1, 1)) == NULL ||
	    (w->realroots = calloc(n ? n : 1, sizeof(char *))) == NULL)
		return QUARRY_ENOMEM;
	w->nroots = n;
	for (i = 0; i < w->o->ninclude; i++)
		if ((rc = walk_rules_add(&w->include, w->o->include[i])) != 0)
			return rc;
	for (i = 0; i < w->o->nexclude; i++)
		if ((rc = walk_rules_add(&w->exclude, w->o->exclude[i])) != 0)
			return rc;
	for (i = 0; i < n; i++) {
		struct stat sb;

		if (stat(roots[i], &sb) == 0 && S_ISDIR(sb.st_mode))
			w->realroots[i] = realpath(roots[i], NULL);
	}
	for (i = 0; i < n; i++) {
		struct stat sb;

		if (stat(roots[i], &sb) != 0) {
			report(w, roots[i], 0, "%s", strerror(errno));
			w->root_bad[i] = 1;
		} else if (S_ISDIR(sb.st_mode)) {
			size_t rl = strlen(roots[i]);

			if ((rc = read_ignore(w, roots[i])) < 0)
				return rc;
			w->root_bad[i] = rc > 0;
			w->rootlen = rl + (rl > 0 && roots[i][rl - 1] != '/');
			if ((rc = walk_dir(w, roots[i])) < 0)
				return rc;
			w->root_bad[i] |= rc > 0;
		} else if (!S_ISREG(sb.st_mode)) {
			report(w, roots[i], 0, "not a regular file");
		} else {
			/* A file named is taken whatever the rules say. */
			enum quarry_doctype t;
			enum quarry_skip why;
			int gz;

			if (classify(w, roots[i], &t, &gz, &why) != 0) {
				report(w, roots[i], 0, "%s", strerror(errno));
				continue;
			}
			if (t == QUARRY_DOCTYPE_NONE) {
				/* Named, so read as text if anything. */
				if (why == QUARRY_SKIP_NOMANDOC) {
					report(w, roots[i], 0, "a manual page, "
					    "and mandoc is not installed");
					continue;
				}
				t = QUARRY_DOCTYPE_TEXT;
			}
			if ((rc = add_file(w, roots[i], &sb, 0, t, gz)) != 0)
				return rc;
		}
	}
	walk_rules_free(&w->ignore);
	return one_path_per_file(w);
}

void
walk_free(struct walk *w)
{
	size_t i;

	for (i = 0; i < w->nfiles; i++)
		free(w->files[i].path);
	free(w->files);
	for (i = 0; i < w->nroots; i++)
		free(w->realroots[i]);
	free(w->realroots);
	free(w->root_bad);
	json_decref(w->skipped);
	walk_rules_free(&w->include);
	walk_rules_free(&w->exclude);
	walk_rules_free(&w->ignore);
	memset(w, 0, sizeof(*w));
}
