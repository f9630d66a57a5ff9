/*
 * qdate.c: reads one string per line and prints what quarry_date_parse()
 * makes of it, "-" for no date, one result a line; used by the date tests.
 *
 * usage: qdate [-p] [-o dmy|mdy] [-l LANG] < strings
 *   -p  the strings are PDF dates (QUARRY_DATE_PDF)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quarry.h"

int
main(int argc, char **argv)
{
	enum quarry_date_order order = QUARRY_DATE_AUTO;
	const char *lang = NULL;
	char *line = NULL, out[21];
	size_t cap = 0;
	ssize_t len;
	int c, flags = 0;

	while ((c = getopt(argc, argv, "po:l:")) != -1) {
		switch (c) {
		case 'p':
			flags |= QUARRY_DATE_PDF;
			break;
		case 'o':
			order = strcmp(optarg, "dmy") == 0 ? QUARRY_DATE_DMY :
			    strcmp(optarg, "mdy") == 0 ? QUARRY_DATE_MDY :
			    QUARRY_DATE_AUTO;
			break;
		case 'l':
			lang = optarg;
			break;
		default:
			fprintf(stderr, "usage: qdate [-p] [-o dmy|mdy] [-l LANG]\n");
			return 2;
		}
	}
	while ((len = getline(&line, &cap, stdin)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (quarry_date_parse(line, (size_t)len, order, lang, flags,
		    out) == 0)
			puts(out);
		else
			puts("-");
	}
	free(line);
	return ferror(stdout) || fclose(stdout) != 0;
}
