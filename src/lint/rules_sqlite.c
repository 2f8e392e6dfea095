/*
 * lint/rules_sqlite.c - what SQLite's ALTER TABLE cannot do (SL601, SL602),
 * and PRAGMA foreign_keys where it does nothing (SL603).
 *
 * Layer: lint. SQLite statements are read with PostgreSQL's parser (the
 * ALTER TABLE forms are the same). What it cannot read the engine hands
 * to strata__lint_sqlite_unparsed(), which reads two kinds by their words: CREATE
 * TABLE (the table is new, and its columns are known: AUTOINCREMENT,
 * STRICT or a column without a type stop PostgreSQL's parser) and PRAGMA.
 * SQLite's ALTER TABLE supports RENAME TO, RENAME COLUMN (3.25+),
 * ADD COLUMN and DROP COLUMN (3.35+) only; ADD COLUMN refuses PRIMARY KEY,
 * UNIQUE, NOT NULL without a non-null default, non-constant defaults and
 * STORED generated columns (sqlite.org/lang_altertable.html). PRAGMA
 * foreign_keys "is a no-op within a transaction" (sqlite.org/pragma.html).
 */
#include "lint/lint.h"
#include "db/sqlscan.h"
#include "strata/error.h"
#include "util/buf.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static const char *what(PgQuery__AlterTableType t)
{
	switch (t) {
	case PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnType: return "ALTER COLUMN ... TYPE";
	case PG_QUERY__ALTER_TABLE_TYPE__AT_SetNotNull: return "SET NOT NULL";
	case PG_QUERY__ALTER_TABLE_TYPE__AT_DropNotNull: return "DROP NOT NULL";
	case PG_QUERY__ALTER_TABLE_TYPE__AT_ColumnDefault: return "SET/DROP DEFAULT";
	case PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint: return "ADD CONSTRAINT";
	case PG_QUERY__ALTER_TABLE_TYPE__AT_DropConstraint: return "DROP CONSTRAINT";
	default: return "this ALTER TABLE form";
	}
}

/* Why SQLite refuses this ADD COLUMN, or NULL. */
static const char *add_column_problem(const PgQuery__ColumnDef *col)
{
	const PgQuery__Node *dflt = col->raw_default;
	int not_null = col->is_not_null;
	size_t i;

	for (i = 0; i < col->n_constraints; i++) {
		const PgQuery__Constraint *c;

		if (col->constraints[i]->node_case != PG_QUERY__NODE__NODE_CONSTRAINT)
			continue;
		c = col->constraints[i]->constraint;
		switch (c->contype) {
		case PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY:
			return "a PRIMARY KEY column";
		case PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE:
			return "a UNIQUE column";
		case PG_QUERY__CONSTR_TYPE__CONSTR_GENERATED:
			/* generated_when is "a" for ALWAYS; SQLite adds VIRTUAL columns only. */
			break;
		case PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL:
			not_null = 1;
			break;
		case PG_QUERY__CONSTR_TYPE__CONSTR_DEFAULT:
			dflt = c->raw_expr;
			break;
		default:
			break;
		}
	}
	if (dflt && (dflt->node_case == PG_QUERY__NODE__NODE_SQLVALUE_FUNCTION ||
		     !strata__lint_is_constant(dflt)))
		return "a column with a non-constant default";
	if (not_null && (!dflt || (dflt->node_case == PG_QUERY__NODE__NODE_A_CONST &&
				   dflt->a_const->isnull)))
		return "a NOT NULL column without a non-null default";
	return NULL;
}

void strata__lint_rules_sqlite(lint_file *f)
{
	const PgQuery__AlterTableStmt *a;
	size_t i;

	if (f->stmt->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_STMT)
		return;
	a = f->stmt->alter_table_stmt;
	for (i = 0; i < a->n_cmds; i++) {
		const PgQuery__AlterTableCmd *c;
		const char *problem;

		if (a->cmds[i]->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
			continue;
		c = a->cmds[i]->alter_table_cmd;
		switch (c->subtype) {
		case PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn:
			if (c->def && c->def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF &&
			    (problem = add_column_problem(c->def->column_def)) != NULL)
				strata__lint_emit(f, R_SQLITE_ADD_COLUMN, c->def->column_def->location, NULL,
					  "SQLite cannot add %s (%s) to %s", problem,
					  c->def->column_def->colname ? c->def->column_def->colname : "?",
					  strata__lint_rel_name(a->relation));
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_DropColumn:
			break;
		default:
			strata__lint_emit(f, R_SQLITE_ALTER, -1, NULL, "SQLite's ALTER TABLE cannot do %s (on %s)",
				  what(c->subtype), strata__lint_rel_name(a->relation));
			break;
		}
	}
}

/* ---- statements PostgreSQL's parser cannot read --------------------------- */

/* A token: a name (bare, "quoted", [bracketed] or `backticked`, its text
 * without the quotes), a string literal, or one other character. */
typedef struct word {
	const char *s;
	size_t n;
	char quote; /* the opening quote, 0 for a bare word or a character */
} word;

typedef struct reader {
	const char *sql;
	size_t at, end;
} reader;

static void skip_blanks(reader *r)
{
	r->at = strata__sqlscan_skip_blank(r->sql, r->end, r->at, SQLSCAN_SQLITE, NULL);
}

static int is_word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$' || (unsigned char)c >= 0x80;
}

