/* strtab.c: the interning table (see strtab.h). */
#include "quality/strtab.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

void tl_q_strtab_release(struct tl_q_strtab *t) {
    free(t->bytes);
    free(t->ent);
    free(t->slots);
    tl_q_strtab_init(t);
}

/* Names come from uploaded files: the hash is keyed with a per-process random
 * seed so that nobody can precompute names that all collide. Results do not
 * depend on it: ids are renumbered in name order by tl_q_labels_finish(),
 * and other tables number names in insertion order. */
static uint64_t hash_seed;
static pthread_once_t hash_seed_once = PTHREAD_ONCE_INIT;

static void hash_seed_init(void) {
    uint64_t seed;
    if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) != (ssize_t)sizeof seed)
        seed = (uint64_t)(uintptr_t)&seed ^ (uint64_t)time(NULL);
    hash_seed = seed;
}

void tl_q_strtab_init(struct tl_q_strtab *t) {
    memset(t, 0, sizeof *t);
    pthread_once(&hash_seed_once, hash_seed_init);
}

/* A word-at-a-time multiplicative hash: ids and labels are short, and the
 * interning of a million rows is on the critical path of every method. */
uint32_t tl_q_strtab_hash(const char *s, size_t len) {
    uint64_t h = hash_seed ^ 0x9E3779B97F4A7C15ull ^ (len * 0xFF51AFD7ED558CCDull);
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
        h ^= h >> 29;
        s += 8;
        len -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, s, len);
    h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 32;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    return (uint32_t)h;
}

static void fill_slots(const struct tl_q_strent *ent, size_t n, uint64_t *slots, size_t nslots) {
    for (size_t i = 0; i < n; i++) {
        size_t s = ent[i].hash & (nslots - 1);
        while (slots[s])
            s = (s + 1) & (nslots - 1);
        slots[s] = (uint64_t)ent[i].hash << 32 | (i + 1);
    }
}

static int strtab_rehash(struct tl_q_strtab *t, size_t nslots) {
    uint64_t *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        return TL_ENOMEM;
    fill_slots(t->ent, t->n, slots, nslots);
    free(t->slots);
    t->slots = slots;
    t->nslots = nslots;
    return 0;
}

/* The id of s, or -1 with *slot set to the free slot where it would go. */
static long strtab_lookup(const struct tl_q_strtab *t, const char *s, size_t len, uint32_t h,
                          size_t *slot) {
    if (!t->nslots) {
        *slot = 0;
        return -1;
    }
    size_t i = h & (t->nslots - 1);
    for (;;) {
        uint64_t v = t->slots[i];
        if (!v) {
            *slot = i;
            return -1;
        }
        if ((uint32_t)(v >> 32) == h) {
            uint32_t id = (uint32_t)v - 1;
            const struct tl_q_strent *e = &t->ent[id];
            if (e->len == len && !memcmp(t->bytes + e->off, s, len))
                return id;
        }
        i = (i + 1) & (t->nslots - 1);
    }
}

int tl_q_strtab_find(const struct tl_q_strtab *t, const char *s, size_t len, uint32_t *id) {
    size_t slot;
    long found = strtab_lookup(t, s, len, tl_q_strtab_hash(s, len), &slot);
    if (found < 0)
        return TL_ENOTFOUND;
    *id = (uint32_t)found;
    return 0;
}

int tl_q_strtab_intern_hashed(struct tl_q_strtab *t, const char *s, size_t len, uint32_t h,
                              uint32_t *id) {
    size_t slot;
    long found = strtab_lookup(t, s, len, h, &slot);
    if (found >= 0) {
        *id = (uint32_t)found;
        return 0;
    }
    if (t->n >= TL_Q_STRTAB_MAX || len >= UINT32_MAX)
        return TL_ETOOBIG;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        struct tl_q_strent *ent = realloc(t->ent, cap * sizeof *ent);
        if (!ent)
            return TL_ENOMEM;
        t->ent = ent;
        t->cap = cap;
    }
    if (t->bytes_len + len + 1 > t->bytes_cap) {
        size_t cap = t->bytes_cap ? t->bytes_cap : 1024;
        while (cap < t->bytes_len + len + 1)
            cap *= 2;
        char *bytes = realloc(t->bytes, cap);
        if (!bytes)
            return TL_ENOMEM;
        t->bytes = bytes;
        t->bytes_cap = cap;
    }
    /* Keep the load factor at most 1/2 so probes stay short. */
    if ((t->n + 1) * 2 > t->nslots) {
        int rc = strtab_rehash(t, t->nslots ? t->nslots * 2 : 128);
        if (rc)
            return rc;
        strtab_lookup(t, s, len, h, &slot);
    }
    memcpy(t->bytes + t->bytes_len, s, len);
    t->bytes[t->bytes_len + len] = '\0';
    t->ent[t->n] = (struct tl_q_strent){t->bytes_len, (uint32_t)len, h};
    t->bytes_len += len + 1;
    t->slots[slot] = (uint64_t)h << 32 | (t->n + 1);
    *id = (uint32_t)t->n++;
    return 0;
}

