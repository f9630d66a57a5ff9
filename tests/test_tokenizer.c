/*
 * test_tokenizer.c: cmocka tests of the pre-tokenisers, the rank file
 * loader, the BPE merges (on small rank files written here) and the token
 * estimator.  The exact comparison with js-tiktoken on the real cl100k and
 * o200k rank files is tests/tokenizer-corpus.test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "quarry.h"
#include "testutil.h"
#include "tokenizer_private.h"

/* Appends one "BASE64 RANK" line for the bytes p[0..n). */
static void
add_line(struct quarry_buf *b, const void *p, size_t n, unsigned long rank)
{
	assert_int_equal(tu_rank_line(b, p, n, rank), 0);
}

/* A rank file: every byte (rank = byte value), then the given tokens. */
static struct quarry_buf
ranks(const char *const *tokens)
{
	struct quarry_buf b = { 0 };
	unsigned long r;

	for (r = 0; r < 256; r++) {
		unsigned char c = (unsigned char)r;

		add_line(&b, &c, 1, r);
	}
	for (; tokens && *tokens; tokens++, r++)
		add_line(&b, *tokens, strlen(*tokens), r);
	return b;
}

static quarry_tokenizer *
load(const char *const *tokens, const char *pattern)
{
	struct quarry_buf b = ranks(tokens);
	quarry_tokenizer *t;
	unsigned long line = 99;

	assert_int_equal(quarry_tokenizer_load(&t, b.data, b.len, pattern,
	    &line), 0);
	assert_int_equal(line, 0);
	quarry_buf_free(&b);
	return t;
}

/* Pre-token splits as js-tiktoken's regexes make them (pieces joined by
 * '|'), generated with node from the patterns in the rank files. */
static const struct {
	enum quarry_pattern p;
	const char *text, *pieces;
} splits[] = {
	{ QUARRY_PAT_GPT2, "Hello world's   end!!\n\n  x",
	    "Hello| world|'s|  | end|!!|\n\n | x" },
	{ QUARRY_PAT_GPT2, "I'LL don't 'sam",
	    "I|'|LL| don|'t| '|sam" },
	{ QUARRY_PAT_GPT2, "  \t\n \n  y 42 12345",
	    "  \t\n \n | y| 42| 12345" },
	{ QUARRY_PAT_GPT2, "a//b\n/\r\n c",
	    "a|//|b|\n|/|\r\n| c" },
	{ QUARRY_PAT_GPT2, "HelloWorld iPhone ABCdef",
	    "HelloWorld| iPhone| ABCdef" },
	{ QUARRY_PAT_GPT2, "e\xcc\x81""x \xcc\x81""a \xca\xb0""a",
	    "e|\xcc\x81""|x| \xcc\x81""|a| \xca\xb0""a" },
	{ QUARRY_PAT_GPT2, "x  ",
	    "x|  " },
	{ QUARRY_PAT_GPT2, "\xe4\xb8\xad""\xe6\x96\x87""\xe3\x80\x82""A1 \xd9\xa1""\xd9\xa2""\xd9\xa3""\xd9\xa4""",
	    "\xe4\xb8\xad""\xe6\x96\x87""|\xe3\x80\x82""|A|1| \xd9\xa1""\xd9\xa2""\xd9\xa3""\xd9\xa4""" },
	{ QUARRY_PAT_GPT2, " !x ?!\n",
	    " !|x| ?!|\n" },
	{ QUARRY_PAT_GPT2, "\xc2\xa0""a\xe3\x80\x80"" b",
	    "\xc2\xa0""|a|\xe3\x80\x80""| b" },
	{ QUARRY_PAT_CL100K, "Hello world's   end!!\n\n  x",
	    "Hello| world|'s|  | end|!!\n\n| | x" },
	{ QUARRY_PAT_CL100K, "I'LL don't 'sam",
	    "I|'LL| don|'t| '|sam" },
	{ QUARRY_PAT_CL100K, "  \t\n \n  y 42 12345",
	    "  \t\n \n| | y| |42| |123|45" },
	{ QUARRY_PAT_CL100K, "a//b\n/\r\n c",
	    "a|//|b|\n|/\r\n| c" },
	{ QUARRY_PAT_CL100K, "HelloWorld iPhone ABCdef",
	    "HelloWorld| iPhone| ABCdef" },
	{ QUARRY_PAT_CL100K, "e\xcc\x81""x \xcc\x81""a \xca\xb0""a",
	    "e|\xcc\x81""x| \xcc\x81""|a| \xca\xb0""a" },
	{ QUARRY_PAT_CL100K, "x  ",
	    "x|  " },
	{ QUARRY_PAT_CL100K, "\xe4\xb8\xad""\xe6\x96\x87""\xe3\x80\x82""A1 \xd9\xa1""\xd9\xa2""\xd9\xa3""\xd9\xa4""",
	    "\xe4\xb8\xad""\xe6\x96\x87""|\xe3\x80\x82""A|1| |\xd9\xa1""\xd9\xa2""\xd9\xa3""|\xd9\xa4""" },
	{ QUARRY_PAT_CL100K, " !x ?!\n",
	    " !|x| ?!\n" },
	{ QUARRY_PAT_CL100K, "\xc2\xa0""a\xe3\x80\x80"" b",
	    "\xc2\xa0""a|\xe3\x80\x80""| b" },
	{ QUARRY_PAT_O200K, "Hello world's   end!!\n\n  x",
	    "Hello| world's|  | end|!!\n\n| | x" },
	{ QUARRY_PAT_O200K, "I'LL don't 'sam",
	    "I'LL| don't| '|sam" },
	{ QUARRY_PAT_O200K, "  \t\n \n  y 42 12345",
	    "  \t\n \n| | y| |42| |123|45" },
	{ QUARRY_PAT_O200K, "a//b\n/\r\n c",
	    "a|//|b|\n|/\r\n| c" },
	{ QUARRY_PAT_O200K, "HelloWorld iPhone ABCdef",
	    "Hello|World| i|Phone| ABCdef" },
	{ QUARRY_PAT_O200K, "e\xcc\x81""x \xcc\x81""a \xca\xb0""a",
	    "e\xcc\x81""x| \xcc\x81""a| \xca\xb0""a" },
	{ QUARRY_PAT_O200K, "x  ",
	    "x|  " },
	{ QUARRY_PAT_O200K, "\xe4\xb8\xad""\xe6\x96\x87""\xe3\x80\x82""A1 \xd9\xa1""\xd9\xa2""\xd9\xa3""\xd9\xa4""",
	    "\xe4\xb8\xad""\xe6\x96\x87""|\xe3\x80\x82""A|1| |\xd9\xa1""\xd9\xa2""\xd9\xa3""|\xd9\xa4""" },
	{ QUARRY_PAT_O200K, " !x ?!\n",
	    " !|x| ?!\n" },
	{ QUARRY_PAT_O200K, "\xc2\xa0""a\xe3\x80\x80"" b",
	    "\xc2\xa0""a|\xe3\x80\x80""| b" },
	/* Rules of box drawing: a character that repeats the one before
	 * it in a punctuation run, and one that differs from it in its last
	 * byte (U+2501, U+2500, U+2550, U+2014). */
	{ QUARRY_PAT_CL100K,
	    "a \xe2\x94\x81""\xe2\x94\x81""\xe2\x94\x81""\xe2\x94\x80""\xe2\x94\x80""\xe2\x94\x80"
	    " \xe2\x95\x90""\xe2\x95\x90""\n\xe2\x94\x81""x \xe2\x80\x94""\xe2\x80\x94"".\xe2\x80\x94",
	    "a| \xe2\x94\x81""\xe2\x94\x81""\xe2\x94\x81""\xe2\x94\x80""\xe2\x94\x80""\xe2\x94\x80"
	    "| \xe2\x95\x90""\xe2\x95\x90""\n|\xe2\x94\x81""x| \xe2\x80\x94""\xe2\x80\x94"".\xe2\x80\x94" },
	{ QUARRY_PAT_O200K,
	    "\xe2\x94\x81""\xe2\x94\x81""\xe2\x94\x80""/x \xe2\x95\x90""\xe2\x95\x90""\xe2\x95\x90",
	    "\xe2\x94\x81""\xe2\x94\x81""\xe2\x94\x80""/|x| \xe2\x95\x90""\xe2\x95\x90""\xe2\x95\x90" },
};

