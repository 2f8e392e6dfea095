/*
 * schema/sqlite_create.c - reading a SQLite CREATE TABLE statement into
 * columns and constraints (see sqlite_create.h).
 */
#include "schema/sqlite_create.h"
#include "schema/catalog.h"
#include "schema/sqlite_sql.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/buf.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* The column-constraint words that end a column's type. */
static int starts_column_constraint(const sqt_token *t)
{
	static const char *const words[] = { "CONSTRAINT", "PRIMARY", "NOT", "NULL",
					     "UNIQUE", "CHECK", "DEFAULT", "COLLATE",
					     "REFERENCES", "GENERATED", "AS" };

	for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++)
		if (strata__sqt_is(t, words[i]))
			return 1;
	return 0;
}

static size_t skip_conflict(const sqt_token *v, size_t n, size_t i)
{
	return strata__sqt_at(v, n, i, "ON") && strata__sqt_at(v, n, i + 1, "CONFLICT") ? i + 3 : i;
}

static sqc_constraint *add_pcon(sqc_create *t, char type, char **pending_name)
{
	size_t cap = t->ncons;
	sqc_constraint *p;

	if (strata_grow((void **)&t->cons, &cap, t->ncons + 1, sizeof(*t->cons)) != 0)
		return NULL;
	p = &t->cons[t->ncons++];
	memset(p, 0, sizeof(*p));
	p->type = type;
	p->name = *pending_name;
	*pending_name = NULL;
	return p;
}

/* "(a, b COLLATE x DESC)" of an indexed-column list v[lp..rp]: names through
 * strata__sqt_put_ident, the rest canonical; the bare names go to cols. */
static int put_column_list(strata_buf *b, const sqt_token *v, size_t lp, size_t rp, char ***cols,
			   size_t *ncols)
{
	size_t i = lp + 1;

	if (strata__buf_putc(b, '(') != 0)
		return STRATA_ERROR;
	while (i < rp) {
		size_t end = i;
		int depth = 0;
		char *name;

		while (end < rp && !(depth == 0 && v[end].type == SQT_COMMA)) {
			depth += v[end].type == SQT_LP ? 1 : v[end].type == SQT_RP ? -1 : 0;
			end++;
		}
		if (i > lp + 1 && strata__buf_puts(b, ", ") != 0)
			return STRATA_ERROR;
		if (end == i + 1 || (v[i + 1].type == SQT_WORD && !(v[i].type == SQT_WORD &&
								      v[i + 1].type == SQT_LP))) {
			if (!(name = strata__sqt_name(&v[i])))
				return STRATA_ERROR;
			if (strata__sqt_put_ident(b, name) != 0 || strata__sc_strv_push(cols, ncols, name) != 0) {
				strata_free(name);
				return STRATA_ERROR;
			}
			strata_free(name);
			if (end > i + 1 && (strata__buf_putc(b, ' ') != 0 ||
					    strata__sqt_put_canonical(b, v, i + 1, end) != 0))
				return STRATA_ERROR;
		} else if (strata__sqt_put_canonical(b, v, i, end) != 0 || strata__sc_strv_push(cols, ncols, "") != 0) {
			return STRATA_ERROR;
		}
		i = end + 1;
	}
	return strata__buf_putc(b, ')');
}

/* REFERENCES parent [(cols)] [ON ...] [MATCH x] [[NOT] DEFERRABLE [INITIALLY x]]
 * from v[i] (the REFERENCES word); returns the index after it. */
static size_t parse_references(sqc_constraint *p, const sqt_token *v, size_t n, size_t i, int *err)
{
	i++;
	if (i >= n || !(p->ref_table = strata__sqt_name(&v[i]))) {
		*err = 1;
		return n;
	}
	i++;
	if (i < n && v[i].type == SQT_LP)
		i = strata__sqt_close_paren(v, n, i) + 1;
	while (i < n) {
		if (strata__sqt_at(v, n, i, "ON")) {
			i += 2;
			if (strata__sqt_at(v, n, i, "SET") || strata__sqt_at(v, n, i, "NO"))
				i++;
			i++;
		} else if (strata__sqt_at(v, n, i, "MATCH") && i + 1 < n) {
			strata_free(p->match);
			if (!(p->match = strata__sqt_name(&v[i + 1]))) {
				*err = 1;
				return n;
			}
			for (char *s = p->match; *s; s++)
				*s = (char)toupper((unsigned char)*s);
			i += 2;
		} else if (strata__sqt_at(v, n, i, "NOT") && strata__sqt_at(v, n, i + 1, "DEFERRABLE")) {
			i += 2;
			if (strata__sqt_at(v, n, i, "INITIALLY"))
				i += 2;
		} else if (strata__sqt_at(v, n, i, "DEFERRABLE")) {
			i++;
			if (strata__sqt_at(v, n, i, "INITIALLY")) {
				p->deferred = strata__sqt_at(v, n, i + 1, "DEFERRED");
				i += 2;
			}
		} else {
			break;
		}
	}
	return i;
}

