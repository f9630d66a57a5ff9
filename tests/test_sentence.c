/*
 * test_sentence.c: cmocka tests of the sentence segmenter.  Each test states
 * one convention of man/quarry-chunk.1 and checks exact splits, in several
 * languages.
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

/*
 * Splits text with the rules of lang and checks that the sentences are
 * exactly the NULL-terminated list that follows (raw spans, not collapsed),
 * and that the spans obey the documented invariants.
 */
static void
expect_split(const char *lang, const char *text, ...)
{
	quarry_segmenter *sg;
	const quarry_span *sp;
	size_t n, i, len = strlen(text), prev = 0;
	const char *want;
	va_list ap;

	assert_int_equal(quarry_segmenter_new(&sg, lang), 0);
	assert_int_equal(quarry_segmenter_split(sg, text, len, &sp, &n), 0);
	va_start(ap, text);
	for (i = 0; (want = va_arg(ap, const char *)) != NULL; i++) {
		if (i >= n) {
			print_error("missing sentence %zu: \"%s\"\n", i, want);
			fail();
		}
		if (sp[i].end - sp[i].start != strlen(want) ||
		    memcmp(text + sp[i].start, want, strlen(want)) != 0) {
			print_error("sentence %zu: got \"%.*s\", want \"%s\"\n",
			    i, (int)(sp[i].end - sp[i].start),
			    text + sp[i].start, want);
			fail();
		}
	}
	va_end(ap);
	if (n != i) {
		print_error("%zu sentences, want %zu; extra: \"%.*s\"\n", n, i,
		    (int)(sp[i].end - sp[i].start), text + sp[i].start);
		fail();
	}
	for (i = 0; i < n; i++) {
		assert_true(sp[i].start >= prev);
		assert_true(sp[i].start < sp[i].end);
		assert_true(sp[i].end <= len);
		assert_false(text[sp[i].start] == ' ' ||
		    text[sp[i].start] == '\n');
		assert_false(text[sp[i].end - 1] == ' ' ||
		    text[sp[i].end - 1] == '\n');
		prev = sp[i].end;
	}
	quarry_segmenter_free(sg);
}

static void
test_basic(void **state)
{
	(void)state;
	expect_split("en", "Hello World. My name is Jonas.", "Hello World.",
	    "My name is Jonas.", NULL);
	expect_split("en", "What is your name? It is Jonas! Really?!  Yes.",
	    "What is your name?", "It is Jonas!", "Really?!", "Yes.", NULL);
	expect_split("de", "Wie geht es dir? Mir geht es gut.",
	    "Wie geht es dir?", "Mir geht es gut.", NULL);
	expect_split("es", "¿Cómo está hoy? ¡Muy bien! Gracias.",
	    "¿Cómo está hoy?", "¡Muy bien!", "Gracias.", NULL);
	expect_split("en", "", NULL);
	expect_split("en", "  \n\n \f ", NULL);
	expect_split("en", "  no punctuation at all  ", "no punctuation at all",
	    NULL);
	expect_split("en", "She works at Yahoo! in the accounting department.",
	    "She works at Yahoo! in the accounting department.", NULL);
}

static void
test_blank_lines(void **state)
{
	(void)state;
	expect_split("en", "A title without a stop\n\nThe text under it",
	    "A title without a stop", "The text under it", NULL);
	expect_split("de", "Erste Seite ohne Punkt\fZweite Seite",
	    "Erste Seite ohne Punkt", "Zweite Seite", NULL);
	expect_split("en", "Dr.\n\nSmith came.", "Dr.", "Smith came.", NULL);
	expect_split("en", "one\r\n\r\ntwo", "one", "two", NULL);
	expect_split("fr", "Chapitre un\n   \t\nIl était une fois",
	    "Chapitre un", "Il était une fois", NULL);
}

