/*
 * test_pg_feed.c: cmocka tests of quarry-pg's feed line parser and row
 * encoders (src/pg_feed.c), without a server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pg_private.h"

/* Parses line; returns the COPY row, or "E<code>: message". */
static const char *
row(const char *line)
{
	static struct quarry_buf b;
	static struct qpg_change c;
	FILE *fp = fmemopen((void *)line, strlen(line), "r");
	quarry_reader *r;
	json_t *rec = NULL;
	char err[256];
	int rc;

	/* Read as quarry-pg reads (numbers beyond a double's range kept). */
	assert_non_null(fp);
	assert_int_equal(quarry_reader_new(&r, fp, "t"), 0);
	assert_int_equal(quarry_reader_next(r, &rec), 1);
	quarry_reader_free(r);
	fclose(fp);
	b.len = 0;
	rc = qpg_change_parse(rec, &c, err, sizeof(err));
	json_decref(rec);
	if (rc != 0) {
		char head[16];

		snprintf(head, sizeof(head), "E%d: ", rc);
		assert_int_equal(quarry_buf_append(&b, head, strlen(head)), 0);
		assert_int_equal(quarry_buf_append(&b, err, strlen(err) + 1), 0);
	} else {
		assert_int_equal(qpg_copy_row(&b, &c), 0);
		assert_int_equal(quarry_buf_append(&b, "", 1), 0);
	}
	return b.data;
}

static void
test_upsert(void **state)
{
	(void)state;
	assert_string_equal(row("{\"change\":\"upsert\",\"seq\":5,"
	    "\"id\":\"d#1\",\"doc\":\"d\",\"text\":\"a\\tb\\\\c\\nd\","
	    "\"title\":\"T\",\"author\":\"A\",\"date\":\"2024-11-12T09:30:00Z\","
	    "\"page\":3,\"page_end\":4,\"headings\":[\"H \\\"1\\\"\",\"x\"],"
	    "\"source\":\"s.txt\",\"embedding\":[0.5,-0.001,3],"
	    "\"model\":\"m/3\"}"),
	    "u\t5\td#1\td\ts.txt\tT\tA\t2024-11-12T09:30:00Z\t3\t4\t"
	    "{\"H \\\\\"1\\\\\"\",\"x\"}\ta\\tb\\\\c\\nd\t[0.5,-0.00100000005,3]\t"
	    "{\"model\":\"m/3\"}\n");
}

static void
test_plain_and_misfits(void **state)
{
	(void)state;
	/* A day-only date: midnight UTC in the column, the form in meta; a
	 * page out of int range and headings that are not strings go to
	 * meta; an impossible date stays in meta alone. */
	assert_string_equal(row("{\"id\":\"p\",\"doc\":\"q\",\"embedding\":[1],"
	    "\"date\":\"2024-02-29\",\"page\":9999999999,\"headings\":[1]}"),
	    "u\t\\N\tp\tq\t\\N\t\\N\t\\N\t2024-02-29T00:00:00Z\t\\N\t\\N\t\\N\t"
	    "\\N\t[1]\t{\"date\":\"2024-02-29\",\"page\":9999999999,"
	    "\"headings\":[1]}\n");
	assert_string_equal(row("{\"id\":\"p\",\"doc\":\"q\",\"embedding\":[1],"
	    "\"date\":\"2023-02-29\"}"),
	    "u\t\\N\tp\tq\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t[1]\t"
	    "{\"date\":\"2023-02-29\"}\n");
}

static void
test_delete_snapshot(void **state)
{
	(void)state;
	assert_string_equal(row("{\"change\":\"delete\",\"seq\":9,\"id\":\"a\","
	    "\"doc\":\"b\"}"), "d\t9\ta\tb\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t"
	    "\\N\t\\N\t\\N\n");
	assert_string_equal(row("{\"change\":\"snapshot\",\"seq\":12}"),
	    "s\t12\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\n");
}

static void
test_errors(void **state)
{
	(void)state;
	assert_string_equal(row("{\"change\":\"move\",\"seq\":1}"),
	    "E-7: unknown change \"move\" (upsert, delete or snapshot)");
	assert_string_equal(row("{\"change\":\"delete\",\"id\":\"a\"}"),
	    "E-16: missing field \"seq\"");
	assert_string_equal(row("{\"change\":\"delete\",\"seq\":0,\"id\":\"a\"}"),
	    "E-16: field \"seq\" is not a positive integer");
	assert_string_equal(row("{\"change\":\"delete\",\"seq\":1,\"id\":\"a\"}"),
	    "E-16: missing field \"doc\"");
	assert_string_equal(row("{\"change\":\"delete\",\"seq\":1,\"id\":2,"
	    "\"doc\":\"d\"}"), "E-16: field \"id\" is not a string");
	assert_string_equal(row("{\"id\":\"a\",\"doc\":\"d\"}"),
	    "E-16: missing field \"embedding\"");
	assert_string_equal(row("{\"id\":\"a\",\"doc\":\"d\",\"seq\":3}"),
	    "E-16: a record with \"seq\" but no \"change\" field");
	assert_string_equal(row("{\"id\":\"a\",\"doc\":\"d\",\"embedding\":[]}"),
	    "E-16: field \"embedding\" has 0 dimensions (pgvector takes 1 to "
	    "16000)");
	assert_string_equal(row("{\"id\":\"a\",\"doc\":\"d\",\"embedding\":"
	    "[1,\"x\"]}"), "E-16: field \"embedding\": element 1 is not a "
	    "number");
	assert_string_equal(row("{\"id\":\"a\",\"doc\":\"d\",\"embedding\":"
	    "[1],\"x\":[2e1001]}"), "E-16: field \"x\" holds a number beyond "
	    "PostgreSQL's numeric range (an exponent within 1000)");
	assert_string_equal(row("{\"id\":\"a\",\"doc\":\"d\",\"embedding\":"
	    "[1e39]}"), "E-16: field \"embedding\": element 0 is out of "
	    "float32 range");
}

static void
test_dates(void **state)
{
	(void)state;
	assert_int_equal(qpg_date_form("2024-02-29", 10), 1);
	assert_int_equal(qpg_date_form("2023-02-29", 10), 0);
	assert_int_equal(qpg_date_form("2000-02-29T23:59:59Z", 20), 2);
	assert_int_equal(qpg_date_form("1900-02-29", 10), 0);
	assert_int_equal(qpg_date_form("2024-13-01", 10), 0);
	assert_int_equal(qpg_date_form("2024-12-01T24:00:00Z", 20), 0);
	assert_int_equal(qpg_date_form("0000-01-01", 10), 0);
	assert_int_equal(qpg_date_form("2024-12-01 10:00:00Z", 20), 0);
}

static void
test_array_elem(void **state)
{
	struct quarry_buf b = { 0 };

	(void)state;
	assert_int_equal(quarry_buf_append(&b, "{", 1), 0);
	assert_int_equal(qpg_array_elem(&b, "a\"b\\c", 5), 0);
	assert_int_equal(qpg_array_elem(&b, NULL, 0), 0);
	assert_int_equal(qpg_array_elem(&b, "", 0), 0);
	assert_int_equal(quarry_buf_append(&b, "}", 2), 0);
	assert_string_equal(b.data, "{\"a\\\"b\\\\c\",NULL,\"\"}");
	quarry_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_upsert),
		cmocka_unit_test(test_plain_and_misfits),
		cmocka_unit_test(test_delete_snapshot),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_array_elem),
	};

	return cmocka_run_group_tests_name("pg_feed", tests, NULL, NULL);
}
