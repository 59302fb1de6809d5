/* limiter.c: fixed-window failure counters (see limiter.h) in one
 * direct-mapped table under striped mutexes. */
#include "authz/limiter.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS   16384
#define STRIPES 64

struct slot {
    uint64_t key; /* SipHash of the key; 0 with count 0: empty */
    int64_t window_start_ms;
    int count;
};

struct tl_limiter {
    int max;
    int64_t window_ms;
    unsigned char hash_key[crypto_shorthash_KEYBYTES];
    pthread_mutex_t lock[STRIPES];
    struct slot *slots;
};

struct tl_limiter *tl_limiter_new(int max, int64_t window_ms) {
    if (max < 1 || window_ms < 1)
        return NULL;
    struct tl_limiter *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->slots = calloc(SLOTS, sizeof *l->slots);
    if (!l->slots) {
        free(l);
        return NULL;
    }
    l->max = max;
    l->window_ms = window_ms;
    randombytes_buf(l->hash_key, sizeof l->hash_key);
    for (int i = 0; i < STRIPES; i++)
        pthread_mutex_init(&l->lock[i], NULL);
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

int64_t tl_limiter_wait_ms(struct tl_limiter *l, const char *key, int64_t now_ms) {
    if (!l)
        return 0;
    uint64_t h = key_hash(l, key);
    size_t i = h % SLOTS;
    int64_t wait = 0;
    pthread_mutex_lock(&l->lock[i % STRIPES]);
    const struct slot *s = &l->slots[i];
    if (s->key == h && s->count >= l->max) {
        int64_t end = s->window_start_ms + l->window_ms;
        if (now_ms < end)
            wait = end - now_ms;
    }
    pthread_mutex_unlock(&l->lock[i % STRIPES]);
    return wait;
}

void tl_limiter_failed(struct tl_limiter *l, const char *key, int64_t now_ms) {
    if (!l)
        return;
    uint64_t h = key_hash(l, key);
    size_t i = h % SLOTS;
    pthread_mutex_lock(&l->lock[i % STRIPES]);
    struct slot *s = &l->slots[i];
    if (s->key != h || now_ms >= s->window_start_ms + l->window_ms || now_ms < s->window_start_ms) {
        s->key = h;
        s->window_start_ms = now_ms;
        s->count = 0;
    }
    if (s->count < l->max)
        s->count++;
    pthread_mutex_unlock(&l->lock[i % STRIPES]);
}

void tl_limiter_clear(struct tl_limiter *l, const char *key) {
    if (!l)
        return;
    uint64_t h = key_hash(l, key);
    size_t i = h % SLOTS;
    pthread_mutex_lock(&l->lock[i % STRIPES]);
    if (l->slots[i].key == h)
        memset(&l->slots[i], 0, sizeof l->slots[i]);
    pthread_mutex_unlock(&l->lock[i % STRIPES]);
}
