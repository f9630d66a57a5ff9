/*
 * common.h: helpers the quarry-* programs share and a library user would not
 * want: the program name, diagnostics in the "quarry-x: FILE:LINE: message"
 * form, --help/--version, strict number parsing, the loop over input files
 * (with "-" for standard input and --files0-from), and progress lines.
 * Built into a convenience library that is not installed.
 */
#ifndef QUARRY_FILTERS_COMMON_H
#define QUARRY_FILTERS_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

extern const char *progname;

/* Exit statuses of every quarry program. */
enum { EXIT_OK = 0, EXIT_SOMEFAILED = 1, EXIT_USAGE = 2 };

/*
 * Writes s[0..len) to fp for a terminal: control characters other than
 * newline and tab (C0, DEL, and the C1 range U+0080-U+009F) are written as
 * visible \xhh escapes, so that text from documents or servers cannot
 * move the cursor, retitle the window or worse.  Returns len, or 0 on a
 * write error.  Diagnostics go through it when standard error is a
 * terminal.
 */
size_t fwrite_terminal(const char *s, size_t len, FILE *fp);

/*
 * Sets progname from argv[0] (its base name) and argv[0] to it, so that
 * getopt_long()'s own messages ("quarry-x: unrecognized option '--y'") name
 * the program as the other diagnostics do.
 */
void prog_init(char **argv);

/*
 * Prints "progname: FILE:LINE: message" (no LINE when line is 0, no FILE when
 * file is NULL) on stderr.
 */