int tl_q_strtab_intern(struct tl_q_strtab *t, const char *s, size_t len, uint32_t *id) {
    return tl_q_strtab_intern_hashed(t, s, len, tl_q_strtab_hash(s, len), id);
}

/* qsort has no context argument: the table being sorted is passed through a
 * thread-local pointer, set only for the duration of one sort. */
static _Thread_local const struct tl_q_strtab *sort_tab;
static _Thread_local const double *sort_values;

static int cmp_names(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    size_t lx = sort_tab->ent[x].len, ly = sort_tab->ent[y].len;
    int c = memcmp(sort_tab->bytes + sort_tab->ent[x].off, sort_tab->bytes + sort_tab->ent[y].off,
                   lx < ly ? lx : ly);
    if (c)
        return c;
    return lx < ly ? -1 : lx > ly;
}

static int cmp_values(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    if (sort_values[x] != sort_values[y])
        return sort_values[x] < sort_values[y] ? -1 : 1;
    return cmp_names(a, b);
}

/* True when the ids are already in the order a sort would give them: names
 * interned in order (re-inference's task names, hex of an increasing
 * index) then need neither the sort nor new hash slots. */
static bool in_order(const struct tl_q_strtab *t, const double *values) {
    sort_tab = t;
    sort_values = values;
    bool ok = true;
    for (uint32_t i = 1; ok && i < t->n; i++) {
        uint32_t ab[2] = {i - 1, i};
        ok = (values ? cmp_values : cmp_names)(&ab[0], &ab[1]) < 0;
    }
    sort_tab = NULL;
    sort_values = NULL;
    return ok;
}

int tl_q_strtab_sort(struct tl_q_strtab *t, const double *values, uint32_t **remap,
                     double **sorted_values) {
    size_t n = t->n, nslots = t->nslots ? t->nslots : 128;
    if (in_order(t, values)) {
        uint32_t *map = malloc((n ? n : 1) * sizeof *map);
        double *sv = sorted_values ? malloc((n ? n : 1) * sizeof *sv) : NULL;
        if (!map || (sorted_values && !sv)) {
            free(map);
            free(sv);
            return TL_ENOMEM;
        }
        for (size_t i = 0; i < n; i++)
            map[i] = (uint32_t)i;
        if (sv)
            memcpy(sv, values, n * sizeof *sv);
        if (sorted_values)
            *sorted_values = sv;
        *remap = map;
        return 0;
    }
    uint32_t *order = malloc((n ? n : 1) * sizeof *order);
    uint32_t *map = malloc((n ? n : 1) * sizeof *map);
    struct tl_q_strent *ent = malloc((n ? n : 1) * sizeof *ent);
    uint64_t *slots = calloc(nslots, sizeof *slots);
    double *sv = sorted_values ? malloc((n ? n : 1) * sizeof *sv) : NULL;
    if (!order || !map || !ent || !slots || (sorted_values && !sv)) {
        free(order);
        free(map);
        free(ent);
        free(slots);
        free(sv);
        return TL_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        order[i] = (uint32_t)i;
    sort_tab = t;
    sort_values = values;
    qsort(order, n, sizeof *order, values ? cmp_values : cmp_names);
    sort_tab = NULL;
    sort_values = NULL;
    for (size_t i = 0; i < n; i++) {
        ent[i] = t->ent[order[i]];
        map[order[i]] = (uint32_t)i;
        if (sv)
            sv[i] = values[order[i]];
    }
    fill_slots(ent, n, slots, nslots);
    free(t->ent);
    free(t->slots);
    t->ent = ent;
    t->cap = n ? n : 1;
    t->slots = slots;
    t->nslots = nslots;
    free(order);
    if (sorted_values)
        *sorted_values = sv;
    *remap = map;
    return 0;
}