static void
test_pretokenize(void **state)
{
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(splits) / sizeof(splits[0]); k++) {
		const char *s = splits[k].text;
		size_t len = strlen(s), i = 0;
		char got[256] = "";

		while (i < len) {
			size_t j = tok_pretoken_next(splits[k].p, s, len, i);

			assert_true(j > i && j <= len);
			if (i > 0)
				strcat(got, "|");
			strncat(got, s + i, j - i);
			i = j;
		}
		if (strcmp(got, splits[k].pieces) != 0)
			fail_msg("%s \"%s\": got \"%s\", want \"%s\"",
			    tok_pattern_name(splits[k].p), s, got,
			    splits[k].pieces);
	}
}

/* Random text from pieces that start and end pre-tokens in many ways. */
static size_t
mixed_text(char *out, size_t cap, unsigned *seed)
{
	static const char *const parts[] = {
		"a", "Z", "x", "hello", "abcdefghijklmnopqrstuvwxyzABCDEFG",
		"1", "23", "4567", " ", "  ", "        ", "\t", "\n", "\r", "\x0b",
		"\x0c", "'", "s", "S", "re", "LL", "ve", "m", "D", "t", ".", ",",
		"!", "/", "?!", "\x01", "\xc3\xa9", "\xd9\xa3", "\xc2\xa0",
		"\xe3\x80\x80", "\xe2\x80\x94", "\xff", "\xe6\x97\xa5",
		"\xcc\x81",
	};
	size_t n = 0, k, want;

	*seed = *seed * 1103515245 + 12345;
	want = 1 + (*seed >> 8) % 40;
	for (k = 0; k < want; k++) {
		const char *p;
		size_t l;

		*seed = *seed * 1103515245 + 12345;
		p = parts[(*seed >> 8) % (sizeof(parts) / sizeof(parts[0]))];
		l = strlen(p);
		if (n + l >= cap)
			break;
		memcpy(out + n, p, l);
		n += l;
	}
	return n;
}

