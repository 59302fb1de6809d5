/* limiter.h: failure counters per key (a client address, an account at an
 * address, a tenant), against password guessing and probing.
 *
 * Two policies:
 * - fixed window (tl_limiter_new): a key that has failed `max` times within
 *   `window_ms` of its first failure is refused until that window ends;
 * - backoff (tl_limiter_new_backoff): a key's first `n_free` failures are
 *   free; after n_free + k failures (k >= 0) the next attempt must wait
 *   base_ms * 2^k (capped at cap_ms) since the last failure. Guessing slows
 *   down instead of stopping, so a key can never be locked out for longer
 *   than cap_ms; a key quiet for forget_ms starts over.
 *
 * Check-then-act is a race (100 concurrent guesses all pass a check made
 * before any of them failed), so an attempt that costs something should
 * tl_limiter_reserve() first: the check and the count are one step under the
 * key's lock, and the attempt counts as a failure from that moment; a
 * success then gives it back (tl_limiter_release, or tl_limiter_clear).
 *
 * Keys are hashed with a random per-process SipHash key, so nobody can choose
 * keys that collide with someone else's on purpose. The table has a fixed
 * size (16384 keys in 4-way buckets): a new key takes an expired entry or, in
 * a full bucket, the one whose last failure is oldest, so a flood of distinct
 * keys forgets old counts (which is why logins are also limited per address).
 * In memory only: a restart forgets every count. `now_ms` is the caller's
 * clock, any clock that does not step back (tests inject their own).
 * Thread-safe. */
#ifndef TL_AUTHZ_LIMITER_H
#define TL_AUTHZ_LIMITER_H

#include <stdint.h>

struct tl_limiter;

/* A fixed-window limiter; NULL when out of memory or max < 1 or
 * window_ms < 1. */
struct tl_limiter *tl_limiter_new(int max, int64_t window_ms);
/* A backoff limiter; NULL when out of memory or n_free < 0, base_ms < 1,
 * cap_ms < base_ms or forget_ms < cap_ms. */
struct tl_limiter *tl_limiter_new_backoff(int n_free, int64_t base_ms, int64_t cap_ms,
                                          int64_t forget_ms);
/* NULL is fine. */
void tl_limiter_free(struct tl_limiter *l);

/* 0 if key may try now, else milliseconds until it may. Counts nothing. */
int64_t tl_limiter_wait_ms(struct tl_limiter *l, const char *key, int64_t now_ms);
/* Count a failure of key at now_ms. */
void tl_limiter_failed(struct tl_limiter *l, const char *key, int64_t now_ms);
/* Check and count in one step: 0 if key may try now, and then the attempt is
 * already counted as a failure at now_ms; else milliseconds until it may
 * (nothing counted). */
int64_t tl_limiter_reserve(struct tl_limiter *l, const char *key, int64_t now_ms);
/* Take back one counted failure of key (a reserved attempt that succeeded or
 * did not happen). The time of the last failure stays. */
void tl_limiter_release(struct tl_limiter *l, const char *key);
/* Forget key's failures (after a success). */
void tl_limiter_clear(struct tl_limiter *l, const char *key);

#endif
