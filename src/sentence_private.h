/*
 * sentence_private.h: per-language data of the sentence segmenter.
 *
 * The rules live in sentence.c; this header describes the tables that
 * sentence_lang.c provides for them.  Conventions are documented in
 * man/quarry-chunk.1.
 */
#ifndef QUARRY_SENTENCE_PRIVATE_H
#define QUARRY_SENTENCE_PRIVATE_H

/* Kinds of abbreviation, stored in the first byte of a list entry. */
enum sentence_abbr_kind {
	/* An ordinary abbreviation ("etc", "Co", "U.S"): it ends a sentence
	 * only when the next word clearly starts one (a starter word). */
	SA_ABBR = 1,
	/* A title placed before a name ("Mr", "Dr", "Srta"): never ends a
	 * sentence on its own. */
	SA_PRE = 2,
	/* An abbreviation only before a number ("No. 5", "p. 55", "Nr. 3");
	 * elsewhere the word is an ordinary word. */
	SA_NUM = 3,
};

/* Language flags. */
enum {
	/* "12. Juni": a number followed by a period is an ordinal, so it ends
	 * a sentence only before a starter word (de, da, fi, cs, ...). */
	SL_ORDINAL = 1 << 0,
	/* ':' ends a sentence (Armenian writes the full stop ։ as ':'). */
	SL_COLON_STOP = 1 << 1,
	/* ';' is the question mark (Greek). */
	SL_SEMICOLON_QM = 1 << 2,
	/* French spacing: "fin. »" keeps the guillemet after a space. */
	SL_FRENCH = 1 << 3,
	/* English: the pronoun "I" is capitalised mid-sentence. */
	SL_PRONOUN_I = 1 << 4,
};

/*
 * A language's rules.  Word lists are NULL-terminated arrays of lower-case
 * UTF-8 strings.  In the abbreviation list each entry starts with one byte
 * giving its kind ("\1etc", "\2mr", "\3no"); inner periods are kept ("\1u.s")
 * and the final one is dropped.  starters lists words that begin sentences
 * often enough that a capitalised one after an abbreviation is taken as the
 * start of a new sentence.
 */
struct sentence_lang {
	const char *code;
	unsigned flags;
	const char *const *abbr;
	const char *const *starters;
};

/*
 * Returns the rules for a BCP 47 tag (its primary subtag, case-insensitive),
 * or the English rules for NULL or an unknown language.
 */
const struct sentence_lang *sentence_lang_find(const char *tag);

/* Abbreviations shared by every language (Latin and international ones). */
extern const char *const sentence_abbr_common[];

#endif /* QUARRY_SENTENCE_PRIVATE_H */