/*
 * The cuts of the counting loops (tok_cl100k_word() inline, else
 * tok_cl100k_rest()) end every piece where the pre-tokeniser does, at
 * every place of random mixed text: the words (16 bytes at a time) against
 * a plain loop too.
 */
static void
test_cl100k_cuts(void **state)
{
	char s[512];
	unsigned seed = 5;
	size_t decided = 0, round, len, i, j, want;

	(void)state;
	for (round = 0; round < 20000; round++) {
		len = mixed_text(s, sizeof(s), &seed);
		for (i = 0; i < len; i++) {
			const unsigned char *u = (const unsigned char *)s;

			if ((j = tok_cl100k_word(s, len, i)) != 0) {
				want = i + 1;
				if (!(tok_ascii_class[u[i]] & QT_L))
					want++;
				while (want < len && u[want] < 0x80 &&
				    (tok_ascii_class[u[want]] & QT_L))
					want++;
				want = tok_letters(s, len, want);
				assert_int_equal(j, want);
				assert_int_equal(j, tok_pretoken_next(
				    QUARRY_PAT_CL100K, s, len, i));
				continue;
			}
			j = tok_cl100k_rest(s, len, i);
			want = tok_pretoken_next(QUARRY_PAT_CL100K, s, len, i);
			if (j != want)
				fail_msg("at %zu of \"%.*s\": %zu, want %zu", i,
				    (int)len, s, j, want);
			decided++;
		}
	}
	/* Most places are not words. */
	assert_true(decided > 100000);
}

/* Counting (pieces merged in batches, quarry_tokenizer_count()) and
 * encoding (one by one) give the same number of tokens. */
static void
test_count_batches(void **state)
{
	static const char *const tokens[] = {
		"he", "ll", "llo", "hello", " h", " he", "ab", "abc", "cd",
		"abcd", "ef", "efg", "  ", "    ", "\n\n", "12", "123", "'s",
		" '", ".\n", "\xc3\xa9", "or", "ld", "wor", "world", NULL
	};
	quarry_tokenizer *t = load(tokens, "cl100k");
	char s[4096];
	unsigned seed = 9;
	size_t round, len, n;
	const uint32_t *ids;

	(void)state;
	for (round = 0; round < 3000; round++) {
		len = 0;
		while (len < sizeof(s) / 2)
			len += mixed_text(s + len, sizeof(s) - len, &seed);
		assert_int_equal(quarry_tokenizer_encode(t, s, len, &ids, &n), 0);
		assert_int_equal(quarry_tokenizer_count(t, s, len), n);
		assert_true(tok_count_max(t, s, len, n) == n);
		if (n > 0)
			assert_true(tok_count_max(t, s, len, n - 1) > n - 1);
	}
	quarry_tokenizer_free(t);
}

static void
test_classes(void **state)
{
	int c;
	size_t n;

	(void)state;
	/* The ASCII fast path agrees with the general classification. */
	for (c = 0; c < 128; c++) {
		char s[1] = { (char)c };

		assert_int_equal(tok_char_at(s, 1, 0, &n),
		    tok_char_class(c));
		assert_int_equal(n, 1);
	}
	assert_int_equal(tok_char_class(0x00E9), QT_L | QT_LO);
	assert_int_equal(tok_char_class(0x01C5), QT_L | QT_UP);	/* Lt */
	assert_int_equal(tok_char_class(0x4E2D), QT_L | QT_LMO);
	assert_int_equal(tok_char_class(0x0301), QT_M);
	assert_int_equal(tok_char_class(0x0663), QT_N);
	assert_int_equal(tok_char_class(0x00A0), QT_S);
	assert_int_equal(tok_char_class(0xFEFF), QT_S);	/* JS \s */
	assert_int_equal(tok_char_class(0x0085), 0);		/* not JS \s */
	/* Newer than utf8proc 2.8 (Unicode 15): corrected to Unicode 17. */
	assert_int_equal(tok_char_class(0x0295), QT_L | QT_LMO);
	assert_int_equal(tok_char_class(0x1C89), QT_L | QT_UP);
	/* Invalid UTF-8 reads as one byte of its own class. */
	assert_int_equal(tok_char_at("\xff", 1, 0, &n), QT_BAD);
	assert_int_equal(n, 1);
	assert_int_equal(tok_char_at("\xe4\xb8", 2, 0, &n), QT_BAD);
	assert_int_equal(tok_char_at("\xed\xa0\x80", 3, 0, &n), QT_BAD);
	assert_int_equal(tok_char_at("\xe4\xb8\xad", 3, 0, &n),
	    QT_L | QT_LMO);
	assert_int_equal(n, 3);
}

static void
expect_ids(quarry_tokenizer *t, const char *text, const uint32_t *want,
    size_t nwant)
{
	const uint32_t *ids;
	const char *back;
	size_t n, blen, i;

	assert_int_equal(quarry_tokenizer_encode(t, text, strlen(text), &ids,
	    &n), 0);
	assert_int_equal(n, nwant);
	for (i = 0; i < n; i++)
		assert_int_equal(ids[i], want[i]);
	assert_int_equal(quarry_tokenizer_count(t, text, strlen(text)), nwant);
	assert_int_equal(quarry_tokenizer_decode(t, ids, n, &back, &blen), 0);
	assert_int_equal(blen, strlen(text));
	assert_memory_equal(back, text, blen);
}