void warnx_at(const char *file, unsigned long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prints "progname: message" and exits with status. */
void die(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

/* Reports a usage error with a pointer to --help and exits 2. */
void usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/* Prints "progname (quarry) VERSION" to stdout and exits 0. */
void try_help(void) __attribute__((noreturn));

void print_version(void) __attribute__((noreturn));

/*
 * The options every program has, closing its getopt_long table:
 * -q/--quiet, --progress, --help and --version (codes above any program's
 * own; 'q' must be in the short options).  HELP_LONGOPTS closes the table
 * of a program without progress (quarry-search, quarry-eval): only --help
 * and --version.
 */
enum { OPT_STD_PROGRESS = 0x1000, OPT_STD_HELP, OPT_STD_VERSION,
	OPT_STD_FILES_FROM, OPT_STD_FILES0_FROM, OPT_STD_MAX_SIZE,
	OPT_STD_MAX_INPUT, OPT_STD_MAX_LINE };
#define HELP_LONGOPTS \
	{ "help", no_argument, NULL, OPT_STD_HELP }, \
	{ "version", no_argument, NULL, OPT_STD_VERSION }, \
	{ NULL, 0, NULL, 0 }
#define STD_LONGOPTS \
	{ "quiet", no_argument, NULL, 'q' }, \
	{ "progress", no_argument, NULL, OPT_STD_PROGRESS }, \
	HELP_LONGOPTS

/*
 * The options of a program that reads lists of input names, before
 * STD_LONGOPTS in its table ('0' in the short options):
 * --files-from=LIST (names one a line; "-" reads the list from standard
 * input) and -0/--null (the names in LIST are NUL-separated).
 * FILES0_LONGOPT adds --files0-from=LIST, the same as --files-from=LIST -0,
 * where a program has always had it.  std_option() takes them all;
 * files_check() and inputs_get() use what it saw.
 */
#define FILES_LONGOPTS \
	{ "files-from", required_argument, NULL, OPT_STD_FILES_FROM }, \
	{ "null", no_argument, NULL, '0' }
#define FILES0_LONGOPT \
	{ "files0-from", required_argument, NULL, OPT_STD_FILES0_FROM }

/*
 * Handles option c of a getopt_long loop that none of the program's own
 * cases took: -q and --progress are kept for progress_start(); --files-from,
 * --files0-from and -0 for inputs_get(); --help
 * calls help (which prints the usage on standard output) and exits 0;
 * --version prints the version and exits 0; anything else is a usage
 * error (try_help()).
 */
void std_option(int c, void (*help)(void));
/* Whether std_option() saw -q/--quiet (some programs also drop a summary). */
int std_quiet(void);

/*
 * Parses a whole decimal number in [min, max]; on any other text reports a
 * usage error naming option and exits 2.
 */
unsigned long parse_number(const char *option, const char *s,
    unsigned long min, unsigned long max);
double parse_double(const char *option, const char *s, double min, double max);
/*
 * Parses a word from a fixed list: returns the index of s in names (ended
 * by NULL); any other s is a usage error, "OPTION: 'S' is not A, B or C".
 * parse_choice_n() takes s[0..len) (one item of a comma-separated list).
 */
int parse_choice(const char *option, const char *s, const char *const *names);
int parse_choice_n(const char *option, const char *s, size_t len,
    const char *const *names);
/* --unit: chars, words or tokens (quarry-chunk and quarry-sync). */
enum quarry_unit parse_unit(const char *option, const char *s);
/*
 * Parses a page range "A-B", "A-", "-B" or "A" into *first and *last (0:
 * open); on anything else reports a usage error naming option.
 */
void parse_pages(const char *option, const char *s, unsigned *first,
    unsigned *last);

/*
 * The inputs of a program: the operands, or the names read from a
 * --files0-from list (NUL-separated; "-" reads the list from standard input),
 * or standard input when there are none.
 */
struct inputs {
	char **names;
	size_t n;
	char *list;	/* storage for names read from a list */
	int from_list;
};

/*
 * Collects the inputs; list_file may be NULL.  sep is '\0' or '\n'.
 * Returns 0, or -1 after a message when the list cannot be read.
 */
int inputs_collect(struct inputs *in, int argc, char **argv,
    const char *list_file, int sep);
/*
 * The one rule for -0 (--null), right after the option loop of every
 * program that has it: -0 says how the names in a --files-from list are
 * separated, so -0 without a list is a usage error, "-0 goes with
 * --files-from" (also: another option -0 goes with in this program, such
 * as quarry-index's "--stale", named in the message as "or ALSO"; NULL
 * for none).  With also set the caller checks only where ALSO is absent.
 */
void files_check(const char *also);
/* The --files-from list std_option() saw (NULL for none), and whether -0. */
const char *files_list(void);
int files_null(void);
/* inputs_collect() with the --files-from list and -0 std_option() saw. */
int inputs_get(struct inputs *in, int argc, char **argv);
void inputs_free(struct inputs *in);

/*
 * Opens an input by name ("-" is standard input).  On failure warns with the
 * reason and returns NULL.
 */
FILE *input_open(const char *name);
void input_close(FILE *fp);

struct quarry_buf;
/*
 * Reads the whole input name ("-" is standard input) into b with libquarry's
 * whole-file reader, at most max bytes: 0, or the QUARRY_E* code (errno set
 * for QUARRY_EIO).  Does not warn.
 */
int input_read(const char *name, struct quarry_buf *b, size_t max);
/*
 * Warns about input name that input_read() (or file_map()) refused with
 * rc: for QUARRY_ETOOBIG the message toobig formats (it names the
 * limit), else the reason (errno's text for QUARRY_EIO).
 */
void input_warn(const char *name, int rc, const char *toobig, ...)
    __attribute__((format(printf, 3, 4)));
/* The reason of input_read()'s rc: errno's text for QUARRY_EIO, else rc's. */
const char *input_error(int rc);

/*
 * The loop over the records of one input, the one every program that reads
 * records uses.  records_read() opens name ("-" is standard input), reads it
 * with libquarry's record reader, lines of at most input_max_line() bytes,
 * and calls each() for every record, which owns rec (it
 * json_decref()s it) and returns 0 to go on or anything else to stop this
 * input.  With take set, the string field of that name is taken out of the
 * record (quarry_reader_next_take()) and given in at->text and at->len
 * (text NULL when the record has none).
 *
 * A line that is not a record is reported, "quarry-x: FILE:LINE: reason",
 * then bad() is called (when set) and reading goes on; after a read error or
 * running out of memory the input ends there.  Returns 0 when every line was
 * read as a record, -1 when one was not or the input could not be opened
 * (also reported): the input was not read whole, and a program that would
 * draw a conclusion from what is absent (quarry-index --sync, quarry-pg's
 * recorded seq) must not.
 */
struct quarry_reader;
struct json_t;
struct record_at {
	const char *name;	/* the input, as given to records_read() */
	unsigned long line;	/* the line of the record or fault */
	struct quarry_reader *r;	/* the reader (quarry_reader_put_text()) */
	const char *text;	/* the taken field's value, or NULL */
	size_t len;		/* its length */
};
struct records {
	const char *take;
	int (*each)(void *arg, struct json_t *rec, const struct record_at *at);
	void (*bad)(void *arg, const struct record_at *at);
	void *arg;
	/* When set, reports a line that is not a record in place of
	 * warnx_at() (quarry-chunk keeps a block's messages for later). */
	void (*warn)(void *arg, const struct record_at *at, const char *msg);
};
int records_read(const char *name, const struct records *how);
/*
 * records_read()'s loop over a reader already made (quarry_reader_new_mem()
 * for lines where they lie, say): returns 0, -1 when some line was not a
 * record, -2 when reading stopped at a read error or for lack of memory.
 * quarry_reader_line(r) then gives the lines read.
 */
int records_loop(struct quarry_reader *r, const char *name,
    const struct records *how);
/*
 * --max-line=BYTES of the programs that read records (MAX_LINE_LONGOPT;
 * std_option() takes it, 1 to SIZE_MAX/2): input_max_line() gives it, else
 * QUARRY_MAX_LINE_DEFAULT.
 */
#define MAX_LINE_LONGOPT \
	{ "max-line", required_argument, NULL, OPT_STD_MAX_LINE }
size_t input_max_line(void);

/*
 * The loop of a program that makes one document record of each whole input
 * (quarry-html, quarry-office).  docs_make() reads each input into one
 * buffer kept from input to input, at most max_size bytes (beyond, "WHAT
 * exceeds --max-size of N bytes"), has make() build its record, and writes
 * the record or, with text_only (--text), its "text" alone, the texts of
 * the inputs separated by form feeds.  source (--source), when set, names
 * the document of the single input (a usage error with more than one).
 * make() gets the input's name, the document's name and its bytes (data
 * never NULL), and returns 0; 1 when the record is written but the input
 * counts as failed (a warning under --strict); or -1, after saying why,
 * when there is no record.  Returns EXIT_OK, or EXIT_SOMEFAILED when some
 * input failed.
 */
struct doc_maker {
	size_t max_size;
	const char *what;	/* "page", "file" */
	const char *source;
	int text_only;
	int (*make)(void *arg, const char *name, const char *doc,
	    const char *data, size_t len, struct json_t **rec);
	void *arg;
};
int docs_make(const struct inputs *in, const struct doc_maker *m);
/*
 * The options of docs_make() in the table of such a program ("s:t" in its
 * short options): -s/--source=NAME, -t/--text and --max-size=BYTES (1 to
 * 2^31 - 1).  docs_option() takes option c into m and returns 1, or returns
 * 0 when c is not one of them.
 */
#define DOCS_LONGOPTS \
	{ "source", required_argument, NULL, 's' }, \
	{ "text", no_argument, NULL, 't' }, \
	{ "max-size", required_argument, NULL, OPT_STD_MAX_SIZE }
int docs_option(struct doc_maker *m, int c);

/*
 * The embedder's options, the same in quarry-embed and quarry-sync (which
 * gives them no short letters: it leaves them out of its short options):
 * -d/--dims, -u/--url, -m/--model, -c/--command, -b/--batch,
 * -p/--parallel, -r/--retries and --max-input.  embed_option() takes
 * option c into eo and returns 1, or returns 0 when c is not one of them;
 * embed_check(), after the option loop, makes the usage errors of a
 * combination that names no embedder.
 */
#define EMBED_LONGOPTS \
	{ "dims", required_argument, NULL, 'd' }, \
	{ "url", required_argument, NULL, 'u' }, \
	{ "model", required_argument, NULL, 'm' }, \
	{ "command", required_argument, NULL, 'c' }, \
	{ "batch", required_argument, NULL, 'b' }, \
	{ "parallel", required_argument, NULL, 'p' }, \
	{ "retries", required_argument, NULL, 'r' }, \
	{ "max-input", required_argument, NULL, OPT_STD_MAX_INPUT }
struct quarry_embed_options;
int embed_option(struct quarry_embed_options *eo, int c);
void embed_check(const struct quarry_embed_options *eo);

struct quarry_tokenizer;
struct quarry_chunk_options;
/*
 * The chunker's options, the same in quarry-chunk and quarry-sync:
 * --size, --unit, --overlap, --min and --tokenizer (CHUNK_LONGOPTS; their
 * short letters -s, -u, -o, -m, -t are quarry-chunk's alone, which passes
 * OPT_CHUNK_SIZE + the letter's place in CHUNK_LETTERS).  chunk_option()
 * takes option c into o and *tokenizer and returns 1, or returns 0 when c
 * is not one of them.  chunk_check(), after the option loop, makes the
 * usage errors of a combination that cannot chunk and, for the unit
 * tokens, opens the tokenizer into o->tokenizer (tokenizer_open()) and
 * returns it, for quarry_tokenizer_free(); else NULL.
 */
enum { OPT_CHUNK_SIZE = 0x1100, OPT_CHUNK_UNIT, OPT_CHUNK_OVERLAP,
	OPT_CHUNK_MIN, OPT_CHUNK_TOKENIZER };
#define CHUNK_LETTERS "suomt"
#define CHUNK_LONGOPTS \
	{ "size", required_argument, NULL, OPT_CHUNK_SIZE }, \
	{ "unit", required_argument, NULL, OPT_CHUNK_UNIT }, \
	{ "overlap", required_argument, NULL, OPT_CHUNK_OVERLAP }, \
	{ "min", required_argument, NULL, OPT_CHUNK_MIN }, \
	{ "tokenizer", required_argument, NULL, OPT_CHUNK_TOKENIZER }
int chunk_option(struct quarry_chunk_options *o, const char **tokenizer,
    int c);
struct quarry_tokenizer *chunk_check(struct quarry_chunk_options *o,
    const char *tokenizer);

/*
 * Opens the tokenizer named by --tokenizer (name), or when name is NULL
 * the default one ($QUARRY_TOKENIZER, else cl100k_base when installed, else
 * the estimator); NULL for the estimator.  A name that is not an encoding,
 * a rank file or "estimate" is a usage error naming the option or the
 * variable; a rank file that cannot be read or parsed exits 2 naming it
 * (FILE:LINE).
 */
struct quarry_tokenizer *tokenizer_open(const char *name);

/*
 * Writes a record to the stream arg (quarry_record_write()), as the store's
 * walks call back (quarry_store_foreach_chunk(), quarry_store_changes()):
 * 0, or QUARRY_EIO on a write error.
 */
int record_put(const struct json_t *rec, void *arg);

/* Checks standard output for write errors and closes it; exits 1 on one. */
void close_stdout(void);

struct quarry_store;
/*
 * --changes FILE|- (man/quarry.7, CHANGE FEED): changes_open() opens FILE
 * for writing ("-" is standard output) before the run, exiting 1 when it
 * cannot; changes_write() writes the changes after seq since to it and
 * closes it (but standard output).  It returns 0, or 1 after a message.
 */
FILE *changes_open(const char *name);
int changes_write(struct quarry_store *st, unsigned long long since,
    FILE *fp, const char *name);
/*
 * Takes the store's writer lock (quarry_store_lock()); when another writer
 * holds it, says so on the progress line and waits up to wait_ms (-1: for
 * ever; 0: not at all, --wait 0).  Returns 0 or the lock's error code.
 */
int store_lock(struct quarry_store *st, long wait_ms);

/*
 * Progress on stderr.  By default only the last stage of a pipeline reports
 * (standard error a terminal, standard output not a pipe), redrawing one
 * line; force_on (--progress) elsewhere gives whole lines, at most one a
 * second; force_off (-q) none (quarry(7), PROGRESS).
 */
extern int progress_enabled;
void progress_init(int force_on, int force_off);
/* progress_init() with the -q and --progress std_option() saw. */
void progress_start(void);
void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void progress_done(void);

#endif
