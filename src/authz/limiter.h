/* limiter.h: a ceiling on failed attempts per key (a client address, an
 * account) over a fixed window, against password guessing.
 *
 * A key that has failed `max` times within `window_ms` of its first failure
 * is refused until that window ends; a success clears the key. Keys are
 * hashed with a random per-process SipHash key, so nobody can choose a key
 * that collides with someone else's on purpose; a table slot holds one key,
 * and a new key takes the slot of an old one (the table is sized so that
 * honest traffic keeps its counts; a flood of distinct keys forgets the
 * oldest, which is why logins are limited per address as well as per
 * account). In memory only: a restart forgets every count. Thread-safe. */
#ifndef TL_AUTHZ_LIMITER_H
#define TL_AUTHZ_LIMITER_H

#include <stdint.h>

struct tl_limiter;

/* NULL when out of memory or max < 1 or window_ms < 1. */
struct tl_limiter *tl_limiter_new(int max, int64_t window_ms);
void tl_limiter_free(struct tl_limiter *l);

/* 0 if key may try now, else milliseconds until it may. */
int64_t tl_limiter_wait_ms(struct tl_limiter *l, const char *key, int64_t now_ms);
/* Count a failure of key at now_ms. */
void tl_limiter_failed(struct tl_limiter *l, const char *key, int64_t now_ms);
/* Forget key's failures (after a success). */
void tl_limiter_clear(struct tl_limiter *l, const char *key);

#endif
