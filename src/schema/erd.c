/*
 * schema/erd.c - entity-relationship diagrams of a catalog (see diff.h):
 * tables with their key columns, and an edge per foreign key.
 *
 * Graphviz: one HTML-like table label per table, a port per column, so
 * edges go from the referencing column to the referenced one. Every name
 * is escaped for its place (HTML text, quoted IDs), so any identifier
 * renders. Mermaid: erDiagram entities with aliases, since its entity and
 * attribute names take only word characters: names are reduced to those
 * and the real name kept in the alias label.
 */
#include "schema/diff.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/buf.h"

#include <string.h>

static int put_html(strata_buf *b, const char *s)
{
	for (; *s; s++) {
		int rc;

		switch (*s) {
		case '&': rc = strata__buf_puts(b, "&amp;"); break;
		case '<': rc = strata__buf_puts(b, "&lt;"); break;
		case '>': rc = strata__buf_puts(b, "&gt;"); break;
		case '"': rc = strata__buf_puts(b, "&quot;"); break;
		default: rc = strata__buf_putc(b, *s); break;
		}
		if (rc)
			return STRATA_ERROR;
	}
	return 0;
}

/* A Graphviz double-quoted ID. */
static int put_dot_id(strata_buf *b, const char *s)
{
	if (strata__buf_putc(b, '"'))
		return STRATA_ERROR;
	for (; *s; s++)
		if ((*s == '"' || *s == '\\') ? strata__buf_putc(b, '\\') || strata__buf_putc(b, *s) : strata__buf_putc(b, *s))
			return STRATA_ERROR;
	return strata__buf_putc(b, '"');
}

/* Word characters only (Mermaid names and types). */
static int put_word(strata_buf *b, const char *s)
{
	size_t start = b->len;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

		if (strata__buf_putc(b, ok ? (char)c : '_'))
			return STRATA_ERROR;
	}
	return b->len == start ? strata__buf_putc(b, '_') : 0;
}

static char *table_label(const sc_object *t)
{
	strata_buf b = STRATA_BUF_INIT;

	if ((t->schema && strata__buf_printf(&b, "%s.", t->schema)) || strata__buf_puts(&b, t->name)) {
		strata__buf_release(&b);
		return NULL;
	}
	return strata__buf_detach(&b);
}

/* Whether a column is in the table's primary key (SQLite: pk position;
 * PostgreSQL: its primary-key constraint). */
static int in_pk(const sc_catalog *cat, const sc_object *t, const sc_column *c)
{
	if (c->pk)
		return 1;
	for (size_t i = 0; i < cat->n; i++) {
		const sc_object *o = cat->objs[i];

		if (o->kind == SC_CONSTRAINT && o->contype == 'p' && strata__sc_str_eq(o->schema, t->schema) &&
		    strata__sc_str_eq(o->table, t->name) && strata__sc_strv_has(o->con_columns, o->ncon_columns, c->name))
			return 1;
	}
	return 0;
}

static int in_fk(const sc_catalog *cat, const sc_object *t, const sc_column *c)
{
	for (size_t i = 0; i < cat->n; i++) {
		const sc_object *o = cat->objs[i];

		if (o->kind == SC_CONSTRAINT && o->contype == 'f' && strata__sc_str_eq(o->schema, t->schema) &&
		    strata__sc_str_eq(o->table, t->name) && strata__sc_strv_has(o->con_columns, o->ncon_columns, c->name))
			return 1;
	}
	return 0;
}

static int dot_table(const sc_catalog *cat, const sc_object *t, int all, strata_buf *b)
{
	char *label = table_label(t);
	int rc = !label || strata__buf_puts(b, "  ") || put_dot_id(b, label) ||
		 strata__buf_puts(b, " [label=<<table border=\"0\" cellborder=\"1\" cellspacing=\"0\">"
			     "<tr><td bgcolor=\"lightgrey\"><b>") ||
		 put_html(b, label) || strata__buf_puts(b, "</b></td></tr>");

	for (size_t i = 0; !rc && i < t->ncols; i++) {
		const sc_column *c = &t->cols[i];
		int pk = in_pk(cat, t, c), fk = in_fk(cat, t, c);

		if (!all && !pk && !fk)
			continue;
		rc = strata__buf_puts(b, "<tr><td port=\"") || put_html(b, c->name) ||
		     strata__buf_puts(b, "\" align=\"left\">") || put_html(b, c->name) || strata__buf_puts(b, " ") ||
		     put_html(b, c->type ? c->type : "") ||
		     strata__buf_printf(b, "%s%s</td></tr>", pk ? " PK" : "", fk ? " FK" : "");
	}
	rc = rc || strata__buf_puts(b, "</table>>];\n");
	strata_free(label);
	return rc ? STRATA_ERROR : 0;
}

