/*
 * walk_private.h: quarry-sync's walk of the trees (src/walk.c), shared
 * with the rest of the sync (src/sync.c): which files are documents, which
 * are left out and why, and how a document file's bytes are read (gzip
 * undone).  The selection rules are in man/quarry-sync.1.
 */
#ifndef QUARRY_WALK_PRIVATE_H
#define QUARRY_WALK_PRIVATE_H

#include <sys/types.h>

#include "quarry.h"

/* The name of the ignore file read in each root directory. */
#define WALK_IGNORE_FILE ".quarryignore"

/* A file of the walk. */
struct walk_file {
	char *path;
	dev_t dev;
	ino_t ino;
	int link;		/* reached through a symbolic link */
	int stored;		/* the store has a document under this path */
	int gz;			/* gzip-compressed: read through zlib */
	enum quarry_doctype type;
};

/* A list of patterns, as an ignore file or --include/--exclude give them. */
struct walk_rule {
	char *pat;		/* without '!', a leading '/', a trailing '/' */
	unsigned neg:1;		/* '!': a match re-includes */
	unsigned dir:1;		/* trailing '/': directories only */
	unsigned anchored:1;	/* has a '/': matched against the whole
				   relative path, else against the name */
};

struct walk_rules {
	struct walk_rule *r;
	size_t n, cap;
};

struct walk {
	/* Set by the caller. */
	const quarry_sync_options *o;
	json_t *existing;	/* doc -> source of stored documents */
	void (*report)(void *arg, const char *path, unsigned long line,
	    int warning, const char *msg);
	void *arg;

	/* The result. */
	struct walk_file *files;
	size_t nfiles, capfiles;
	json_t *skipped;	/* paths left out, escaped: their old
				   documents go */
	unsigned char *root_bad;	/* per root: some part not read */
	uint64_t skip[QUARRY_SKIP_N];	/* left out, by reason */
	uint64_t failed;	/* reported */

	/* During the walk. */
	char **realroots;
	size_t nroots;
	struct walk_rules include, exclude, ignore;
	size_t rootlen;		/* bytes of the current root and its '/' */
	int mandoc;		/* -1 not looked for, 0 absent, 1 found */
};

/*
 * Walks roots[0..n) with w's options into w->files (sorted, one path per
 * file).  Returns 0 or a negative code (QUARRY_ENOMEM).
 */
int walk_run(struct walk *w, char *const *roots, size_t n);
void walk_free(struct walk *w);

/*
 * Whether the walk left out doc (a path as "doc" carries it, escaped) or a
 * directory above it: 1, 0, or QUARRY_ENOMEM.
 */
int walk_left_out(const struct walk *w, const char *doc);

/* Whether source lies under root (root itself for a file). */
int walk_under(const char *source, const char *root);

/*
 * Reads the file at path (through zlib when gz) into b, at most max bytes
 * (after decompression): QUARRY_ETOOBIG past it, QUARRY_EFORMAT for a
 * damaged gzip stream (msg says why), QUARRY_EIO with errno set.
 */
int walk_read(const char *path, int gz, size_t max, struct quarry_buf *b,
    char *msg, size_t msglen);

/*
 * Pattern rules: parses the ignore-file text data[0..len) into rules
 * (gitignore's syntax, see quarry-sync(1)), adds one --include/--exclude
 * pattern, and tells whether the relative path rel (a directory when dir)
 * matches: 1 matched, -1 matched by a negation, 0 no rule matched.
 */
int walk_rules_parse(struct walk_rules *rs, const char *data, size_t len);
int walk_rules_add(struct walk_rules *rs, const char *pat);
int walk_rules_match(const struct walk_rules *rs, const char *rel, int dir);
void walk_rules_free(struct walk_rules *rs);

/*
 * Whether the glob pat matches the whole of path: '*' any run of bytes but
 * '/', '?' one character but '/', "[...]" a class ('!' or '^' negates, a-z
 * ranges), '\' quotes the next byte, and "**" as a whole component any
 * number of components (none included; at the end, one or more:
 * "a/" followed by "**" matches below a, not a itself).
 */
int walk_glob(const char *pat, const char *path);

#endif
