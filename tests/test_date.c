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
		/* Polish, Czech, Turkish, Scandinavian, Russian, Ukrainian,
		 * Arabic, as they are written */
		{ "stycze\xc5\x84", 1 }, { "stycznia", 1 }, { "luty", 2 },
		{ "lutego", 2 }, { "marzec", 3 }, { "marca", 3 },
		{ "kwiecie\xc5\x84", 4 }, { "kwietnia", 4 }, { "maj", 5 },
		{ "maja", 5 }, { "czerwiec", 6 }, { "czerwca", 6 }, { "lipiec", 7 },
		{ "lipca", 7 }, { "sierpie\xc5\x84", 8 }, { "sierpnia", 8 },
		{ "wrzesie\xc5\x84", 9 }, { "wrze\xc5\x9bnia", 9 },
		{ "pa\xc5\xba" "dziernik", 10 }, { "pa\xc5\xba" "dziernika", 10 },
		{ "listopad", 11 }, { "listopada", 11 }, { "grudzie\xc5\x84", 12 },
		{ "grudnia", 12 }, { "leden", 1 }, { "ledna", 1 },
		{ "\xc3\xbanor", 2 }, { "\xc3\xbanora", 2 }, { "b\xc5\x99" "ezen", 3 },
		{ "b\xc5\x99" "ezna", 3 }, { "duben", 4 }, { "dubna", 4 },
		{ "kv\xc4\x9bten", 5 }, { "kv\xc4\x9btna", 5 },
		{ "\xc4\x8d" "erven", 6 }, { "\xc4\x8d" "ervna", 6 },
		{ "\xc4\x8d" "ervenec", 7 }, { "\xc4\x8d" "ervence", 7 },
		{ "srpen", 8 }, { "srpna", 8 }, { "z\xc3\xa1\xc5\x99\xc3\xad", 9 },
		{ "\xc5\x99\xc3\xadjen", 10 }, { "\xc5\x99\xc3\xadjna", 10 },
		{ "listopadu", 11 }, { "prosinec", 12 }, { "prosince", 12 },
		{ "ocak", 1 }, { "\xc5\x9fubat", 2 }, { "mart", 3 }, { "nisan", 4 },
		{ "may\xc4\xb1s", 5 }, { "haziran", 6 }, { "temmuz", 7 },
		{ "a\xc4\x9fustos", 8 }, { "eyl\xc3\xbcl", 9 }, { "ekim", 10 },
		{ "kas\xc4\xb1m", 11 }, { "aral\xc4\xb1k", 12 }, { "augusti", 8 },
		{ "marts", 3 },
		{ "\xd1\x8f\xd0\xbd\xd0\xb2\xd0\xb0\xd1\x80\xd1\x8c", 1 },
		{ "\xd1\x8f\xd0\xbd\xd0\xb2\xd0\xb0\xd1\x80\xd1\x8f", 1 },
		{ "\xd1\x84\xd0\xb5\xd0\xb2\xd1\x80\xd0\xb0\xd0\xbb\xd1\x8c", 2 },
		{ "\xd1\x84\xd0\xb5\xd0\xb2\xd1\x80\xd0\xb0\xd0\xbb\xd1\x8f", 2 },
		{ "\xd0\xbc\xd0\xb0\xd1\x80\xd1\x82", 3 },
		{ "\xd0\xbc\xd0\xb0\xd1\x80\xd1\x82\xd0\xb0", 3 },
		{ "\xd0\xb0\xd0\xbf\xd1\x80\xd0\xb5\xd0\xbb\xd1\x8c", 4 },
		{ "\xd0\xb0\xd0\xbf\xd1\x80\xd0\xb5\xd0\xbb\xd1\x8f", 4 },
		{ "\xd0\xbc\xd0\xb0\xd0\xb9", 5 }, { "\xd0\xbc\xd0\xb0\xd1\x8f", 5 },
		{ "\xd0\xb8\xd1\x8e\xd0\xbd\xd1\x8c", 6 },
		{ "\xd0\xb8\xd1\x8e\xd0\xbd\xd1\x8f", 6 },
		{ "\xd0\xb8\xd1\x8e\xd0\xbb\xd1\x8c", 7 },
		{ "\xd0\xb8\xd1\x8e\xd0\xbb\xd1\x8f", 7 },
		{ "\xd0\xb0\xd0\xb2\xd0\xb3\xd1\x83\xd1\x81\xd1\x82", 8 },
		{ "\xd0\xb0\xd0\xb2\xd0\xb3\xd1\x83\xd1\x81\xd1\x82\xd0\xb0", 8 },
		{ "\xd1\x81\xd0\xb5\xd0\xbd\xd1\x82\xd1\x8f\xd0\xb1\xd1\x80\xd1\x8c", 9 },
		{ "\xd1\x81\xd0\xb5\xd0\xbd\xd1\x82\xd1\x8f\xd0\xb1\xd1\x80\xd1\x8f", 9 },
		{ "\xd0\xbe\xd0\xba\xd1\x82\xd1\x8f\xd0\xb1\xd1\x80\xd1\x8c", 10 },
		{ "\xd0\xbe\xd0\xba\xd1\x82\xd1\x8f\xd0\xb1\xd1\x80\xd1\x8f", 10 },
		{ "\xd0\xbd\xd0\xbe\xd1\x8f\xd0\xb1\xd1\x80\xd1\x8c", 11 },
		{ "\xd0\xbd\xd0\xbe\xd1\x8f\xd0\xb1\xd1\x80\xd1\x8f", 11 },
		{ "\xd0\xb4\xd0\xb5\xd0\xba\xd0\xb0\xd0\xb1\xd1\x80\xd1\x8c", 12 },
		{ "\xd0\xb4\xd0\xb5\xd0\xba\xd0\xb0\xd0\xb1\xd1\x80\xd1\x8f", 12 },
		{ "\xd1\x8f\xd0\xbd\xd0\xb2", 1 }, { "\xd1\x84\xd0\xb5\xd0\xb2", 2 },
		{ "\xd0\xb0\xd0\xbf\xd1\x80", 4 }, { "\xd0\xb8\xd1\x8e\xd0\xbd", 6 },
		{ "\xd0\xb8\xd1\x8e\xd0\xbb", 7 }, { "\xd0\xb0\xd0\xb2\xd0\xb3", 8 },
		{ "\xd1\x81\xd0\xb5\xd0\xbd", 9 },
		{ "\xd1\x81\xd0\xb5\xd0\xbd\xd1\x82", 9 },
		{ "\xd0\xbe\xd0\xba\xd1\x82", 10 }, { "\xd0\xbd\xd0\xbe\xd1\x8f", 11 },
		{ "\xd0\xbd\xd0\xbe\xd1\x8f\xd0\xb1", 11 },
		{ "\xd0\xb4\xd0\xb5\xd0\xba", 12 },
		{ "\xd1\x81\xd1\x96\xd1\x87\xd0\xb5\xd0\xbd\xd1\x8c", 1 },
		{ "\xd1\x81\xd1\x96\xd1\x87\xd0\xbd\xd1\x8f", 1 },
		{ "\xd0\xbb\xd1\x8e\xd1\x82\xd0\xb8\xd0\xb9", 2 },
		{ "\xd0\xbb\xd1\x8e\xd1\x82\xd0\xbe\xd0\xb3\xd0\xbe", 2 },
		{ "\xd0\xb1\xd0\xb5\xd1\x80\xd0\xb5\xd0\xb7\xd0\xb5\xd0\xbd\xd1\x8c", 3 },
		{ "\xd0\xb1\xd0\xb5\xd1\x80\xd0\xb5\xd0\xb7\xd0\xbd\xd1\x8f", 3 },
		{ "\xd0\xba\xd0\xb2\xd1\x96\xd1\x82\xd0\xb5\xd0\xbd\xd1\x8c", 4 },
		{ "\xd0\xba\xd0\xb2\xd1\x96\xd1\x82\xd0\xbd\xd1\x8f", 4 },
		{ "\xd1\x82\xd1\x80\xd0\xb0\xd0\xb2\xd0\xb5\xd0\xbd\xd1\x8c", 5 },
		{ "\xd1\x82\xd1\x80\xd0\xb0\xd0\xb2\xd0\xbd\xd1\x8f", 5 },
		{ "\xd1\x87\xd0\xb5\xd1\x80\xd0\xb2\xd0\xb5\xd0\xbd\xd1\x8c", 6 },
		{ "\xd1\x87\xd0\xb5\xd1\x80\xd0\xb2\xd0\xbd\xd1\x8f", 6 },
		{ "\xd0\xbb\xd0\xb8\xd0\xbf\xd0\xb5\xd0\xbd\xd1\x8c", 7 },
		{ "\xd0\xbb\xd0\xb8\xd0\xbf\xd0\xbd\xd1\x8f", 7 },
		{ "\xd1\x81\xd0\xb5\xd1\x80\xd0\xbf\xd0\xb5\xd0\xbd\xd1\x8c", 8 },
		{ "\xd1\x81\xd0\xb5\xd1\x80\xd0\xbf\xd0\xbd\xd1\x8f", 8 },
		{ "\xd0\xb2\xd0\xb5\xd1\x80\xd0\xb5\xd1\x81\xd0\xb5\xd0\xbd\xd1\x8c", 9 },
		{ "\xd0\xb2\xd0\xb5\xd1\x80\xd0\xb5\xd1\x81\xd0\xbd\xd1\x8f", 9 },
		{ "\xd0\xb6\xd0\xbe\xd0\xb2\xd1\x82\xd0\xb5\xd0\xbd\xd1\x8c", 10 },
		{ "\xd0\xb6\xd0\xbe\xd0\xb2\xd1\x82\xd0\xbd\xd1\x8f", 10 },
		{ "\xd0\xbb\xd0\xb8\xd1\x81\xd1\x82\xd0\xbe\xd0\xbf\xd0\xb0\xd0\xb4", 11 },
		{ "\xd0\xbb\xd0\xb8\xd1\x81\xd1\x82\xd0\xbe\xd0\xbf\xd0\xb0\xd0\xb4\xd0\xb0", 11 },
		{ "\xd0\xb3\xd1\x80\xd1\x83\xd0\xb4\xd0\xb5\xd0\xbd\xd1\x8c", 12 },
		{ "\xd0\xb3\xd1\x80\xd1\x83\xd0\xb4\xd0\xbd\xd1\x8f", 12 },
		{ "\xd9\x8a\xd9\x86\xd8\xa7\xd9\x8a\xd8\xb1", 1 },
		{ "\xd9\x81\xd8\xa8\xd8\xb1\xd8\xa7\xd9\x8a\xd8\xb1", 2 },
		{ "\xd9\x85\xd8\xa7\xd8\xb1\xd8\xb3", 3 },
		{ "\xd8\xa3\xd8\xa8\xd8\xb1\xd9\x8a\xd9\x84", 4 },
		{ "\xd8\xa5\xd8\xa8\xd8\xb1\xd9\x8a\xd9\x84", 4 },
		{ "\xd9\x85\xd8\xa7\xd9\x8a\xd9\x88", 5 },
		{ "\xd9\x8a\xd9\x88\xd9\x86\xd9\x8a\xd9\x88", 6 },
		{ "\xd9\x8a\xd9\x88\xd9\x86\xd9\x8a\xd9\x87", 6 },
		{ "\xd9\x8a\xd9\x88\xd9\x84\xd9\x8a\xd9\x88", 7 },
		{ "\xd9\x8a\xd9\x88\xd9\x84\xd9\x8a\xd9\x87", 7 },
		{ "\xd8\xa3\xd8\xba\xd8\xb3\xd8\xb7\xd8\xb3", 8 },
		{ "\xd8\xb3\xd8\xa8\xd8\xaa\xd9\x85\xd8\xa8\xd8\xb1", 9 },
		{ "\xd8\xa3\xd9\x83\xd8\xaa\xd9\x88\xd8\xa8\xd8\xb1", 10 },
		{ "\xd9\x86\xd9\x88\xd9\x81\xd9\x85\xd8\xa8\xd8\xb1", 11 },
		{ "\xd8\xaf\xd9\x8a\xd8\xb3\xd9\x85\xd8\xa8\xd8\xb1", 12 },
		{ "\xd8\xb4\xd8\xa8\xd8\xa7\xd8\xb7", 2 },
		{ "\xd8\xa2\xd8\xb0\xd8\xa7\xd8\xb1", 3 },
		{ "\xd9\x86\xd9\x8a\xd8\xb3\xd8\xa7\xd9\x86", 4 },
		{ "\xd8\xa3\xd9\x8a\xd8\xa7\xd8\xb1", 5 },
		{ "\xd8\xad\xd8\xb2\xd9\x8a\xd8\xb1\xd8\xa7\xd9\x86", 6 },
		{ "\xd8\xaa\xd9\x85\xd9\x88\xd8\xb2", 7 }, { "\xd8\xa2\xd8\xa8", 8 },
		{ "\xd8\xa3\xd9\x8a\xd9\x84\xd9\x88\xd9\x84", 9 },
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
		{ "poniedzia\xc5\x82" "ek", 1 }, { "wtorek", 2 },
		{ "\xc5\x9broda", 3 }, { "czwartek", 4 }, { "pi\xc4\x85tek", 5 },
		{ "sobota", 6 }, { "niedziela", 0 }, { "pond\xc4\x9bl\xc3\xad", 1 },
		{ "\xc3\xbater\xc3\xbd", 2 }, { "st\xc5\x99" "eda", 3 },
		{ "\xc4\x8dtvrtek", 4 }, { "p\xc3\xa1tek", 5 }, { "ned\xc4\x9ble", 0 },
		{ "pazartesi", 1 }, { "sal\xc4\xb1", 2 },
		{ "\xc3\xa7" "ar\xc5\x9f" "amba", 3 }, { "per\xc5\x9f" "embe", 4 },
		{ "cuma", 5 }, { "cumartesi", 6 }, { "pazar", 0 }, { "mandag", 1 },
		{ "m\xc3\xa5ndag", 1 }, { "tisdag", 2 }, { "tirsdag", 2 },
		{ "onsdag", 3 }, { "torsdag", 4 }, { "fredag", 5 },
		{ "l\xc3\xb6rdag", 6 }, { "l\xc3\xb8rdag", 6 }, { "s\xc3\xb6ndag", 0 },
		{ "s\xc3\xb8ndag", 0 },
		{ "\xd0\xbf\xd0\xbe\xd0\xbd\xd0\xb5\xd0\xb4\xd0\xb5\xd0\xbb\xd1\x8c\xd0\xbd\xd0\xb8\xd0\xba", 1 },
		{ "\xd0\xb2\xd1\x82\xd0\xbe\xd1\x80\xd0\xbd\xd0\xb8\xd0\xba", 2 },
		{ "\xd1\x81\xd1\x80\xd0\xb5\xd0\xb4\xd0\xb0", 3 },
		{ "\xd1\x81\xd1\x80\xd0\xb5\xd0\xb4\xd1\x83", 3 },
		{ "\xd1\x87\xd0\xb5\xd1\x82\xd0\xb2\xd0\xb5\xd1\x80\xd0\xb3", 4 },
		{ "\xd0\xbf\xd1\x8f\xd1\x82\xd0\xbd\xd0\xb8\xd1\x86\xd0\xb0", 5 },
		{ "\xd0\xbf\xd1\x8f\xd1\x82\xd0\xbd\xd0\xb8\xd1\x86\xd1\x83", 5 },
		{ "\xd1\x81\xd1\x83\xd0\xb1\xd0\xb1\xd0\xbe\xd1\x82\xd0\xb0", 6 },
		{ "\xd1\x81\xd1\x83\xd0\xb1\xd0\xb1\xd0\xbe\xd1\x82\xd1\x83", 6 },
		{ "\xd0\xb2\xd0\xbe\xd1\x81\xd0\xba\xd1\x80\xd0\xb5\xd1\x81\xd0\xb5\xd0\xbd\xd1\x8c\xd0\xb5", 0 },
		{ "\xd0\xbf\xd0\xbe\xd0\xbd\xd0\xb5\xd0\xb4\xd1\x96\xd0\xbb\xd0\xbe\xd0\xba", 1 },
		{ "\xd0\xb2\xd1\x96\xd0\xb2\xd1\x82\xd0\xbe\xd1\x80\xd0\xbe\xd0\xba", 2 },
		{ "\xd1\x81\xd0\xb5\xd1\x80\xd0\xb5\xd0\xb4\xd0\xb0", 3 },
		{ "\xd1\x81\xd0\xb5\xd1\x80\xd0\xb5\xd0\xb4\xd1\x83", 3 },
		{ "\xd1\x87\xd0\xb5\xd1\x82\xd0\xb2\xd0\xb5\xd1\x80", 4 },
		{ "\xd1\x81\xd1\x83\xd0\xb1\xd0\xbe\xd1\x82\xd0\xb0", 6 },
		{ "\xd1\x81\xd1\x83\xd0\xb1\xd0\xbe\xd1\x82\xd1\x83", 6 },
		{ "\xd0\xbd\xd0\xb5\xd0\xb4\xd1\x96\xd0\xbb\xd1\x8f", 0 },
		{ "\xd8\xa7\xd9\x84\xd8\xa3\xd8\xad\xd8\xaf", 0 },
		{ "\xd8\xa7\xd9\x84\xd8\xa5\xd8\xab\xd9\x86\xd9\x8a\xd9\x86", 1 },
		{ "\xd8\xa7\xd9\x84\xd8\xa7\xd8\xab\xd9\x86\xd9\x8a\xd9\x86", 1 },
		{ "\xd8\xa7\xd9\x84\xd8\xab\xd9\x84\xd8\xa7\xd8\xab\xd8\xa7\xd8\xa1", 2 },
		{ "\xd8\xa7\xd9\x84\xd8\xa3\xd8\xb1\xd8\xa8\xd8\xb9\xd8\xa7\xd8\xa1", 3 },
		{ "\xd8\xa7\xd9\x84\xd8\xae\xd9\x85\xd9\x8a\xd8\xb3", 4 },
		{ "\xd8\xa7\xd9\x84\xd8\xac\xd9\x85\xd8\xb9\xd8\xa9", 5 },
		{ "\xd8\xa7\xd9\x84\xd8\xb3\xd8\xa8\xd8\xaa", 6 },
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

