/*
 * schema/snapshot.h - the serialized form of a catalog (sc_catalog), and
 * the cache of shadow snapshots under the project (.strata/cache/).
 *
 * Reading a schema file, a provider's output or a migrations directory
 * means running its SQL in a shadow database and introspecting that
 * (shadow.h); on PostgreSQL that is the server running every statement.
 * The catalog that comes out depends only on the SQL, the engine and its
 * version, the role that ran it and the version table left out, so it is
 * kept in a file named by the SHA-256 of all of those, and the next run
 * with the same inputs reads the file instead.
 *
 * File format (version SC_SNAPSHOT_FORMAT; all integers little-endian):
 *
 *     magic      16 bytes  "strata-snapshot\n"
 *     format     u32       SC_SNAPSHOT_FORMAT
 *     key        32 bytes  the cache key the file was written for
 *     engine     u32       db_engine
 *     version    u32       catalog server_version
 *     length     u64       payload bytes
 *     payload              u32 object count, then each object
 *     checksum   32 bytes  SHA-256 of every byte before it
 *
 * An object is its kind (u32), then its fields in the order of the tables
 * in snapshot.c: strings (u32 length, 0xffffffff for NULL, then the bytes,
 * never a NUL), integers (i32), string arrays (u32 count, strings) and the
 * columns (u32 count, then each column's strings and integers).
 *
 * Invariants of reading:
 *  1. Nothing is trusted: a file that is short, long, of another format or
 *     key, with a wrong checksum, or whose payload does not decode to
 *     exactly its length with valid kinds, no NUL in a string, a name on
 *     every object and column and unique keys, is not a snapshot: the
 *     reader says STRATA_EPARSE and the cache treats it as a miss (and the
 *     rebuilt snapshot replaces it).
 *  2. Files are written to a temporary name in the same folder and renamed
 *     over the final one (util/fs.h), so a reader sees a whole file or
 *     none, whatever other runs do at the same time.
 *  3. A new field in sc_object or sc_column must be added to the tables in
 *     snapshot.c, and SC_SNAPSHOT_FORMAT raised (the size checks there
 *     fail the build until the tables are looked at).
 */
#ifndef STRATA_SCHEMA_SNAPSHOT_H
#define STRATA_SCHEMA_SNAPSHOT_H

#include <stddef.h>

#include "schema/catalog.h"
#include "util/buf.h"
#include "util/sha256.h"

#define SC_SNAPSHOT_FORMAT 1

/* Append the whole file for cat, written for key, to out. */
int strata__sc_snapshot_encode(strata_buf *out, const sc_catalog *cat, const unsigned char key[32]);

/* Read a whole file written for key (invariant 1). @return 0, or
 * STRATA_EPARSE saying what is wrong; STRATA_ERROR out of memory. */
int strata__sc_snapshot_decode(sc_catalog **out, const char *data, size_t len, const unsigned char key[32]);

/* Decode a payload alone (no header, no checksum): the part of
 * strata__sc_snapshot_decode a checksum cannot vouch for (fuzz/fuzz_snapshot.c). */
int strata__sc_snapshot_decode_payload(sc_catalog *cat, const unsigned char *p, size_t len);

/* Begin a cache key: what is read ("schema" or "migrations"), the engine,
 * its version (server_version_num, or SQLite's library version), the role
 * that runs the SQL ("" on SQLite) and the version table left out (NULL:
 * none). The caller adds the SQL (or the migration files) and finishes. */
void strata__sc_snapshot_key_init(sha256_ctx *c, const char *what, int engine, int version,
			  const char *role, const char *version_table);

/* The cache's folder of a project: ROOT/.strata/cache. */
#define SC_CACHE_DIR ".strata/cache"

/* The snapshot cached under root for key: 0 and *out on a hit; 1 on a
 * miss (no file, or a file that does not read: invariant 1). Never an
 * error: the cache only ever saves work. */
int strata__sc_cache_get(sc_catalog **out, const char *root, const unsigned char key[32]);

/* Keep cat under root for key (folder made as needed), after removing all
 * but the 31 newest snapshots there (and temporary files that runs which
 * died left). Best effort: a cache that cannot be written changes nothing
 * but the next run's time. */
void strata__sc_cache_put(const char *root, const unsigned char key[32], const sc_catalog *cat);

#endif