static void
test_merges(void **state)
{
	/* 256 "ab", 257 "cd", 258 "abcd", 259 "aa", 260 " ab", 261 "bc" */
	static const char *const tokens[] = {
		"ab", "cd", "abcd", "aa", " ab", "bc", NULL
	};
	quarry_tokenizer *t = load(tokens, "cl100k");

	(void)state;
	assert_string_equal(quarry_tokenizer_pattern(t), "cl100k");
	assert_int_equal(quarry_tokenizer_vocab(t), 262);
	expect_ids(t, "", NULL, 0);
	expect_ids(t, "abcd", (const uint32_t[]){ 258 }, 1);
	/* "abc": ab (256) ranks before bc (261). */
	expect_ids(t, "abc", (const uint32_t[]){ 256, 'c' }, 2);
	/* "bcd": bc (261) and cd (257): cd ranks first. */
	expect_ids(t, "bcd", (const uint32_t[]){ 'b', 257 }, 2);
	/* Equal ranks: the leftmost pair merges first. */
	expect_ids(t, "aaa", (const uint32_t[]){ 259, 'a' }, 2);
	expect_ids(t, "aaaaa", (const uint32_t[]){ 259, 259, 'a' }, 3);
	/* " abcd" is one piece: ab, then cd, then abcd win over " ab". */
	expect_ids(t, " abcd", (const uint32_t[]){ ' ', 258 }, 2);
	expect_ids(t, " ab", (const uint32_t[]){ 260 }, 1);
	expect_ids(t, "x 12", (const uint32_t[]){ 'x', ' ', '1', '2' }, 4);
	quarry_tokenizer_free(t);
}

/* The scan and the heap agree, also on long pieces. */
static void
test_scan_heap(void **state)
{
	static const char *const tokens[] = {
		"aa", "ab", "ba", "aaa", "aab", "bb", "aaaa", "abab", "bab",
		"baa", "abba", "aaaaaaaa", "bbbb", NULL
	};
	quarry_tokenizer *t = load(tokens, NULL);
	uint32_t a[600], b[600];
	unsigned char s[600];
	unsigned seed = 7;
	int round;

	(void)state;
	for (round = 0; round < 300; round++) {
		size_t len = 1 + (size_t)(round * 2 % 599), i, na, nb;

		for (i = 0; i < len; i++) {
			seed = seed * 1103515245 + 12345;
			s[i] = (seed >> 16) % 5 == 0 ? 'b' : 'a';
		}
		assert_true(quarry_tokenizer_count(t, (char *)s, len) <= len);
		na = tok_bpe_scan(t, s, len, a);
		nb = tok_bpe_heap(t, s, len, b);
		assert_int_equal(na, nb);
		assert_memory_equal(a, b, na * sizeof(*a));
	}
	quarry_tokenizer_free(t);
}

/*
 * tok_count_ext() and tok_count_max() against quarry_tokenizer_count() on
 * random spans of mixed text (cut anywhere, even inside a character).
 */
static void
count_parts(quarry_tokenizer *t)
{
	static const char text[] =
	    "Hello world.  It's 2024! They'LL see.\n\n   Indented line\twith "
	    "tabs, \xc2\xabquotes\xc2\xbb, \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e and "
	    "numbers 1234567 and \xc3\xa9migr\xc3\xa9 words.\r\n  \n- item one\n"
	    "    code(x) {  return y;  }\n\n\n\tNext   paragraph...  ok?\n"
	    "URL: https://example.org/a/b?c=d  ABCdef GHI's  \xe2\x80\x94 end   ";
	size_t len = sizeof(text) - 1, round;
	unsigned seed = 11;

	for (round = 0; round < 4000; round++) {
		size_t a, b, e, whole, inner, max;

		seed = seed * 1103515245 + 12345;
		e = (seed >> 8) % (len + 1);
		seed = seed * 1103515245 + 12345;
		b = e ? (seed >> 8) % (e + 1) : 0;
		seed = seed * 1103515245 + 12345;
		a = b ? (seed >> 8) % (b + 1) : 0;
		if (round % 3 == 0)	/* white space before b, as atoms have */
			for (a = b; a > 0 && (text[a - 1] == ' ' ||
			    text[a - 1] == '\n' || text[a - 1] == '\t'); a--)
				;
		whole = quarry_tokenizer_count(t, text + a, e - a);
		inner = quarry_tokenizer_count(t, text + b, e - b);
		assert_int_equal(tok_count_ext(t, text, a, b, e, inner), whole);
		max = (seed >> 4) % (whole + 3);
		if (whole <= max)
			assert_int_equal(tok_count_max(t, text + a, e - a, max),
			    whole);
		else
			assert_true(tok_count_max(t, text + a, e - a, max) > max);
	}
}

