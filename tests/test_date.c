/*
 * test_date.c: cmocka tests of quarry_date_parse() and its helpers.
 *
 * Each case is an input and its exact normal form, or NULL for "no date"
 * (QUARRY_ENODATE).  The rules they pin down are in man/quarry.7, DATES.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "quarry.h"

struct dcase {
	const char *in;
	const char *want;	/* NULL: no date */
};

/* Automatic order, no language, no flags. */
static const struct dcase cases[] = {
	/* PDF */
	{ "D:20230415093000+02'00'", "2023-04-15T07:30:00Z" },
	{ "D:20230415093000-07'00'", "2023-04-15T16:30:00Z" },
	{ "D:20230415093000+02'00", "2023-04-15T07:30:00Z" },
	{ "D:20230415093000+0200", "2023-04-15T07:30:00Z" },
	{ "D:20230415093000+02", "2023-04-15T07:30:00Z" },
	{ "D:20230415093000Z", "2023-04-15T09:30:00Z" },
	{ "D:20230415093000Z00'00'", "2023-04-15T09:30:00Z" },
	{ "D:20230415093000", "2023-04-15T09:30:00Z" },
	{ "D:202304150930", "2023-04-15T09:30:00Z" },
	{ "D:2023041509", "2023-04-15T09:00:00Z" },
	{ "D:20230415", "2023-04-15T00:00:00Z" },
	{ "D:202304", "2023-04-01T00:00:00Z" },
	{ "D:2023", "2023-01-01T00:00:00Z" },
	{ "D:19991231235959-08'00'", "2000-01-01T07:59:59Z" },
	{ "D:20240229120000Z", "2024-02-29T12:00:00Z" },
	{ "D:20230229120000Z", NULL },
	{ "D:20231301", NULL },
	{ "D:2023041", NULL },
	{ "D:", NULL },
	{ "D:abcd", NULL },
	{ "D:0000", NULL },
	{ "D:20230415093000+25'00'", NULL },
	{ "D:20230415253000", NULL },
	{ "D:191000208123456", NULL },
	/* ISO 8601 */
	{ "2024-11-12T09:30:00Z", "2024-11-12T09:30:00Z" },
	{ "2024-11-12t09:30:00z", "2024-11-12T09:30:00Z" },
	{ "2024-11-12T09:30:00.123456Z", "2024-11-12T09:30:00Z" },
	{ "2024-11-12T09:30:00,5Z", "2024-11-12T09:30:00Z" },
	{ "2024-11-12T09:30:00+01:00", "2024-11-12T08:30:00Z" },
	{ "2024-11-12T09:30:00-05:00", "2024-11-12T14:30:00Z" },
	{ "2024-11-12T09:30:00+0100", "2024-11-12T08:30:00Z" },
	{ "2024-11-12T09:30:00+01", "2024-11-12T08:30:00Z" },
	{ "2024-11-12T23:30:00-05:00", "2024-11-13T04:30:00Z" },
	{ "2024-01-01T00:30:00+01:00", "2023-12-31T23:30:00Z" },
	{ "2024-11-12T09:30Z", "2024-11-12T09:30:00Z" },
	{ "2024-11-12T09:30", "2024-11-12" },
	{ "2024-11-12T09:30:00", "2024-11-12" },
	{ "2024-11-12 09:30:00", "2024-11-12" },
	{ "2024-11-12 09:30:00Z", "2024-11-12T09:30:00Z" },
	{ "2024-11-12 09:30:00 UTC", "2024-11-12T09:30:00Z" },
	{ "2024-11-12 09:30:00 GMT", "2024-11-12T09:30:00Z" },
	{ "2024-11-12 09:30:00 +0000", "2024-11-12T09:30:00Z" },
	{ "2024-11-12 09:30:00.000000", "2024-11-12" },
	{ "2024-11-12", "2024-11-12" },
	{ "2024-1-5", "2024-01-05" },
	{ "2024/11/12", "2024-11-12" },
	{ "2024.11.12", "2024-11-12" },
	{ "2024-11-12T23:59:60Z", "2024-11-12T23:59:59Z" },
	{ "20241112", "2024-11-12" },
	{ "20241112T093000Z", "2024-11-12T09:30:00Z" },
	{ "20241112T093000", "2024-11-12" },
	{ "20241112T0930Z", "2024-11-12T09:30:00Z" },
	{ "20241112T093000+0100", "2024-11-12T08:30:00Z" },
	{ "20241112T093000.5Z", "2024-11-12T09:30:00Z" },
	{ "20241112093000", "2024-11-12" },
	{ "2024-317", "2024-11-12" },
	{ "2023-366", NULL },
	{ "2024-366", "2024-12-31" },
	{ "2024-11", NULL },
	{ "2024-11-31", NULL },
	{ "2024-02-29", "2024-02-29" },
	{ "2023-02-29", NULL },
	{ "1900-02-29", NULL },
	{ "2000-02-29", "2000-02-29" },
	{ "2024-11-12T24:00:00Z", NULL },
	{ "2024-11-12T09:60:00Z", NULL },
	{ "2024-11-12T09:30:00+24:00", NULL },
	{ "9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z" },
	{ "9999-12-31T23:59:59-01:00", NULL },
	{ "1000-01-01T00:30:00+01:00", NULL },
	{ "1000-01-01", "1000-01-01" },
	{ "0999-12-31", NULL },
	/* RFC 2822 and HTTP */
	{ "Tue, 12 Nov 2024 09:30:00 GMT", "2024-11-12T09:30:00Z" },
	{ "Tue, 12 Nov 2024 09:30:00 +0100", "2024-11-12T08:30:00Z" },
	{ "Tue, 12 Nov 2024 09:30:00 -0000", "2024-11-12T09:30:00Z" },
	{ "Tue, 12 Nov 2024 09:30:00 +0000 (UTC)", "2024-11-12T09:30:00Z" },
	{ "Tue, 12 Nov 2024 09:30 EST", "2024-11-12T14:30:00Z" },
	{ "Tue, 12 Nov 2024 09:30:00 PDT", "2024-11-12T16:30:00Z" },
	{ "12 Nov 2024 09:30:00 GMT", "2024-11-12T09:30:00Z" },
	{ "Tue, 12 Nov 2024", "2024-11-12" },
	{ "Wed, 12 Nov 2024 09:30:00 GMT", NULL },
	{ "Tuesday, 12-Nov-24 09:30:00 GMT", "2024-11-12T09:30:00Z" },
	{ "Sunday, 06-Nov-94 08:49:37 GMT", "1994-11-06T08:49:37Z" },
	{ "Sun Nov  6 08:49:37 1994", "1994-11-06" },
	{ "Tue Nov 12 09:30:00 2024", "2024-11-12" },
	{ "Mon Nov 12 09:30:00 2024", NULL },
	{ "Tue Nov 12 2024 09:30:00 GMT+0100 (Central European Standard Time)", "2024-11-12T08:30:00Z" },
	{ "Tue Nov 12 2024 09:30:00 GMT-0500 (Eastern Standard Time)", "2024-11-12T14:30:00Z" },
	{ "Tue Nov 12 2024 09:30:00 GMT+0530", "2024-11-12T04:00:00Z" },
	{ "10/Oct/2000:13:55:36 -0700", "2000-10-10T20:55:36Z" },
	{ "Tue, 12 Nov 2024 09:30:00 XYZ", NULL },
	/* English */
	{ "June 26, 2026", "2026-06-26" },
	{ "June 26 2026", "2026-06-26" },
	{ "26 June 2026", "2026-06-26" },
	{ "26th June 2026", "2026-06-26" },
	{ "the 26th of June, 2026", "2026-06-26" },
	{ "Friday, June 26, 2026", "2026-06-26" },
	{ "Thursday, June 26, 2026", NULL },
	{ "Nov. 3rd, 2025", "2025-11-03" },
	{ "Nov 3, 2025", "2025-11-03" },
	{ "nov 3 2025", "2025-11-03" },
	{ "NOVEMBER 3, 2025", "2025-11-03" },
	{ "Sept. 1st, 2024", "2024-09-01" },
	{ "Sep 22nd, 2024", "2024-09-22" },
	{ "May 2, 2024 at 3:45 PM", "2024-05-02" },
	{ "May 2, 2024 3:45 pm EST", "2024-05-02T20:45:00Z" },
	{ "May 2, 2024, 12:05 a.m. UTC", "2024-05-02T00:05:00Z" },
	{ "May 2, 2024 12:05 p.m. GMT", "2024-05-02T12:05:00Z" },
	{ "May 2, 2024 9 am UTC", "2024-05-02T09:00:00Z" },
	{ "May 2, 2024 13:05 pm", NULL },
	{ "2 May 2024", "2024-05-02" },
	{ "12-Nov-2024", "2024-11-12" },
	{ "12-Nov-24", "2024-11-12" },
	{ "12 Nov 99", "1999-11-12" },
	{ "12 Nov 68", "2068-11-12" },
	{ "12 Nov 69", "1969-11-12" },
	{ "2024 Nov 12", "2024-11-12" },
	{ "Published on June 26, 2026", "2026-06-26" },
	{ "Updated: June 26, 2026", "2026-06-26" },
	{ "June 31, 2026", NULL },
	{ "June 2026", NULL },
	{ "June 26", NULL },
	{ "26 June", NULL },
	/* German */
	{ "3. März 2024", "2024-03-03" },
	{ "3. Maerz 2024", "2024-03-03" },
	{ "3. Marz 2024", "2024-03-03" },
	{ "Sonntag, 3. März 2024", "2024-03-03" },
	{ "Montag, 3. März 2024", NULL },
	{ "am 3. März 2024", "2024-03-03" },
	{ "den 3. März 2024", "2024-03-03" },
	{ "3. Mär. 2024", "2024-03-03" },
	{ "15. Oktober 2023, 14:30 Uhr", "2023-10-15" },
	{ "15. Okt. 2023 um 14:30 Uhr", "2023-10-15" },
	{ "1. Jänner 2024", "2024-01-01" },
	{ "24. Dezember 2023", "2023-12-24" },
	{ "24. Dez. 2023", "2023-12-24" },
	/* French */
	{ "le 5 janvier 2023", "2023-01-05" },
	{ "jeudi 5 janvier 2023", "2023-01-05" },
	{ "Jeudi 5 Janvier 2023", "2023-01-05" },
	{ "lundi 1er janvier 2024", "2024-01-01" },
	{ "1er février 2024", "2024-02-01" },
	{ "1er fevrier 2024", "2024-02-01" },
	{ "15 août 2023", "2023-08-15" },
	{ "15 aout 2023", "2023-08-15" },
	{ "5 janv. 2023", "2023-01-05" },
	{ "12 déc. 2022", "2022-12-12" },
	{ "le 12 décembre 2022 à 14h30", "2022-12-12" },
	{ "mercredi 5 janvier 2023", NULL },
	/* Spanish */
	{ "5 de enero de 2023", "2023-01-05" },
	{ "jueves, 5 de enero de 2023", "2023-01-05" },
	{ "miércoles 5 de enero de 2023", NULL },
	{ "1 de septiembre de 2024", "2024-09-01" },
	{ "1 de setiembre de 2024", "2024-09-01" },
	{ "3 dic. 2024", "2024-12-03" },
	{ "12 de agosto de 2024", "2024-08-12" },
	/* Italian */
	{ "5 gennaio 2023", "2023-01-05" },
	{ "giovedì 5 gennaio 2023", "2023-01-05" },
	{ "giovedi 5 gennaio 2023", "2023-01-05" },
	{ "1º maggio 2024", "2024-05-01" },
	{ "25 dicembre 2024", "2024-12-25" },
	{ "3 ott 2024", "2024-10-03" },
	/* Portuguese */
	{ "1º de maio de 2024", "2024-05-01" },
	{ "1 de março de 2024", "2024-03-01" },
	{ "1 de marco de 2024", "2024-03-01" },
	{ "quarta-feira, 1 de maio de 2024", "2024-05-01" },
	{ "5 de outubro de 2023", "2023-10-05" },
	{ "7 de setembro de 2022", "2022-09-07" },
	/* Dutch */
	{ "5 januari 2023", "2023-01-05" },
	{ "donderdag 5 januari 2023", "2023-01-05" },
	{ "maandag 5 januari 2023", NULL },
	{ "5 jan. 2023", "2023-01-05" },
	{ "12 mrt 2024", "2024-03-12" },
	{ "17 mei 2024", "2024-05-17" },
	/* numeric, order */
	{ "11/12/2024", "2024-11-12" },
	{ "13/12/2024", "2024-12-13" },
	{ "12/13/2024", "2024-12-13" },
	{ "11-12-2024", "2024-11-12" },
	{ "12.11.2024", "2024-11-12" },
	{ "12.11.2024.", "2024-11-12" },
	{ "12.13.2024", "2024-12-13" },
	{ "11/12/24", "2024-11-12" },
	{ "11/12/69", "1969-11-12" },
	{ "1/2/2024", "2024-01-02" },
	{ "13/13/2024", NULL },
	{ "11/12-2024", NULL },
	{ "11/12/2024 09:30", "2024-11-12" },
	{ "11/12/2024 9:30 PM", "2024-11-12" },
	{ "11/12/2024 9:30:00 PM UTC", "2024-11-12T21:30:00Z" },
	{ "11/12/024", NULL },
	/* Unix time */
	{ "1700000000", "2023-11-14T22:13:20Z" },
	{ "1700000000123", "2023-11-14T22:13:20Z" },
	{ "1700000000999", "2023-11-14T22:13:20Z" },
	{ "@1700000000", "2023-11-14T22:13:20Z" },
	{ "@0", "1970-01-01T00:00:00Z" },
	{ "@", NULL },
	{ "170000000", NULL },
	{ "17000000001", NULL },
	/* as web pages write them */
	{ "20200924T15:04:34Z", "2020-09-24T15:04:34Z" },
	{ "Veröffentlicht am 8. Februar 2022", "2022-02-08" },
	{ "Publié le jeudi 24 Décembre 2020 à 07h47", "2020-12-24" },
	{ "| Oct 24, 2023", "2023-10-24" },
	{ "vom 20. April 2022", "2022-04-20" },
	{ "2020-09-26T12:07:40+02:00CET", NULL },
	{ "2020-12-05T23:15:0Z", NULL },
	{ "04:25:06 PM IST Apr 08, 2020", NULL },
	{ "15 hours ago", NULL },
	{ "Sa 13 Jul 2019", NULL },
	/* never a date */
	{ "yesterday", NULL },
	{ "today", NULL },
	{ "2 days ago", NULL },
	{ "vor 2 Tagen", NULL },
	{ "il y a 3 jours", NULL },
	{ "hace 2 días", NULL },
	{ "2024", NULL },
	{ "November 2024", NULL },
	{ "Nov 2024", NULL },
	{ "2024-11", NULL },
	{ "März 2024", NULL },
	{ "Feb 30, 2024", NULL },
	{ "30 février 2024", NULL },
	{ "2024-13-01", NULL },
	{ "13/13/2024", NULL },
	{ "0000-00-00", NULL },
	{ "0000-00-00 00:00:00", NULL },
	{ "0001-01-01T00:00:00Z", NULL },
	{ "0001-01-01", NULL },
	{ "{{post_date}}", NULL },
	{ "{{ page.date }}", NULL },
	{ "%Y-%m-%d", NULL },
	{ "N/A", NULL },
	{ "unknown", NULL },
	{ "", NULL },
	{ "   ", NULL },
	{ "garbage", NULL },
	{ "Version 2.3, May 2024", NULL },
	{ "12 Nov 2024 13 Nov 2024", NULL },
	{ "Nov 12 Dec 2024", NULL },
	{ "12:00", NULL },
	{ "Tue", NULL },
	{ "999-01-01", NULL },
	{ "12 Nov 0999", NULL },
};

