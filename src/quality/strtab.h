/* strtab.h: an interning table: names are copied in and numbered from 0 in
 * insertion order, and found again by name in expected constant time.
 *
 * The table owns its bytes; a name returned by tl_q_strtab_name() stays
 * valid until the table changes. Hashes are keyed with a per-process random
 * seed (names come from uploaded files), so they differ between processes
 * and must never decide an order: only tl_q_strtab_sort() reorders, by name
 * or value. Not thread-safe for writers; readers may share a table that no
 * one changes.
 * Ceiling: fewer than TL_Q_STRTAB_MAX names. */
#ifndef TL_QUALITY_STRTAB_H
#define TL_QUALITY_STRTAB_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define TL_Q_STRTAB_MAX ((size_t)UINT32_MAX - 1)

struct tl_q_strent {
    size_t off;   /* offset of the name in bytes */
    uint32_t len; /* its length */
    uint32_t hash;
};

struct tl_q_strtab {
    char *bytes; /* every name, each followed by a NUL (owned) */
    size_t bytes_len, bytes_cap;
    struct tl_q_strent *ent; /* [n] */
    uint64_t *slots;         /* open addressing: hash << 32 | (id + 1), or 0 when free;
                                the hash in the slot spares a cache miss per probe */
    size_t nslots;           /* a power of two, at least twice n */
    size_t n, cap;
};

void tl_q_strtab_init(struct tl_q_strtab *t);
void tl_q_strtab_release(struct tl_q_strtab *t);
/* Find or add s[0..len); *id receives its number. 0, TL_ENOMEM, TL_ETOOBIG. */
int tl_q_strtab_intern(struct tl_q_strtab *t, const char *s, size_t len, uint32_t *id);
/* 0 and *id when s is known, else TL_ENOTFOUND. */
int tl_q_strtab_find(const struct tl_q_strtab *t, const char *s, size_t len, uint32_t *id);
/* The NUL-terminated name of id (valid until the table changes). */
static inline const char *tl_q_strtab_name(const struct tl_q_strtab *t, uint32_t id) {
    return t->bytes + t->ent[id].off;
}
static inline size_t tl_q_strtab_len(const struct tl_q_strtab *t, uint32_t id) {
    return t->ent[id].len;
}

/* The keyed hash of s[0..len) that the table uses (the same for every table
 * of the process, so a loader can hash once and intern later). */
uint32_t tl_q_strtab_hash(const char *s, size_t len);
/* tl_q_strtab_intern() with h = tl_q_strtab_hash(s, len) computed by the
 * caller. 0, TL_ENOMEM, TL_ETOOBIG. */
int tl_q_strtab_intern_hashed(struct tl_q_strtab *t, const char *s, size_t len, uint32_t h,
                              uint32_t *id);

/* Renumber table t in sorted order: *remap receives old id -> new id (owned
 * by the caller); the entries are permuted and the hash slots rebuilt from
 * the stored hashes (the names stay where they are). With values (may be
 * NULL) the order is numeric, ties by name, and *sorted_values receives the
 * values in the new order (owned by the caller). 0 or TL_ENOMEM (t
 * unchanged). */
int tl_q_strtab_sort(struct tl_q_strtab *t, const double *values, uint32_t **remap,
                     double **sorted_values);

#endif
