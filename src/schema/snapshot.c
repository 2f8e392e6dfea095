/*
 * schema/snapshot.c - catalogs to bytes and back, and the snapshot cache
 * under .strata/cache (see snapshot.h for the format and its invariants).
 */
#include "schema/snapshot.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/fs.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAGIC "strata-snapshot\n"
#define MAGIC_LEN 16
#define HEADER_LEN (MAGIC_LEN + 4 + 32 + 4 + 4 + 8)
#define NULL_LEN 0xffffffffu
/* Largest cache file read. */
#define SNAPSHOT_MAX (256u * 1024 * 1024)
/* Snapshots kept: the newest; older ones are removed by the next write. */
#define CACHE_KEEP 32
/* A temporary file this old was left by a run that died while writing. */
#define STALE_TMP_SECONDS 600

/* Invariant 3: these sizes are those of the fields the tables below
 * list (x86-64 and other LP64 targets). */
#if defined(__LP64__)
_Static_assert(sizeof(sc_object) == 304, "sc_object changed: update the tables in snapshot.c");
_Static_assert(sizeof(sc_column) == 80, "sc_column changed: update the tables in snapshot.c");
#endif

typedef enum { F_STR, F_INT, F_CHAR, F_STRV } field_type;

typedef struct field {
	field_type type;
	size_t off;   /* of the char *, int, char or char ** */
	size_t n_off; /* F_STRV: of its size_t count */
} field;

#define STR(s, f) { F_STR, offsetof(s, f), 0 }
#define INT(s, f) { F_INT, offsetof(s, f), 0 }
#define CHR(s, f) { F_CHAR, offsetof(s, f), 0 }
#define STRV(s, f, n) { F_STRV, offsetof(s, f), offsetof(s, n) }

/* Every field of sc_object but kind and the columns, in file order. */
static const field object_fields[] = {
	STR(sc_object, schema),        STR(sc_object, name),
	STR(sc_object, table),         STR(sc_object, key),
	STR(sc_object, def),           STR(sc_object, comment),
	STRV(sc_object, grants, ngrants),
	CHR(sc_object, relkind),       STR(sc_object, partition_of),
	STR(sc_object, partition_bound), STR(sc_object, partition_key),
	STR(sc_object, inherits),      STR(sc_object, options),
	INT(sc_object, rls_enabled),   INT(sc_object, rls_forced),
	STRV(sc_object, labels, nlabels),
	CHR(sc_object, contype),       STR(sc_object, ref_table),
	STRV(sc_object, con_columns, ncon_columns),
	STRV(sc_object, ref_columns, nref_columns),
	INT(sc_object, not_valid),     STR(sc_object, owned_by),
	STR(sc_object, result_type),   INT(sc_object, constraint_index),
	INT(sc_object, unique),        STRV(sc_object, deps, ndeps),
	STRV(sc_object, col_deps, ncol_deps),
	STR(sc_object, func_name),     STR(sc_object, func_args),
	STR(sc_object, domain_default), INT(sc_object, domain_not_null),
};

static const field column_fields[] = {
	STR(sc_column, name),         STR(sc_column, type),
	STR(sc_column, collation),    STR(sc_column, default_expr),
	STR(sc_column, generated),    INT(sc_column, virtual_generated),
	CHR(sc_column, identity),     INT(sc_column, not_null),
	INT(sc_column, position),     INT(sc_column, pk),
	INT(sc_column, hidden),       INT(sc_column, inherited),
	STR(sc_column, comment),
};

#define NFIELDS(t) (sizeof(t) / sizeof(*(t)))

/* --- writing --- */

static void put_u32(strata_buf *b, uint32_t v)
{
	char le[4] = { (char)(v & 0xff), (char)(v >> 8 & 0xff), (char)(v >> 16 & 0xff),
		       (char)(v >> 24 & 0xff) };

	strata__buf_putn(b, le, 4);
}

static void put_str(strata_buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	put_u32(b, s ? (uint32_t)n : NULL_LEN);
	if (s)
		strata__buf_putn(b, s, n);
}

static void put_fields(strata_buf *b, const void *rec, const field *f, size_t nf)
{
	const char *base = rec;

	for (size_t i = 0; i < nf; i++) {
		const void *p = base + f[i].off;

		switch (f[i].type) {
		case F_STR:
			put_str(b, *(char *const *)p);
			break;
		case F_INT:
			put_u32(b, (uint32_t) * (const int *)p);
			break;
		case F_CHAR:
			put_u32(b, (uint32_t)(unsigned char)*(const char *)p);
			break;
		case F_STRV: {
			char *const *v = *(char **const *)p;
			size_t n = *(const size_t *)(base + f[i].n_off);

			put_u32(b, (uint32_t)n);
			for (size_t k = 0; k < n; k++)
				put_str(b, v[k]);
			break;
		}
		}
	}
}