/* Checks one input; returns 0 when it gave what was wanted. */
static int
check(const char *in, enum quarry_date_order order, const char *lang,
    int flags, const char *want)
{
	char out[21];
	int rc;

	memset(out, 'x', sizeof(out));
	rc = quarry_date_parse(in, strlen(in), order, lang, flags, out);
	if (want == NULL) {
		if (rc == QUARRY_ENODATE && out[0] == '\0')
			return 0;
		print_error("\"%s\": expected no date, got %d \"%.20s\"\n",
		    in, rc, out);
		return 1;
	}
	if (rc == 0 && strcmp(out, want) == 0)
		return 0;
	print_error("\"%s\": expected \"%s\", got %d \"%.20s\"\n", in, want,
	    rc, rc == 0 ? out : "");
	return 1;
}

static void
test_forms(void **state)
{
	size_t i, bad = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		bad += (size_t)check(cases[i].in, QUARRY_DATE_AUTO, NULL, 0,
		    cases[i].want);
	assert_int_equal(bad, 0);
	assert_true(sizeof(cases) / sizeof(cases[0]) >= 150);
}

/* The numeric order: automatic rules, record languages, explicit order. */
static void
test_order(void **state)
{
	static const struct {
		const char *in;
		enum quarry_date_order order;
		const char *lang;
		const char *want;
	} oc[] = {
		{ "11/12/2024", QUARRY_DATE_AUTO, NULL, "2024-11-12" },
		{ "11/12/2024", QUARRY_DATE_AUTO, "en", "2024-11-12" },
		{ "11/12/2024", QUARRY_DATE_AUTO, "en-US", "2024-11-12" },
		{ "11/12/2024", QUARRY_DATE_AUTO, "en-GB", "2024-12-11" },
		{ "11/12/2024", QUARRY_DATE_AUTO, "en_AU", "2024-12-11" },
		{ "11/12/2024", QUARRY_DATE_AUTO, "de", "2024-12-11" },
		{ "11/12/2024", QUARRY_DATE_AUTO, "de-AT", "2024-12-11" },
		{ "11/12/2024", QUARRY_DATE_AUTO, "fr-CA", "2024-12-11" },
		{ "11/12/2024", QUARRY_DATE_AUTO, "pt-BR", "2024-12-11" },
		{ "11/12/2024", QUARRY_DATE_AUTO, "ja", "2024-11-12" },
		{ "11/12/2024", QUARRY_DATE_AUTO, "x", "2024-11-12" },
		{ "11/12/2024", QUARRY_DATE_DMY, NULL, "2024-12-11" },
		{ "11/12/2024", QUARRY_DATE_DMY, "en-US", "2024-12-11" },
		{ "11/12/2024", QUARRY_DATE_MDY, "de", "2024-11-12" },
		{ "12.11.2024", QUARRY_DATE_AUTO, "en-US", "2024-12-11" },
		{ "12.11.2024", QUARRY_DATE_MDY, NULL, "2024-12-11" },
		{ "12.11.2024", QUARRY_DATE_AUTO, NULL, "2024-11-12" },
		{ "13/12/2024", QUARRY_DATE_MDY, NULL, "2024-12-13" },
		{ "12/13/2024", QUARRY_DATE_DMY, NULL, "2024-12-13" },
		{ "12/13/2024", QUARRY_DATE_AUTO, "de", "2024-12-13" },
		{ "2024-11-12", QUARRY_DATE_DMY, NULL, "2024-11-12" },
		{ "June 7, 2024", QUARRY_DATE_DMY, "de", "2024-06-07" },
		{ "05/06/07", QUARRY_DATE_AUTO, NULL, "2007-05-06" },
		{ "05/06/07", QUARRY_DATE_DMY, NULL, "2007-06-05" },
	};
	size_t i, bad = 0;

	(void)state;
	for (i = 0; i < sizeof(oc) / sizeof(oc[0]); i++)
		bad += (size_t)check(oc[i].in, oc[i].order, oc[i].lang, 0,
		    oc[i].want);
	assert_int_equal(bad, 0);
	assert_int_equal(quarry_date_order_for_lang(NULL), QUARRY_DATE_AUTO);
	assert_int_equal(quarry_date_order_for_lang("en-US"), QUARRY_DATE_MDY);
	assert_int_equal(quarry_date_order_for_lang("EN-gb"), QUARRY_DATE_DMY);
	assert_int_equal(quarry_date_order_for_lang("nl-BE"), QUARRY_DATE_DMY);
	assert_int_equal(quarry_date_order_for_lang("english"),
	    QUARRY_DATE_AUTO);
	assert_int_equal(quarry_date_order_for_lang(""), QUARRY_DATE_AUTO);
}

