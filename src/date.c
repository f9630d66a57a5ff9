/*
 * date.c: recognising dates in the many forms documents carry them and
 * writing them in one normal form (the rules are in man/quarry.7, DATES).
 *
 * The parser is a small lexer followed by an interpreter of the token list.
 * The lexer knows numbers, clock times, month and weekday names in sixteen
 * languages, zones, offsets and a few connecting words ("le", "de", "am");
 * any other word makes the string "not a date", because a date parser that
 * skips what it does not understand ends up reading "2 days ago" or
 * "Version 2.3, May 2024" as something they are not.  PDF dates, Unix time
 * and ISO 8601 basic forms, which are runs of digits, have their own strict
 * readers.
 *
 * Everything is locale-independent and allocation-free: the tokens live on
 * the stack, calendar arithmetic is days_from_civil() below (no timegm(), no
 * TZ), and month names are compared after folding case, Latin accents and
 * Arabic hamza forms.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "quarry.h"

/* Longest string we try to read as a date; real ones are far shorter. */
#define DATE_MAX_LEN 256
#define MAX_TOKENS 40

/* ------------------------------------------------------------ calendar */

static int
is_leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(long y, int m)
{
	static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

static int
valid_day(long y, int m, int d)
{
	return y >= 1000 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
	    d <= days_in_month(y, m);
}

/*
 * Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil); valid for every year we accept.
 */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The inverse of days_from_civil(). */
static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* 0 = Sunday ... 6 = Saturday. */
static int
weekday(int64_t days)
{
	int64_t w = (days + 4) % 7;

	return (int)(w < 0 ? w + 7 : w);
}

static int
put_day(char out[21], int64_t y, int m, int d)
{
	char tmp[40];

	if (!valid_day((long)y, m, d))
		return QUARRY_ENODATE;
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02d", (int)y, m, d);
	memcpy(out, tmp, 11);
	return 0;
}

/* Writes the UTC date-time of t seconds since the epoch. */
static int
put_instant(char out[21], int64_t t)
{
	int64_t days, y, rem;
	int m, d;

	/* Years 1000 to 9999 only; this also keeps the arithmetic small. */
	if (t < -30610224000LL || t > 253402300799LL)
		return QUARRY_ENODATE;
	days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	rem = t - days * 86400;
	civil_from_days(days, &y, &m, &d);
	if (y < 1000 || y > 9999)
		return QUARRY_ENODATE;
	{
		char tmp[64];

		snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02dZ",
		    (int)y, m, d, (int)(rem / 3600), (int)(rem / 60 % 60),
		    (int)(rem % 60));
		memcpy(out, tmp, 21);
	}
	return 0;
}

int
quarry_date_from_unix(int64_t t, char out[21])
{
	out[0] = '\0';
	return put_instant(out, t);
}

/* Writes a date-time given as local fields and an offset east of UTC. */
static int
put_local(char out[21], int64_t y, int m, int d, int hh, int mm, int ss,
    int offset_min)
{
	if (!valid_day((long)y, m, d))
		return QUARRY_ENODATE;
	return put_instant(out, days_from_civil(y, m, d) * 86400 +
	    hh * 3600 + mm * 60 + ss - (int64_t)offset_min * 60);
}

static int
expand_year(int v, int ndigits)
{
	if (ndigits == 2)
		return v >= 69 ? 1900 + v : 2000 + v;
	if (ndigits == 4)
		return v;
	return -1;	/* three digits or more than four: refused */
}

/* ------------------------------------------------------------ languages */

enum quarry_date_order
quarry_date_order_for_lang(const char *lang)
{
	/* Primary languages that write numeric dates day first. */
	static const char *const dmy[] = { "de", "fr", "es", "it", "pt",
	    "nl", "da", "nb", "nn", "no", "fi", "is", "pl", "cs", "sk", "sl",
	    "hr", "sr", "bs", "ro", "bg", "ru", "uk", "be", "el", "tr", "ca",
	    "gl", "eu", "ga", "cy", "et", "lv", "id", "ms", "vi", "he", "ar",
	    NULL };
	/* English varieties that do the same; en-US and en-PH are month
	 * first, and plain "en" says nothing. */
	static const char *const en_dmy[] = { "gb", "uk", "au", "nz", "ie",
	    "in", "za", "sg", "hk", "mt", "ng", "ke", "pk", NULL };
	char prim[4], reg[4];
	size_t i, n;

	if (lang == NULL)
		return QUARRY_DATE_AUTO;
	for (n = 0; n < 3 && lang[n] >= 'A' && lang[n] != '\0' &&
	    ((lang[n] | 0x20) >= 'a' && (lang[n] | 0x20) <= 'z'); n++)
		prim[n] = (char)(lang[n] | 0x20);
	prim[n] = '\0';
	if (n < 2 || (lang[n] != '\0' && lang[n] != '-' && lang[n] != '_'))
		return QUARRY_DATE_AUTO;
	reg[0] = '\0';
	if (lang[n] != '\0') {
		const char *r = lang + n + 1;

		for (i = 0; i < 2 && ((r[i] | 0x20) >= 'a' &&
		    (r[i] | 0x20) <= 'z'); i++)
			reg[i] = (char)(r[i] | 0x20);
		reg[i] = '\0';
		if (i != 2 || (r[2] != '\0' && r[2] != '-' && r[2] != '_'))
			reg[0] = '\0';
	}
	if (strcmp(prim, "en") == 0) {
		if (strcmp(reg, "us") == 0 || strcmp(reg, "ph") == 0)
			return QUARRY_DATE_MDY;
		for (i = 0; en_dmy[i]; i++)
			if (strcmp(reg, en_dmy[i]) == 0)
				return QUARRY_DATE_DMY;
		return QUARRY_DATE_AUTO;
	}
	for (i = 0; dmy[i]; i++)
		if (strcmp(prim, dmy[i]) == 0)
			return QUARRY_DATE_DMY;
	return QUARRY_DATE_AUTO;
}

/* Words, folded to lower-case ASCII without accents. */
struct word {
	const char *w;
	signed char kind;
	short val;
};

enum { W_MONTH = 1, W_WDAY, W_ZONE, W_NOISE, W_AM, W_PM, W_T, W_ORD };

/* Levantine Arabic's two-word months: "كانون" and "تشرين" then "الثاني"
 * (second) or "الأول" (first) (W_ORD).  MONTH_PAIR marks the first word. */
#define MONTH_PAIR 100

/*
 * Month and weekday names of English, German, French, Spanish, Italian,
 * Portuguese and Dutch (full and unambiguous abbreviations), of Polish,
 * Czech, Turkish, Swedish, Danish and Norwegian, of Russian and Ukrainian
 * (nominative and genitive, Russian abbreviations) and of Arabic (the
 * Egyptian and the Levantine months), as fold_letter() folds them; RFC
 * 5322's and Europe's zone names (minutes east of UTC), and connecting
 * words that carry no date information.  Sorted by strcmp() on the bytes:
 * lookup() is a binary search, since every word of every candidate text is
 * looked up (test_words() finds every entry).
 */