int strata__sc_snapshot_encode(strata_buf *out, const sc_catalog *cat, const unsigned char key[32])
{
	strata_buf b = STRATA_BUF_INIT;
	unsigned char sum[32];
	sha256_ctx c;
	size_t payload_at, payload_len;
	uint64_t len;

	strata__buf_putn(&b, MAGIC, MAGIC_LEN);
	put_u32(&b, SC_SNAPSHOT_FORMAT);
	strata__buf_putn(&b, (const char *)key, 32);
	put_u32(&b, (uint32_t)cat->engine);
	put_u32(&b, (uint32_t)cat->server_version);
	put_u32(&b, 0); /* the payload's length, filled in below */
	put_u32(&b, 0);
	payload_at = b.len;
	put_u32(&b, (uint32_t)cat->n);
	for (size_t i = 0; i < cat->n; i++) {
		const sc_object *o = cat->objs[i];

		put_u32(&b, (uint32_t)o->kind);
		put_fields(&b, o, object_fields, NFIELDS(object_fields));
		put_u32(&b, (uint32_t)o->ncols);
		for (size_t k = 0; k < o->ncols; k++)
			put_fields(&b, &o->cols[k], column_fields, NFIELDS(column_fields));
	}
	if (strata__buf_oom(&b))
		return strata_error_set(STRATA_ERROR, "out of memory writing a schema snapshot");
	payload_len = b.len - payload_at;
	len = payload_len;
	for (int i = 0; i < 8; i++)
		b.ptr[payload_at - 8 + i] = (char)(len >> (8 * i) & 0xff);
	strata__sha256_init(&c);
	strata__sha256_update(&c, b.ptr, b.len);
	strata__sha256_final(&c, sum);
	strata__buf_putn(&b, (const char *)sum, 32);
	if (strata__buf_oom(&b) || strata__buf_putn(out, b.ptr, b.len) != 0) {
		strata__buf_release(&b);
		return strata_error_set(STRATA_ERROR, "out of memory writing a schema snapshot");
	}
	strata__buf_release(&b);
	return 0;
}

/* --- reading --- */

typedef struct reader {
	const unsigned char *p;
	size_t left;
	int bad; /* sticky: something did not decode */
	sc_catalog *cat; /* whose arena the strings and arrays come from */
} reader;

static uint32_t get_u32(reader *r)
{
	uint32_t v;

	if (r->bad || r->left < 4) {
		r->bad = 1;
		return 0;
	}
	v = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 |
	    (uint32_t)r->p[3] << 24;
	r->p += 4;
	r->left -= 4;
	return v;
}

/* A string of the catalog into *out (NULL stays NULL); 0, or -1 out of
 * memory. */
static int get_str(reader *r, char **out)
{
	uint32_t n = get_u32(r);

	*out = NULL;
	if (r->bad || n == NULL_LEN)
		return 0;
	if (n > r->left || memchr(r->p, '\0', n)) {
		r->bad = 1;
		return 0;
	}
	if (!(*out = strata__sc_strndup(r->cat, (const char *)r->p, n)))
		return -1;
	r->p += n;
	r->left -= n;
	return 0;
}

/* A count of items of at least min_size bytes each: bounded by what is
 * left, so a forged count cannot make a huge allocation. */
static size_t get_count(reader *r, size_t min_size)
{
	uint32_t n = get_u32(r);

	if (!r->bad && (size_t)n > r->left / min_size)
		r->bad = 1;
	return r->bad ? 0 : n;
}

static int get_fields(reader *r, void *rec, const field *f, size_t nf)
{
	char *base = rec;

	for (size_t i = 0; i < nf && !r->bad; i++) {
		void *p = base + f[i].off;

		switch (f[i].type) {
		case F_STR:
			if (get_str(r, (char **)p) != 0)
				return -1;
			break;
		case F_INT:
			*(int *)p = (int)get_u32(r);
			break;
		case F_CHAR: {
			uint32_t c = get_u32(r);

			if (c > 0x7f)
				r->bad = 1;
			*(char *)p = (char)c;
			break;
		}
		case F_STRV: {
			size_t n = get_count(r, 4), *np = (size_t *)(base + f[i].n_off);
			char ***v = p;

			for (size_t k = 0; k < n && !r->bad; k++) {
				char *s = NULL;

				if (get_str(r, &s) != 0)
					return -1;
				if (!r->bad && !s)
					r->bad = 1; /* arrays hold no NULL */
				if (r->bad)
					break;
				if (strata__arena_grow(&r->cat->arena, (void **)v, &(size_t){ strata__sc_strv_cap(*np) },
					       *np + 1, sizeof(char *)) != 0)
					return -1;
				(*v)[(*np)++] = s;
			}
			break;
		}
		}
	}
	return 0;
}

