/*
 * util/ini.h - what the sections of strata.ini that their commands check
 * themselves ([lint], [advise]) share: the error that names an entry's
 * file and line, and whole numbers in a range.
 *
 * Layer: util. The config is read by core/config.c (inih); these only
 * read the file again to find the line an entry is on.
 */
#ifndef STRATA_UTIL_INI_H
#define STRATA_UTIL_INI_H

/*
 * STRATA_EPARSE with "PATH:LINE: [SECTION] KEY = 'VALUE': why" (no line
 * when the file cannot be read again) and hint. nth: which entry of that
 * key in the section (0 for the first), for keys that repeat. path NULL
 * stands for "strata.ini".
 */
int strata__ini_entry_error(const char *path, const char *section, const char *key, const char *value,
		    int nth, const char *why, const char *hint);

/* A decimal whole number from min to max into *out: 0, or -1 (nothing set). */
int strata__ini_parse_long(long *out, const char *s, long min, long max);

#endif