static void
test_soft_wraps(void **state)
{
	(void)state;
	/* A single newline inside a sentence is a wrap... */
	expect_split("en", "This is a sentence\ncut off in the middle because pdf.",
	    "This is a sentence\ncut off in the middle because pdf.", NULL);
	expect_split("de", "Das ist ein Satz, der\numbrochen wurde. Danach",
	    "Das ist ein Satz, der\numbrochen wurde.", "Danach", NULL);
	expect_split("en", "Ask Mr.\nSmith about it.", "Ask Mr.\nSmith about it.",
	    NULL);
	/* ...and it ends one after terminal punctuation... */
	expect_split("en", "It is done.\nthen we left", "It is done.",
	    "then we left", NULL);
	expect_split("it", "Che cosa?\npoi niente", "Che cosa?", "poi niente",
	    NULL);
	/* ...or before a list marker. */
	expect_split("en", "Items\n- one\n- two\n* three\n1. four\n2) five",
	    "Items", "- one", "- two", "* three", "1. four", "2) five", NULL);
	expect_split("en", "- an item that\n  wraps onto a second line\n- next",
	    "- an item that\n  wraps onto a second line", "- next", NULL);
}

static void
test_headings(void **state)
{
	(void)state;
	expect_split("en", "# Getting started\nInstall it first. Then run it.",
	    "# Getting started", "Install it first.", "Then run it.", NULL);
	expect_split("de", "Text ohne Punkt\n## Abschnitt zwei\nMehr Text",
	    "Text ohne Punkt", "## Abschnitt zwei", "Mehr Text", NULL);
	expect_split("en", "#hashtag is not\na heading", "#hashtag is not\na heading",
	    NULL);
	expect_split("en", "| a | b |\n| 1 | 2 |\nAfter the table",
	    "| a | b |", "| 1 | 2 |", "After the table", NULL);
}

static void
test_short_line_lists(void **state)
{
	(void)state;
	/* Three or more short lines that are not a wrap: one item each. */
	expect_split("en", "features\ncontact manager\nevents, activities\n",
	    "features", "contact manager", "events, activities", NULL);
	expect_split("en", "It was a cold \nnight in the city.",
	    "It was a cold \nnight in the city.", NULL);
	/* Lines filled up to the wrap width are one sentence. */
	expect_split("en", "the quick brown fox jumps over\n"
	    "the lazy dog and runs far away\nfrom the farm in the night",
	    "the quick brown fox jumps over\nthe lazy dog and runs far away\n"
	    "from the farm in the night", NULL);
}

static void
test_quotes_brackets(void **state)
{
	(void)state;
	expect_split("en", "She said, \"This is great.\" She left.",
	    "She said, \"This is great.\"", "She left.", NULL);
	expect_split("en", "She said, 'This is great.' she said.",
	    "She said, 'This is great.' she said.", NULL);
	expect_split("en", "He taught (he had worked as an engineer.) at the "
	    "University.", "He taught (he had worked as an engineer.) at the "
	    "University.", NULL);
	expect_split("en", "(It was late.) We left.", "(It was late.)",
	    "We left.", NULL);
	expect_split("de", "Sie sagte: „Und auch keine Lust.“ Wir gingen.",
	    "Sie sagte: „Und auch keine Lust.“", "Wir gingen.", NULL);
	expect_split("fr", "Il a dit « c'est fini. » Elle est partie.",
	    "Il a dit « c'est fini. »", "Elle est partie.", NULL);
	expect_split("es", "«Ninguna mente está exenta.», dijo Aristóteles.",
	    "«Ninguna mente está exenta.», dijo Aristóteles.", NULL);
	expect_split("ru", "Она кричала: «Не видали маму?». Потом ушла.",
	    "Она кричала: «Не видали маму?».", "Потом ушла.", NULL);
	expect_split("en", "Hydrogen is a gas.[1][2] It burns.",
	    "Hydrogen is a gas.[1][2]", "It burns.", NULL);
}

