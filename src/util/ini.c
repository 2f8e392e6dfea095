/*
 * util/ini.c - entry errors and numbers for the sections of strata.ini
 * that commands check themselves (see ini.h).
 */
#include "util/ini.h"
#include "strata/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* 1-based line of the nth `key` entry under [section] in the file, or 0. */
static int key_line(const char *path, const char *section, const char *key, int nth)
{
	FILE *f = path ? fopen(path, "r") : NULL;
	char line[1024], head[80];
	int no = 0, in_section = 0, found = 0, seen = 0;
	size_t klen = strlen(key), hlen;

	if (!f)
		return 0;
	snprintf(head, sizeof(head), "[%s]", section);
	hlen = strlen(head);
	while (!found && fgets(line, sizeof(line), f)) {
		char *p = line;

		no++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '[') {
			in_section = strncasecmp(p, head, hlen) == 0;
			continue;
		}
		if (in_section && strncasecmp(p, key, klen) == 0 &&
		    (p[klen] == ' ' || p[klen] == '\t' || p[klen] == '=' || p[klen] == ':') &&
		    seen++ == nth)
			found = no;
	}
	fclose(f);
	return found;
}

int strata__ini_entry_error(const char *path, const char *section, const char *key, const char *value,
		    int nth, const char *why, const char *hint)
{
	int line = key_line(path, section, key, nth);
	char what[512];

	snprintf(what, sizeof(what), "%s = '%s': %s", key, value, why);
	if (line)
		strata_error_set(STRATA_EPARSE, "%s:%d: [%s] %s", path ? path : "strata.ini", line,
				 section, what);
	else
		strata_error_set(STRATA_EPARSE, "%s: [%s] %s", path ? path : "strata.ini", section, what);
	strata_error_hint("%s", hint);
	return STRATA_EPARSE;
}

int strata__ini_parse_long(long *out, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}
