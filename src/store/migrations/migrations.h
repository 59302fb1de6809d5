/* migrations.h: the versioned database schema, shared by every backend.
 *
 * Migration N is applied once, in order, inside one transaction together with
 * its row in schema_migrations. The SQL is kept portable (SQLite and
 * PostgreSQL): INTEGER/BIGINT keys, TEXT ids, BLOB-as-opaque payloads, and a
 * backend may rewrite the few type names it spells differently. Never edit a
 * released migration: add the next one. */
#ifndef TL_STORE_MIGRATIONS_H
#define TL_STORE_MIGRATIONS_H

struct tl_migration {
    int version;
    const char *name;
    const char *sql;
};

extern const struct tl_migration tl_migrations[];
extern const int tl_migrations_count;

#endif