static void
test_abbreviations(void **state)
{
	(void)state;
	expect_split("en", "Mr. Smith met Dr. Jones at 5 p.m. today.",
	    "Mr. Smith met Dr. Jones at 5 p.m. today.", NULL);
	expect_split("en", "I live in the U.S. How about you?",
	    "I live in the U.S.", "How about you?", NULL);
	expect_split("en", "I work for the U.S. Government in Virginia.",
	    "I work for the U.S. Government in Virginia.", NULL);
	expect_split("en", "Pitt, Briggs & Co. It closed. Call Pitt & Co. at noon.",
	    "Pitt, Briggs & Co.", "It closed.", "Call Pitt & Co. at noon.", NULL);
	expect_split("en", "Please turn to p. 55. See No. 7 too.",
	    "Please turn to p. 55.", "See No. 7 too.", NULL);
	expect_split("en", "I said no. Then I left.", "I said no.",
	    "Then I left.", NULL);
	expect_split("de", "Es gibt z. B. Äpfel. Dr. Müller kam bzw. ging. Er "
	    "blieb.", "Es gibt z. B. Äpfel.", "Dr. Müller kam bzw. ging.",
	    "Er blieb.", NULL);
	expect_split("fr", "M. Dupont est là. Il attend.", "M. Dupont est là.",
	    "Il attend.", NULL);
	expect_split("es", "Hola Srta. Ledesma. Soy el Lic. Naser Pastoriza.",
	    "Hola Srta. Ledesma.", "Soy el Lic. Naser Pastoriza.", NULL);
	expect_split("it", "Salve Sig.ra Mengoni! Come sta il dott. Rossi?",
	    "Salve Sig.ra Mengoni!", "Come sta il dott. Rossi?", NULL);
	expect_split("pt", "O Sr. Silva chegou. Ele trouxe o livro, pág. 12.",
	    "O Sr. Silva chegou.", "Ele trouxe o livro, pág. 12.", NULL);
	expect_split("nl", "Dhr. Jansen kwam bijv. gisteren. Hij bleef.",
	    "Dhr. Jansen kwam bijv. gisteren.", "Hij bleef.", NULL);
	expect_split("ru", "Это т.е. важно. Проф. Иванов пришёл, т.д. Он ушёл.",
	    "Это т.е. важно.", "Проф. Иванов пришёл, т.д.", "Он ушёл.", NULL);
}

static void
test_initials(void **state)
{
	(void)state;
	expect_split("en", "My name is Jonas E. Smith. J. R. R. Tolkien wrote.",
	    "My name is Jonas E. Smith.", "J. R. R. Tolkien wrote.", NULL);
	expect_split("en", "We make a team, you and I. Did you see Albert I. "
	    "Jones?", "We make a team, you and I.", "Did you see Albert I. Jones?",
	    NULL);
	expect_split("de", "Das sagte A. Merkel gestern.",
	    "Das sagte A. Merkel gestern.", NULL);
}

static void
test_numbers(void **state)
{
	(void)state;
	expect_split("en", "Pi is 3.14 and v1.2.3 is out. She has $100.00. It is "
	    "hers.", "Pi is 3.14 and v1.2.3 is out.", "She has $100.00.",
	    "It is hers.", NULL);
	expect_split("en", "They came in 1990. 42 people stayed.",
	    "They came in 1990.", "42 people stayed.", NULL);
	/* German ordinals: "12. Juni" continues, "12. Dort" does not. */
	expect_split("de", "Am 12. Juni kam er. Siehe Seite 12. Dort steht es.",
	    "Am 12. Juni kam er.", "Siehe Seite 12.", "Dort steht es.", NULL);
	expect_split("de-AT", "Am 3. Oktober.", "Am 3. Oktober.", NULL);
	expect_split("en", "Am 3. Oktober.", "Am 3.", "Oktober.", NULL);
	expect_split("it", "La casa costa 170.500.000,00€! Wow.",
	    "La casa costa 170.500.000,00€!", "Wow.", NULL);
}

