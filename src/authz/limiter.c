/* limiter.c: failure counters (see limiter.h) in one table of 4-way buckets
 * under striped mutexes. */
#include "authz/limiter.h"

#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define BUCKETS 4096
#define WAYS    4
#define STRIPES 64
/* Backoff doubles at most this often: 2^40 ms is far above any sane cap, and
 * the shift must not overflow. */
#define MAX_DOUBLINGS 40

struct slot {
    uint64_t key;     /* SipHash of the key; 0: empty */
    int64_t first_ms; /* the first failure (fixed: the window's start) */
    int64_t last_ms;  /* the last failure (backoff: the wait runs from here) */
    int count;
};

struct tl_limiter {
    bool is_backoff;
    int max;                            /* fixed: failures per window; backoff: free ones */
    int64_t window_ms;                  /* fixed */
    int64_t base_ms, cap_ms, forget_ms; /* backoff */
    unsigned char hash_key[crypto_shorthash_KEYBYTES];
    pthread_mutex_t lock[STRIPES]; /* lock[b % STRIPES] guards bucket b's slots */
    struct slot *slots;            /* BUCKETS * WAYS */
};

static struct tl_limiter *limiter_alloc(void) {
    struct tl_limiter *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->slots = calloc((size_t)BUCKETS * WAYS, sizeof *l->slots);
    if (!l->slots) {
        free(l);
        return NULL;
    }
    randombytes_buf(l->hash_key, sizeof l->hash_key);
    for (int i = 0; i < STRIPES; i++)
        pthread_mutex_init(&l->lock[i], NULL);
    return l;
}

struct tl_limiter *tl_limiter_new(int max, int64_t window_ms) {
    if (max < 1 || window_ms < 1)
        return NULL;
    struct tl_limiter *l = limiter_alloc();
    if (l) {
        l->max = max;
        l->window_ms = window_ms;
    }
    return l;
}

struct tl_limiter *tl_limiter_new_backoff(int n_free, int64_t base_ms, int64_t cap_ms,
                                          int64_t forget_ms) {
    if (n_free < 0 || base_ms < 1 || cap_ms < base_ms || forget_ms < cap_ms)
        return NULL;
    struct tl_limiter *l = limiter_alloc();
    if (l) {
        l->is_backoff = true;
        l->max = n_free;
        l->base_ms = base_ms;
        l->cap_ms = cap_ms;
        l->forget_ms = forget_ms;
    }
    return l;
}

void tl_limiter_free(struct tl_limiter *l) {
    if (!l)
        return;
    for (int i = 0; i < STRIPES; i++)
        pthread_mutex_destroy(&l->lock[i]);
    free(l->slots);
    free(l);
}

static uint64_t key_hash(const struct tl_limiter *l, const char *key) {
    unsigned char out[crypto_shorthash_BYTES];
    crypto_shorthash(out, (const unsigned char *)key, strlen(key), l->hash_key);
    uint64_t h;
    memcpy(&h, out, sizeof h);
    return h | 1; /* never 0, the empty mark */
}

/* The bucket of h, locked; unlock with bucket_unlock(l, h). */
static struct slot *bucket_lock(struct tl_limiter *l, uint64_t h) {
    size_t b = (size_t)(h >> 1) % BUCKETS;
    pthread_mutex_lock(&l->lock[b % STRIPES]);
    return &l->slots[b * WAYS];
}

static void bucket_unlock(struct tl_limiter *l, uint64_t h) {
    pthread_mutex_unlock(&l->lock[(size_t)(h >> 1) % BUCKETS % STRIPES]);
}

/* Whether s still holds a count that matters at now_ms. A clock that went
 * back (now before the window's start) ends a fixed window, as the old count
 * cannot be placed in time. */
static bool is_live(const struct tl_limiter *l, const struct slot *s, int64_t now_ms) {
    if (!s->key)
        return false;
    if (l->is_backoff)
        return now_ms - s->last_ms < l->forget_ms;
    return now_ms >= s->first_ms && now_ms - s->first_ms < l->window_ms;
}