static const sc_object *fk_target(const sc_catalog *cat, const sc_object *fk)
{
	return fk->ref_table ? strata__sc_catalog_find(cat, fk->ref_table) : NULL;
}

static int dot_edge(const sc_object *from, const sc_object *fk, const sc_object *to, strata_buf *b)
{
	char *fl = table_label(from), *tl = table_label(to);
	int rc = !fl || !tl;

	/* One edge per column pair; a composite key gives parallel edges. */
	for (size_t i = 0; !rc && i < fk->ncon_columns; i++) {
		const char *rc_col = i < fk->nref_columns ? fk->ref_columns[i] : NULL;

		rc = strata__buf_puts(b, "  ") || put_dot_id(b, fl) || strata__buf_putc(b, ':') ||
		     put_dot_id(b, fk->con_columns[i]) || strata__buf_puts(b, " -> ") || put_dot_id(b, tl) ||
		     (rc_col && (strata__buf_putc(b, ':') || put_dot_id(b, rc_col))) ||
		     strata__buf_puts(b, " [tooltip=") || put_dot_id(b, fk->name) || strata__buf_puts(b, "];\n");
	}
	strata_free(fl);
	strata_free(tl);
	return rc ? STRATA_ERROR : 0;
}

static int mermaid_name(strata_buf *b, const sc_object *t)
{
	if (t->schema && (put_word(b, t->schema) || strata__buf_puts(b, "__")))
		return STRATA_ERROR;
	return put_word(b, t->name);
}

static int mermaid_table(const sc_catalog *cat, const sc_object *t, int all, strata_buf *b)
{
	char *label = table_label(t);
	int rc = !label || strata__buf_puts(b, "  ") || mermaid_name(b, t) || strata__buf_puts(b, "[\"") ||
		 put_html(b, label) || strata__buf_puts(b, "\"] {\n");

	for (size_t i = 0; !rc && i < t->ncols; i++) {
		const sc_column *c = &t->cols[i];
		int pk = in_pk(cat, t, c), fk = in_fk(cat, t, c);

		if (!all && !pk && !fk)
			continue;
		rc = strata__buf_puts(b, "    ") || put_word(b, c->type && *c->type ? c->type : "any") ||
		     strata__buf_putc(b, ' ') || put_word(b, c->name) ||
		     (pk && strata__buf_puts(b, fk ? " PK, FK" : " PK")) || (!pk && fk && strata__buf_puts(b, " FK")) ||
		     strata__buf_puts(b, " \"") || put_html(b, c->name) || strata__buf_puts(b, "\"\n");
	}
	rc = rc || strata__buf_puts(b, "  }\n");
	strata_free(label);
	return rc ? STRATA_ERROR : 0;
}

int strata__sc_erd(const sc_catalog *cat, const char *format, int all_columns, strata_buf *out)
{
	int dot = strcmp(format, "dot") == 0;
	int rc;

	if (!dot && strcmp(format, "mermaid") != 0)
		return strata_error_set(STRATA_EINVALID, "unknown diagram format '%s'", format);
	rc = dot ? strata__buf_puts(out, "digraph schema {\n  rankdir=LR;\n  node [shape=plaintext];\n")
		 : strata__buf_puts(out, "erDiagram\n");
	for (size_t i = 0; !rc && i < cat->n; i++) {
		const sc_object *t = cat->objs[i];

		if (t->kind == SC_TABLE)
			rc = dot ? dot_table(cat, t, all_columns, out)
				 : mermaid_table(cat, t, all_columns, out);
	}
	for (size_t i = 0; !rc && i < cat->n; i++) {
		const sc_object *fk = cat->objs[i], *from, *to;
		char *key;

		if (fk->kind != SC_CONSTRAINT || fk->contype != 'f' || !(to = fk_target(cat, fk)))
			continue;
		if (!(key = strata__sc_make_key(SC_TABLE, fk->schema, NULL, fk->table)))
			return STRATA_ERROR;
		from = strata__sc_catalog_find(cat, key);
		strata_free(key);
		if (!from)
			continue;
		if (dot) {
			rc = dot_edge(from, fk, to, out);
		} else {
			rc = strata__buf_puts(out, "  ") || mermaid_name(out, from) ||
			     strata__buf_puts(out, " }o--|| ") || mermaid_name(out, to) || strata__buf_puts(out, " : \"") ||
			     put_html(out, fk->name) || strata__buf_puts(out, "\"\n");
		}
	}
	rc = rc || (dot && strata__buf_puts(out, "}\n"));
	return rc ? STRATA_ERROR : 0;
}
