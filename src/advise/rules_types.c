/*
 * advise/rules_types.c - SA3xx types and naming: timestamps without a
 * zone, arbitrary varchar limits, money, json, char(n), floats for
 * amounts, flags stored as numbers or text, enum-like CHECK lists, names
 * that need quotes or are too long, and mixed naming conventions.
 *
 * Layer: advise (reads the model only). Types are compared as the engine
 * prints them (PostgreSQL: format_type; SQLite: the declared type, whose
 * affinity decides).
 */
#include "advise/advise.h"
#include "schema/sqlite_sql.h"
#include "util/alloc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "ALTER TABLE t ALTER COLUMN c TYPE type[ USING using];" into b; %s in
 * using_fmt stands for the column. */
static void alter_type(strata_buf *b, const advise_ctx *c, const sc_object *t, const char *col,
		       const char *type, const char *using_fmt)
{
	char action[128];

	snprintf(action, sizeof(action), "TYPE %s", type);
	strata__advise_alter_column_sql(b, c, t, col, action);
	if (using_fmt) {
		strata_buf q = STRATA_BUF_INIT;
		const char *at = strstr(using_fmt, "%s");

		strata__advise_put_ident_sql(&q, c, col);
		strata__buf_puts(b, " USING ");
		if (at) {
			strata__buf_putn(b, using_fmt, (size_t)(at - using_fmt));
			strata__buf_puts(b, strata__buf_cstr(&q));
			strata__buf_puts(b, at + 2);
		} else {
			strata__buf_puts(b, using_fmt);
		}
		strata__buf_release(&q);
	}
	strata__buf_putc(b, ';');
}

/* A limit that looks picked for being round: a power of two (or one
 * less) from 32, or a multiple of 50 from 50. */
static int arbitrary_limit(long n)
{
	if (n >= 50 && n % 50 == 0)
		return 1;
	for (long p = 32; p <= 1L << 20; p <<= 1)
		if (n == p || n == p - 1)
			return 1;
	return 0;
}

static const char *const money_words[] = { "price", "amount", "total", "cost", "balance", "fee",
					    "salary", "subtotal", "tax", "payment", "revenue",
					    "discount", "wage", NULL };
static const char *const flag_prefixes[] = { "is_", "has_", "can_", "should_", "allow_", NULL };

static int flag_name(const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; flag_prefixes[i]; i++)
		if (strncmp(name, flag_prefixes[i], strlen(flag_prefixes[i])) == 0)
			return 1;
	return n > 5 && strcmp(name + n - 5, "_flag") == 0;
}

static int integer_type(const char *type)
{
	return strcmp(type, "smallint") == 0 || strcmp(type, "integer") == 0 ||
	       strcmp(type, "bigint") == 0;
}

/* The string literals of a CHECK that lists values (IN (...) or = ANY
 * (ARRAY[...])), NUL-separated into out; their count, or 0 when the check
 * is not a plain list. */
static size_t check_literals(const char *def, strata_buf *out)
{
	const char *p = def;
	size_t n = 0;

	strata__buf_clear(out);
	if (!strstr(def, " IN (") && !strstr(def, "ANY (ARRAY[") && !strstr(def, "ANY ((ARRAY["))
		return 0;
	/* a list of values and nothing else: no AND / OR / other comparisons */
	if (strstr(def, " AND ") || strstr(def, " OR ") || strstr(def, " NOT "))
		return 0;
	while ((p = strchr(p, '\'')) != NULL) {
		const char *e = p + 1;

		while (*e && !(*e == '\'' && e[1] != '\''))
			e += *e == '\'' ? 2 : 1;
		if (!*e)
			return 0;
		strata__buf_putn(out, p + 1, (size_t)(e - p - 1));
		strata__buf_putc(out, '\0');
		n++;
		p = e + 1;
	}
	return n;
}

/* The one column of t a CHECK is about, or NULL. */
static const sc_column *check_column(const sc_object *t, const sc_object *k)
{
	const sc_column *found = NULL;

	if (k->ncon_columns == 1)
		return strata__advise_column(t, k->con_columns[0]);
	for (size_t i = 0; i < t->ncols; i++) {
		const char *name = t->cols[i].name;
		const char *p = k->def ? strstr(k->def, name) : NULL;
		size_t n = strlen(name);

		for (; p; p = strstr(p + 1, name)) {
			char before = p == k->def ? ' ' : p[-1], after = p[n];

			if (!(isalnum((unsigned char)before) || before == '_' || before == '\'') &&
			    !(isalnum((unsigned char)after) || after == '_' || after == '\''))
				break;
		}
		if (!p)
			continue;
		if (found)
			return NULL;
		found = &t->cols[i];
	}
	return found;
}