static const struct word words[] = {
	{ "a", W_NOISE, 0 }, { "abr", W_MONTH, 4 }, { "abril", W_MONTH, 4 },
	{ "ago", W_MONTH, 8 }, { "agosto", W_MONTH, 8 },
	{ "agustos", W_MONTH, 8 }, { "aktualisiert", W_NOISE, 0 },
	{ "alle", W_NOISE, 0 }, { "am", W_AM, 0 }, { "aout", W_MONTH, 8 },
	{ "apr", W_MONTH, 4 }, { "april", W_MONTH, 4 },
	{ "aprile", W_MONTH, 4 }, { "aralik", W_MONTH, 12 },
	{ "as", W_NOISE, 0 }, { "at", W_NOISE, 0 }, { "aug", W_MONTH, 8 },
	{ "august", W_MONTH, 8 }, { "augusti", W_MONTH, 8 },
	{ "augustus", W_MONTH, 8 }, { "avr", W_MONTH, 4 },
	{ "avril", W_MONTH, 4 }, { "brezen", W_MONTH, 3 },
	{ "brezna", W_MONTH, 3 }, { "carsamba", W_WDAY, 3 },
	{ "cdt", W_ZONE, -300 }, { "cerven", W_MONTH, 6 },
	{ "cervence", W_MONTH, 7 }, { "cervenec", W_MONTH, 7 },
	{ "cervna", W_MONTH, 6 }, { "cest", W_ZONE, 120 },
	{ "cet", W_ZONE, 60 }, { "cst", W_ZONE, -360 },
	{ "ctvrtek", W_WDAY, 4 }, { "cuma", W_WDAY, 5 },
	{ "cumartesi", W_WDAY, 6 }, { "czerwca", W_MONTH, 6 },
	{ "czerwiec", W_MONTH, 6 }, { "czwartek", W_WDAY, 4 },
	{ "da", W_NOISE, 0 }, { "date", W_NOISE, 0 }, { "de", W_NOISE, 0 },
	{ "dec", W_MONTH, 12 }, { "december", W_MONTH, 12 },
	{ "decembre", W_MONTH, 12 }, { "del", W_NOISE, 0 },
	{ "den", W_NOISE, 0 }, { "der", W_NOISE, 0 }, { "dez", W_MONTH, 12 },
	{ "dezember", W_MONTH, 12 }, { "dezembro", W_MONTH, 12 },
	{ "di", W_NOISE, 0 }, { "dic", W_MONTH, 12 },
	{ "dicembre", W_MONTH, 12 }, { "diciembre", W_MONTH, 12 },
	{ "dienstag", W_WDAY, 2 }, { "dimanche", W_WDAY, 0 },
	{ "dinsdag", W_WDAY, 2 }, { "dnia", W_NOISE, 0 },
	{ "do", W_NOISE, 0 }, { "domenica", W_WDAY, 0 },
	{ "domingo", W_WDAY, 0 }, { "donderdag", W_WDAY, 4 },
	{ "donnerstag", W_WDAY, 4 }, { "duben", W_MONTH, 4 },
	{ "dubna", W_MONTH, 4 }, { "edt", W_ZONE, -240 },
	{ "eest", W_ZONE, 180 }, { "eet", W_ZONE, 120 },
	{ "ekim", W_MONTH, 10 }, { "el", W_NOISE, 0 }, { "ene", W_MONTH, 1 },
	{ "enero", W_MONTH, 1 }, { "est", W_ZONE, -300 },
	{ "eylul", W_MONTH, 9 }, { "feb", W_MONTH, 2 },
	{ "febbraio", W_MONTH, 2 }, { "feber", W_MONTH, 2 },
	{ "febrero", W_MONTH, 2 }, { "februar", W_MONTH, 2 },
	{ "februari", W_MONTH, 2 }, { "february", W_MONTH, 2 },
	{ "feira", W_NOISE, 0 }, { "fev", W_MONTH, 2 },
	{ "fevereiro", W_MONTH, 2 }, { "fevr", W_MONTH, 2 },
	{ "fevrier", W_MONTH, 2 }, { "fredag", W_WDAY, 5 },
	{ "freitag", W_WDAY, 5 }, { "fri", W_WDAY, 5 },
	{ "friday", W_WDAY, 5 }, { "gen", W_MONTH, 1 },
	{ "gennaio", W_MONTH, 1 }, { "gepubliceerd", W_NOISE, 0 },
	{ "giovedi", W_WDAY, 4 }, { "giu", W_MONTH, 6 },
	{ "giugno", W_MONTH, 6 }, { "gmt", W_ZONE, 0 },
	{ "grudnia", W_MONTH, 12 }, { "grudzien", W_MONTH, 12 },
	{ "h", W_NOISE, 0 }, { "haziran", W_MONTH, 6 }, { "il", W_NOISE, 0 },
	{ "jaenner", W_MONTH, 1 }, { "jan", W_MONTH, 1 },
	{ "janeiro", W_MONTH, 1 }, { "janner", W_MONTH, 1 },
	{ "januar", W_MONTH, 1 }, { "januari", W_MONTH, 1 },
	{ "january", W_MONTH, 1 }, { "janv", W_MONTH, 1 },
	{ "janvier", W_MONTH, 1 }, { "jeudi", W_WDAY, 4 },
	{ "jueves", W_WDAY, 4 }, { "juil", W_MONTH, 7 },
	{ "juillet", W_MONTH, 7 }, { "juin", W_MONTH, 6 },
	{ "jul", W_MONTH, 7 }, { "julho", W_MONTH, 7 },
	{ "juli", W_MONTH, 7 }, { "julio", W_MONTH, 7 },
	{ "july", W_MONTH, 7 }, { "jun", W_MONTH, 6 }, { "june", W_MONTH, 6 },
	{ "junho", W_MONTH, 6 }, { "juni", W_MONTH, 6 },
	{ "junio", W_MONTH, 6 }, { "kasim", W_MONTH, 11 },
	{ "kveten", W_MONTH, 5 }, { "kvetna", W_MONTH, 5 },
	{ "kwiecien", W_MONTH, 4 }, { "kwietnia", W_MONTH, 4 },
	{ "las", W_NOISE, 0 }, { "le", W_NOISE, 0 }, { "leden", W_MONTH, 1 },
	{ "ledna", W_MONTH, 1 }, { "lipca", W_MONTH, 7 },
	{ "lipiec", W_MONTH, 7 }, { "listopad", W_MONTH, 11 },
	{ "listopada", W_MONTH, 11 }, { "listopadu", W_MONTH, 11 },
	{ "lordag", W_WDAY, 6 }, { "lug", W_MONTH, 7 },
	{ "luglio", W_MONTH, 7 }, { "lundi", W_WDAY, 1 },
	{ "lunedi", W_WDAY, 1 }, { "lunes", W_WDAY, 1 },
	{ "lutego", W_MONTH, 2 }, { "luty", W_MONTH, 2 },
	{ "maandag", W_WDAY, 1 }, { "maart", W_MONTH, 3 },
	{ "maerz", W_MONTH, 3 }, { "mag", W_MONTH, 5 },
	{ "maggio", W_MONTH, 5 }, { "mai", W_MONTH, 5 },
	{ "maio", W_MONTH, 5 }, { "maj", W_MONTH, 5 }, { "maja", W_MONTH, 5 },
	{ "mandag", W_WDAY, 1 }, { "mar", W_MONTH, 3 },
	{ "marca", W_MONTH, 3 }, { "march", W_MONTH, 3 },
	{ "marco", W_MONTH, 3 }, { "mardi", W_WDAY, 2 },
	{ "mars", W_MONTH, 3 }, { "mart", W_MONTH, 3 },
	{ "martedi", W_WDAY, 2 }, { "martes", W_WDAY, 2 },
	{ "marts", W_MONTH, 3 }, { "marz", W_MONTH, 3 },
	{ "marzec", W_MONTH, 3 }, { "marzo", W_MONTH, 3 },
	{ "may", W_MONTH, 5 }, { "mayis", W_MONTH, 5 },
	{ "mayo", W_MONTH, 5 }, { "mdt", W_ZONE, -360 },
	{ "mei", W_MONTH, 5 }, { "mercoledi", W_WDAY, 3 },
	{ "mercredi", W_WDAY, 3 }, { "mest", W_ZONE, 120 },
	{ "mesz", W_ZONE, 120 }, { "met", W_ZONE, 60 }, { "mez", W_ZONE, 60 },
	{ "miercoles", W_WDAY, 3 }, { "mittwoch", W_WDAY, 3 },
	{ "mon", W_WDAY, 1 }, { "monday", W_WDAY, 1 },
	{ "montag", W_WDAY, 1 }, { "mrt", W_MONTH, 3 },
	{ "mst", W_ZONE, -420 }, { "nedele", W_WDAY, 0 },
	{ "niedziela", W_WDAY, 0 }, { "nisan", W_MONTH, 4 },
	{ "nov", W_MONTH, 11 }, { "november", W_MONTH, 11 },
	{ "novembre", W_MONTH, 11 }, { "novembro", W_MONTH, 11 },
	{ "noviembre", W_MONTH, 11 }, { "ocak", W_MONTH, 1 },
	{ "oct", W_MONTH, 10 }, { "october", W_MONTH, 10 },
	{ "octobre", W_MONTH, 10 }, { "octubre", W_MONTH, 10 },
	{ "of", W_NOISE, 0 }, { "okt", W_MONTH, 10 },
	{ "oktober", W_MONTH, 10 }, { "om", W_NOISE, 0 },
	{ "on", W_NOISE, 0 }, { "onsdag", W_WDAY, 3 }, { "op", W_NOISE, 0 },
	{ "ore", W_NOISE, 0 }, { "ott", W_MONTH, 10 },
	{ "ottobre", W_MONTH, 10 }, { "out", W_MONTH, 10 },
	{ "outubro", W_MONTH, 10 }, { "patek", W_WDAY, 5 },
	{ "pazar", W_WDAY, 0 }, { "pazartesi", W_WDAY, 1 },
	{ "pazdziernik", W_MONTH, 10 }, { "pazdziernika", W_MONTH, 10 },
	{ "pdt", W_ZONE, -420 }, { "persembe", W_WDAY, 4 },
	{ "piatek", W_WDAY, 5 }, { "pm", W_PM, 0 }, { "pondeli", W_WDAY, 1 },
	{ "poniedzialek", W_WDAY, 1 }, { "posted", W_NOISE, 0 },
	{ "prosince", W_MONTH, 12 }, { "prosinec", W_MONTH, 12 },
	{ "pst", W_ZONE, -480 }, { "pubblicato", W_NOISE, 0 },
	{ "publicado", W_NOISE, 0 }, { "publie", W_NOISE, 0 },
	{ "published", W_NOISE, 0 }, { "quarta", W_WDAY, 3 },
	{ "quinta", W_WDAY, 4 }, { "r", W_NOISE, 0 },
	{ "rijen", W_MONTH, 10 }, { "rijna", W_MONTH, 10 },
	{ "sabado", W_WDAY, 6 }, { "sabato", W_WDAY, 6 },
	{ "sali", W_WDAY, 2 }, { "samedi", W_WDAY, 6 },
	{ "samstag", W_WDAY, 6 }, { "sat", W_WDAY, 6 },
	{ "saturday", W_WDAY, 6 }, { "segunda", W_WDAY, 1 },
	{ "sep", W_MONTH, 9 }, { "sept", W_MONTH, 9 },
	{ "september", W_MONTH, 9 }, { "septembre", W_MONTH, 9 },
	{ "septiembre", W_MONTH, 9 }, { "set", W_MONTH, 9 },
	{ "setembro", W_MONTH, 9 }, { "setiembre", W_MONTH, 9 },
	{ "settembre", W_MONTH, 9 }, { "sexta", W_WDAY, 5 },
	{ "sierpien", W_MONTH, 8 }, { "sierpnia", W_MONTH, 8 },
	{ "sobota", W_WDAY, 6 }, { "sondag", W_WDAY, 0 },
	{ "sonnabend", W_WDAY, 6 }, { "sonntag", W_WDAY, 0 },
	{ "sroda", W_WDAY, 3 }, { "srpen", W_MONTH, 8 },
	{ "srpna", W_MONTH, 8 }, { "streda", W_WDAY, 3 },
	{ "styczen", W_MONTH, 1 }, { "stycznia", W_MONTH, 1 },
	{ "subat", W_MONTH, 2 }, { "sun", W_WDAY, 0 },
	{ "sunday", W_WDAY, 0 }, { "t", W_T, 0 }, { "temmuz", W_MONTH, 7 },
	{ "terca", W_WDAY, 2 }, { "the", W_NOISE, 0 }, { "thu", W_WDAY, 4 },
	{ "thur", W_WDAY, 4 }, { "thurs", W_WDAY, 4 },
	{ "thursday", W_WDAY, 4 }, { "tirsdag", W_WDAY, 2 },
	{ "tisdag", W_WDAY, 2 }, { "torsdag", W_WDAY, 4 },
	{ "tue", W_WDAY, 2 }, { "tues", W_WDAY, 2 }, { "tuesday", W_WDAY, 2 },
	{ "uhr", W_NOISE, 0 }, { "um", W_NOISE, 0 }, { "unor", W_MONTH, 2 },
	{ "unora", W_MONTH, 2 }, { "updated", W_NOISE, 0 },
	{ "ut", W_ZONE, 0 }, { "utc", W_ZONE, 0 }, { "utery", W_WDAY, 2 },
	{ "vendredi", W_WDAY, 5 }, { "venerdi", W_WDAY, 5 },
	{ "veroffentlicht", W_NOISE, 0 }, { "viernes", W_WDAY, 5 },
	{ "vom", W_NOISE, 0 }, { "vrijdag", W_WDAY, 5 }, { "wed", W_WDAY, 3 },
	{ "wednesday", W_WDAY, 3 }, { "west", W_ZONE, 60 },
	{ "wet", W_ZONE, 0 }, { "woensdag", W_WDAY, 3 },
	{ "wrzesien", W_MONTH, 9 }, { "wrzesnia", W_MONTH, 9 },
	{ "wtorek", W_WDAY, 2 }, { "z", W_ZONE, 0 }, { "zari", W_MONTH, 9 },
	{ "zaterdag", W_WDAY, 6 }, { "zondag", W_WDAY, 0 },
	{ "\xd0\xb0\xd0\xb2\xd0\xb3", W_MONTH, 8 },
	{ "\xd0\xb0\xd0\xb2\xd0\xb3\xd1\x83\xd1\x81\xd1\x82", W_MONTH, 8 },
	{ "\xd0\xb0\xd0\xb2\xd0\xb3\xd1\x83\xd1\x81\xd1\x82\xd0\xb0", W_MONTH, 8 },
	{ "\xd0\xb0\xd0\xbf\xd1\x80", W_MONTH, 4 },
	{ "\xd0\xb0\xd0\xbf\xd1\x80\xd0\xb5\xd0\xbb\xd1\x8c", W_MONTH, 4 },
	{ "\xd0\xb0\xd0\xbf\xd1\x80\xd0\xb5\xd0\xbb\xd1\x8f", W_MONTH, 4 },
	{ "\xd0\xb1\xd0\xb5\xd1\x80\xd0\xb5\xd0\xb7\xd0\xb5\xd0\xbd\xd1\x8c", W_MONTH, 3 },
	{ "\xd0\xb1\xd0\xb5\xd1\x80\xd0\xb5\xd0\xb7\xd0\xbd\xd1\x8f", W_MONTH, 3 },
	{ "\xd0\xb2", W_NOISE, 0 },
	{ "\xd0\xb2\xd0\xb5\xd1\x80\xd0\xb5\xd1\x81\xd0\xb5\xd0\xbd\xd1\x8c", W_MONTH, 9 },
	{ "\xd0\xb2\xd0\xb5\xd1\x80\xd0\xb5\xd1\x81\xd0\xbd\xd1\x8f", W_MONTH, 9 },
	{ "\xd0\xb2\xd0\xbe\xd1\x81\xd0\xba\xd1\x80\xd0\xb5\xd1\x81\xd0\xb5\xd0\xbd\xd1\x8c\xd0\xb5", W_WDAY, 0 },
	{ "\xd0\xb2\xd1\x82\xd0\xbe\xd1\x80\xd0\xbd\xd0\xb8\xd0\xba", W_WDAY, 2 },
	{ "\xd0\xb2\xd1\x96\xd0\xb2\xd1\x82\xd0\xbe\xd1\x80\xd0\xbe\xd0\xba", W_WDAY, 2 },
	{ "\xd0\xb3", W_NOISE, 0 },
	{ "\xd0\xb3\xd0\xbe\xd0\xb4\xd0\xb0", W_NOISE, 0 },
	{ "\xd0\xb3\xd1\x80\xd1\x83\xd0\xb4\xd0\xb5\xd0\xbd\xd1\x8c", W_MONTH, 12 },
	{ "\xd0\xb3\xd1\x80\xd1\x83\xd0\xb4\xd0\xbd\xd1\x8f", W_MONTH, 12 },
	{ "\xd0\xb4\xd0\xb5\xd0\xba", W_MONTH, 12 },
	{ "\xd0\xb4\xd0\xb5\xd0\xba\xd0\xb0\xd0\xb1\xd1\x80\xd1\x8c", W_MONTH, 12 },
	{ "\xd0\xb4\xd0\xb5\xd0\xba\xd0\xb0\xd0\xb1\xd1\x80\xd1\x8f", W_MONTH, 12 },
	{ "\xd0\xb6\xd0\xbe\xd0\xb2\xd1\x82\xd0\xb5\xd0\xbd\xd1\x8c", W_MONTH, 10 },
	{ "\xd0\xb6\xd0\xbe\xd0\xb2\xd1\x82\xd0\xbd\xd1\x8f", W_MONTH, 10 },
	{ "\xd0\xb8\xd1\x8e\xd0\xbb", W_MONTH, 7 },
	{ "\xd0\xb8\xd1\x8e\xd0\xbb\xd1\x8c", W_MONTH, 7 },
	{ "\xd0\xb8\xd1\x8e\xd0\xbb\xd1\x8f", W_MONTH, 7 },
	{ "\xd0\xb8\xd1\x8e\xd0\xbd", W_MONTH, 6 },
	{ "\xd0\xb8\xd1\x8e\xd0\xbd\xd1\x8c", W_MONTH, 6 },
	{ "\xd0\xb8\xd1\x8e\xd0\xbd\xd1\x8f", W_MONTH, 6 },
	{ "\xd0\xba\xd0\xb2\xd1\x96\xd1\x82\xd0\xb5\xd0\xbd\xd1\x8c", W_MONTH, 4 },
	{ "\xd0\xba\xd0\xb2\xd1\x96\xd1\x82\xd0\xbd\xd1\x8f", W_MONTH, 4 },
	{ "\xd0\xbb\xd0\xb8\xd0\xbf\xd0\xb5\xd0\xbd\xd1\x8c", W_MONTH, 7 },
	{ "\xd0\xbb\xd0\xb8\xd0\xbf\xd0\xbd\xd1\x8f", W_MONTH, 7 },
	{ "\xd0\xbb\xd0\xb8\xd1\x81\xd1\x82\xd0\xbe\xd0\xbf\xd0\xb0\xd0\xb4", W_MONTH, 11 },
	{ "\xd0\xbb\xd0\xb8\xd1\x81\xd1\x82\xd0\xbe\xd0\xbf\xd0\xb0\xd0\xb4\xd0\xb0", W_MONTH, 11 },
	{ "\xd0\xbb\xd1\x8e\xd1\x82\xd0\xb8\xd0\xb9", W_MONTH, 2 },
	{ "\xd0\xbb\xd1\x8e\xd1\x82\xd0\xbe\xd0\xb3\xd0\xbe", W_MONTH, 2 },
	{ "\xd0\xbc\xd0\xb0\xd0\xb9", W_MONTH, 5 },
	{ "\xd0\xbc\xd0\xb0\xd1\x80\xd1\x82", W_MONTH, 3 },
	{ "\xd0\xbc\xd0\xb0\xd1\x80\xd1\x82\xd0\xb0", W_MONTH, 3 },
	{ "\xd0\xbc\xd0\xb0\xd1\x8f", W_MONTH, 5 },
	{ "\xd0\xbd\xd0\xb5\xd0\xb4\xd1\x96\xd0\xbb\xd1\x8f", W_WDAY, 0 },
	{ "\xd0\xbd\xd0\xbe\xd1\x8f", W_MONTH, 11 },
	{ "\xd0\xbd\xd0\xbe\xd1\x8f\xd0\xb1", W_MONTH, 11 },
	{ "\xd0\xbd\xd0\xbe\xd1\x8f\xd0\xb1\xd1\x80\xd1\x8c", W_MONTH, 11 },
	{ "\xd0\xbd\xd0\xbe\xd1\x8f\xd0\xb1\xd1\x80\xd1\x8f", W_MONTH, 11 },
	{ "\xd0\xbe", W_NOISE, 0 }, { "\xd0\xbe\xd0\xb1", W_NOISE, 0 },
	{ "\xd0\xbe\xd0\xb1\xd0\xbd\xd0\xbe\xd0\xb2\xd0\xbb\xd0\xb5\xd0\xbd\xd0\xbe", W_NOISE, 0 },
	{ "\xd0\xbe\xd0\xba\xd1\x82", W_MONTH, 10 },
	{ "\xd0\xbe\xd0\xba\xd1\x82\xd1\x8f\xd0\xb1\xd1\x80\xd1\x8c", W_MONTH, 10 },
	{ "\xd0\xbe\xd0\xba\xd1\x82\xd1\x8f\xd0\xb1\xd1\x80\xd1\x8f", W_MONTH, 10 },
	{ "\xd0\xbe\xd0\xbd\xd0\xbe\xd0\xb2\xd0\xbb\xd0\xb5\xd0\xbd\xd0\xbe", W_NOISE, 0 },
	{ "\xd0\xbe\xd0\xbf\xd1\x83\xd0\xb1\xd0\xbb\xd0\xb8\xd0\xba\xd0\xbe\xd0\xb2\xd0\xb0\xd0\xbd\xd0\xbe", W_NOISE, 0 },
	{ "\xd0\xbe\xd0\xbf\xd1\x83\xd0\xb1\xd0\xbb\xd1\x96\xd0\xba\xd0\xbe\xd0\xb2\xd0\xb0\xd0\xbd\xd0\xbe", W_NOISE, 0 },
	{ "\xd0\xbe\xd1\x82", W_NOISE, 0 },
	{ "\xd0\xbf\xd0\xbe\xd0\xbd\xd0\xb5\xd0\xb4\xd0\xb5\xd0\xbb\xd1\x8c\xd0\xbd\xd0\xb8\xd0\xba", W_WDAY, 1 },
	{ "\xd0\xbf\xd0\xbe\xd0\xbd\xd0\xb5\xd0\xb4\xd1\x96\xd0\xbb\xd0\xbe\xd0\xba", W_WDAY, 1 },
	{ "\xd0\xbf\xd1\x8f\xd1\x82\xd0\xbd\xd0\xb8\xd1\x86\xd0\xb0", W_WDAY, 5 },
	{ "\xd0\xbf\xd1\x8f\xd1\x82\xd0\xbd\xd0\xb8\xd1\x86\xd1\x83", W_WDAY, 5 },
	{ "\xd1\x80", W_NOISE, 0 },
	{ "\xd1\x80\xd0\xbe\xd0\xba\xd1\x83", W_NOISE, 0 },
	{ "\xd1\x81\xd0\xb5\xd0\xbd", W_MONTH, 9 },
	{ "\xd1\x81\xd0\xb5\xd0\xbd\xd1\x82", W_MONTH, 9 },
	{ "\xd1\x81\xd0\xb5\xd0\xbd\xd1\x82\xd1\x8f\xd0\xb1\xd1\x80\xd1\x8c", W_MONTH, 9 },
	{ "\xd1\x81\xd0\xb5\xd0\xbd\xd1\x82\xd1\x8f\xd0\xb1\xd1\x80\xd1\x8f", W_MONTH, 9 },
	{ "\xd1\x81\xd0\xb5\xd1\x80\xd0\xb5\xd0\xb4\xd0\xb0", W_WDAY, 3 },
	{ "\xd1\x81\xd0\xb5\xd1\x80\xd0\xb5\xd0\xb4\xd1\x83", W_WDAY, 3 },
	{ "\xd1\x81\xd0\xb5\xd1\x80\xd0\xbf\xd0\xb5\xd0\xbd\xd1\x8c", W_MONTH, 8 },
	{ "\xd1\x81\xd0\xb5\xd1\x80\xd0\xbf\xd0\xbd\xd1\x8f", W_MONTH, 8 },
	{ "\xd1\x81\xd1\x80\xd0\xb5\xd0\xb4\xd0\xb0", W_WDAY, 3 },
	{ "\xd1\x81\xd1\x80\xd0\xb5\xd0\xb4\xd1\x83", W_WDAY, 3 },
	{ "\xd1\x81\xd1\x83\xd0\xb1\xd0\xb1\xd0\xbe\xd1\x82\xd0\xb0", W_WDAY, 6 },
	{ "\xd1\x81\xd1\x83\xd0\xb1\xd0\xb1\xd0\xbe\xd1\x82\xd1\x83", W_WDAY, 6 },
	{ "\xd1\x81\xd1\x83\xd0\xb1\xd0\xbe\xd1\x82\xd0\xb0", W_WDAY, 6 },
	{ "\xd1\x81\xd1\x83\xd0\xb1\xd0\xbe\xd1\x82\xd1\x83", W_WDAY, 6 },
	{ "\xd1\x81\xd1\x96\xd1\x87\xd0\xb5\xd0\xbd\xd1\x8c", W_MONTH, 1 },
	{ "\xd1\x81\xd1\x96\xd1\x87\xd0\xbd\xd1\x8f", W_MONTH, 1 },
	{ "\xd1\x82\xd1\x80\xd0\xb0\xd0\xb2\xd0\xb5\xd0\xbd\xd1\x8c", W_MONTH, 5 },
	{ "\xd1\x82\xd1\x80\xd0\xb0\xd0\xb2\xd0\xbd\xd1\x8f", W_MONTH, 5 },
	{ "\xd1\x84\xd0\xb5\xd0\xb2", W_MONTH, 2 },
	{ "\xd1\x84\xd0\xb5\xd0\xb2\xd1\x80\xd0\xb0\xd0\xbb\xd1\x8c", W_MONTH, 2 },
	{ "\xd1\x84\xd0\xb5\xd0\xb2\xd1\x80\xd0\xb0\xd0\xbb\xd1\x8f", W_MONTH, 2 },
	{ "\xd1\x87\xd0\xb5\xd1\x80\xd0\xb2\xd0\xb5\xd0\xbd\xd1\x8c", W_MONTH, 6 },
	{ "\xd1\x87\xd0\xb5\xd1\x80\xd0\xb2\xd0\xbd\xd1\x8f", W_MONTH, 6 },
	{ "\xd1\x87\xd0\xb5\xd1\x82\xd0\xb2\xd0\xb5\xd1\x80", W_WDAY, 4 },
	{ "\xd1\x87\xd0\xb5\xd1\x82\xd0\xb2\xd0\xb5\xd1\x80\xd0\xb3", W_WDAY, 4 },
	{ "\xd1\x8f\xd0\xbd\xd0\xb2", W_MONTH, 1 },
	{ "\xd1\x8f\xd0\xbd\xd0\xb2\xd0\xb0\xd1\x80\xd1\x8c", W_MONTH, 1 },
	{ "\xd1\x8f\xd0\xbd\xd0\xb2\xd0\xb0\xd1\x80\xd1\x8f", W_MONTH, 1 },
	{ "\xd8\xa7\xd8\xa8", W_MONTH, 8 },
	{ "\xd8\xa7\xd8\xa8\xd8\xb1\xd9\x8a\xd9\x84", W_MONTH, 4 },
	{ "\xd8\xa7\xd8\xae\xd8\xb1", W_NOISE, 0 },
	{ "\xd8\xa7\xd8\xb0\xd8\xa7\xd8\xb1", W_MONTH, 3 },
	{ "\xd8\xa7\xd8\xba\xd8\xb3\xd8\xb7\xd8\xb3", W_MONTH, 8 },
	{ "\xd8\xa7\xd9\x83\xd8\xaa\xd9\x88\xd8\xa8\xd8\xb1", W_MONTH, 10 },
	{ "\xd8\xa7\xd9\x84\xd8\xa7\xd8\xab\xd9\x86\xd9\x8a\xd9\x86", W_WDAY, 1 },
	{ "\xd8\xa7\xd9\x84\xd8\xa7\xd8\xad\xd8\xaf", W_WDAY, 0 },
	{ "\xd8\xa7\xd9\x84\xd8\xa7\xd8\xb1\xd8\xa8\xd8\xb9\xd8\xa7\xd8\xa1", W_WDAY, 3 },
	{ "\xd8\xa7\xd9\x84\xd8\xa7\xd9\x88\xd9\x84", W_ORD, 1 },
	{ "\xd8\xa7\xd9\x84\xd8\xab\xd8\xa7\xd9\x86\xd9\x8a", W_ORD, 2 },
	{ "\xd8\xa7\xd9\x84\xd8\xab\xd9\x84\xd8\xa7\xd8\xab\xd8\xa7\xd8\xa1", W_WDAY, 2 },
	{ "\xd8\xa7\xd9\x84\xd8\xac\xd9\x85\xd8\xb9\xd8\xa9", W_WDAY, 5 },
	{ "\xd8\xa7\xd9\x84\xd8\xae\xd9\x85\xd9\x8a\xd8\xb3", W_WDAY, 4 },
	{ "\xd8\xa7\xd9\x84\xd8\xb3\xd8\xa7\xd8\xb9\xd8\xa9", W_NOISE, 0 },
	{ "\xd8\xa7\xd9\x84\xd8\xb3\xd8\xa8\xd8\xaa", W_WDAY, 6 },
	{ "\xd8\xa7\xd9\x84\xd9\x86\xd8\xb4\xd8\xb1", W_NOISE, 0 },
	{ "\xd8\xa7\xd9\x8a\xd8\xa7\xd8\xb1", W_MONTH, 5 },
	{ "\xd8\xa7\xd9\x8a\xd9\x84\xd9\x88\xd9\x84", W_MONTH, 9 },
	{ "\xd8\xa8\xd8\xaa\xd8\xa7\xd8\xb1\xd9\x8a\xd8\xae", W_NOISE, 0 },
	{ "\xd8\xaa\xd8\xa7\xd8\xb1\xd9\x8a\xd8\xae", W_NOISE, 0 },
	{ "\xd8\xaa\xd8\xad\xd8\xaf\xd9\x8a\xd8\xab", W_NOISE, 0 },
	{ "\xd8\xaa\xd8\xb4\xd8\xb1\xd9\x8a\xd9\x86", W_MONTH, 200 },
	{ "\xd8\xaa\xd9\x85", W_NOISE, 0 },
	{ "\xd8\xaa\xd9\x85\xd9\x88\xd8\xb2", W_MONTH, 7 },
	{ "\xd8\xad\xd8\xb2\xd9\x8a\xd8\xb1\xd8\xa7\xd9\x86", W_MONTH, 6 },
	{ "\xd8\xaf\xd9\x8a\xd8\xb3\xd9\x85\xd8\xa8\xd8\xb1", W_MONTH, 12 },
	{ "\xd8\xb3\xd8\xa8\xd8\xaa\xd9\x85\xd8\xa8\xd8\xb1", W_MONTH, 9 },
	{ "\xd8\xb4\xd8\xa8\xd8\xa7\xd8\xb7", W_MONTH, 2 },
	{ "\xd8\xb5", W_AM, 0 },
	{ "\xd8\xb5\xd8\xa8\xd8\xa7\xd8\xad\xd8\xa7", W_AM, 0 },
	{ "\xd9\x81\xd8\xa8\xd8\xb1\xd8\xa7\xd9\x8a\xd8\xb1", W_MONTH, 2 },
	{ "\xd9\x81\xd9\x8a", W_NOISE, 0 },
	{ "\xd9\x83\xd8\xa7\xd9\x86\xd9\x88\xd9\x86", W_MONTH, 100 },
	{ "\xd9\x85", W_PM, 1 },
	{ "\xd9\x85\xd8\xa7\xd8\xb1\xd8\xb3", W_MONTH, 3 },
	{ "\xd9\x85\xd8\xa7\xd9\x8a\xd9\x88", W_MONTH, 5 },
	{ "\xd9\x85\xd8\xb3\xd8\xa7\xd8\xa1", W_PM, 0 },
	{ "\xd9\x85\xd8\xb3\xd8\xa7\xd8\xa1\xd8\xa7", W_PM, 0 },
	{ "\xd9\x85\xd9\x8a\xd9\x84\xd8\xa7\xd8\xaf\xd9\x8a", W_NOISE, 0 },
	{ "\xd9\x86\xd8\xb4\xd8\xb1", W_NOISE, 0 },
	{ "\xd9\x86\xd8\xb4\xd8\xb1\xd9\x87", W_NOISE, 0 },
	{ "\xd9\x86\xd9\x88\xd9\x81\xd9\x85\xd8\xa8\xd8\xb1", W_MONTH, 11 },
	{ "\xd9\x86\xd9\x8a\xd8\xb3\xd8\xa7\xd9\x86", W_MONTH, 4 },
	{ "\xd9\x8a\xd9\x86\xd8\xa7\xd9\x8a\xd8\xb1", W_MONTH, 1 },
	{ "\xd9\x8a\xd9\x88\xd9\x84\xd9\x8a\xd9\x87", W_MONTH, 7 },
	{ "\xd9\x8a\xd9\x88\xd9\x84\xd9\x8a\xd9\x88", W_MONTH, 7 },
	{ "\xd9\x8a\xd9\x88\xd9\x85", W_NOISE, 0 },
	{ "\xd9\x8a\xd9\x88\xd9\x86\xd9\x8a\xd9\x87", W_MONTH, 6 },
	{ "\xd9\x8a\xd9\x88\xd9\x86\xd9\x8a\xd9\x88", W_MONTH, 6 },
};