/* One column definition v[from..to). */
static int parse_column(sqc_create *t, const sqt_token *v, size_t from, size_t to)
{
	char *pending = NULL;
	size_t i = from + 1, cap = t->ncols;
	sqc_column *pc;
	int err = 0;

	if (strata_grow((void **)&t->cols, &cap, t->ncols + 1, sizeof(*t->cols)) != 0)
		return STRATA_ERROR;
	pc = &t->cols[t->ncols++];
	memset(pc, 0, sizeof(*pc));
	if (!(pc->name = strata__sqt_name(&v[from])))
		return STRATA_ERROR;
	/* the type: up to the first constraint word, parentheses included */
	while (i < to && !starts_column_constraint(&v[i]))
		i = v[i].type == SQT_LP ? strata__sqt_close_paren(v, to, i) + 1 : i + 1;
	while (i < to && !err) {
		sqc_constraint *p;

		if (strata__sqt_at(v, to, i, "CONSTRAINT") && i + 1 < to) {
			strata_free(pending);
			if (!(pending = strata__sqt_name(&v[i + 1])))
				return STRATA_ERROR;
			i += 2;
			continue;
		}
		if (strata__sqt_at(v, to, i, "PRIMARY")) {
			strata_free(pc->pk_name);
			pc->pk_name = pending;
			pending = NULL;
			i += 2;
			if (strata__sqt_at(v, to, i, "ASC") || strata__sqt_at(v, to, i, "DESC"))
				i++;
			i = skip_conflict(v, to, i);
			if (strata__sqt_at(v, to, i, "AUTOINCREMENT")) {
				pc->autoincrement = 1;
				i++;
			}
		} else if (strata__sqt_at(v, to, i, "NOT") && strata__sqt_at(v, to, i + 1, "NULL")) {
			i = skip_conflict(v, to, i + 2);
		} else if (strata__sqt_at(v, to, i, "NULL")) {
			i = skip_conflict(v, to, i + 1);
		} else if (strata__sqt_at(v, to, i, "UNIQUE")) {
			strata_buf b = STRATA_BUF_INIT;

			if (!(p = add_pcon(t, 'u', &pending)) || strata__buf_putc(&b, '(') != 0 ||
			    strata__sqt_put_ident(&b, pc->name) != 0 || strata__buf_putc(&b, ')') != 0 ||
			    strata__sc_strv_push(&p->cols, &p->ncols, pc->name) != 0) {
				strata__buf_release(&b);
				return STRATA_ERROR;
			}
			p->body = strata__buf_detach(&b);
			i = skip_conflict(v, to, i + 1);
		} else if (strata__sqt_at(v, to, i, "CHECK") && i + 1 < to && v[i + 1].type == SQT_LP) {
			size_t rp = strata__sqt_close_paren(v, to, i + 1);

			if (!(p = add_pcon(t, 'c', &pending)) ||
			    !(p->body = strata__sqt_canonical(v, i + 1, rp < to ? rp + 1 : to)))
				return STRATA_ERROR;
			i = rp + 1;
		} else if (strata__sqt_at(v, to, i, "DEFAULT") && i + 1 < to) {
			size_t end = i + 2;

			if (v[i + 1].type == SQT_LP)
				end = strata__sqt_close_paren(v, to, i + 1) + 1;
			else if (v[i + 1].type == SQT_OP && i + 2 < to)
				end = i + 3;
			if (end > to)
				end = to;
			strata_free(pc->default_expr);
			if (!(pc->default_expr = strata__sqt_canonical(v, i + 1, end)))
				return STRATA_ERROR;
			i = end;
		} else if (strata__sqt_at(v, to, i, "COLLATE") && i + 1 < to) {
			strata_free(pc->collation);
			if (!(pc->collation = strata__sqt_name(&v[i + 1])))
				return STRATA_ERROR;
			for (char *s = pc->collation; *s; s++)
				*s = (char)toupper((unsigned char)*s);
			i += 2;
		} else if (strata__sqt_at(v, to, i, "REFERENCES")) {
			if (!(p = add_pcon(t, 'f', &pending)) ||
			    strata__sc_strv_push(&p->cols, &p->ncols, pc->name) != 0)
				return STRATA_ERROR;
			i = parse_references(p, v, to, i, &err);
		} else if (strata__sqt_at(v, to, i, "GENERATED")) {
			i += 2; /* GENERATED ALWAYS, then AS */
		} else if (strata__sqt_at(v, to, i, "AS") && i + 1 < to && v[i + 1].type == SQT_LP) {
			size_t rp = strata__sqt_close_paren(v, to, i + 1);

			strata_free(pc->generated);
			if (!(pc->generated = strata__sqt_canonical(v, i + 2, rp)))
				return STRATA_ERROR;
			i = rp + 1;
			if (strata__sqt_at(v, to, i, "STORED") || strata__sqt_at(v, to, i, "VIRTUAL"))
				i++;
		} else {
			i++;
		}
		strata_free(pending);
		pending = NULL;
	}
	strata_free(pending);
	return 0;
}