static void
test_count_parts(void **state)
{
	static const char *const tokens[] = {
		" a", "ab", " ab", "\n\n", "  ", " wor", "ld", "He", "llo",
		"'s", " 20", "24", "  \n", NULL
	};
	const char *srcdir = getenv("srcdir");
	char path[4096];
	quarry_tokenizer *t = load(tokens, "cl100k");

	(void)state;
	count_parts(t);
	/* A copy (quarry_tokenizer_dup()) counts the same with caches of
	 * its own, and goes before the original. */
	{
		quarry_tokenizer *c, *cc;

		assert_int_equal(quarry_tokenizer_dup(t, &c), 0);
		assert_int_equal(quarry_tokenizer_dup(c, &cc), 0);
		count_parts(c);
		assert_int_equal(quarry_tokenizer_count(cc, "the the", 7),
		    quarry_tokenizer_count(t, "the the", 7));
		assert_int_equal(quarry_tokenizer_vocab(cc),
		    quarry_tokenizer_vocab(t));
		quarry_tokenizer_free(c);
		quarry_tokenizer_free(cc);
	}
	quarry_tokenizer_free(t);
	/* And with the real cl100k_base, when the build tree has it. */
	snprintf(path, sizeof(path), "%s/tokenizers/cl100k_base.tiktoken",
	    srcdir ? srcdir : ".");
	if (quarry_tokenizer_open(&t, path, NULL) == 0) {
		count_parts(t);
		quarry_tokenizer_free(t);
	}
}

/* Marks in bits[] the piece boundaries of s[a, e) under pattern p. */
static void
boundaries(enum quarry_pattern p, const char *s, size_t a, size_t e,
    unsigned char *bits)
{
	size_t i = a;

	memset(bits, 0, e + 1);
	while (i < e) {
		bits[i] = 1;
		i = a + tok_pretoken_next(p, s + a, e - a, i - a);
	}
	bits[e] = 1;
}

/*
 * tok_split_point(): where it names a point q for a cut at i, every text
 * s[a, e) around the cut (a <= q, e > i) has its pieces start at q, and
 * before q the same pieces as s[a, i); so counts join there, which is also
 * checked with the real cl100k_base when the build tree has it.  And it
 * does name points at the cuts that matter: words and punctuation before
 * white space, punctuation and box-drawing rules before line breaks.
 */
static void
test_split_point(void **state)
{
	static const char text[] =
	    "Hello world.  It's 2024! (See [1].)\n\nNext para,\nwrapped"
	    " line;\r\n\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\n\n  --\n\n"
	    "\xe2\x80\x9cquoted.\xe2\x80\x9d\nx \xc2\xa0\n\n\tcode(x) {\n"
	    "  return y; }\n.\xcc\x81\n\xcc\x81.\n\xe6\x97\xa5\xe6\x9c\xac."
	    "\n12.\n a/\n/usr \x80.\n\xff\n\nend?!  \n";
	static const struct {
		const char *before;	/* the text before the cut */
		enum quarry_pattern p;
		size_t back;		/* i - q */
	} known[] = {
		{ "Hello", QUARRY_PAT_CL100K, 0 },
		{ "Hello world.", QUARRY_PAT_O200K, 0 },
		{ "wrapped line;", QUARRY_PAT_GPT2, 0 },
		{ "It's 2024! (See [1].)", QUARRY_PAT_CL100K, 3 },
		{ "Next para,", QUARRY_PAT_O200K, 1 },
		{ "wrapped line;", QUARRY_PAT_CL100K, 1 },
		{ "\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80", QUARRY_PAT_CL100K, 9 },
		{ "\n\n  --", QUARRY_PAT_CL100K, 3 },
		{ "quoted.\xe2\x80\x9d", QUARRY_PAT_CL100K, 4 },
		{ "12.", QUARRY_PAT_CL100K, 1 },
	};
	static const char *const pats[] = { "gpt2", "cl100k", "o200k" };
	static const char *const tokens[] = { " a", "ab", "\n\n", "  ", NULL };
	size_t len = sizeof(text) - 1, i, k, named = 0;
	unsigned char *whole = malloc(len + 1), *left = malloc(len + 1);
	unsigned seed = 5;
	const char *srcdir = getenv("srcdir");
	char path[4096];
	quarry_tokenizer *cl = NULL;
	int p;

	(void)state;
	assert_non_null(whole);
	assert_non_null(left);
	snprintf(path, sizeof(path), "%s/tokenizers/cl100k_base.tiktoken",
	    srcdir ? srcdir : ".");
	if (quarry_tokenizer_open(&cl, path, NULL) != 0)
		cl = load(tokens, "cl100k");
	for (k = 0; k < sizeof(known) / sizeof(known[0]); k++) {
		const char *at = strstr(text, known[k].before);
		size_t cut;

		assert_non_null(at);
		cut = (size_t)(at - text) + strlen(known[k].before);
		assert_int_equal(tok_split_point(known[k].p, text, len, 0, cut),
		    cut - known[k].back);
	}
	for (p = 0; p < 3; p++) {
		enum quarry_pattern pat;

		assert_int_equal(tok_pattern_parse(pats[p], &pat), 0);
		for (i = 1; i < len; i++) {
			size_t lo, q, a, e, round, j;

			seed = seed * 1103515245 + 12345;
			lo = (seed >> 8) % i;
			if ((q = tok_split_point(pat, text, len, lo, i)) ==
			    SIZE_MAX)
				continue;
			named++;
			assert_true(q <= i);
			for (round = 0; round < 6; round++) {
				seed = seed * 1103515245 + 12345;
				a = round == 0 ? q : round == 1 ? 0 :
				    (seed >> 8) % (q + 1);
				seed = seed * 1103515245 + 12345;
				e = round == 2 ? i + 1 : round == 3 ? len :
				    i + 1 + (seed >> 8) % (len - i);
				boundaries(pat, text, a, e, whole);
				boundaries(pat, text, a, i, left);
				assert_true(whole[q]);
				assert_true(left[q]);
				for (j = a; j < q; j++)
					assert_int_equal(whole[j], left[j]);
				if (pat == QUARRY_PAT_CL100K)
					assert_int_equal(
					    quarry_tokenizer_count(cl, text + a,
					    e - a) + quarry_tokenizer_count(cl,
					    text + q, i - q),
					    quarry_tokenizer_count(cl, text + a,
					    i - a) + quarry_tokenizer_count(cl,
					    text + q, e - q));
			}
		}
	}
	/* Most cuts before white space are named (78 of them here). */
	assert_true(named >= 70);
	quarry_tokenizer_free(cl);
	free(whole);
	free(left);
}