int strata__sc_snapshot_decode_payload(sc_catalog *cat, const unsigned char *p, size_t len)
{
	reader r = { p, len, 0, cat };
	size_t n = get_count(&r, 8);

	for (size_t i = 0; i < n && !r.bad; i++) {
		uint32_t kind = get_u32(&r);
		sc_object *o;
		size_t ncols;

		if (r.bad || kind < SC_SCHEMA || kind >= SC_COLUMN) {
			r.bad = 1;
			break;
		}
		if (!(o = strata__sc_catalog_add(cat, (sc_kind)kind)) ||
		    get_fields(&r, o, object_fields, NFIELDS(object_fields)) != 0)
			return strata_error_set(STRATA_ERROR, "out of memory reading a schema snapshot");
		if (!r.bad && (!o->name || !o->key))
			r.bad = 1;
		ncols = get_count(&r, 16);
		for (size_t k = 0; k < ncols && !r.bad; k++) {
			sc_column *c = strata__sc_object_add_column(cat, o);

			if (!c || get_fields(&r, c, column_fields, NFIELDS(column_fields)) != 0)
				return strata_error_set(STRATA_ERROR,
							"out of memory reading a schema snapshot");
			if (!r.bad && (!c->name || !c->type))
				r.bad = 1;
		}
	}
	if (r.bad || r.left)
		return strata_error_set(STRATA_EPARSE, "the snapshot's objects do not decode");
	if (strata__sc_catalog_finish(cat) != 0)
		return STRATA_ERROR;
	for (size_t i = 1; i < cat->n; i++)
		if (strcmp(cat->objs[i - 1]->key, cat->objs[i]->key) == 0)
			return strata_error_set(STRATA_EPARSE, "the snapshot holds %s twice",
						cat->objs[i]->key);
	return 0;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int strata__sc_snapshot_decode(sc_catalog **out, const char *data, size_t len, const unsigned char key[32])
{
	const unsigned char *p = (const unsigned char *)data;
	unsigned char sum[32];
	sc_catalog *cat;
	sha256_ctx c;
	uint64_t plen = 0;
	int rc;

	*out = NULL;
	if (len < HEADER_LEN + 4 + 32 || memcmp(p, MAGIC, MAGIC_LEN) != 0)
		return strata_error_set(STRATA_EPARSE, "not a schema snapshot");
	if (le32(p + MAGIC_LEN) != SC_SNAPSHOT_FORMAT)
		return strata_error_set(STRATA_EPARSE, "a schema snapshot of format %u, not %u",
					le32(p + MAGIC_LEN), SC_SNAPSHOT_FORMAT);
	if (memcmp(p + MAGIC_LEN + 4, key, 32) != 0)
		return strata_error_set(STRATA_EPARSE, "a schema snapshot of other inputs");
	for (int i = 7; i >= 0; i--)
		plen = plen << 8 | p[HEADER_LEN - 8 + i];
	if (plen != len - HEADER_LEN - 32)
		return strata_error_set(STRATA_EPARSE, "a schema snapshot cut short or too long");
	strata__sha256_init(&c);
	strata__sha256_update(&c, data, len - 32);
	strata__sha256_final(&c, sum);
	if (memcmp(sum, p + len - 32, 32) != 0)
		return strata_error_set(STRATA_EPARSE, "a schema snapshot whose checksum is wrong");
	if (!(cat = strata__sc_catalog_new((int)le32(p + MAGIC_LEN + 36))))
		return STRATA_ERROR;
	cat->server_version = (int)le32(p + MAGIC_LEN + 40);
	if ((rc = strata__sc_snapshot_decode_payload(cat, p + HEADER_LEN, (size_t)plen)) != 0) {
		strata__sc_catalog_free(cat);
		return rc;
	}
	*out = cat;
	return 0;
}

/* --- the cache --- */

void strata__sc_snapshot_key_init(sha256_ctx *c, const char *what, int engine, int version,
			  const char *role, const char *version_table)
{
	char head[96];

	snprintf(head, sizeof(head), "strata snapshot %d\n%s\n%d %d\n", SC_SNAPSHOT_FORMAT,
		 what, engine, version);
	strata__sha256_init(c);
	strata__sha256_update(c, head, strlen(head));
	strata__sha256_update(c, role ? role : "", role ? strlen(role) + 1 : 1);
	strata__sha256_update(c, version_table ? version_table : "",
		      version_table ? strlen(version_table) + 1 : 1);
}

static int cache_path(strata_buf *out, const char *root, const unsigned char key[32])
{
	char hex[65];

	strata__sha256_hex(key, hex);
	return strata__buf_printf(out, "%s/" SC_CACHE_DIR "/%s.snapshot", root, hex);
}

int strata__sc_cache_get(sc_catalog **out, const char *root, const unsigned char key[32])
{
	strata_buf path = STRATA_BUF_INIT, data = STRATA_BUF_INIT;
	strata_error saved = *strata_error_last();
	int rc = 1;

	*out = NULL;
	if (root && cache_path(&path, root, key) == 0 && strata__fs_exists(strata__buf_cstr(&path)) &&
	    strata__fs_read_file(&data, strata__buf_cstr(&path), SNAPSHOT_MAX) == 0 &&
	    strata__sc_snapshot_decode(out, data.ptr, data.len, key) == 0)
		rc = 0;
	strata__buf_release(&path);
	strata__buf_release(&data);
	strata_error_restore(&saved);
	return rc;
}

typedef struct aged {
	char *name;
	struct timespec mtime;
} aged;

static int newest_first(const void *a, const void *b)
{
	const struct timespec *x = &((const aged *)a)->mtime, *y = &((const aged *)b)->mtime;

	if (x->tv_sec != y->tv_sec)
		return x->tv_sec > y->tv_sec ? -1 : 1;
	if (x->tv_nsec != y->tv_nsec)
		return x->tv_nsec > y->tv_nsec ? -1 : 1;
	return strcmp(((const aged *)a)->name, ((const aged *)b)->name);
}

/* Keep the CACHE_KEEP newest snapshots of the folder, and no temporary
 * file a dead run left. Best effort. */
static void prune(const char *dir)
{
	strata_buf path = STRATA_BUF_INIT;
	char **names = NULL;
	size_t n = 0, nsnap = 0;
	aged *snaps = NULL;
	time_t now = time(NULL);

	if (strata__fs_list_dir(&names, &n, dir) != 0 || !(snaps = strata_calloc(n + 1, sizeof(*snaps))))
		goto done;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]);
		struct stat st;

		strata__buf_clear(&path);
		if (strata__fs_join(&path, dir, names[i]) != 0 || lstat(strata__buf_cstr(&path), &st) != 0)
			continue;
		if (strstr(names[i], ".snapshot.tmp") && now - st.st_mtime > STALE_TMP_SECONDS)
			unlink(strata__buf_cstr(&path));
		else if (len > 9 && strcmp(names[i] + len - 9, ".snapshot") == 0)
			snaps[nsnap++] = (aged){ names[i], st.st_mtim };
	}
	if (nsnap >= CACHE_KEEP) {
		qsort(snaps, nsnap, sizeof(*snaps), newest_first);
		for (size_t i = CACHE_KEEP - 1; i < nsnap; i++) {
			strata__buf_clear(&path);
			if (strata__fs_join(&path, dir, snaps[i].name) == 0)
				unlink(strata__buf_cstr(&path));
		}
	}
done:
	strata_free(snaps);
	strata__fs_free_names(names, n);
	strata__buf_release(&path);
}

void strata__sc_cache_put(const char *root, const unsigned char key[32], const sc_catalog *cat)
{
	strata_buf path = STRATA_BUF_INIT, data = STRATA_BUF_INIT;
	strata_error saved = *strata_error_last();

	if (root && strata__buf_printf(&path, "%s/" SC_CACHE_DIR, root) == 0 &&
	    strata__fs_mkdir_p(strata__buf_cstr(&path)) == 0) {
		prune(strata__buf_cstr(&path));
		strata__buf_clear(&path);
		if (cache_path(&path, root, key) == 0 && strata__sc_snapshot_encode(&data, cat, key) == 0)
			strata__fs_write_file(strata__buf_cstr(&path), data.ptr, data.len);
	}
	strata__buf_release(&path);
	strata__buf_release(&data);
	strata_error_restore(&saved);
}