static void
test_ellipses(void **state)
{
	(void)state;
	expect_split("en", "I wasn't really ... well, what I mean...see . . . "
	    "the thing is . . . I didn't.", "I wasn't really ... well, what I "
	    "mean...see . . . the thing is . . . I didn't.", NULL);
	expect_split("en", "I never meant that.... She left. Wait… Who?",
	    "I never meant that....", "She left.", "Wait…", "Who?", NULL);
	expect_split("en", "\"Bohr [...] used stairways [...]\" (Smith 55).",
	    "\"Bohr [...] used stairways [...]\" (Smith 55).", NULL);
	expect_split("en", "It was weakened . . . in compounds. . . . The "
	    "practice was not abandoned. . . .", "It was weakened . . . in "
	    "compounds.", ". . . The practice was not abandoned. . . .", NULL);
	expect_split("nl", "Het was raak. ...en toen barste de hel los.",
	    "Het was raak.", "...en toen barste de hel los.", NULL);
	expect_split("de", "Und dann... Nichts mehr.", "Und dann...",
	    "Nichts mehr.", NULL);
}

static void
test_urls_files(void **state)
{
	(void)state;
	expect_split("en", "The site is: https://www.example.50.com/new-site/"
	    "awesome_content.html. Please check it out.", "The site is: "
	    "https://www.example.50.com/new-site/awesome_content.html.",
	    "Please check it out.", NULL);
	expect_split("en", "Her email is Jane.Doe@example.com. I sent mail.",
	    "Her email is Jane.Doe@example.com.", "I sent mail.", NULL);
	expect_split("en", "Edit config.yaml and main.c first. Run make.",
	    "Edit config.yaml and main.c first.", "Run make.", NULL);
	expect_split("de", "Lies www.example.de/info.html und README.md genau.",
	    "Lies www.example.de/info.html und README.md genau.", NULL);
	/* Missing spaces between sentences, but not in names. */
	expect_split("en", "Hello world.Today is Tuesday.Mr. Smith bought "
	    "1,000.That is a lot.", "Hello world.", "Today is Tuesday.",
	    "Mr. Smith bought 1,000.", "That is a lot.", NULL);
}

static void
test_inline_lists(void **state)
{
	(void)state;
	expect_split("en", "1.) The first item 2.) The second item",
	    "1.) The first item", "2.) The second item", NULL);
	expect_split("en", "1) The first item. 2) The second item.",
	    "1) The first item.", "2) The second item.", NULL);
	expect_split("en", "a. The first item b. The second item c. The third",
	    "a. The first item", "b. The second item", "c. The third", NULL);
	expect_split("en", "• 9. The first item • 10. The second item",
	    "• 9. The first item", "• 10. The second item", NULL);
	/* A number that does not continue a list is not a marker. */
	expect_split("en", "Chapter 1. The start of 3 things.",
	    "Chapter 1.", "The start of 3 things.", NULL);
}

/*
 * Symbols skipped without decoding (box drawing, arrows, shapes: U+2080 to
 * U+2FFF) next to the characters of that block that still count: the
 * bullets U+2219, U+25A0, U+25AA, U+25CF and U+25E6, the ellipsis and the
 * line and paragraph separators of U+20xx, and a no-break space.
 */
static void
test_symbol_runs(void **state)
{
	(void)state;
	expect_split("en", "┌──┐ A rule. ───\nNext line here.",
	    "┌──┐ A rule. ───\nNext line here.", NULL);
	expect_split("en", "┌──┐ A rule.\n───\nNext line here.",
	    "┌──┐ A rule.", "───\nNext line here.", NULL);
	expect_split("en", "Rule ═══. Then │ this! ── And", "Rule ═══.",
	    "Then │ this! ── And", NULL);
	expect_split("en", "Items ∙ one ▪ two ● three ■ four "
	    "◦ five • six", "Items", "∙ one", "▪ two",
	    "● three", "■ four", "◦ five", "• six", NULL);
	expect_split("en", "Arrows → go… On ⇒ done. End─",
	    "Arrows → go…", "On ⇒ done.", "End─", NULL);
	expect_split("en", "One─\xe2\x80\xa8Two━\xe2\x80\xa9Three\xc2\xa0│. Four",
	    "One─\xe2\x80\xa8Two━", "Three\xc2\xa0│.", "Four", NULL);
	expect_split("en", "─", "─", NULL);
	expect_split("en", "x ─", "x ─", NULL);
}