static int boolean_values(const char *lits, size_t n)
{
	static const char *const pairs[][2] = { { "Y", "N" }, { "T", "F" }, { "YES", "NO" },
						{ "TRUE", "FALSE" }, { "0", "1" } };
	char a[8], b[8];

	if (n != 2 || strlen(lits) >= sizeof(a) || strlen(lits + strlen(lits) + 1) >= sizeof(b))
		return 0;
	snprintf(a, sizeof(a), "%s", lits);
	snprintf(b, sizeof(b), "%s", lits + strlen(lits) + 1);
	for (char *s = a; *s; s++)
		*s = (char)toupper((unsigned char)*s);
	for (char *s = b; *s; s++)
		*s = (char)toupper((unsigned char)*s);
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		if ((strcmp(a, pairs[i][0]) == 0 && strcmp(b, pairs[i][1]) == 0) ||
		    (strcmp(b, pairs[i][0]) == 0 && strcmp(a, pairs[i][1]) == 0))
			return 1;
	return 0;
}

static void column_types(advise_ctx *c, const adv_table *t, strata_buf *name, strata_buf *fix)
{
	for (size_t i = 0; i < t->t->ncols; i++) {
		const sc_column *col = &t->t->cols[i];
		const char *type = col->type ? col->type : "";
		long n = 0;

		if (col->inherited)
			continue;
		strata__advise_name(name, t->t, col->name);
		if (strata__advise_is_float(c, type) && strata__advise_name_words(col->name, money_words)) {
			if (c->pg)
				alter_type(fix, c, t->t, col->name, "numeric", NULL);
			strata__advise_emit(c, A_FLOAT_MONEY, name->ptr, c->pg ? fix->ptr : NULL,
				    "%s holds amounts in %s, a floating-point type", name->ptr, type);
		}
		if (!c->pg)
			continue;
		if (strncmp(type, "timestamp", 9) == 0 && strstr(type, "without time zone")) {
			alter_type(fix, c, t->t, col->name, "timestamptz", "%s AT TIME ZONE 'UTC'");
			strata__advise_emit(c, A_TIMESTAMP_NO_TZ, name->ptr, fix->ptr,
				    "%s is %s (the fix reads the stored values as UTC: check that they are)",
				    name->ptr, type);
		}
		if (sscanf(type, "character varying(%ld)", &n) == 1 && arbitrary_limit(n)) {
			alter_type(fix, c, t->t, col->name, "text", NULL);
			strata__advise_emit(c, A_ARBITRARY_VARCHAR, name->ptr, fix->ptr,
				    "%s is varchar(%ld): a limit picked for being round, enforced "
				    "anyway (varchar to text rewrites nothing)",
				    name->ptr, n);
		}
		if (strcmp(type, "money") == 0) {
			alter_type(fix, c, t->t, col->name, "numeric(19,4)", "%s::numeric");
			strata__advise_emit(c, A_MONEY_TYPE, name->ptr, fix->ptr, "%s is money", name->ptr);
		}
		if (strcmp(type, "json") == 0) {
			alter_type(fix, c, t->t, col->name, "jsonb", "%s::jsonb");
			strata__advise_emit(c, A_JSON_NOT_JSONB, name->ptr, fix->ptr, "%s is json, not jsonb",
				    name->ptr);
		}
		if (strncmp(type, "character(", 10) == 0 || strcmp(type, "character") == 0) {
			alter_type(fix, c, t->t, col->name, "text", "rtrim(%s)");
			strata__advise_emit(c, A_CHAR_TYPE, name->ptr, fix->ptr, "%s is %s (blank-padded)",
				    name->ptr, type);
		}
		if (flag_name(col->name) && (integer_type(type) || strata__advise_is_text(c, type))) {
			if (integer_type(type))
				alter_type(fix, c, t->t, col->name, "boolean", "%s <> 0");
			strata__advise_emit(c, A_BOOLEAN_AS_OTHER, name->ptr, integer_type(type) ? fix->ptr : NULL,
				    "%s looks like a flag but is %s", name->ptr, type);
		}
	}
}