static struct slot *find(struct slot *bucket, uint64_t h) {
    for (int i = 0; i < WAYS; i++)
        if (bucket[i].key == h)
            return &bucket[i];
    return NULL;
}

static struct slot *find_live(const struct tl_limiter *l, struct slot *bucket, uint64_t h,
                              int64_t now_ms) {
    struct slot *s = find(bucket, h);
    return s && is_live(l, s, now_ms) ? s : NULL;
}

/* h's live slot, or a fresh one for it: an expired slot of the bucket, else
 * the slot whose last failure is oldest. */
static struct slot *take(const struct tl_limiter *l, struct slot *bucket, uint64_t h,
                         int64_t now_ms) {
    struct slot *s = find(bucket, h); /* h keeps its own slot, live or not */
    if (s && is_live(l, s, now_ms))
        return s;
    for (int i = 0; !s && i < WAYS; i++)
        if (!is_live(l, &bucket[i], now_ms))
            s = &bucket[i];
    if (!s) {
        s = &bucket[0];
        for (int i = 1; i < WAYS; i++)
            if (bucket[i].last_ms < s->last_ms)
                s = &bucket[i];
    }
    *s = (struct slot){.key = h, .first_ms = now_ms, .last_ms = now_ms};
    return s;
}

static int64_t wait_of(const struct tl_limiter *l, const struct slot *s, int64_t now_ms) {
    if (!s || s->count < l->max)
        return 0;
    if (!l->is_backoff)
        return s->first_ms + l->window_ms - now_ms; /* > 0: the slot is live */
    int doublings = s->count - l->max;
    int64_t delay = doublings >= MAX_DOUBLINGS ? l->cap_ms : l->base_ms << doublings;
    if (delay > l->cap_ms)
        delay = l->cap_ms;
    int64_t elapsed = now_ms > s->last_ms ? now_ms - s->last_ms : 0;
    return elapsed < delay ? delay - elapsed : 0;
}

static void count_failure(const struct tl_limiter *l, struct slot *s, int64_t now_ms) {
    /* Counts stop growing where they stop mattering, so they cannot wrap. */
    int top = l->is_backoff ? l->max + MAX_DOUBLINGS : l->max;
    if (s->count < top)
        s->count++;
    s->last_ms = now_ms;
}

int64_t tl_limiter_wait_ms(struct tl_limiter *l, const char *key, int64_t now_ms) {
    if (!l)
        return 0;
    uint64_t h = key_hash(l, key);
    struct slot *bucket = bucket_lock(l, h);
    int64_t wait = wait_of(l, find_live(l, bucket, h, now_ms), now_ms);
    bucket_unlock(l, h);
    return wait;
}

void tl_limiter_failed(struct tl_limiter *l, const char *key, int64_t now_ms) {
    if (!l)
        return;
    uint64_t h = key_hash(l, key);
    struct slot *bucket = bucket_lock(l, h);
    count_failure(l, take(l, bucket, h, now_ms), now_ms);
    bucket_unlock(l, h);
}

int64_t tl_limiter_reserve(struct tl_limiter *l, const char *key, int64_t now_ms) {
    if (!l)
        return 0;
    uint64_t h = key_hash(l, key);
    struct slot *bucket = bucket_lock(l, h);
    int64_t wait = wait_of(l, find_live(l, bucket, h, now_ms), now_ms);
    if (!wait)
        count_failure(l, take(l, bucket, h, now_ms), now_ms);
    bucket_unlock(l, h);
    return wait;
}

void tl_limiter_release(struct tl_limiter *l, const char *key) {
    if (!l)
        return;
    uint64_t h = key_hash(l, key);
    struct slot *s = find(bucket_lock(l, h), h);
    if (s && s->count > 0)
        s->count--;
    bucket_unlock(l, h);
}

void tl_limiter_clear(struct tl_limiter *l, const char *key) {
    if (!l)
        return;
    uint64_t h = key_hash(l, key);
    struct slot *s = find(bucket_lock(l, h), h);
    if (s)
        memset(s, 0, sizeof *s);
    bucket_unlock(l, h);
}