static void
test_cjk(void **state)
{
	(void)state;
	expect_split("ja", "これはペンです。それはマーカーです。",
	    "これはペンです。", "それはマーカーです。", NULL);
	expect_split("ja", "それは何ですか？ペンですか！",
	    "それは何ですか？", "ペンですか！", NULL);
	/* Straight into Latin text, no space needed. */
	expect_split(NULL, "完了しました。Next step.", "完了しました。",
	    "Next step.", NULL);
	/* Terminators inside brackets that close later stay inside. */
	expect_split("zh", "我们明天一起去看《摔跤吧！爸爸》好吗？好！",
	    "我们明天一起去看《摔跤吧！爸爸》好吗？", "好！", NULL);
	/* The full-width full stop is a decimal point between digits. */
	expect_split("ja", "３．２９％以上です。はい。", "３．２９％以上です。",
	    "はい。", NULL);
}

static void
test_other_scripts(void **state)
{
	(void)state;
	/* Thai spaces are not boundaries. */
	expect_split("th", "สวัสดีครับ ผมชื่อสมชาย ยินดีที่ได้รู้จัก",
	    "สวัสดีครับ ผมชื่อสมชาย ยินดีที่ได้รู้จัก", NULL);
	/* The Arabic comma is not a boundary; the question mark is. */
	expect_split("ar", "عثر على أدوية، والقلب، وبدأت؟ طرح الكثير.",
	    "عثر على أدوية، والقلب، وبدأت؟", "طرح الكثير.", NULL);
	expect_split("hi", "यह है कि इसे कोई नहीं जानता। हो सकता है।",
	    "यह है कि इसे कोई नहीं जानता।", "हो सकता है।", NULL);
	expect_split("am", "እንደምን አለህ፧መልካም ቀን ይሁንልህ።",
	    "እንደምን አለህ፧", "መልካም ቀን ይሁንልህ።", NULL);
	expect_split("ur", "کیا حال ہے؟ میرا نام ہے۔ ٹھیک", "کیا حال ہے؟",
	    "میرا نام ہے۔", "ٹھیک", NULL);
	/* The Greek question mark: U+037E always, ';' for Greek. */
	expect_split(NULL, "Πού είναι\xcd\xbe Εδώ.", "Πού είναι\xcd\xbe", "Εδώ.",
	    NULL);
	expect_split("el", "Πού είναι; Εδώ.", "Πού είναι;", "Εδώ.", NULL);
	expect_split("en", "Where; here.", "Where; here.", NULL);
	expect_split("hy", "Ինչ ես մտածում: Ոչինչ:", "Ինչ ես մտածում:",
	    "Ոչինչ:", NULL);
}

static void
test_api(void **state)
{
	quarry_segmenter *sg;
	const quarry_span *sp;
	size_t n;
	const char *a = "One. Two.", *b = "Three.";

	(void)state;
	quarry_segmenter_free(NULL);
	assert_int_equal(quarry_segmenter_new(&sg, "xx-Unknown"), 0);
	assert_int_equal(quarry_segmenter_split(sg, a, strlen(a), &sp, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(sp[1].start, 5);
	assert_int_equal(sp[1].end, 9);
	/* The handle is reusable. */
	assert_int_equal(quarry_segmenter_split(sg, b, strlen(b), &sp, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(sp[0].end, 6);
	quarry_segmenter_free(sg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_blank_lines),
		cmocka_unit_test(test_soft_wraps),
		cmocka_unit_test(test_headings),
		cmocka_unit_test(test_short_line_lists),
		cmocka_unit_test(test_quotes_brackets),
		cmocka_unit_test(test_abbreviations),
		cmocka_unit_test(test_initials),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_ellipses),
		cmocka_unit_test(test_urls_files),
		cmocka_unit_test(test_inline_lists),
		cmocka_unit_test(test_symbol_runs),
		cmocka_unit_test(test_cjk),
		cmocka_unit_test(test_other_scripts),
		cmocka_unit_test(test_api),
	};

	return cmocka_run_group_tests_name("sentence", tests, NULL, NULL);
}