/*
 * Scripts and forms beyond Latin-1: case and accents of Latin Extended-A,
 * Cyrillic case, Arabic hamza forms and harakat, the Arabic comma and
 * p.m., Levantine two-word months, a month named twice, words after the
 * year ("2016 г."), milliseconds after a colon.
 */
static void
test_scripts(void **state)
{
	static const struct { const char *in, *want; } t[] = {
		{ "WTOREK, 5 STYCZNIA 2021", "2021-01-05" },
		{ "3 pa\xc5\xba" "dziernika 2021", "2021-10-03" },
		{ "2. \xc3\xba" "nora 2020", "2020-02-02" },
		{ "14 \xc5\x9e" "ubat 2021", "2021-02-14" },
		{ "\xd0\x92\xd0\xa2\xd0\x9e\xd0\xa0\xd0\x9d\xd0\x98\xd0\x9a, 5 "
		    "\xd0\xaf\xd0\x9d\xd0\x92\xd0\x90\xd0\xa0\xd0\xaf 2021",
		    "2021-01-05" },		/* ВТОРНИК, 5 ЯНВАРЯ 2021 */
		{ "15 \xd0\xb0\xd0\xb2\xd0\xb3\xd1\x83\xd1\x81\xd1\x82\xd0\xb0 "
		    "2016 \xd0\xb3., 13:43", "2016-08-15" },	/* августа, г. */
		{ "15 \xd1\x81\xd0\xb5\xd1\x80\xd0\xbf\xd0\xbd\xd1\x8f 2016 "
		    "\xd1\x80.", "2016-08-15" },		/* серпня, р. */
		/* الأربعاء، 07 أكتوبر 2020 - 12:09 م */
		{ "\xd8\xa7\xd9\x84\xd8\xa3\xd8\xb1\xd8\xa8\xd8\xb9\xd8\xa7\xd8\xa1"
		    "\xd8\x8c 07 \xd8\xa3\xd9\x83\xd8\xaa\xd9\x88\xd8\xa8\xd8\xb1 "
		    "2020 - 12:09 \xd9\x85 +02:00", "2020-10-07T10:09:00Z" },
		/* تم نشره الجمعة 24 نيسان / أبريل 2020 09:22 مساءً */
		{ "\xd8\xaa\xd9\x85 \xd9\x86\xd8\xb4\xd8\xb1\xd9\x87 "
		    "\xd8\xa7\xd9\x84\xd8\xac\xd9\x85\xd8\xb9\xd8\xa9 24 "
		    "\xd9\x86\xd9\x8a\xd8\xb3\xd8\xa7\xd9\x86 / "
		    "\xd8\xa3\xd8\xa8\xd8\xb1\xd9\x8a\xd9\x84 2020 09:22 "
		    "\xd9\x85\xd8\xb3\xd8\xa7\xd8\xa1\xd9\x8b", "2020-04-24" },
		/* 1 كانون الثاني 2020, 1 تشرين الأول 2020 */
		{ "1 \xd9\x83\xd8\xa7\xd9\x86\xd9\x88\xd9\x86 "
		    "\xd8\xa7\xd9\x84\xd8\xab\xd8\xa7\xd9\x86\xd9\x8a 2020",
		    "2020-01-01" },
		{ "1 \xd8\xaa\xd8\xb4\xd8\xb1\xd9\x8a\xd9\x86 "
		    "\xd8\xa7\xd9\x84\xd8\xa3\xd9\x88\xd9\x84 2020",
		    "2020-10-01" },
		{ "2022-01-10T22:06:08:684Z", "2022-01-10T22:06:08Z" },
		/* Not dates: a lone كانون, two months, "1..", a year's "م". */
		{ "1 \xd9\x83\xd8\xa7\xd9\x86\xd9\x88\xd9\x86 2020", NULL },
		{ "3 May June 2021", NULL },
		{ "1.. 2020", NULL },
		{ "2020\xd9\x85", NULL },
		{ "5 \xc5\x81\xc3\xb3" "d\xc5\xba 2020", NULL },	/* Łódź */
	};
	char out[21];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int rc = quarry_date_parse(t[i].in, strlen(t[i].in), 0, NULL,
		    0, out);

		if (t[i].want == NULL ? rc != QUARRY_ENODATE :
		    rc != 0 || strcmp(out, t[i].want) != 0)
			fail_msg("%zu: %s: got %d %s, want %s", i, t[i].in, rc,
			    rc == 0 ? out : "", t[i].want ? t[i].want : "none");
	}
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
		cmocka_unit_test(test_scripts),
	};

	return cmocka_run_group_tests_name("date", tests, NULL, NULL);
}