/* The next token into *w; 0 at the end of the statement. */
static int next_word(reader *r, word *w)
{
	char c, close;

	skip_blanks(r);
	if (r->at >= r->end)
		return 0;
	c = r->sql[r->at];
	memset(w, 0, sizeof(*w));
	if (c == '"' || c == '`' || c == '[' || c == '\'') {
		close = c == '[' ? ']' : c;
		w->quote = c;
		w->s = r->sql + ++r->at;
		while (r->at < r->end && r->sql[r->at] != close)
			r->at++;
		w->n = (size_t)(r->sql + r->at - w->s);
		if (r->at < r->end)
			r->at++;
		return 1;
	}
	w->s = r->sql + r->at;
	if (is_word_char(c))
		while (r->at < r->end && is_word_char(r->sql[r->at]))
			r->at++;
	else
		r->at++;
	w->n = (size_t)(r->sql + r->at - w->s);
	return 1;
}

static int is(const word *w, const char *keyword)
{
	return !w->quote && w->n == strlen(keyword) && strncasecmp(w->s, keyword, w->n) == 0;
}

static int is_char(const word *w, char c)
{
	return !w->quote && w->n == 1 && w->s[0] == c;
}

/* A name into out (NUL-terminated, cut to its size). */
static void name_of(const word *w, char *out, size_t size)
{
	size_t n = w->n < size - 1 ? w->n : size - 1;

	memcpy(out, w->s, n);
	out[n] = '\0';
}

/* "[schema.]name" from the reader into rv (names in the two buffers). */
static int read_table_name(reader *r, PgQuery__RangeVar *rv, char *schema, char *name, size_t size)
{
	word w;
	size_t at;

	memset(rv, 0, sizeof(*rv));
	rv->location = -1;
	if (!next_word(r, &w) || (!w.quote && !is_word_char(w.s[0])) || w.quote == '\'')
		return 0;
	name_of(&w, name, size);
	rv->relname = name;
	at = r->at;
	if (next_word(r, &w) && is_char(&w, '.') && next_word(r, &w) && w.quote != '\'') {
		memcpy(schema, name, size);
		name_of(&w, name, size);
		rv->schemaname = schema;
	} else {
		r->at = at;
	}
	return 1;
}

/* The column names of "( column-def | table-constraint, ... )", or an
 * empty buffer (CREATE TABLE ... AS SELECT: not known). */
static int read_columns(reader *r, strata_buf *out)
{
	static const char *const constraint_words[] = { "CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK",
							 "FOREIGN" };
	word w;
	int depth = 1, first = 1;

	if (!next_word(r, &w) || !is_char(&w, '('))
		return 0;
	while (depth > 0 && next_word(r, &w)) {
		int constraint = 0;

		if (first && depth == 1) {
			for (size_t k = 0; k < sizeof(constraint_words) / sizeof(*constraint_words); k++)
				constraint |= is(&w, constraint_words[k]);
			if (!constraint) {
				for (size_t k = 0; k < w.n; k++)
					if (strata__buf_putc(out, (char)tolower((unsigned char)w.s[k])) != 0)
						return STRATA_ERROR;
				if (strata__buf_putc(out, '\x1f') != 0)
					return STRATA_ERROR;
			}
			first = 0;
			continue;
		}
		if (is_char(&w, '('))
			depth++;
		else if (is_char(&w, ')'))
			depth--;
		else if (depth == 1 && is_char(&w, ','))
			first = 1;
	}
	return 0;
}

static void create_table(lint_file *f, reader *r)
{
	char schema[256], name[256];
	PgQuery__RangeVar rv;
	strata_buf columns = STRATA_BUF_INIT;
	word w;

	if (!next_word(r, &w))
		return;
	if ((is(&w, "TEMP") || is(&w, "TEMPORARY")) && !next_word(r, &w))
		return;
	if (!is(&w, "TABLE"))
		return; /* an index, view, trigger or virtual table */
	{
		size_t at = r->at;

		if (!(next_word(r, &w) && is(&w, "IF") && next_word(r, &w) && is(&w, "NOT") &&
		      next_word(r, &w) && is(&w, "EXISTS")))
			r->at = at;
	}
	if (!read_table_name(r, &rv, schema, name, sizeof(name)))
		return;
	strata__lint_table_created(f, &rv);
	if (read_columns(r, &columns) == 0 && columns.len)
		strata__lint_table_columns_set(f, &rv, strata__buf_cstr(&columns));
	strata__buf_release(&columns);
}

static void pragma(lint_file *f, reader *r)
{
	word w;
	size_t at;

	if (!next_word(r, &w))
		return;
	at = r->at;
	{
		word dot, name;

		if (next_word(r, &dot) && is_char(&dot, '.') && next_word(r, &name))
			w = name; /* schema.pragma */
		else
			r->at = at;
	}
	if (!is(&w, "foreign_keys") || !next_word(r, &w) || !(is_char(&w, '=') || is_char(&w, '(')))
		return; /* a query of its value, or another pragma */
	if (!strata__lint_in_transaction(f))
		return;
	strata__lint_emit(f, R_SQLITE_PRAGMA_IN_TX, -1, NULL,
		  "PRAGMA foreign_keys does nothing inside a transaction%s: foreign keys stay as "
		  "they were (off, on strata's connection)",
		  f->transactional && f->is_migration ? " (this migration has 'transaction: on')"
		  : f->transactional		      ? " (the file is assumed to run in one transaction)"
						      : " (after BEGIN)");
}

void strata__lint_sqlite_unparsed(lint_file *f)
{
	reader r = { f->sql, f->stmt_start, f->stmt_end };
	word w;

	if (!next_word(&r, &w))
		return;
	if (is(&w, "CREATE"))
		create_table(f, &r);
	else if (is(&w, "PRAGMA"))
		pragma(f, &r);
}