/* One table constraint v[from..to). */
static int parse_table_constraint(sqc_create *t, const sqt_token *v, size_t from, size_t to)
{
	char *pending = NULL;
	size_t i = from;
	sqc_constraint *p = NULL;
	int err = 0;

	if (strata__sqt_at(v, to, i, "CONSTRAINT") && i + 1 < to) {
		if (!(pending = strata__sqt_name(&v[i + 1])))
			return STRATA_ERROR;
		i += 2;
	}
	if ((strata__sqt_at(v, to, i, "PRIMARY") || strata__sqt_at(v, to, i, "UNIQUE"))) {
		char type = strata__sqt_at(v, to, i, "PRIMARY") ? 'p' : 'u';
		size_t lp = type == 'p' ? i + 2 : i + 1, rp;
		strata_buf b = STRATA_BUF_INIT;

		if (lp >= to || v[lp].type != SQT_LP)
			goto done;
		rp = strata__sqt_close_paren(v, to, lp);
		if (rp >= to || !(p = add_pcon(t, type, &pending)) ||
		    put_column_list(&b, v, lp, rp, &p->cols, &p->ncols) != 0) {
			strata__buf_release(&b);
			strata_free(pending);
			return p ? STRATA_ERROR : 0;
		}
		p->body = strata__buf_detach(&b);
	} else if (strata__sqt_at(v, to, i, "CHECK") && i + 1 < to && v[i + 1].type == SQT_LP) {
		size_t rp = strata__sqt_close_paren(v, to, i + 1);

		if (!(p = add_pcon(t, 'c', &pending)) ||
		    !(p->body = strata__sqt_canonical(v, i + 1, rp < to ? rp + 1 : to)))
			return STRATA_ERROR;
	} else if (strata__sqt_at(v, to, i, "FOREIGN") && i + 2 < to && v[i + 2].type == SQT_LP) {
		size_t rp = strata__sqt_close_paren(v, to, i + 2);
		strata_buf b = STRATA_BUF_INIT;

		if (rp >= to || !(p = add_pcon(t, 'f', &pending)) ||
		    put_column_list(&b, v, i + 2, rp, &p->cols, &p->ncols) != 0) {
			strata__buf_release(&b);
			return p ? STRATA_ERROR : 0;
		}
		strata__buf_release(&b);
		if (strata__sqt_at(v, to, rp + 1, "REFERENCES"))
			parse_references(p, v, to, rp + 1, &err);
		if (err)
			return STRATA_ERROR;
	}
done:
	strata_free(pending);
	return 0;
}

static int is_table_constraint(const sqt_token *t)
{
	return strata__sqt_is(t, "CONSTRAINT") || strata__sqt_is(t, "PRIMARY") || strata__sqt_is(t, "UNIQUE") ||
	       strata__sqt_is(t, "CHECK") || strata__sqt_is(t, "FOREIGN");
}

int strata__sqc_parse_create_table(sqc_create *t, const char *sql)
{
	sqt_tokens tk;
	size_t i = 0, rp;
	int rc = 0;

	if ((rc = strata__sqt_tokenize(&tk, sql)) != 0)
		return rc;
	while (i < tk.n && tk.v[i].type != SQT_LP && !strata__sqt_is(&tk.v[i], "AS"))
		i++;
	if (i >= tk.n || tk.v[i].type != SQT_LP)
		goto done; /* CREATE TABLE ... AS SELECT: the pragmas say it all */
	rp = strata__sqt_close_paren(tk.v, tk.n, i);
	i++;
	while (rc == 0 && i < rp) {
		size_t end = i;
		int depth = 0;

		while (end < rp && !(depth == 0 && tk.v[end].type == SQT_COMMA)) {
			depth += tk.v[end].type == SQT_LP ? 1 : tk.v[end].type == SQT_RP ? -1 : 0;
			end++;
		}
		if (end > i)
			rc = is_table_constraint(&tk.v[i]) ? parse_table_constraint(t, tk.v, i, end)
							   : parse_column(t, tk.v, i, end);
		i = end + 1;
	}
done:
	strata__sqt_tokens_release(&tk);
	return rc;
}

void strata__sqc_create_release(sqc_create *t)
{
	for (size_t i = 0; i < t->ncols; i++) {
		strata_free(t->cols[i].name);
		strata_free(t->cols[i].collation);
		strata_free(t->cols[i].default_expr);
		strata_free(t->cols[i].generated);
		strata_free(t->cols[i].pk_name);
	}
	strata_free(t->cols);
	for (size_t i = 0; i < t->ncons; i++) {
		strata_free(t->cons[i].name);
		strata_free(t->cons[i].body);
		strata__sc_strv_free(t->cons[i].cols, t->cons[i].ncols);
		strata_free(t->cons[i].ref_table);
		strata_free(t->cons[i].match);
	}
	strata_free(t->cons);
	memset(t, 0, sizeof(*t));
}

const sqc_column *strata__sqc_column_of(const sqc_create *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (strcasecmp(t->cols[i].name, name) == 0)
			return &t->cols[i];
	return NULL;
}
