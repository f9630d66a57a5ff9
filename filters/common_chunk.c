/*
 * common_chunk.c: the chunker's options and the tokenizer of quarry-chunk
 * and quarry-sync (see common.h).  Apart from common.c for the reason
 * common_changes.c is: libcommon.a is an archive, and a program that never
 * chunks (quarry-pdf, quarry-html, ...) then links no tokenizer.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "quarry.h"

quarry_tokenizer *
tokenizer_open(const char *name)
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
chunk_option(quarry_chunk_options *o, const char **tokenizer, int c)
{
	switch (c) {
	case OPT_CHUNK_SIZE:
		o->size = parse_number("--size", optarg, 1, 100000000);
		return 1;
	case OPT_CHUNK_UNIT:
		o->unit = parse_unit("--unit", optarg);
		return 1;
	case OPT_CHUNK_OVERLAP:
		o->overlap = parse_number("--overlap", optarg, 0, 100000000);
		return 1;
	case OPT_CHUNK_MIN:
		o->min = parse_number("--min", optarg, 0, 100000000);
		return 1;
	case OPT_CHUNK_TOKENIZER:
		*tokenizer = optarg;
		return 1;
	}
	return 0;
}

quarry_tokenizer *
chunk_check(quarry_chunk_options *o, const char *tokenizer)
{
	if (o->overlap >= o->size)
		usage_error("--overlap (%zu) must be smaller than --size (%zu)",
		    o->overlap, o->size);
	if (tokenizer != NULL && o->unit != QUARRY_UNIT_TOKENS)
		usage_error("--tokenizer needs --unit tokens");
	if (o->unit != QUARRY_UNIT_TOKENS)
		return NULL;
	return o->tokenizer = tokenizer_open(tokenizer);
}