static void checks(advise_ctx *c, const adv_table *t, strata_buf *name, strata_buf *fix)
{
	strata_buf lits = STRATA_BUF_INIT;

	for (size_t i = 0; i < t->ncons; i++) {
		const sc_object *k = t->cons[i];
		const sc_column *col;
		size_t n;

		if (k->contype != 'c' || !k->def || !(col = check_column(t->t, k)))
			continue;
		strata__advise_name(name, t->t, col->name);
		/* an integer that may only be 0 or 1 (the flag-named ones are
		 * reported by column_types already) */
		if (c->pg && integer_type(col->type) && !flag_name(col->name) &&
		    (strstr(k->def, "ARRAY[0, 1]") || strstr(k->def, "ARRAY[1, 0]"))) {
			alter_type(fix, c, t->t, col->name, "boolean", "%s <> 0");
			strata__advise_emit(c, A_BOOLEAN_AS_OTHER, name->ptr, fix->ptr,
				    "%s is %s limited to 0 and 1 by CHECK %s: a boolean", name->ptr,
				    col->type, k->name);
			continue;
		}
		if ((n = check_literals(k->def, &lits)) < 2 || n > 10)
			continue;
		if (c->pg && boolean_values(lits.ptr, n) && strata__advise_is_text(c, col->type)) {
			strata__advise_emit(c, A_BOOLEAN_AS_OTHER, name->ptr, NULL,
				    "%s is %s limited to two values by CHECK %s: a boolean", name->ptr,
				    col->type, k->name);
			continue;
		}
		if (!strata__advise_is_text(c, col->type))
			continue;
		strata__buf_clear(fix);
		if (c->pg) {
			char tname[64];
			const char *v = lits.ptr;

			snprintf(tname, sizeof(tname), "%.30s_%.28s", t->t->name, col->name);
			strata__buf_puts(fix, "CREATE TYPE ");
			strata__sc_put_qualified(fix, t->t->schema, tname);
			strata__buf_puts(fix, " AS ENUM (");
			for (size_t j = 0; j < n; j++, v += strlen(v) + 1) {
				if (j)
					strata__buf_puts(fix, ", ");
				strata__buf_put_sql_literal(fix, v);
			}
			strata__buf_puts(fix, "); ALTER TABLE ");
			strata__advise_put_table_sql(fix, c, t->t);
			strata__buf_printf(fix, " DROP CONSTRAINT ");
			strata__advise_put_ident_sql(fix, c, k->name);
			strata__buf_puts(fix, ", ALTER COLUMN ");
			strata__advise_put_ident_sql(fix, c, col->name);
			strata__buf_puts(fix, " TYPE ");
			strata__sc_put_qualified(fix, t->t->schema, tname);
			strata__buf_puts(fix, " USING ");
			strata__advise_put_ident_sql(fix, c, col->name);
			strata__buf_puts(fix, "::text::");
			strata__sc_put_qualified(fix, t->t->schema, tname);
			strata__buf_putc(fix, ';');
		}
		strata__advise_emit(c, A_ENUM_LIKE_CHECK, name->ptr, c->pg ? fix->ptr : NULL,
			    "%s is %s limited to %zu values by CHECK %s", name->ptr, col->type, n,
			    k->name);
	}
	strata__buf_release(&lits);
}

/* Whether a name must be quoted in SQL for the engine. */
static int needs_quotes(const advise_ctx *c, const char *name)
{
	strata_buf b = STRATA_BUF_INIT;
	int quoted;

	if (c->pg)
		strata__sc_put_ident(&b, name);
	else
		strata__sqt_put_ident(&b, name);
	quoted = b.ptr && b.ptr[0] == '"';
	strata__buf_release(&b);
	return quoted;
}

static void one_name(advise_ctx *c, const char *object, const char *what, const char *name)
{
	size_t len = strlen(name);

	if (needs_quotes(c, name))
		strata__advise_emit(c, A_NAME_NEEDS_QUOTES, object, NULL,
			    "%s name \"%s\" must be quoted in every statement", what, name);
	if (len > 63 || (c->pg && len == 63))
		strata__advise_emit(c, A_NAME_TOO_LONG, object, NULL,
			    "%s name %s is %zu bytes%s", what, name, len,
			    c->pg ? ": PostgreSQL's limit, where longer names were cut to fit"
				  : ", over PostgreSQL's 63 (a port would cut it)");
}