static const struct word *
lookup(const char *w)
{
	size_t lo = 0, hi = sizeof(words) / sizeof(words[0]);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(w, words[mid].w);

		if (c == 0)
			return &words[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/*
 * Folds the letter at s[i]: Latin ones to lower-case ASCII without
 * accents (Latin-1 and Latin Extended-A: "ß" gives "ss", "ł" "l", "ı"
 * "i"), Cyrillic ones to lower case, Arabic ones with the hamza forms of
 * alef as bare alef and alef maksura as yeh, harakat and tatweel giving
 * nothing.  Returns the number of bytes it took (0 when s[i] is not a
 * letter we know) and stores up to two folded bytes in f.
 */
static size_t
fold_letter(const unsigned char *s, size_t len, size_t i, char f[3])
{
	/* U+00C0 to U+00FF, the Latin-1 letters; '*' where there is none. */
	static const char latin1[] =
	    "aaaaaaaceeeeiiii" "dnooooo*ouuuuyts"
	    "aaaaaaaceeeeiiii" "dnooooo*ouuuuyty";
	/* U+0100 to U+017F, Latin Extended-A (Polish, Czech, Turkish...). */
	static const char latin_a[] =
	    "aaaaaaccccccccdd" "ddeeeeeeeeeegggg" "gggghhhhiiiiiiii"
	    "ii**jjkkklllllll" "lllnnnnnnnnnoooo" "oo**rrrrrrssssss"
	    "ssttttttuuuuuuuu" "uuuuwwyyyzzzzzzs";
	unsigned char c = s[i], d = i + 1 < len ? s[i + 1] : 0;

	f[0] = f[1] = f[2] = '\0';
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
		f[0] = (char)(c | 0x20);
		return 1;
	}
	if (d < 0x80 || d > 0xBF)
		return 0;
	if (c == 0xC3) {
		char l = latin1[d - 0x80];

		if (l == '*')
			return 0;
		if (d == 0x9F) {	/* ß */
			f[0] = 's';
			f[1] = 's';
		} else
			f[0] = l;
		return 2;
	}
	if (c == 0xC4 || c == 0xC5) {
		char l = latin_a[(c - 0xC4) * 64 + d - 0x80];

		if (l == '*')
			return 0;
		f[0] = l;
		return 2;
	}
	if (c == 0xD0 || c == 0xD1 || (c == 0xD2 && (d == 0x90 || d == 0x91))) {
		/* Cyrillic: U+0400-U+042F to U+0450-U+044F; Ґ to ґ. */
		f[0] = (char)c;
		f[1] = (char)d;
		if (c == 0xD0 && d < 0x90) {
			f[0] = (char)0xD1;
			f[1] = (char)(d + 0x10);
		} else if (c == 0xD0 && d < 0xA0)
			f[1] = (char)(d + 0x20);
		else if (c == 0xD0 && d < 0xB0) {
			f[0] = (char)0xD1;
			f[1] = (char)(d - 0x20);
		} else if (c == 0xD2)
			f[1] = (char)0x91;
		return 2;
	}
	if ((c == 0xD8 && d >= 0xA1) || (c == 0xD9 && d <= 0x92)) {
		/* Arabic letters U+0621-U+064A, tatweel and harakat. */
		if (c == 0xD9 && (d == 0x80 || d >= 0x8B))
			return 2;
		f[0] = (char)c;
		f[1] = (char)d;
		if (c == 0xD8 && (d == 0xA2 || d == 0xA3 || d == 0xA5))
			f[1] = (char)0xA7;	/* آ أ إ: ا */
		else if (c == 0xD9 && d == 0x89)
			f[0] = (char)0xD9, f[1] = (char)0x8A;	/* ى: ي */
		return 2;
	}
	return 0;
}

/* ---------------------------------------------------------------- lexer */

enum { K_NUM, K_TIME, K_MONTH, K_WDAY, K_ZONE, K_OFFSET };

struct tok {
	unsigned char kind;
	unsigned char nd;	/* K_NUM: number of digits */
	unsigned char ord;	/* K_NUM: ordinal suffix ("3rd", "1er", "1º") */
	char sep;		/* K_NUM: '/', '-', '.', or 'Y' 'M' 'D' (CJK) */
	int val;		/* number, month, weekday, or minutes east */
	signed char h, m, s;	/* K_TIME */
	signed char ampm;	/* K_TIME: -1 none, 0 am, 1 pm */
};

struct lexer {
	const unsigned char *s;
	size_t len;
	size_t i;
	struct tok t[MAX_TOKENS];
	int n;
};

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static struct tok *
push(struct lexer *lx, int kind)
{
	struct tok *t;

	if (lx->n == MAX_TOKENS)
		return NULL;
	t = &lx->t[lx->n++];
	memset(t, 0, sizeof(*t));
	t->kind = (unsigned char)kind;
	t->ampm = -1;
	return t;
}

/* Reads exactly two digits at s[i]; returns their value or -1. */
static int
two_digits(const unsigned char *s, size_t len, size_t i)
{
	if (i + 1 < len && is_digit(s[i]) && is_digit(s[i + 1]))
		return (s[i] - '0') * 10 + (s[i + 1] - '0');
	return -1;
}

/*
 * Reads a UTC offset after its sign at s[*i]: "HH", "H", "HHMM" or "HH:MM".
 * Returns minutes (without sign) or -1.
 */
static int
read_offset(const unsigned char *s, size_t len, size_t *i)
{
	size_t j = *i;
	int hh, mm = 0;

	if (j >= len || !is_digit(s[j]))
		return -1;
	if (j + 1 < len && is_digit(s[j + 1])) {
		hh = two_digits(s, len, j);
		j += 2;
		if (j < len && s[j] == ':') {
			if ((mm = two_digits(s, len, j + 1)) < 0)
				return -1;
			j += 3;
		} else if ((mm = two_digits(s, len, j)) >= 0) {
			j += 2;
		} else
			mm = 0;
	} else {
		hh = s[j] - '0';
		j++;
	}
	if (j < len && is_digit(s[j]))
		return -1;
	if (hh > 23 || mm > 59)
		return -1;
	*i = j;
	return hh * 60 + mm;
}

/*
 * Skips a fraction of a second (".123", ",5") at s[*i], and milliseconds
 * after a colon (":684", as some CMSs write them).
 */
static void
skip_fraction(const unsigned char *s, size_t len, size_t *i)
{
	size_t j = *i;

	if (j + 3 < len && s[j] == ':' && is_digit(s[j + 1]) &&
	    is_digit(s[j + 2]) && is_digit(s[j + 3]) &&
	    (j + 4 == len || !is_digit(s[j + 4]))) {
		*i = j + 4;
		return;
	}
	if (j + 1 < len && (s[j] == '.' || s[j] == ',') && is_digit(s[j + 1])) {
		j++;
		while (j < len && is_digit(s[j]))
			j++;
		*i = j;
	}
}

/* White space: ASCII, no-break space, thin and narrow no-break spaces. */
static size_t
space_len(const unsigned char *s, size_t len, size_t i)
{
	if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
		return 1;
	if (s[i] == 0xC2 && i + 1 < len && s[i + 1] == 0xA0)
		return 2;
	if (s[i] == 0xE2 && i + 2 < len && s[i + 1] == 0x80 &&
	    (s[i + 2] == 0xAF || s[i + 2] == 0x89 || s[i + 2] == 0x8A))
		return 3;
	return 0;
}

/* CJK date marks after a number: 年 月 日 and Korean 년 월 일. */
static char
cjk_mark(const unsigned char *s, size_t len, size_t i, size_t *n)
{
	static const struct {
		unsigned char b[3];
		char mark;
	} marks[] = {
		{ { 0xE5, 0xB9, 0xB4 }, 'Y' }, { { 0xE6, 0x9C, 0x88 }, 'M' },
		{ { 0xE6, 0x97, 0xA5 }, 'D' }, { { 0xEB, 0x85, 0x84 }, 'Y' },
		{ { 0xEC, 0x9B, 0x94 }, 'M' }, { { 0xEC, 0x9D, 0xBC }, 'D' },
	};
	size_t k;

	if (i + 2 >= len)
		return 0;
	for (k = 0; k < sizeof(marks) / sizeof(marks[0]); k++)
		if (memcmp(s + i, marks[k].b, 3) == 0) {
			*n = 3;
			return marks[k].mark;
		}
	return 0;
}

static int
is_ordinal_suffix(const char *w)
{
	static const char *const sfx[] = { "st", "nd", "rd", "th", "er",
	    "re", "e", "eme", "o", "a", NULL };
	size_t k;

	for (k = 0; sfx[k]; k++)
		if (strcmp(w, sfx[k]) == 0)
			return 1;
	return 0;
}

/* Reads a word of letters into w (folded); returns its byte length. */
static size_t
read_word(const unsigned char *s, size_t len, size_t i, char *w, size_t wcap)
{
	size_t j = i, k = 0, n;
	char f[3];

	while (j < len && (n = fold_letter(s, len, j, f)) > 0) {
		size_t fl = strlen(f);

		if (k + fl >= wcap)
			return 0;
		memcpy(w + k, f, fl);
		k += fl;
		j += n;
	}
	w[k] = '\0';
	return j - i;
}

/* Returns the previous token, or NULL. */
static struct tok *
prev(struct lexer *lx)
{
	return lx->n > 0 ? &lx->t[lx->n - 1] : NULL;
}

static int
lex_number(struct lexer *lx)
{
	const unsigned char *s = lx->s;
	size_t len = lx->len, i = lx->i, j = i, n;
	int64_t v = 0;
	int nd;
	struct tok *t;
	char w[8];

	while (j < len && is_digit(s[j])) {
		if (j - i >= 9)
			return -1;
		v = v * 10 + (s[j] - '0');
		j++;
	}
	nd = (int)(j - i);
	/* A clock time: H:MM[:SS[.frac]], or French 14h30. */
	if (nd <= 2 && j + 2 < len && s[j] == ':' && is_digit(s[j + 1])) {
		int mm = two_digits(s, len, j + 1), ss = 0;

		if (mm < 0)
			return -1;
		j += 3;
		if (j < len && s[j] == ':') {
			if ((ss = two_digits(s, len, j + 1)) < 0)
				return -1;
			j += 3;
			skip_fraction(s, len, &j);
		}
		if (j < len && is_digit(s[j]))
			return -1;
		if (v > 23 || mm > 59 || ss > 60)
			return -1;
		if ((t = push(lx, K_TIME)) == NULL)
			return -1;
		t->h = (signed char)v;
		t->m = (signed char)mm;
		t->s = (signed char)(ss == 60 ? 59 : ss);	/* leap second */
		lx->i = j;
		return 0;
	}
	if (nd <= 2 && j < len && (s[j] == 'h' || s[j] == 'H') &&
	    (j + 1 == len || !fold_letter(s, len, j + 1, w))) {
		int mm = 0;

		j++;
		if (j < len && is_digit(s[j])) {
			if ((mm = two_digits(s, len, j)) < 0)
				return -1;
			j += 2;
			if (j < len && is_digit(s[j]))
				return -1;
		}
		if (v > 23 || mm > 59 || (t = push(lx, K_TIME)) == NULL)
			return -1;
		t->h = (signed char)v;
		t->m = (signed char)mm;
		lx->i = j;
		return 0;
	}
	if ((t = push(lx, K_NUM)) == NULL)
		return -1;
	t->nd = (unsigned char)nd;
	t->val = (int)v;
	/* Ordinal suffixes: 3rd, 1er, 2e, 1º, 1ª. */
	if (j < len && fold_letter(s, len, j, w)) {
		char word[8];
		size_t wl = read_word(s, len, j, word, sizeof(word));

		if (wl > 0 && is_ordinal_suffix(word)) {
			if (nd > 2)
				return -1;
			t->ord = 1;
			j += wl;
		}
	} else if (j + 1 < len && s[j] == 0xC2 &&
	    (s[j + 1] == 0xBA || s[j + 1] == 0xAA)) {
		if (nd > 2)
			return -1;
		t->ord = 1;
		j += 2;
	}
	if (j < len && (s[j] == '/' || s[j] == '-' || s[j] == '.')) {
		t->sep = (char)s[j];
		j++;
	} else if (j < len && s[j] == ':' && nd == 4) {
		/* Apache's 10/Oct/2000:13:55:36: the year ends at ':'. */
		j++;
	} else if ((t->sep = cjk_mark(s, len, j, &n)) != 0)
		j += n;
	lx->i = j;
	return 0;
}

static int
lex_word(struct lexer *lx)
{
	const unsigned char *s = lx->s;
	size_t len = lx->len, i = lx->i, wl;
	char w[48];
	const struct word *p;
	struct tok *t, *pt = prev(lx);

	if ((wl = read_word(s, len, i, w, sizeof(w))) == 0)
		return -1;
	/* "a.m." and "p.m." */
	if ((strcmp(w, "a") == 0 || strcmp(w, "p") == 0) && i + 2 < len &&
	    s[i + 1] == '.' && (s[i + 2] | 0x20) == 'm' &&
	    (i + 3 == len || !fold_letter(s, len, i + 3, w + 4))) {
		strcpy(w, w[0] == 'a' ? "am" : "pm");
		wl = 3;
		if (i + 3 < len && s[i + 3] == '.')
			wl = 4;
	}
	lx->i = i + wl;
	if ((p = lookup(w)) == NULL)
		return -1;
	switch (p->kind) {
	case W_MONTH:
		if ((t = push(lx, K_MONTH)) == NULL)
			return -1;
		t->val = p->val;
		return 0;
	case W_ORD:
		/* "كانون الثاني" January, "كانون الأول" December,
		 * "تشرين الأول" October, "تشرين الثاني" November */
		if (pt == NULL || pt->kind != K_MONTH || pt->val < MONTH_PAIR)
			return -1;
		pt->val = pt->val == MONTH_PAIR ? (p->val == 1 ? 12 : 1) :
		    (p->val == 1 ? 10 : 11);
		return 0;
	case W_WDAY:
		if ((t = push(lx, K_WDAY)) == NULL)
			return -1;
		t->val = p->val;
		return 0;
	case W_ZONE:
		if ((t = push(lx, K_ZONE)) == NULL)
			return -1;
		t->val = p->val;
		return 0;
	case W_AM:
	case W_PM:
		/* After a time or a bare hour ("9 am"), a meridiem;
		 * otherwise "am" is German ("am 3. März"). */
		if (pt != NULL && pt->kind == K_NUM && pt->nd <= 2 &&
		    !pt->ord && pt->sep == 0) {
			pt->kind = K_TIME;
			pt->h = (signed char)pt->val;
			pt->m = pt->s = 0;
			pt->ampm = -1;
		}
		if (pt != NULL && pt->kind == K_TIME && pt->ampm < 0) {
			if (pt->h < 1 || pt->h > 12)
				return -1;
			pt->ampm = p->kind == W_PM;
			return 0;
		}
		/* Arabic "م" is p.m. after a time, "AD" after a year. */
		return p->kind == W_AM || p->val ? 0 : -1;
	default:
		return 0;
	}
}

/*
 * Splits s into tokens.  Returns 0, or -1 when something in s is not part
 * of any date form we read.
 */
static int
lex(struct lexer *lx)
{
	const unsigned char *s = lx->s;
	size_t len = lx->len, n;
	char f[3];

	while (lx->i < len) {
		size_t i = lx->i;
		unsigned char c = s[i];
		struct tok *pt = prev(lx), *t;

		if ((n = space_len(s, len, i)) > 0) {
			lx->i += n;
		} else if (is_digit(c)) {
			if (lex_number(lx) < 0)
				return -1;
		} else if (fold_letter(s, len, i, f)) {
			if (lex_word(lx) < 0)
				return -1;
		} else if (c == '+' || (c == '-' && pt != NULL &&
		    (pt->kind == K_TIME || pt->kind == K_ZONE) &&
		    i + 1 < len && is_digit(s[i + 1]))) {
			size_t j = i + 1;
			int off = read_offset(s, len, &j);

			if (off < 0 || (t = push(lx, K_OFFSET)) == NULL)
				return -1;
			t->val = c == '-' ? -off : off;
			lx->i = j;
		} else if (c == '(') {
			/* A zone's name after it, as Date.toString() and
			 * RFC 5322 comments give it: skipped. */
			const unsigned char *close;

			if (pt == NULL || (pt->kind != K_ZONE &&
			    pt->kind != K_OFFSET && pt->kind != K_TIME))
				return -1;
			close = memchr(s + i, ')', len - i);
			if (close == NULL)
				return -1;
			lx->i = (size_t)(close - s) + 1;
		} else if (c == 0xD8 && i + 1 < len && s[i + 1] == 0x8C) {
			lx->i += 2;	/* the Arabic comma */
		} else if (c == ',' || c == '.' || c == '/' || c == '-' ||
		    c == ':' || c == ';' || c == '|') {
			/* Punctuation between words and numbers: a
			 * number's own separator was taken by the number
			 * ("2016 г." has a word between). */
			if (c == '.' && pt != NULL && pt->kind == K_NUM &&
			    i > 0 && (s[i - 1] == '.' || is_digit(s[i - 1])))
				return -1;	/* "1.." */
			lx->i++;
		} else
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------- interpretation */

struct parts {
	int64_t y;
	int m, d;
	int has_time, hh, mm, ss;
	int has_zone, zone;	/* minutes east of UTC */
	int wday;		/* -1 when not given */
};

static int
finish(const struct parts *p, char out[21])
{
	if (!valid_day((long)p->y, p->m, p->d))
		return QUARRY_ENODATE;
	if (p->wday >= 0 &&
	    weekday(days_from_civil(p->y, p->m, p->d)) != p->wday)
		return QUARRY_ENODATE;
	if (p->has_time && p->has_zone)
		return put_local(out, p->y, p->m, p->d, p->hh, p->mm, p->ss,
		    p->zone);
	return put_day(out, p->y, p->m, p->d);
}

/* Chooses between m/d and d/m for a year-last numeric date. */
static int
numeric_order(struct parts *p, int a, int b, char sep,
    enum quarry_date_order order, const char *lang)
{
	int mdy_ok = valid_day((long)p->y, a, b);
	int dmy_ok = valid_day((long)p->y, b, a);

	if (order == QUARRY_DATE_AUTO)
		order = quarry_date_order_for_lang(lang);
	if (order == QUARRY_DATE_AUTO)
		order = sep == '.' ? QUARRY_DATE_DMY : QUARRY_DATE_MDY;
	/* The preferred reading wins when both are real dates; a reading
	 * that is no date at all never does. */
	if (mdy_ok && dmy_ok ? order == QUARRY_DATE_DMY : dmy_ok) {
		p->d = a;
		p->m = b;
	} else {
		p->m = a;
		p->d = b;
	}
	return 0;
}

static int
interpret(struct lexer *lx, enum quarry_date_order order, const char *lang,
    char out[21])
{
	struct parts p;
	struct tok *num[3];
	int nnum = 0, month = 0, k, has_offset = 0, offset = 0;

	memset(&p, 0, sizeof(p));
	p.wday = -1;
	for (k = 0; k < lx->n; k++) {
		struct tok *t = &lx->t[k];

		switch (t->kind) {
		case K_NUM:
			if (nnum == 3)
				return QUARRY_ENODATE;
			num[nnum++] = t;
			break;
		case K_TIME:
			if (p.has_time)
				return QUARRY_ENODATE;
			p.has_time = 1;
			p.hh = t->h;
			if (t->ampm == 0 && t->h == 12)
				p.hh = 0;
			else if (t->ampm == 1 && t->h != 12)
				p.hh = t->h + 12;
			p.mm = t->m;
			p.ss = t->s;
			break;
		case K_MONTH:
			/* "24 نيسان / أبريل 2020" names it twice */
			if ((month && month != t->val) || t->val >= MONTH_PAIR)
				return QUARRY_ENODATE;
			month = t->val;
			break;
		case K_WDAY:
			if (p.wday >= 0)
				return QUARRY_ENODATE;
			p.wday = t->val;
			break;
		case K_ZONE:
			if (p.has_zone)
				return QUARRY_ENODATE;
			p.has_zone = 1;
			p.zone = t->val;
			break;
		case K_OFFSET:
			if (has_offset)
				return QUARRY_ENODATE;
			has_offset = 1;
			offset = t->val;
			break;
		}
	}
	if (has_offset) {
		/* "GMT+0100" is an offset from GMT; "EST -0500" is not a
		 * form anyone writes. */
		if (p.has_zone && p.zone != 0)
			return QUARRY_ENODATE;
		p.has_zone = 1;
		p.zone = offset;
	}
	if (month) {
		struct tok *day, *year;

		if (nnum != 2)
			return QUARRY_ENODATE;
		if (num[0]->nd <= 2 && num[1]->nd > 2) {
			day = num[0];
			year = num[1];
		} else if (num[0]->nd > 2 && num[1]->nd <= 2) {
			year = num[0];
			day = num[1];
		} else if (num[0]->nd <= 2 && num[1]->nd <= 2) {
			day = num[0];
			year = num[1];
		} else
			return QUARRY_ENODATE;
		if (year->ord || (p.y = expand_year(year->val, year->nd)) < 0)
			return QUARRY_ENODATE;
		p.m = month;
		p.d = day->val;
		return finish(&p, out);
	}
	if (nnum == 3) {
		struct tok *a = num[0], *b = num[1], *c = num[2];

		if (a->ord || b->ord || c->ord)
			return QUARRY_ENODATE;
		if (a->sep == 'Y' && b->sep == 'M' && (c->sep == 'D' ||
		    c->sep == 0) && a->nd == 4 && b->nd <= 2 && c->nd <= 2) {
			p.y = a->val;
			p.m = b->val;
			p.d = c->val;
			return finish(&p, out);
		}
		if (a->sep != b->sep || (a->sep != '/' && a->sep != '-' &&
		    a->sep != '.') || (c->sep != 0 && c->sep != '.') ||
		    b->nd > 2)
			return QUARRY_ENODATE;
		if (a->nd == 4 && c->nd <= 2) {
			p.y = a->val;
			p.m = b->val;
			p.d = c->val;
			return finish(&p, out);
		}
		if (a->nd > 2 || (p.y = expand_year(c->val, c->nd)) < 0)
			return QUARRY_ENODATE;
		numeric_order(&p, a->val, b->val, a->sep, order, lang);
		return finish(&p, out);
	}
	if (nnum == 2 && num[0]->nd == 4 && num[0]->sep == '-' &&
	    num[1]->nd == 3 && !num[1]->ord && num[1]->sep == 0) {
		/* ISO 8601 ordinal date, 2024-317. */
		int64_t days;

		p.y = num[0]->val;
		if (p.y < 1000 || num[1]->val < 1 ||
		    num[1]->val > 365 + is_leap((long)p.y))
			return QUARRY_ENODATE;
		days = days_from_civil(p.y, 1, 1) + num[1]->val - 1;
		civil_from_days(days, &p.y, &p.m, &p.d);
		return finish(&p, out);
	}
	return QUARRY_ENODATE;
}

/* ------------------------------------------------------- digit strings */

/* Reads n digits at s[*i] into *v; returns 0 or -1. */
static int
digits(const char *s, size_t len, size_t *i, int n, int *v)
{
	int k;

	*v = 0;
	for (k = 0; k < n; k++) {
		if (*i >= len || !is_digit((unsigned char)s[*i]))
			return -1;
		*v = *v * 10 + (s[(*i)++] - '0');
	}
	return 0;
}

static int
valid_clock(int hh, int mm, int ss)
{
	return hh <= 23 && mm <= 59 && ss <= 60;
}

/*
 * A PDF date: D:YYYYMMDDHHmmSSOHH'mm' where everything after the year may
 * be missing (PDF 2.0, 7.9.4, with its errata: a missing month or day is 01,
 * a missing offset is UTC).  "D:" itself is optional for us.
 */
static int
parse_pdf(const char *s, size_t len, char out[21])
{
	size_t i = 0;
	int y, f[5] = { 1, 1, 0, 0, 0 }, k, off = 0, oh = 0, om = 0;

	if (len >= 2 && s[0] == 'D' && s[1] == ':')
		i = 2;
	if (digits(s, len, &i, 4, &y) < 0)
		return QUARRY_ENODATE;
	for (k = 0; k < 5 && i < len && is_digit((unsigned char)s[i]); k++)
		if (digits(s, len, &i, 2, &f[k]) < 0)
			return QUARRY_ENODATE;
	if (i < len && (s[i] == 'Z' || s[i] == '+' || s[i] == '-')) {
		char sign = s[i++];

		if (i < len && is_digit((unsigned char)s[i])) {
			if (digits(s, len, &i, 2, &oh) < 0)
				return QUARRY_ENODATE;
			if (i < len && s[i] == '\'')
				i++;
			if (i < len && is_digit((unsigned char)s[i])) {
				if (digits(s, len, &i, 2, &om) < 0)
					return QUARRY_ENODATE;
				if (i < len && s[i] == '\'')
					i++;
			}
		}
		if (oh > 23 || om > 59)
			return QUARRY_ENODATE;
		off = sign == '-' ? -(oh * 60 + om) : oh * 60 + om;
	}
	if (i != len || !valid_clock(f[2], f[3], f[4]))
		return QUARRY_ENODATE;
	return put_local(out, y, f[0], f[1], f[2], f[3],
	    f[4] == 60 ? 59 : f[4], off);
}

/*
 * ISO 8601 basic format, 20241112 or 20241112T093000[.fff][Z|+HHMM], and the
 * 14-digit 20241112093000 that web archives use (a time without a zone).
 */
static int
parse_basic(const char *s, size_t len, int pdf, char out[21])
{
	size_t i = 0;
	int y, m, d, hh = 0, mm = 0, ss = 0, off = 0, zone = 0;

	if (digits(s, len, &i, 4, &y) < 0 || digits(s, len, &i, 2, &m) < 0 ||
	    digits(s, len, &i, 2, &d) < 0)
		return QUARRY_ENODATE;
	if (i == len)
		return put_day(out, y, m, d);
	if (s[i] == 'T' || s[i] == 't') {
		i++;
		if (digits(s, len, &i, 2, &hh) < 0)
			return QUARRY_ENODATE;
		if (i + 2 < len && s[i] == ':' && is_digit((unsigned char)s[i + 1])) {
			/* An extended time after a basic date, as some
			 * feeds write it: 20200924T15:04:34Z. */
			i++;
			if (digits(s, len, &i, 2, &mm) < 0)
				return QUARRY_ENODATE;
			if (i < len && s[i] == ':') {
				i++;
				if (digits(s, len, &i, 2, &ss) < 0)
					return QUARRY_ENODATE;
			}
		} else if (i < len && is_digit((unsigned char)s[i])) {
			if (digits(s, len, &i, 2, &mm) < 0)
				return QUARRY_ENODATE;
			if (i < len && is_digit((unsigned char)s[i]) &&
			    digits(s, len, &i, 2, &ss) < 0)
				return QUARRY_ENODATE;
		}
		skip_fraction((const unsigned char *)s, len, &i);
		if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
			zone = 1;
			i++;
		} else if (i < len && (s[i] == '+' || s[i] == '-')) {
			char sign = s[i++];
			int o = read_offset((const unsigned char *)s, len, &i);

			if (o < 0)
				return QUARRY_ENODATE;
			zone = 1;
			off = sign == '-' ? -o : o;
		}
	} else {
		if (digits(s, len, &i, 2, &hh) < 0 ||
		    digits(s, len, &i, 2, &mm) < 0 ||
		    digits(s, len, &i, 2, &ss) < 0)
			return QUARRY_ENODATE;
		zone = pdf;
	}
	if (i != len || !valid_clock(hh, mm, ss))
		return QUARRY_ENODATE;
	if (!zone)
		return put_day(out, y, m, d);
	return put_local(out, y, m, d, hh, mm, ss == 60 ? 59 : ss, off);
}

/* Unix time: 10 digits are seconds, 13 milliseconds, "@N" seconds. */
static int
parse_unix(const char *s, size_t len, char out[21])
{
	int64_t t = 0;
	size_t i = 0, nd;

	if (s[0] == '@')
		i = 1;
	for (nd = 0; i < len && nd < 14; i++, nd++) {
		if (!is_digit((unsigned char)s[i]))
			return QUARRY_ENODATE;
		t = t * 10 + (s[i] - '0');
	}
	if (i != len || nd == 0)
		return QUARRY_ENODATE;
	if (s[0] == '@') {
		if (nd > 12)
			return QUARRY_ENODATE;
	} else if (nd == 13)
		t /= 1000;
	else if (nd != 10)
		return QUARRY_ENODATE;
	return put_instant(out, t);
}

int
quarry_date_parse(const char *s, size_t len, enum quarry_date_order order,
    const char *lang, int flags, char out[21])
{
	struct lexer lx;
	size_t n, nd;
	int rc;

	out[0] = '\0';
	if (s == NULL)
		return QUARRY_ENODATE;
	/* Trim white space at both ends. */
	while (len > 0 && (n = space_len((const unsigned char *)s, len, 0)) > 0) {
		s += n;
		len -= n;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
	    s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	if (len == 0 || len > DATE_MAX_LEN)
		return QUARRY_ENODATE;

	if (len >= 2 && s[0] == 'D' && s[1] == ':')
		return parse_pdf(s, len, out);
	for (nd = 0; nd < len && is_digit((unsigned char)s[nd]); nd++)
		;
	if ((flags & QUARRY_DATE_PDF) && nd >= 4 && nd % 2 == 0 &&
	    nd <= 14 && parse_pdf(s, len, out) == 0)
		return 0;
	if (s[0] == '@' || (nd == len && (nd == 10 || nd == 13)))
		return parse_unix(s, len, out);
	if (nd == 8 || (nd == 14 && nd == len)) {
		rc = parse_basic(s, len, flags & QUARRY_DATE_PDF, out);
		if (rc == 0 || nd == len || s[8] == 'T' || s[8] == 't')
			return rc;
	}

	memset(&lx, 0, sizeof(lx));
	lx.s = (const unsigned char *)s;
	lx.len = len;
	if (lex(&lx) < 0)
		return QUARRY_ENODATE;
	rc = interpret(&lx, order, lang, out);
	if (rc != 0)
		out[0] = '\0';
	return rc;
}
