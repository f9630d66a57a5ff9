/*
 * quarry-chunk: splits document records into chunk records.
 *
 * Reads document records (or, with --text, raw text files), splits each
 * document's text with libquarry's chunker and writes one chunk record per
 * chunk (man/quarry.7).  All the splitting logic lives in src/chunker.c.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "quarry.h"

static void
usage(void)
{
	char *path = NULL;
	const char *name = quarry_tokenizer_default();
	char here[1200];

	printf("Usage: %s [OPTION]... [FILE]...\n", progname);
	/* Says which counting the default unit gets on this system. */
	if (strcmp(name, "estimate") == 0)
		snprintf(here, sizeof(here), "estimated ($QUARRY_TOKENIZER)");
	else if (quarry_tokenizer_find(name, &path) == 0)
		snprintf(here, sizeof(here), "exact %s (%s)", name, path);
	else
		snprintf(here, sizeof(here), "estimated (no %s.tiktoken in "
		    "$QUARRY_TOKENIZER_DIR or %s)", name,
		    quarry_tokenizer_search_path());
	free(path);
	printf(
"Split document records (JSON Lines) into chunk records within a size budget,\n"
"along headings, paragraphs, sentences and words.  With no FILE, or when FILE\n"
"is -, read standard input.\n"
"\n"
"  -s, --size=N           at most N units per chunk (default 512)\n"
"  -u, --unit=UNIT        chars, words or tokens (default tokens)\n"
"  -o, --overlap=N        repeat about N units of a chunk's end at the start\n"
"                         of the next one, from a sentence start (default 0)\n"
"  -m, --min=N            merge a trailing chunk smaller than N units into its\n"
"                         predecessor when they fit (default size/8)\n"
"  -t, --tokenizer=NAME   count tokens with the encoding NAME (cl100k_base,\n"
"                         o200k_base: installed rank files), a tiktoken rank\n"
"                         FILE (a path), or 'estimate' (the built-in\n"
"                         estimator: never below cl100k's count); default\n"
"                         $QUARRY_TOKENIZER, else cl100k_base when its rank\n"
"                         file is found, else estimate\n"
"  -l, --lang=LANG        sentence rules for records without a lang field\n"
"      --split=MODE       chunks (default) or sentences (one record each)\n"
"      --text             read each FILE as one plain text or Markdown\n"
"                         document (doc = the file name)\n"
"      --files-from=LIST  read input names from LIST (- for standard input)\n"
"  -0, --null             names in LIST are separated by NUL, not newline\n"
"      --max-line=BYTES   reject records (with --text, files) longer than\n"
"                         BYTES (default 1 GiB)\n"
"      --progress         show progress even when stderr is not a terminal\n"
"  -q, --quiet            never show progress\n"
"      --help             display this help and exit\n"
"      --version          output version information and exit\n"
"\n"
"Tokens here: %s.\n"
"\n"
"Exit status: 0 on success, 1 if some input failed (the rest is still\n"
"processed), 2 on a usage error.  See quarry-chunk(1) and quarry(7).\n",
	    here);
	close_stdout();
	exit(EXIT_OK);
}

enum {
	OPT_SPLIT = 256, OPT_TEXT, OPT_FILES_FROM, OPT_MAX_LINE, OPT_PROGRESS,
	OPT_HELP, OPT_VERSION,
};