static void names(advise_ctx *c, const adv_table *t, strata_buf *name)
{
	strata__advise_name(name, t->t, NULL);
	one_name(c, name->ptr, "table", t->t->name);
	for (size_t i = 0; i < t->t->ncols; i++) {
		if (t->t->cols[i].inherited)
			continue;
		strata__advise_name(name, t->t, t->t->cols[i].name);
		one_name(c, name->ptr, "column", t->t->cols[i].name);
	}
	for (size_t i = 0; i < t->nidx; i++) {
		if (t->idx[i].constraint)
			continue;
		strata__advise_name(name, t->t, NULL);
		strata__buf_printf(name, ".%s", t->idx[i].name);
		one_name(c, name->ptr, "index", t->idx[i].name);
	}
}

/* Naming conventions. A single lower-case word fits snake_case and
 * camelCase alike and counts for neither. */
enum { CONV_NONE, CONV_SNAKE, CONV_CAMEL, CONV_PASCAL, CONV_UPPER, CONV_OTHER, CONV_N };
static const char *const conv_names[CONV_N] = { "", "snake_case", "camelCase", "PascalCase",
						"UPPER_CASE", "mixed" };

static int convention(const char *s)
{
	int lower = 0, upper = 0, under = 0;

	for (const char *p = s; *p; p++) {
		if (!isalnum((unsigned char)*p) && *p != '_')
			return CONV_OTHER;
		lower |= islower((unsigned char)*p);
		upper |= isupper((unsigned char)*p);
		under |= *p == '_';
	}
	if (!upper)
		return under ? CONV_SNAKE : CONV_NONE;
	if (!lower)
		return CONV_UPPER;
	if (under)
		return CONV_OTHER;
	return isupper((unsigned char)s[0]) ? CONV_PASCAL : CONV_CAMEL;
}

static void mixed_names(advise_ctx *c)
{
	for (size_t i = 0; i < c->ntables; i++) {
		const char *schema = c->tables[i].t->schema;
		size_t count[CONV_N] = { 0 }, dominant = CONV_SNAKE, odd = 0, shown = 0;
		strata_buf examples = STRATA_BUF_INIT;
		int first = 1;

		/* once per schema: at its first table */
		for (size_t j = 0; j < i && first; j++)
			first = !strata__sc_str_eq(c->tables[j].t->schema, schema);
		if (!first)
			continue;
		for (int pass = 0; pass < 2; pass++)
			for (size_t j = 0; j < c->ntables; j++) {
				const sc_object *t = c->tables[j].t;

				if (!strata__sc_str_eq(t->schema, schema))
					continue;
				for (size_t k = 0; k <= t->ncols; k++) {
					const char *n = k == 0 ? t->name : t->cols[k - 1].name;
					int conv = convention(n);

					if (pass == 0) {
						count[conv]++;
						continue;
					}
					if (conv == CONV_NONE || (size_t)conv == dominant)
						continue;
					odd++;
					if (shown++ < 5)
						strata__buf_printf(&examples, "%s%s (%s)", shown > 1 ? ", " : "", n,
							   conv_names[conv]);
				}
				if (pass == 0)
					for (size_t q = CONV_SNAKE; q < CONV_N; q++)
						if (count[q] > count[dominant])
							dominant = q;
			}
		if (odd && count[dominant] > odd)
			strata__advise_emit(c, A_MIXED_NAMING, schema ? schema : "main", NULL,
				    "%zu names do not follow the schema's dominant convention, %s (%zu "
				    "names): %s%s",
				    odd, conv_names[dominant], count[dominant], strata__buf_cstr(&examples),
				    odd > 5 ? ", ..." : "");
		strata__buf_release(&examples);
	}
}

void strata__advise_rules_types(advise_ctx *c)
{
	strata_buf name = STRATA_BUF_INIT, fix = STRATA_BUF_INIT;

	for (size_t i = 0; i < c->ntables; i++) {
		column_types(c, &c->tables[i], &name, &fix);
		checks(c, &c->tables[i], &name, &fix);
		names(c, &c->tables[i], &name);
	}
	mixed_names(c);
	strata__buf_release(&name);
	strata__buf_release(&fix);
}
