/*
 * embed_choice.c: which embedder a set of options names, and which one
 * makes the vectors of a given model string.  Every program that embeds
 * (quarry-embed, quarry-sync, quarry-search for its queries) chooses here,
 * and only the embed module reads its own model names ("hash-v1",
 * "openai:NAME", "command:NAME"; man/quarry.7, "model").
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "embed_private.h"

/* The key of an endpoint without one of its own: QUARRY_API_KEY, else
 * OPENAI_API_KEY; NULL when both are unset or empty. */
static const char *
env_key(void)
{
	const char *k = getenv("QUARRY_API_KEY");

	if (k == NULL || *k == '\0')
		k = getenv("OPENAI_API_KEY");
	return k != NULL && *k != '\0' ? k : NULL;
}

/* Fails the choice with a handle that only carries its message. */
static int refuse(quarry_embedder **out, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
refuse(quarry_embedder **out, int code, const char *fmt, ...)
{
	va_list ap;

	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return QUARRY_ENOMEM;
	va_start(ap, fmt);
	qerr_vset(&(*out)->err, code, fmt, ap);
	va_end(ap);
	return code;
}

int
quarry_embedder_new(quarry_embedder **out, const quarry_embed_options *o)
{
	quarry_embed_options eo = *o;

	*out = NULL;
	if (o->url != NULL && o->command != NULL)
		return refuse(out, QUARRY_EINVAL, "an endpoint and a command "
		    "exclude each other");
	if (o->url != NULL) {
		if (eo.api_key == NULL)
			eo.api_key = env_key();
		return quarry_embedder_new_http(out, &eo);
	}
	if (o->command != NULL)
		return quarry_embedder_new_command(out, &eo);
	if (o->model != NULL || o->max_input != 0)
		return refuse(out, QUARRY_EINVAL, "a model name and a longest "
		    "input go with an endpoint or a command");
	return quarry_embedder_new_hash(out, o->dims ? o->dims :
	    QUARRY_EMBED_DIMS_DEFAULT);
}

int
quarry_embedder_new_for(quarry_embedder **out, const quarry_embed_options *o,
    const char *model)
{
	quarry_embed_options eo = *o;
	const char *slash = strrchr(model, '/'), *got;
	char name[256], *end;
	unsigned long dims;
	size_t nlen;
	int rc;

	*out = NULL;
	if (slash == NULL || slash == model || slash[1] == '\0')
		return refuse(out, QUARRY_EMODEL, "the model \"%s\" names no "
		    "embedder", model);
	dims = strtoul(slash + 1, &end, 10);
	if (*end != '\0' || dims == 0 || dims > QUARRY_EMBED_DIMS_MAX)
		return refuse(out, QUARRY_EMODEL, "the model \"%s\" names no "
		    "embedder", model);
	nlen = (size_t)(slash - model);
	if (nlen >= sizeof(name))
		nlen = sizeof(name) - 1;
	memcpy(name, model, nlen);
	name[nlen] = '\0';
	eo.dims = dims;
	if (strcmp(name, "hash-v1") == 0) {
		if (o->url != NULL || o->command != NULL)
			return refuse(out, QUARRY_EMODEL, "the model %s is the "
			    "built-in embedder: an endpoint or a command does "
			    "not apply", model);
	} else if (strncmp(name, "openai:", 7) == 0) {
		if (o->url == NULL || o->command != NULL)
			return refuse(out, QUARRY_EMODEL, "the model %s needs "
			    "an endpoint URL", model);
		if (eo.model == NULL)
			eo.model = name + 7;
	} else if (strncmp(name, "command:", 8) == 0) {
		if (o->command == NULL || o->url != NULL)
			return refuse(out, QUARRY_EMODEL, "the model %s needs "
			    "a command", model);
		if (eo.model == NULL)
			eo.model = name + 8;
	} else
		return refuse(out, QUARRY_EMODEL, "the model \"%s\" names no "
		    "known embedder", model);
	if ((rc = quarry_embedder_new(out, &eo)) != 0)
		return rc;
	got = quarry_embedder_model(*out);
	if (got == NULL || strcmp(got, model) != 0)
		return qerr_set(&(*out)->err, QUARRY_EMODEL, "model mismatch: "
		    "the vectors are %s, the embedder makes %s", model,
		    got ? got : "vectors of unknown dimensions");
	return 0;
}