static const struct option longopts[] = {
	{ "size", required_argument, NULL, 's' },
	{ "unit", required_argument, NULL, 'u' },
	{ "overlap", required_argument, NULL, 'o' },
	{ "min", required_argument, NULL, 'm' },
	{ "tokenizer", required_argument, NULL, 't' },
	{ "lang", required_argument, NULL, 'l' },
	{ "split", required_argument, NULL, OPT_SPLIT },
	{ "text", no_argument, NULL, OPT_TEXT },
	{ "files-from", required_argument, NULL, OPT_FILES_FROM },
	{ "null", no_argument, NULL, '0' },
	{ "max-line", required_argument, NULL, OPT_MAX_LINE },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* Fields of a chunk record that the chunker sets; not copied from the document. */
static const char *const chunk_fields[] = {
	"text", "id", "chunk", "chunk_count", "offset", "length", "page",
	"section",
	"page_end", "headings", "tokens", "hash", "embedding", "model", NULL,
};

static struct {
	quarry_chunker *chunker;
	const char *lang;
	struct quarry_buf prefix;	/* the document's fields, as JSON */
	struct quarry_buf line;
	struct quarry_buf id;
	json_t *fm;		/* the document's fields with its front matter */
	unsigned long docs;
	unsigned long long bytes;
} g;

static int
is_chunk_field(const char *key)
{
	size_t i;

	for (i = 0; chunk_fields[i] != NULL; i++)
		if (strcmp(key, chunk_fields[i]) == 0)
			return 1;
	return 0;
}

#define APPEND_LIT(b, s) quarry_buf_append((b), (s), sizeof(s) - 1)

/* Appends ,"key":v; by hand, since printf is a good part of the time. */
static int
put_number(struct quarry_buf *b, const char *key, size_t v)
{
	char tmp[64], *p = tmp + sizeof(tmp);
	size_t klen = strlen(key);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	*--p = ':';
	*--p = '"';
	p -= klen;
	memcpy(p, key, klen);
	*--p = '"';
	*--p = ',';
	return quarry_buf_append(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

/* stdout's buffer (glibc ignores the size given without one). */
static char outbuf[256u << 10];

/* Writes the records gathered in g.line. */
static void
flush_line(void)
{
	if (g.line.len > 0 &&
	    fwrite(g.line.data, 1, g.line.len, stdout) != g.line.len)
		die(EXIT_SOMEFAILED, "write error: %s", strerror(errno));
	g.line.len = 0;
}

/* Where front matter messages go: the input and the record's line. */
struct fm_ctx {
	const char *file;
	unsigned long line;
};

static void
fm_warn(void *arg, unsigned long line, const char *msg)
{
	const struct fm_ctx *c = arg;

	/* In --text mode the line is the file's; in a record, the text's. */
	if (c->line == 0)
		warnx_at(c->file, line, "%s", msg);
	else
		warnx_at(c->file, c->line, "line %lu of the text: %s", line, msg);
}

/* Whether two heading paths have the same titles. */
static int
same_path(const char *text, quarry_heading_path a, quarry_heading_path b)
{
	size_t h;

	if (a.n != b.n)
		return 0;
	for (h = 0; h < a.n; h++)
		if (a.titles[h].end - a.titles[h].start !=
		    b.titles[h].end - b.titles[h].start ||
		    memcmp(text + a.titles[h].start, text + b.titles[h].start,
		    a.titles[h].end - a.titles[h].start) != 0)
			return 0;
	return 1;
}

/*
 * Chunks one document and writes its chunk records.  rec supplies the other
 * fields (may be NULL in --text mode, where doc is the name); r, the reader
 * that gave text (NULL in --text mode), copies chunk texts.  Returns 0, or
 * -1 after reporting a fault.
 */
static int
chunk_document(const char *file, unsigned long line, const json_t *rec,
    quarry_reader *r, const char *doc, size_t doclen, const char *text,
    size_t len, const char *lang)
{
	const quarry_chunk *ch;
	size_t n, i, bad, pbase, base;
	int rc;

	/* Records were validated as a whole by the reader; only --text
	 * input (rec == NULL) is checked here. */
	if (rec == NULL && quarry_utf8_validate(text, len, &bad) != 0) {
		size_t ln = 1, col, k, last = 0;

		for (k = 0; k < bad; k++)
			if (text[k] == '\n') {
				ln++;
				last = k + 1;
			}
		col = bad - last + 1;
		warnx_at(file, ln, "invalid UTF-8 at byte %zu of the line; "
		    "document skipped", col);
		return -1;
	}
	/* text/plain has no headings; Markdown may open with front matter,
	 * read into the document's fields and left out of the chunks (their
	 * offsets still count from the start of the text).  In --text mode,
	 * a *.txt file is plain text and anything else Markdown. */
	{
		const char *mime = rec != NULL ?
		    quarry_record_string(rec, "mime", NULL) : NULL;
		size_t dl = strlen(file);
		int plain = rec != NULL ? mime != NULL &&
		    strcmp(mime, "text/plain") == 0 :
		    dl >= 4 && strcmp(file + dl - 4, ".txt") == 0;
		int markdown = rec != NULL ? mime != NULL &&
		    strcmp(mime, "text/markdown") == 0 : !plain;

		quarry_chunker_set_plain(g.chunker, plain);
		base = 0;
		json_decref(g.fm);
		g.fm = NULL;
		if (markdown && len > 3 && text[0] == '-') {
			struct fm_ctx fc = { file, line };

			g.fm = rec != NULL ? json_copy((json_t *)rec) : json_object();
			if (g.fm == NULL)
				die(EXIT_SOMEFAILED, "out of memory");
			if (rec == NULL && (json_object_set_new(g.fm, "doc",
			    json_stringn(doc, doclen)) != 0 ||
			    json_object_set_new(g.fm, "source",
			    json_stringn(doc, doclen)) != 0))
				die(EXIT_SOMEFAILED, "out of memory");
			if (quarry_frontmatter_read(text, len, g.fm, &base,
			    fm_warn, &fc, NULL, lang) == QUARRY_ENOMEM)
				die(EXIT_SOMEFAILED, "out of memory");
			if (base == 0) {
				json_decref(g.fm);
				g.fm = NULL;
			} else
				rec = g.fm;
			text += base;
			len -= base;
		}
	}
	if ((rc = quarry_chunker_run(g.chunker, text, len, lang, &ch, &n)) != 0) {
		warnx_at(file, line, "%s", *quarry_chunker_error(g.chunker) ?
		    quarry_chunker_error(g.chunker) : quarry_strerror(rc));
		return -1;
	}
	/* An extract of pages 5 to 9 numbers its pages from 5. */
	pbase = 0;
	if (rec != NULL) {
		json_t *fp = json_object_get(rec, "first_page");

		if (json_is_integer(fp) && json_integer_value(fp) > 1 &&
		    json_integer_value(fp) < 1000000000)
			pbase = (size_t)json_integer_value(fp) - 1;
	}
	/* The document's own fields, once. */
	g.prefix.len = 0;
	if (rec != NULL) {
		const char *key;
		json_t *val;

		json_object_foreach((json_t *)rec, key, val) {
			if (is_chunk_field(key))
				continue;
			if ((g.prefix.len > 0 && APPEND_LIT(&g.prefix, ",") != 0) ||
			    quarry_buf_json_string(&g.prefix, key, strlen(key)) != 0 ||
			    APPEND_LIT(&g.prefix, ":") != 0 ||
			    quarry_buf_json(&g.prefix, val) != 0)
				die(EXIT_SOMEFAILED, "out of memory");
		}
	} else {
		if (APPEND_LIT(&g.prefix, "\"doc\":") != 0 ||
		    quarry_buf_json_string(&g.prefix, doc, doclen) != 0 ||
		    APPEND_LIT(&g.prefix, ",\"source\":") != 0 ||
		    quarry_buf_json_string(&g.prefix, doc, doclen) != 0)
			die(EXIT_SOMEFAILED, "out of memory");
	}
	/* The document's records are written at once: one write(2) per
	 * document, or per 256 kB of records, rather than one per record. */
	g.line.len = 0;
	for (i = 0; i < n; i++) {
		struct quarry_buf *b = &g.line;
		char id[32], hex[33];
		quarry_heading_path hp;
		size_t h;
		int idn = snprintf(id, sizeof(id), "#%zu", i);

		quarry_hash_hex(text + ch[i].offset, ch[i].length, hex);
		hp = quarry_chunker_headings(g.chunker, ch[i].heading);
		if (APPEND_LIT(b, "{") != 0 ||
		    quarry_buf_append(b, g.prefix.data, g.prefix.len) != 0 ||
		    (g.prefix.len > 0 && APPEND_LIT(b, ",") != 0) ||
		    APPEND_LIT(b, "\"id\":") != 0)
			die(EXIT_SOMEFAILED, "out of memory");
		/* The id is the document's id, '#' and the chunk number. */
		g.id.len = 0;
		if (quarry_buf_append(&g.id, doc, doclen) != 0 ||
		    quarry_buf_append(&g.id, id, (size_t)idn) != 0 ||
		    quarry_buf_json_string(b, g.id.data, g.id.len) != 0 ||
		    put_number(b, "chunk", i) != 0 ||
		    put_number(b, "chunk_count", n) != 0 ||
		    APPEND_LIT(b, ",\"text\":") != 0 ||
		    (r != NULL ? quarry_reader_put_text(r, b, base +
		    ch[i].offset, ch[i].length) : quarry_buf_json_string(b,
		    text + ch[i].offset, ch[i].length)) != 0 ||
		    put_number(b, "offset", base + ch[i].offset) != 0 ||
		    put_number(b, "length", ch[i].length) != 0 ||
		    put_number(b, "page", pbase + ch[i].page) != 0 ||
		    put_number(b, "page_end", pbase + ch[i].page_end) != 0 ||
		    APPEND_LIT(b, ",\"headings\":[") != 0)
			die(EXIT_SOMEFAILED, "out of memory");
		for (h = 0; h < hp.n; h++) {
			if ((h > 0 && APPEND_LIT(b, ",") != 0) ||
			    quarry_buf_json_string(b, text + hp.titles[h].start,
			    hp.titles[h].end - hp.titles[h].start) != 0)
				die(EXIT_SOMEFAILED, "out of memory");
		}
		if (APPEND_LIT(b, "]") != 0)
			die(EXIT_SOMEFAILED, "out of memory");
		/* Where most of the chunk lies, when another section. */
		if (ch[i].section != ch[i].heading &&
		    !same_path(text, hp, quarry_chunker_headings(g.chunker,
		    ch[i].section))) {
			quarry_heading_path sp = quarry_chunker_headings(g.chunker,
			    ch[i].section);

			if (APPEND_LIT(b, ",\"section\":[") != 0)
				die(EXIT_SOMEFAILED, "out of memory");
			for (h = 0; h < sp.n; h++)
				if ((h > 0 && APPEND_LIT(b, ",") != 0) ||
				    quarry_buf_json_string(b, text +
				    sp.titles[h].start, sp.titles[h].end -
				    sp.titles[h].start) != 0)
					die(EXIT_SOMEFAILED, "out of memory");
			if (APPEND_LIT(b, "]") != 0)
				die(EXIT_SOMEFAILED, "out of memory");
		}
		if (put_number(b, "tokens", ch[i].size) != 0 ||
		    APPEND_LIT(b, ",\"hash\":\"") != 0 ||
		    quarry_buf_append(b, hex, 32) != 0 ||
		    APPEND_LIT(b, "\"}\n") != 0)
			die(EXIT_SOMEFAILED, "out of memory");
		if (b->len >= (256u << 10))
			flush_line();
	}
	flush_line();
	g.docs++;
	g.bytes += len;
	progress("%lu documents, %.1f MB", g.docs, (double)g.bytes / 1e6);
	return 0;
}

/*
 * Chunks a whole file as one document (--text), read by libquarry's
 * whole-file reader into a buffer kept from file to file: one read(2) for
 * a regular file, and standard input bounded like a record, by --max-line.
 */
static int
do_text(const char *name, size_t max)
{
	static struct quarry_buf data;
	size_t off = 0;
	const char *nul;
	int rc;

	data.len = 0;
	if ((rc = input_read(name, &data, max)) != 0) {
		if (rc == QUARRY_ETOOBIG)
			warnx_at(name, 0, "document exceeds --max-line of %zu "
			    "bytes; skipped", max);
		else
			warnx_at(name, 0, "%s", rc == QUARRY_EIO ?
			    strerror(errno) : quarry_strerror(rc));
		return -1;
	}
	/* A byte order mark is not part of the text. */
	if (data.len >= 3 && memcmp(data.data, "\xEF\xBB\xBF", 3) == 0)
		off = 3;
	/* No record may hold a NUL (quarry(7)): the document is refused. */
	if ((nul = memchr(data.data + off, '\0', data.len - off)) != NULL) {
		const char *p, *last = data.data + off;
		unsigned long ln = 1;

		for (p = last; p < nul; p++)
			if (*p == '\n') {
				ln++;
				last = p + 1;
			}
		warnx_at(name, ln, "NUL byte at byte %zu of the line; document "
		    "skipped", (size_t)(nul - last) + 1);
		return -1;
	}
	return chunk_document(name, 0, NULL, NULL, name, strlen(name),
	    data.data + off, data.len - off, g.lang);
}

static int
do_records(const char *name, size_t max_line)
{
	FILE *fp = input_open(name);
	quarry_reader *r;
	json_t *rec;
	const char *text;
	size_t len;
	int rc, status = 0;

	if (fp == NULL)
		return -1;
	if (quarry_reader_new(&r, fp, name) != 0)
		die(EXIT_SOMEFAILED, "out of memory");
	quarry_reader_set_max_line(r, max_line);
	/* The text is taken out of the record: decoded once into the
	 * reader's buffer, and the chunks' texts are copied from the input
	 * as it was encoded. */
	while ((rc = quarry_reader_next_take(r, &rec, "text", &text,
	    &len)) != 0) {
		const char *doc, *lang;
		size_t doclen;

		if (rc < 0) {
			warnx_at(name, quarry_reader_line(r), "%s",
			    quarry_reader_error(r));
			status = -1;
			if (rc == QUARRY_EIO || rc == QUARRY_ENOMEM)
				break;
			continue;
		}
		doc = quarry_record_string(rec, "doc", &doclen);
		lang = quarry_record_string(rec, "lang", NULL);
		if (doc == NULL || text == NULL) {
			warnx_at(name, quarry_reader_line(r),
			    "record has no string \"%s\" field; skipped",
			    doc == NULL ? "doc" : "text");
			status = -1;
		} else if (chunk_document(name, quarry_reader_line(r), rec, r,
		    doc, doclen, text, len, lang ? lang : g.lang) != 0)
			status = -1;
		json_decref(rec);
	}
	quarry_reader_free(r);
	input_close(fp);
	return status;
}

/*
 * Opens the tokenizer named by --tokenizer (name), or the default one when
 * name is NULL; NULL for the estimator.  A name that cannot be opened is a
 * usage error.
 */
static quarry_tokenizer *
open_tokenizer(const char *name)
{
	quarry_tokenizer *tok;
	const char *what = name != NULL ? "--tokenizer" : "QUARRY_TOKENIZER";
	char *path;
	unsigned long errline;
	int rc = quarry_tokenizer_open_name(&tok, name, &path, &errline);

	if (name == NULL)
		name = quarry_tokenizer_default();
	if (rc == QUARRY_ENOMEM)
		die(EXIT_SOMEFAILED, "out of memory");
	if (rc == QUARRY_ENOTFOUND || rc == QUARRY_EINVAL)
		usage_error("%s: '%s' is not an installed encoding (no %s.tiktoken "
		    "in $QUARRY_TOKENIZER_DIR or %s), a rank file or 'estimate'",
		    what, name, name, quarry_tokenizer_search_path());
	if (rc == QUARRY_EIO)
		die(EXIT_USAGE, "%s: %s", path, strerror(errno));
	if (rc != 0) {
		warnx_at(path, errline, "not a tiktoken rank file: %s",
		    quarry_strerror(rc));
		exit(EXIT_USAGE);
	}
	free(path);
	return tok;
}

int
main(int argc, char **argv)
{
	quarry_chunk_options o;
	quarry_tokenizer *tok = NULL;
	const char *tokfile = NULL, *list = NULL;
	struct inputs in;
	size_t i, max_line = QUARRY_MAX_LINE_DEFAULT;
	int ch, text_mode = 0, sep = '\n', status = EXIT_OK;
	int prog_on = 0, prog_off = 0, have_min = 0;

	prog_init(argv[0]);
	quarry_chunk_options_init(&o);
	while ((ch = getopt_long(argc, argv, "s:u:o:m:t:l:0q", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
			o.size = parse_number("--size", optarg, 1, 100000000);
			break;
		case 'u':
			if (strcmp(optarg, "chars") == 0)
				o.unit = QUARRY_UNIT_CHARS;
			else if (strcmp(optarg, "words") == 0)
				o.unit = QUARRY_UNIT_WORDS;
			else if (strcmp(optarg, "tokens") == 0)
				o.unit = QUARRY_UNIT_TOKENS;
			else
				usage_error("--unit: '%s' is not chars, words or tokens",
				    optarg);
			break;
		case 'o':
			o.overlap = parse_number("--overlap", optarg, 0, 100000000);
			break;
		case 'm':
			o.min = parse_number("--min", optarg, 0, 100000000);
			have_min = 1;
			break;
		case 't':
			tokfile = optarg;
			break;
		case 'l':
			g.lang = optarg;
			break;
		case OPT_SPLIT:
			if (strcmp(optarg, "chunks") == 0)
				o.split = QUARRY_SPLIT_CHUNKS;
			else if (strcmp(optarg, "sentences") == 0)
				o.split = QUARRY_SPLIT_SENTENCES;
			else
				usage_error("--split: '%s' is not chunks or sentences",
				    optarg);
			break;
		case OPT_TEXT:
			text_mode = 1;
			break;
		case OPT_FILES_FROM:
			list = optarg;
			break;
		case '0':
			sep = '\0';
			break;
		case OPT_MAX_LINE:
			max_line = parse_number("--max-line", optarg, 1, (unsigned long)-1);
			break;
		case OPT_PROGRESS:
			prog_on = 1;
			break;
		case 'q':
			prog_off = 1;
			break;
		case OPT_HELP:
			usage();
			break;
		case OPT_VERSION:
			print_version();
			break;
		default:
			fprintf(stderr, "Try '%s --help' for more information.\n",
			    progname);
			exit(EXIT_USAGE);
		}
	}
	if (!have_min)
		o.min = (size_t)-1;
	if (o.overlap >= o.size)
		usage_error("--overlap (%zu) must be smaller than --size (%zu)",
		    o.overlap, o.size);
	if (tokfile != NULL && o.unit != QUARRY_UNIT_TOKENS)
		usage_error("--tokenizer needs --unit tokens");
	if (o.unit == QUARRY_UNIT_TOKENS)
		o.tokenizer = tok = open_tokenizer(tokfile);
	if (quarry_chunker_new(&g.chunker, &o) != 0)
		usage_error("%s", quarry_chunker_error(g.chunker));
	progress_init(prog_on, prog_off);
	/* Records are small and many: a larger buffer than stdio's 4 kB
	 * saves most write(2) calls (10% of the run time with 4 kB). */
	if (!isatty(STDOUT_FILENO))
		(void)setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	if (inputs_collect(&in, argc - optind, argv + optind, list, sep) != 0)
		exit(EXIT_SOMEFAILED);
	for (i = 0; i < in.n; i++) {
		int r = text_mode ? do_text(in.names[i], max_line) :
		    do_records(in.names[i], max_line);

		if (r != 0)
			status = EXIT_SOMEFAILED;
	}
	progress_done();
	inputs_free(&in);
	quarry_chunker_free(g.chunker);
	quarry_tokenizer_free(tok);
	quarry_buf_free(&g.prefix);
	quarry_buf_free(&g.line);
	quarry_buf_free(&g.id);
	json_decref(g.fm);
	close_stdout();
	return status;
}