static void
test_long_pieces(void **state)
{
	static const char *const tokens[] = { "aa", "aaaa", NULL };
	quarry_tokenizer *t = load(tokens, NULL);
	size_t len = 1 << 20;
	char *s = malloc(len);

	(void)state;
	assert_non_null(s);
	/* A megabyte-long word of one letter: 2^20 / 4 tokens, in far less
	 * time than a quadratic merge would take. */
	memset(s, 'a', len);
	assert_int_equal(quarry_tokenizer_count(t, s, len), len / 4);
	assert_int_equal(quarry_tokenizer_count(t, s, 7), 3);
	/* White space and punctuation runs are single pieces too. */
	memset(s, ' ', len);
	assert_int_equal(quarry_tokenizer_count(t, s, len), len);
	free(s);
	quarry_tokenizer_free(t);
}

/*
 * The rank table tells tokens apart by their first 8 bytes, their length
 * and the rest of their bytes: tokens that share their first 8 bytes, of 9,
 * 16, 17 and 64 bytes, and one of 70,000 bytes (beyond the slot's 16-bit
 * length), are each found, and no span one byte longer or with another
 * last byte.
 */
static void
test_rank_keys(void **state)
{
	static char big[70001];
	static const char *const tokens[] = {
		"abcdefgh", "abcdefghi", "abcdefghijklmnop", "abcdefghijklmnopq",
		"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_",
		"xyz", "xy", big, NULL
	};
	const unsigned char *u;
	quarry_tokenizer *t;
	char buf[80];
	size_t k, n;

	(void)state;
	memset(big, 'q', sizeof(big) - 1);
	t = load(tokens, NULL);
	for (k = 0; tokens[k] != NULL; k++) {
		u = (const unsigned char *)tokens[k];
		n = strlen(tokens[k]);
		assert_int_equal(tok_bpe_rank(t, u, n), 256 + k);
		/* One byte longer, or its last byte changed: no token. */
		if (n < sizeof(buf) - 1) {
			memcpy(buf, tokens[k], n);
			buf[n] = '!';
			assert_int_equal(tok_bpe_rank(t, (unsigned char *)buf,
			    n + 1), UINT32_MAX);
			buf[n - 1] ^= 1;
			assert_int_equal(tok_bpe_rank(t, (unsigned char *)buf, n),
			    UINT32_MAX);
		}
	}
	assert_int_equal(tok_bpe_rank(t, (const unsigned char *)big,
	    sizeof(big) - 2), UINT32_MAX);
	big[sizeof(big) - 2] = 'r';
	assert_int_equal(tok_bpe_rank(t, (const unsigned char *)big,
	    sizeof(big) - 1), UINT32_MAX);
	/* A piece that is a token counts as one; with no pair among the
	 * tokens, one that is not counts its bytes. */
	assert_int_equal(quarry_tokenizer_count(t, "abcdefghijklmnopq", 17), 1);
	assert_int_equal(quarry_tokenizer_count(t, "abcdefghijklmnopqr", 18), 18);
	quarry_tokenizer_free(t);
}

static void
test_decode(void **state)
{
	quarry_tokenizer *t = load(NULL, NULL);
	const char *text;
	size_t len;
	uint32_t bad = 256, part[] = { 0xE4, 0xB8 };

	(void)state;
	assert_int_equal(quarry_tokenizer_decode(t, &bad, 1, &text, &len),
	    QUARRY_EINVAL);
	assert_int_equal(quarry_tokenizer_decode(t, part, 2, &text, &len), 0);
	assert_int_equal(len, 2);
	assert_memory_equal(text, "\xe4\xb8", 2);
	/* Invalid UTF-8 is counted, a token per byte here. */
	assert_int_equal(quarry_tokenizer_count(t, "a\xff\xfe b", 5), 5);
	quarry_tokenizer_free(t);
}

