/*
 * docname.c: file names in "doc" and "source" (man/quarry.7, "File names
 * that are not UTF-8").  JSON strings are UTF-8, file names are bytes: a
 * name that is not valid UTF-8 is carried with each byte of its invalid
 * sequences written \xhh and each backslash doubled, which is reversible.
 * Valid names are carried as they are, unless they hold text that reads as
 * such an escape, which is then escaped too.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "quarry.h"

/* Does s hold "\x" and two hex digits of a byte >= 0x80? */
static int
has_high_escape(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i + 3 < len; i++)
		if (s[i] == '\\' && s[i + 1] == 'x' &&
		    strchr("89abcdef", s[i + 2]) != NULL && s[i + 2] != '\0' &&
		    strchr("0123456789abcdef", s[i + 3]) != NULL &&
		    s[i + 3] != '\0')
			return 1;
	return 0;
}

char *
quarry_name_escape(const char *name)
{
	static const char hex[] = "0123456789abcdef";
	size_t len = strlen(name), i = 0, bad;
	char *out, *o;

	if (quarry_utf8_validate(name, len, NULL) == 0 &&
	    !has_high_escape(name, len))
		return strdup(name);
	if ((out = malloc(len * 4 + 1)) == NULL)
		return NULL;
	o = out;
	while (i < len) {
		size_t n = len - i;

		if (quarry_utf8_validate(name + i, n, &bad) == 0)
			bad = n;
		for (; bad > 0; bad--, i++) {
			if (name[i] == '\\')
				*o++ = '\\';
			*o++ = name[i];
		}
		if (i < len) {
			unsigned char c = (unsigned char)name[i++];

			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o = '\0';
	return out;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

char *
quarry_name_unescape(const char *doc)
{
	size_t len = strlen(doc), i;
	char *out, *o;

	if (!has_high_escape(doc, len))
		return strdup(doc);
	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	for (i = 0, o = out; i < len; i++) {
		if (doc[i] == '\\' && i + 1 < len && doc[i + 1] == '\\') {
			*o++ = '\\';
			i++;
		} else if (doc[i] == '\\' && i + 3 < len && doc[i + 1] == 'x' &&
		    hexval(doc[i + 2]) >= 0 && hexval(doc[i + 3]) >= 0) {
			*o++ = (char)(hexval(doc[i + 2]) * 16 +
			    hexval(doc[i + 3]));
			i += 3;
		} else
			*o++ = doc[i];
	}
	*o = '\0';
	return out;
}

json_t *
quarry_name_json(const char *name)
{
	char *e = quarry_name_escape(name);
	json_t *v;

	if (e == NULL)
		return NULL;
	v = json_string(e);
	free(e);
	return v;
}