/* With QUARRY_DATE_PDF, bare digit strings follow the PDF rules. */
static void
test_pdf_flag(void **state)
{
	size_t bad = 0;

	(void)state;
	bad += (size_t)check("20230415093000", 0, NULL, QUARRY_DATE_PDF,
	    "2023-04-15T09:30:00Z");
	bad += (size_t)check("20230415093000+02'00'", 0, NULL,
	    QUARRY_DATE_PDF, "2023-04-15T07:30:00Z");
	bad += (size_t)check("2023", 0, NULL, QUARRY_DATE_PDF,
	    "2023-01-01T00:00:00Z");
	bad += (size_t)check("20230415", 0, NULL, QUARRY_DATE_PDF,
	    "2023-04-15T00:00:00Z");
	bad += (size_t)check("D:2023", 0, NULL, QUARRY_DATE_PDF,
	    "2023-01-01T00:00:00Z");
	/* Other forms in a PDF's Info dictionary read as they would
	 * anywhere. */
	bad += (size_t)check("4/15/2023 9:30:00 AM", 0, NULL,
	    QUARRY_DATE_PDF, "2023-04-15");
	bad += (size_t)check("Sat Apr 15 09:30:00 2023", 0, NULL,
	    QUARRY_DATE_PDF, "2023-04-15");
	bad += (size_t)check("1681551000", 0, NULL, QUARRY_DATE_PDF,
	    "2023-04-15T09:30:00Z");
	bad += (size_t)check("", 0, NULL, QUARRY_DATE_PDF, NULL);
	assert_int_equal(bad, 0);
}