static int
load_error(const char *data, unsigned long *line)
{
	quarry_tokenizer *t = NULL;
	int rc;

	*line = 12345;
	rc = quarry_tokenizer_load(&t, data, strlen(data), NULL, line);
	assert_null(t);
	return rc;
}

static void
test_load_errors(void **state)
{
	static const struct {
		const char *append;
		unsigned long line;
	} cases[] = {
		{ "YWI= 256\nnot-base64 257\n", 258 },
		{ "YWI= 256\nYWI 257\n", 258 },		/* unpadded */
		{ "YWF= 256\n", 257 },			/* non-canonical */
		{ "YWI=\n", 257 },			/* no rank */
		{ "YWI= \n", 257 },
		{ "YWI= 25x\n", 257 },
		{ "YWI= -1\n", 257 },
		{ "YWI= 256\nYWI= 257\n", 258 },	/* token twice */
		{ "YWI= 256\nYWM= 256\n", 258 },	/* rank twice */
		/* The first fault is reported, of either kind. */
		{ "YWI= 256\nYWI= 257\nYWM 258\n", 258 },
		{ "YWI= 256\nYWM 257\nYWI= 258\n", 258 },
		{ "YWI= 256\nYWM= 256\nYWI= 257\n", 258 },
		{ "YWI= 99999999999999999999\n", 257 },
		{ "YWI= 1000000\n", 257 },		/* rank far too big */
		{ "YWI=  256\n", 257 },
		{ "\n\nYWI= 256\n\nYWI 257", 261 },	/* blank lines count */
	};
	struct quarry_buf base = ranks(NULL);
	unsigned long line;
	quarry_tokenizer *t;
	size_t k;

	(void)state;
	quarry_buf_append(&base, "", 1);	/* a string, for strchr() */
	base.len--;
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct quarry_buf b = { 0 };

		quarry_buf_append(&b, base.data, base.len);
		quarry_buf_append(&b, cases[k].append,
		    strlen(cases[k].append) + 1);
		if (load_error(b.data, &line) != QUARRY_EFORMAT ||
		    line != cases[k].line)
			fail_msg("case %zu: line %lu, want %lu", k, line,
			    cases[k].line);
		quarry_buf_free(&b);
	}
	/* A byte without a token: no line to blame. */
	assert_int_equal(load_error(strchr(base.data, '\n') + 1, &line),
	    QUARRY_EFORMAT);
	assert_int_equal(line, 0);
	assert_int_equal(load_error("", &line), QUARRY_EFORMAT);
	/* CRLF line ends, a last line without a newline, blank lines. */
	{
		struct quarry_buf b = { 0 };

		quarry_buf_append(&b, base.data, base.len);
		quarry_buf_append(&b, "\r\n\nYWI= 256\r\nYWJj 257", 21);
		assert_int_equal(quarry_tokenizer_load(&t, b.data, b.len, NULL,
		    &line), 0);
		assert_int_equal(quarry_tokenizer_vocab(t), 258);
		assert_int_equal(quarry_tokenizer_count(t, "abc", 3), 1);
		quarry_tokenizer_free(t);
		quarry_buf_free(&b);
	}
	assert_int_equal(quarry_tokenizer_load(&t, base.data, base.len,
	    "cl200k", &line), QUARRY_EINVAL);
	assert_null(t);
	assert_int_equal(quarry_tokenizer_open(&t, "/nonexistent/ranks",
	    &line), QUARRY_EIO);
	assert_null(t);
	quarry_tokenizer_free(NULL);
	quarry_buf_free(&base);
}

/* The pattern is chosen from the vocabulary size. */
static void
test_pattern_choice(void **state)
{
	struct quarry_buf b = ranks(NULL);
	quarry_tokenizer *t;
	unsigned long r = 256, i, line = 0;

	(void)state;
	assert_int_equal(quarry_tokenizer_load(&t, b.data, b.len, NULL, NULL),
	    0);
	assert_string_equal(quarry_tokenizer_pattern(t), "cl100k");
	quarry_tokenizer_free(t);
	for (i = 0; r < 50257; i++, r++) {
		unsigned char two[2] = { (unsigned char)(i >> 8),
		    (unsigned char)i };

		add_line(&b, two, 2, r);
	}
	assert_int_equal(quarry_tokenizer_load(&t, b.data, b.len, NULL, &line),
	    0);
	assert_string_equal(quarry_tokenizer_pattern(t), "gpt2");
	quarry_tokenizer_free(t);
	for (i = 0; r < 200000; i++, r++) {
		unsigned char three[3] = { (unsigned char)(1 + (i >> 16)),
		    (unsigned char)(i >> 8),
		    (unsigned char)i };

		add_line(&b, three, 3, r);
	}
	assert_int_equal(quarry_tokenizer_load(&t, b.data, b.len, NULL, NULL),
	    0);
	assert_string_equal(quarry_tokenizer_pattern(t), "o200k");
	quarry_tokenizer_free(t);
	assert_int_equal(quarry_tokenizer_load(&t, b.data, b.len, "p50k_base",
	    NULL), 0);
	assert_string_equal(quarry_tokenizer_pattern(t), "gpt2");
	quarry_tokenizer_free(t);
	quarry_buf_free(&b);
}

static size_t
est(const char *s)
{
	return quarry_token_estimate(s, strlen(s));
}

static void
test_estimate(void **state)
{
	quarry_tokenizer *e;

	(void)state;
	assert_int_equal(est(""), 0);
	assert_int_equal(est("1"), 1);
	assert_int_equal(est("123"), 1);
	assert_int_equal(est("1234"), 2);
	assert_int_equal(est(" "), 1);
	/* Tokens among the first 32,768 ranks: exactly cl100k's counts. */
	assert_int_equal(est("Hello"), 1);
	assert_int_equal(est("Hello world"), 2);
	assert_int_equal(est("Kubernetes"), 2);
	assert_int_equal(est("\xe4\xb8\xad\xe6\x96\x87"), 2);
	/* Later ranks ("jumps", " lazy") are merged from smaller pieces:
	 * more tokens than cl100k's 10, never fewer. */
	assert_int_equal(est("The quick brown fox jumps over the lazy dog."), 12);
	assert_int_equal(est("antidisestablishmentarianism"), 8);
	/* A 4-byte character: at least its cl100k count (2). */
	assert_int_equal(est("\xf0\x9f\x98\x80"), 3);
	/* Invalid UTF-8: a token per bad byte. */
	assert_int_equal(est("\xff\xff\xff"), 3);
	/* Non-ASCII text takes the lower of the two bounds. */
	assert_int_equal(est("\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5"
	    "\xd1\x82, \xd0\xbc\xd0\xb8\xd1\x80"), 8);
	/* The caller's own handle counts the same, without the lock. */
	assert_int_equal(quarry_tokenizer_estimator(&e), 0);
	assert_int_equal(quarry_tokenizer_vocab(e), 32768);
	assert_int_equal(quarry_token_estimate_with(e, "Hello world", 11), 2);
	assert_int_equal(quarry_token_estimate_with(e,
	    "The quick brown fox jumps over the lazy dog.", 44), 12);
	quarry_tokenizer_free(e);
}

/* Rank files by name: $QUARRY_TOKENIZER_DIR, then the built-in path. */
static void
test_find(void **state)
{
	char dir[] = "/tmp/quarry-tok.XXXXXX", file[64];
	char *path;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/mine.tiktoken", dir);
	assert_non_null(fp = fopen(file, "w"));
	fclose(fp);
	/* Paths are taken as they are. */
	assert_int_equal(quarry_tokenizer_find("./x.tiktoken", &path), 0);
	assert_string_equal(path, "./x.tiktoken");
	free(path);
	assert_int_equal(quarry_tokenizer_find("x.tiktoken", &path), 0);
	assert_string_equal(path, "x.tiktoken");
	free(path);
	/* Names are looked up. */
	setenv("QUARRY_TOKENIZER_DIR", dir, 1);
	assert_int_equal(quarry_tokenizer_find("mine", &path), 0);
	assert_string_equal(path, file);
	free(path);
	assert_int_equal(quarry_tokenizer_find("nosuch", &path),
	    QUARRY_ENOTFOUND);
	assert_null(path);
	assert_int_equal(quarry_tokenizer_find("a b", &path), QUARRY_EINVAL);
	assert_int_equal(quarry_tokenizer_find("", &path), QUARRY_EINVAL);
	/* "cl100k" is short for "cl100k_base". */
	snprintf(file, sizeof(file), "%s/cl100k_base.tiktoken", dir);
	assert_non_null(fp = fopen(file, "w"));
	fclose(fp);
	assert_int_equal(quarry_tokenizer_find("cl100k", &path), 0);
	assert_string_equal(path, file);
	free(path);
	unlink(file);
	snprintf(file, sizeof(file), "%s/mine.tiktoken", dir);
	unlink(file);
	rmdir(dir);
	unsetenv("QUARRY_TOKENIZER_DIR");
	/* The default. */
	unsetenv("QUARRY_TOKENIZER");
	assert_string_equal(quarry_tokenizer_default(), "cl100k_base");
	setenv("QUARRY_TOKENIZER", "o200k_base", 1);
	assert_string_equal(quarry_tokenizer_default(), "o200k_base");
	setenv("QUARRY_TOKENIZER", "", 1);
	assert_string_equal(quarry_tokenizer_default(), "cl100k_base");
	unsetenv("QUARRY_TOKENIZER");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pretokenize),
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_cl100k_cuts),
		cmocka_unit_test(test_count_batches),
		cmocka_unit_test(test_merges),
		cmocka_unit_test(test_scan_heap),
		cmocka_unit_test(test_long_pieces),
		cmocka_unit_test(test_rank_keys),
		cmocka_unit_test(test_count_parts),
		cmocka_unit_test(test_split_point),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_pattern_choice),
		cmocka_unit_test(test_estimate),
		cmocka_unit_test(test_find),
	};

	return cmocka_run_group_tests_name("tokenizer", tests, NULL, NULL);
}