/* Lengths are honoured: s need not be NUL-terminated. */
static void
test_length(void **state)
{
	char out[21];

	(void)state;
	assert_int_equal(quarry_date_parse("2024-11-12XYZ", 10, 0, NULL, 0,
	    out), 0);
	assert_string_equal(out, "2024-11-12");
	assert_int_equal(quarry_date_parse("2024-11-12", 7, 0, NULL, 0, out),
	    QUARRY_ENODATE);
	assert_int_equal(quarry_date_parse(NULL, 0, 0, NULL, 0, out),
	    QUARRY_ENODATE);
	assert_int_equal(quarry_date_parse("2024-11-12\0", 11, 0, NULL, 0,
	    out), QUARRY_ENODATE);
	{
		char big[600];

		memset(big, ' ', sizeof(big));
		memcpy(big + 300, "2024-11-12", 10);
		assert_int_equal(quarry_date_parse(big, sizeof(big), 0, NULL,
		    0, out), 0);
		memset(big, '1', sizeof(big));
		assert_int_equal(quarry_date_parse(big, sizeof(big), 0, NULL,
		    0, out), QUARRY_ENODATE);
	}
}

/* quarry_date_from_unix() and the calendar arithmetic over a wide span. */
static void
test_unix(void **state)
{
	char out[21], a[21];
	int64_t t;

	(void)state;
	assert_int_equal(quarry_date_from_unix(0, out), 0);
	assert_string_equal(out, "1970-01-01T00:00:00Z");
	assert_int_equal(quarry_date_from_unix(-1, out), 0);
	assert_string_equal(out, "1969-12-31T23:59:59Z");
	assert_int_equal(quarry_date_from_unix(951782400, out), 0);
	assert_string_equal(out, "2000-02-29T00:00:00Z");
	assert_int_equal(quarry_date_from_unix(253402300799LL, out), 0);
	assert_string_equal(out, "9999-12-31T23:59:59Z");
	assert_int_equal(quarry_date_from_unix(253402300800LL, out),
	    QUARRY_ENODATE);
	assert_int_equal(quarry_date_from_unix(-30610224000LL, out), 0);
	assert_string_equal(out, "1000-01-01T00:00:00Z");
	assert_int_equal(quarry_date_from_unix(-30610224001LL, out),
	    QUARRY_ENODATE);
	/* Every day from 1000 to 9999 round-trips through the parser. */
	for (t = -30610224000LL; t <= 253402300799LL; t += 86400 * 7 + 3601) {
		assert_int_equal(quarry_date_from_unix(t, out), 0);
		assert_int_equal(quarry_date_parse(out, strlen(out), 0, NULL,
		    0, a), 0);
		assert_string_equal(a, out);
	}
}

/*
 * Every month and weekday name of the parser's word table is found (the
 * table is binary-searched, so one word out of order loses its
 * neighbours): "3 <month> 2021" and "<weekday>, <day> May 2021".
 */
static void
test_words(void **state)
{
	static const struct { const char *w; int m; } months[] = {
		{ "abr", 4 }, { "abril", 4 }, { "ago", 8 }, { "agosto", 8 },
		{ "aout", 8 }, { "apr", 4 }, { "april", 4 }, { "aprile", 4 },
		{ "aug", 8 }, { "august", 8 }, { "augustus", 8 }, { "avr", 4 },
		{ "avril", 4 }, { "dec", 12 }, { "december", 12 }, { "decembre", 12 },
		{ "dez", 12 }, { "dezember", 12 }, { "dezembro", 12 }, { "dic", 12 },
		{ "dicembre", 12 }, { "diciembre", 12 }, { "ene", 1 }, { "enero", 1 },
		{ "feb", 2 }, { "febbraio", 2 }, { "feber", 2 }, { "febrero", 2 },
		{ "februar", 2 }, { "februari", 2 }, { "february", 2 }, { "fev", 2 },
		{ "fevereiro", 2 }, { "fevr", 2 }, { "fevrier", 2 }, { "gen", 1 },
		{ "gennaio", 1 }, { "giu", 6 }, { "giugno", 6 }, { "jaenner", 1 },
		{ "jan", 1 }, { "janeiro", 1 }, { "janner", 1 }, { "januar", 1 },
		{ "januari", 1 }, { "january", 1 }, { "janv", 1 }, { "janvier", 1 },
		{ "juil", 7 }, { "juillet", 7 }, { "juin", 6 }, { "jul", 7 },
		{ "julho", 7 }, { "juli", 7 }, { "julio", 7 }, { "july", 7 },
		{ "jun", 6 }, { "june", 6 }, { "junho", 6 }, { "juni", 6 },
		{ "junio", 6 }, { "lug", 7 }, { "luglio", 7 }, { "maart", 3 },
		{ "maerz", 3 }, { "mag", 5 }, { "maggio", 5 }, { "mai", 5 },
		{ "maio", 5 }, { "mar", 3 }, { "march", 3 }, { "marco", 3 },
		{ "mars", 3 }, { "marz", 3 }, { "marzo", 3 }, { "may", 5 },
		{ "mayo", 5 }, { "mei", 5 }, { "mrt", 3 }, { "nov", 11 },
		{ "november", 11 }, { "novembre", 11 }, { "novembro", 11 },
		{ "noviembre", 11 }, { "oct", 10 }, { "october", 10 },
		{ "octobre", 10 }, { "octubre", 10 }, { "okt", 10 },
		{ "oktober", 10 }, { "ott", 10 }, { "ottobre", 10 }, { "out", 10 },
		{ "outubro", 10 }, { "sep", 9 }, { "sept", 9 }, { "september", 9 },
		{ "septembre", 9 }, { "septiembre", 9 }, { "set", 9 },
		{ "setembro", 9 }, { "setiembre", 9 }, { "settembre", 9 },
	};
	static const struct { const char *w; int d; } wdays[] = {
		{ "dienstag", 2 }, { "dimanche", 0 }, { "dinsdag", 2 },
		{ "domenica", 0 }, { "domingo", 0 }, { "donderdag", 4 },
		{ "donnerstag", 4 }, { "freitag", 5 }, { "fri", 5 },
		{ "friday", 5 }, { "giovedi", 4 }, { "jeudi", 4 },
		{ "jueves", 4 }, { "lundi", 1 }, { "lunedi", 1 },
		{ "lunes", 1 }, { "maandag", 1 }, { "mardi", 2 },
		{ "martedi", 2 }, { "martes", 2 }, { "mercoledi", 3 },
		{ "mercredi", 3 }, { "miercoles", 3 }, { "mittwoch", 3 },
		{ "mon", 1 }, { "monday", 1 }, { "montag", 1 },
		{ "quarta", 3 }, { "quinta", 4 }, { "sabado", 6 },
		{ "sabato", 6 }, { "samedi", 6 }, { "samstag", 6 },
		{ "sat", 6 }, { "saturday", 6 }, { "segunda", 1 },
		{ "sexta", 5 }, { "sonnabend", 6 }, { "sonntag", 0 },
		{ "sun", 0 }, { "sunday", 0 }, { "terca", 2 }, { "thu", 4 },
		{ "thur", 4 }, { "thurs", 4 }, { "thursday", 4 },
		{ "tue", 2 }, { "tues", 2 }, { "tuesday", 2 },
		{ "vendredi", 5 }, { "venerdi", 5 }, { "viernes", 5 },
		{ "vrijdag", 5 }, { "wed", 3 }, { "wednesday", 3 },
		{ "woensdag", 3 }, { "zaterdag", 6 }, { "zondag", 0 },
	};
	char in[80], out[21], want[21];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(months) / sizeof(months[0]); i++) {
		snprintf(in, sizeof(in), "3 %s 2021", months[i].w);
		snprintf(want, sizeof(want), "2021-%02d-03",
		    months[i].m);
		assert_int_equal(quarry_date_parse(in, strlen(in), 0, NULL, 0,
		    out), 0);
		assert_string_equal(out, want);
	}
	for (i = 0; i < sizeof(wdays) / sizeof(wdays[0]); i++) {
		/* 2 May 2021 was a Sunday. */
		snprintf(in, sizeof(in), "%s, %d May 2021", wdays[i].w,
		    2 + wdays[i].d);
		snprintf(want, sizeof(want), "2021-05-%02d", 2 + wdays[i].d);
		assert_int_equal(quarry_date_parse(in, strlen(in), 0, NULL, 0,
		    out), 0);
		assert_string_equal(out, want);
	}
	/* A word that is no name of the table is no date. */
	assert_int_equal(quarry_date_parse("3 zzz 2021", 10, 0, NULL, 0, out),
	    QUARRY_ENODATE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_pdf_flag),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_unix),
		cmocka_unit_test(test_words),
	};

	return cmocka_run_group_tests_name("date", tests, NULL, NULL);
}
