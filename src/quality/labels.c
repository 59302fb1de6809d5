/* labels.c: interning, grouping and de-duplication of label triples (see labels.h). */
#include "quality/labels.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "core/csv.h"
#include "quality/par.h"

#define STRTAB_MAX ((size_t)UINT32_MAX - 1)

/* ---------------------------------------------------------------- strtab */

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
static uint32_t hash_bytes(const char *s, size_t len) {
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
    long found = strtab_lookup(t, s, len, hash_bytes(s, len), &slot);
    if (found < 0)
        return TL_ENOTFOUND;
    *id = (uint32_t)found;
    return 0;
}

static int intern_hashed(struct tl_q_strtab *t, const char *s, size_t len, uint32_t h,
                         uint32_t *id) {
    size_t slot;
    long found = strtab_lookup(t, s, len, h, &slot);
    if (found >= 0) {
        *id = (uint32_t)found;
        return 0;
    }
    if (t->n >= STRTAB_MAX || len >= UINT32_MAX)
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
    return intern_hashed(t, s, len, hash_bytes(s, len), id);
}

/* ---------------------------------------------------------------- labels */

void tl_q_labels_init(struct tl_q_labels *L) {
    memset(L, 0, sizeof *L);
    tl_q_strtab_init(&L->tasks);
    tl_q_strtab_init(&L->workers);
    tl_q_strtab_init(&L->classes);
}

void tl_q_labels_release(struct tl_q_labels *L) {
    tl_q_strtab_release(&L->tasks);
    tl_q_strtab_release(&L->workers);
    tl_q_strtab_release(&L->classes);
    free(L->task_off);
    free(L->by_task_worker);
    free(L->by_task_class);
    free(L->worker_off);
    free(L->by_worker_task);
    free(L->by_worker_class);
    free(L->gold);
    free(L->class_value);
    free(L->raw);
    free(L->raw_gold);
    tl_q_labels_init(L);
}

static int grow_u32(uint32_t **a, size_t *cap, size_t need) {
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 1024;
    while (ncap < need)
        ncap *= 2;
    uint32_t *p = realloc(*a, ncap * sizeof *p);
    if (!p)
        return TL_ENOMEM;
    *a = p;
    *cap = ncap;
    return 0;
}

/* One row whose fields are already hashed (see the batching in parse_labels). */
struct row_ref {
    const char *s[3];
    uint32_t len[3];
    uint32_t hash[3];
    size_t line;
};

static int add_hashed(struct tl_q_labels *L, const struct row_ref *r) {
    if (L->finished || L->raw_gold_n)
        return TL_EINVAL;
    if (L->raw_n >= STRTAB_MAX)
        return TL_ETOOBIG;
    uint32_t t, w, k;
    int rc = intern_hashed(&L->tasks, r->s[0], r->len[0], r->hash[0], &t);
    if (!rc)
        rc = intern_hashed(&L->workers, r->s[1], r->len[1], r->hash[1], &w);
    if (!rc)
        rc = intern_hashed(&L->classes, r->s[2], r->len[2], r->hash[2], &k);
    if (!rc)
        rc = grow_u32(&L->raw, &L->raw_cap, 3 * (L->raw_n + 1));
    if (rc)
        return rc;
    uint32_t *row = L->raw + 3 * L->raw_n++;
    row[0] = t;
    row[1] = w;
    row[2] = k;
    return 0;
}

static void row_ref_set(struct row_ref *r, const char *task, size_t task_len, const char *worker,
                        size_t worker_len, const char *label, size_t label_len) {
    r->s[0] = task;
    r->s[1] = worker;
    r->s[2] = label;
    r->len[0] = task_len < UINT32_MAX ? (uint32_t)task_len : UINT32_MAX;
    r->len[1] = worker_len < UINT32_MAX ? (uint32_t)worker_len : UINT32_MAX;
    r->len[2] = label_len < UINT32_MAX ? (uint32_t)label_len : UINT32_MAX;
    for (int i = 0; i < 3; i++)
        r->hash[i] = hash_bytes(r->s[i], r->len[i]);
}

int tl_q_labels_add(struct tl_q_labels *L, const char *task, size_t task_len, const char *worker,
                    size_t worker_len, const char *label, size_t label_len) {
    if (task_len >= UINT32_MAX || worker_len >= UINT32_MAX || label_len >= UINT32_MAX)
        return TL_ETOOBIG;
    struct row_ref r;
    row_ref_set(&r, task, task_len, worker, worker_len, label, label_len);
    return add_hashed(L, &r);
}

int tl_q_labels_add_gold(struct tl_q_labels *L, const char *task, size_t task_len,
                         const char *label, size_t label_len) {
    if (L->finished)
        return TL_EINVAL;
    uint32_t t, k;
    if (tl_q_strtab_find(&L->tasks, task, task_len, &t)) {
        L->n_gold_dropped++;
        return 0;
    }
    int rc = tl_q_strtab_intern(&L->classes, label, label_len, &k);
    if (!rc)
        rc = grow_u32(&L->raw_gold, &L->raw_gold_cap, 2 * (L->raw_gold_n + 1));
    if (rc)
        return rc;
    L->raw_gold[2 * L->raw_gold_n] = t;
    L->raw_gold[2 * L->raw_gold_n + 1] = k;
    L->raw_gold_n++;
    return 0;
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

/* Renumber table t in sorted order: *remap receives old id -> new id (owned
 * by the caller); the entries are permuted and the hash slots rebuilt from
 * the stored hashes (the names stay where they are). With values (may be
 * NULL) the order is numeric, ties by name, and *sorted_values receives the
 * values in the new order. */
static int strtab_sort(struct tl_q_strtab *t, const double *values, uint32_t **remap,
                       double **sorted_values) {
    size_t n = t->n, nslots = t->nslots ? t->nslots : 128;
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

static int sort_classes(struct tl_q_labels *L, uint32_t **remap) {
    size_t k = L->classes.n;
    double *values = malloc((k ? k : 1) * sizeof *values);
    if (!values)
        return TL_ENOMEM;
    bool numeric = true;
    for (size_t i = 0; i < k && numeric; i++)
        numeric = !tl_csv_to_double(tl_q_strtab_name(&L->classes, (uint32_t)i),
                                    tl_q_strtab_len(&L->classes, (uint32_t)i), &values[i]);
    int rc =
        strtab_sort(&L->classes, numeric ? values : NULL, remap, numeric ? &L->class_value : NULL);
    free(values);
    L->classes_numeric = numeric;
    return rc;
}

int tl_q_labels_finish(struct tl_q_labels *L) {
    if (L->finished)
        return TL_EINVAL;
    if (!L->raw_n)
        return TL_EEMPTY;
    uint32_t *task_map = NULL, *worker_map = NULL, *class_map = NULL, *stamp = NULL;
    int rc = strtab_sort(&L->tasks, NULL, &task_map, NULL);
    if (!rc)
        rc = strtab_sort(&L->workers, NULL, &worker_map, NULL);
    if (!rc)
        rc = sort_classes(L, &class_map);
    if (rc)
        goto out;
    size_t nt = L->tasks.n, nw = L->workers.n, raw_n = L->raw_n;
    L->n_tasks = nt;
    L->n_workers = nw;
    L->n_classes = L->classes.n;

    /* Group by task with a stable counting sort, dropping repeated workers. */
    L->task_off = calloc(nt + 1, sizeof *L->task_off);
    L->worker_off = calloc(nw + 1, sizeof *L->worker_off);
    L->by_task_worker = malloc(raw_n * sizeof *L->by_task_worker);
    L->by_task_class = malloc(raw_n * sizeof *L->by_task_class);
    stamp = calloc(nw ? nw : 1, sizeof *stamp);
    if (!L->task_off || !L->worker_off || !L->by_task_worker || !L->by_task_class || !stamp) {
        rc = TL_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < raw_n; i++) {
        uint32_t *row = L->raw + 3 * i;
        row[0] = task_map[row[0]];
        row[1] = worker_map[row[1]];
        row[2] = class_map[row[2]];
        L->task_off[row[0] + 1]++;
    }
    for (size_t t = 0; t < nt; t++)
        L->task_off[t + 1] += L->task_off[t];
    uint32_t *cursor = malloc((nt ? nt : 1) * sizeof *cursor);
    if (!cursor) {
        rc = TL_ENOMEM;
        goto out;
    }
    memcpy(cursor, L->task_off, nt * sizeof *cursor);
    for (size_t i = 0; i < raw_n; i++) {
        const uint32_t *row = L->raw + 3 * i;
        uint32_t pos = cursor[row[0]]++;
        L->by_task_worker[pos] = row[1];
        L->by_task_class[pos] = row[2];
    }
    free(cursor);
    /* Compact each task's labels, keeping the first label of each worker. */
    size_t out_pos = 0;
    for (size_t t = 0; t < nt; t++) {
        size_t lo = L->task_off[t], hi = L->task_off[t + 1];
        L->task_off[t] = (uint32_t)out_pos;
        for (size_t i = lo; i < hi; i++) {
            uint32_t w = L->by_task_worker[i];
            if (stamp[w] == t + 1) {
                L->n_dropped++;
                continue;
            }
            stamp[w] = (uint32_t)t + 1;
            L->by_task_worker[out_pos] = w;
            L->by_task_class[out_pos] = L->by_task_class[i];
            out_pos++;
        }
    }
    L->task_off[nt] = (uint32_t)out_pos;
    L->n = out_pos;
    free(L->raw);
    L->raw = NULL;
    L->raw_n = L->raw_cap = 0;

    /* Group by worker: walking tasks in order keeps tasks ascending. */
    size_t n = L->n;
    L->by_worker_task = malloc((n ? n : 1) * sizeof *L->by_worker_task);
    L->by_worker_class = malloc((n ? n : 1) * sizeof *L->by_worker_class);
    if (!L->by_worker_task || !L->by_worker_class) {
        rc = TL_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        L->worker_off[L->by_task_worker[i] + 1]++;
    for (size_t w = 0; w < nw; w++)
        L->worker_off[w + 1] += L->worker_off[w];
    memcpy(stamp, L->worker_off, nw * sizeof *stamp);
    for (size_t t = 0; t < nt; t++) {
        for (size_t i = L->task_off[t]; i < L->task_off[t + 1]; i++) {
            uint32_t pos = stamp[L->by_task_worker[i]]++;
            L->by_worker_task[pos] = (uint32_t)t;
            L->by_worker_class[pos] = L->by_task_class[i];
        }
    }

    if (L->raw_gold_n) {
        L->gold = malloc(nt * sizeof *L->gold);
        if (!L->gold) {
            rc = TL_ENOMEM;
            goto out;
        }
        for (size_t t = 0; t < nt; t++)
            L->gold[t] = -1;
        for (size_t i = 0; i < L->raw_gold_n; i++) {
            uint32_t t = task_map[L->raw_gold[2 * i]];
            if (L->gold[t] >= 0) {
                L->n_gold_dropped++;
                continue;
            }
            L->gold[t] = (int32_t)class_map[L->raw_gold[2 * i + 1]];
            L->n_gold++;
        }
    }
    free(L->raw_gold);
    L->raw_gold = NULL;
    L->raw_gold_n = L->raw_gold_cap = 0;
    L->finished = true;
out:
    free(task_map);
    free(worker_map);
    free(class_map);
    free(stamp);
    return rc;
}

/* ---------------------------------------------------------------- CSV */

static bool any_empty(const struct tl_csv *c, size_t nf) {
    for (size_t i = 0; i < nf; i++)
        if (!c->fields[i].len)
            return true;
    return false;
}

/* Rows are interned in batches: hashing a batch first and prefetching the
 * hash slots, then the entries they point to, then the names, overlaps the
 * cache misses of random task ids (a million rows over 100,000 tasks spend
 * most of their parsing time waiting for memory otherwise). */
#define ADD_BATCH 32

struct add_batch {
    struct row_ref rows[ADD_BATCH];
    size_t n;
};

static void prefetch_slot(const struct tl_q_strtab *t, uint32_t h) {
    if (t->nslots)
        __builtin_prefetch(&t->slots[h & (t->nslots - 1)]);
}

static int flush_batch(struct tl_q_labels *L, struct add_batch *b, size_t *bad_line) {
    const struct tl_q_strtab *t = &L->tasks;
    if (t->nslots) {
        for (size_t i = 0; i < b->n; i++) {
            uint64_t v = t->slots[b->rows[i].hash[0] & (t->nslots - 1)];
            if (v)
                __builtin_prefetch(&t->ent[(uint32_t)v - 1]);
        }
        for (size_t i = 0; i < b->n; i++) {
            uint64_t v = t->slots[b->rows[i].hash[0] & (t->nslots - 1)];
            if (v)
                __builtin_prefetch(t->bytes + t->ent[(uint32_t)v - 1].off);
        }
    }
    for (size_t i = 0; i < b->n; i++) {
        int rc = add_hashed(L, &b->rows[i]);
        if (rc) {
            *bad_line = b->rows[i].line;
            b->n = 0;
            return rc;
        }
    }
    b->n = 0;
    return 0;
}

static bool inside(const char *p, const char *text, size_t len) {
    return p >= text && p <= text + len;
}

/* Intern the data rows of text[0..len) (no header) into L. Line numbers
 * in messages start at first_line. */
static int parse_rows(struct tl_q_labels *L, const char *name, const char *text, size_t len,
                      size_t first_line, size_t ncols, struct tl_errbuf *eb) {
    struct tl_csv c;
    tl_csv_init(&c, text, len, 0);
    c.name = name;
    c.line = first_line;
    struct add_batch batch;
    batch.n = 0;
    size_t bad_line = 0;
    int rc;
    for (;;) {
        rc = tl_csv_next_row(&c, ncols, eb);
        if (rc == TL_EEMPTY) {
            rc = 0;
            break;
        }
        if (rc)
            goto out;
        if (any_empty(&c, 3)) {
            rc = tl_errf(eb, TL_EINVAL, "%s:%zu: empty task, worker or label", name, c.record_line);
            goto out;
        }
        struct row_ref *r = &batch.rows[batch.n++];
        row_ref_set(r, c.fields[0].ptr, c.fields[0].len, c.fields[1].ptr, c.fields[1].len,
                    c.fields[2].ptr, c.fields[2].len);
        r->line = c.record_line;
        prefetch_slot(&L->tasks, r->hash[0]);
        /* Unescaped fields live in the reader's scratch, reused by the next
         * record: such a row is interned at once. */
        bool stable = true;
        for (int i = 0; i < 3; i++)
            stable &= inside(c.fields[i].ptr, text, len);
        if (batch.n == ADD_BATCH || !stable)
            rc = flush_batch(L, &batch, &bad_line);
        if (rc)
            break;
    }
    if (!rc)
        rc = flush_batch(L, &batch, &bad_line);
    if (rc)
        rc = tl_errf(eb, rc, "%s:%zu: %s", name, bad_line,
                     rc == TL_ENOMEM ? "out of memory" : "too many rows or names");
out:
    tl_csv_release(&c);
    return rc;
}

/* Large files are read by two threads, one half each, and the second
 * half's names and rows are then merged into the first: hashing and
 * probing a million names is most of the load time, and each half probes
 * a table of its own. The result is the same as one pass, names numbered
 * in order of first appearance and rows in file order (the first of
 * repeated (task, worker) rows is still the one kept), and so is the error
 * reported: the first half's first, else the second's. Only for text
 * without quotes, where every line break ends a record and a split after a
 * newline cannot cut a field. */
#define PARSE_SPLIT_MIN (4u << 20)

struct half_job {
    struct tl_q_labels *L[2];
    const char *name;
    const char *text[2];
    size_t len[2], first_line[2], ncols;
    struct tl_errbuf eb[2];
    int rc[2];
};

static void parse_half(void *ctx, int tid, int nthreads) {
    (void)nthreads;
    struct half_job *j = ctx;
    j->rc[tid] = parse_rows(j->L[tid], j->name, j->text[tid], j->len[tid], j->first_line[tid],
                            j->ncols, &j->eb[tid]);
}

/* Line breaks in text[0..len) as the CSV reader counts them: LF, CRLF and a
 * lone CR are one each. */
static size_t count_breaks(const char *text, size_t len) {
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += text[i] == '\n' || (text[i] == '\r' && (i + 1 == len || text[i + 1] != '\n'));
    return n;
}

/* Append B's rows to A, renaming B's ids into A's tables. */
static int merge_rows(struct tl_q_labels *A, const struct tl_q_labels *B) {
    const struct tl_q_strtab *from[3] = {&B->tasks, &B->workers, &B->classes};
    struct tl_q_strtab *to[3] = {&A->tasks, &A->workers, &A->classes};
    uint32_t *map[3] = {NULL, NULL, NULL};
    int rc = 0;
    for (int k = 0; k < 3 && !rc; k++) {
        map[k] = malloc((from[k]->n ? from[k]->n : 1) * sizeof *map[k]);
        if (!map[k]) {
            rc = TL_ENOMEM;
            break;
        }
        for (size_t i = 0; i < from[k]->n && !rc; i++)
            rc = tl_q_strtab_intern(to[k], tl_q_strtab_name(from[k], (uint32_t)i),
                                    tl_q_strtab_len(from[k], (uint32_t)i), &map[k][i]);
    }
    if (!rc && A->raw_n + B->raw_n > STRTAB_MAX)
        rc = TL_ETOOBIG;
    if (!rc)
        rc = grow_u32(&A->raw, &A->raw_cap, 3 * (A->raw_n + B->raw_n));
    if (!rc) {
        uint32_t *dst = A->raw + 3 * A->raw_n;
        for (size_t i = 0; i < B->raw_n; i++)
            for (int k = 0; k < 3; k++)
                dst[3 * i + k] = map[k][B->raw[3 * i + k]];
        A->raw_n += B->raw_n;
    }
    for (int k = 0; k < 3; k++)
        free(map[k]);
    return rc;
}

/* The rows after the header, text[start..len), starting on line first_line. */
static int parse_body(struct tl_q_labels *L, const char *name, const char *text, size_t start,
                      size_t len, size_t first_line, size_t ncols, struct tl_errbuf *eb) {
    size_t split = 0;
    if (len - start >= PARSE_SPLIT_MIN && tl_q_par_threads(NULL, TL_Q_PAR_MIN) > 1 &&
        !memchr(text + start, '"', len - start)) {
        const char *nl = memchr(text + start + (len - start) / 2, '\n', (len - start) / 2);
        if (nl)
            split = (size_t)(nl + 1 - text);
    }
    if (!split)
        return parse_rows(L, name, text + start, len - start, first_line, ncols, eb);

    struct tl_q_labels second;
    tl_q_labels_init(&second);
    struct half_job j = {
        .L = {L, &second},
        .name = name,
        .text = {text + start, text + split},
        .len = {split - start, len - split},
        .first_line = {first_line, first_line + count_breaks(text + start, split - start)},
        .ncols = ncols,
    };
    tl_q_par_run(2, parse_half, &j);
    int rc = j.rc[0] ? j.rc[0] : j.rc[1];
    if (rc)
        tl_errf(eb, rc, "%s", j.rc[0] ? j.eb[0].msg : j.eb[1].msg);
    else if ((rc = merge_rows(L, &second)))
        tl_errf(eb, rc, "%s: %s", name,
                rc == TL_ENOMEM ? "out of memory" : "too many rows or names");
    tl_q_labels_release(&second);
    return rc;
}

static int parse_labels(struct tl_q_labels *L, const char *name, const char *text, size_t len,
                        struct tl_errbuf *eb, char *first_task, char *first_worker,
                        size_t first_cap) {
    struct tl_csv c;
    tl_csv_init(&c, text, len, 0);
    c.name = name;
    int rc = tl_csv_next(&c, eb);
    if (rc == TL_EEMPTY) {
        rc = tl_errf(eb, TL_EEMPTY, "%s: empty file (expected a header row and labels)", name);
        goto out;
    }
    if (rc)
        goto out;
    size_t ncols = c.nfields;
    if (ncols < 3) {
        rc = tl_errf(eb, TL_EINVAL,
                     "%s:%zu: the header has %zu column%s; need task, worker and label", name,
                     c.record_line, ncols, ncols == 1 ? "" : "s");
        goto out;
    }
    /* Remember the header's first two cells to detect a missing header. */
    for (int i = 0; i < 2; i++) {
        char *dst = i ? first_worker : first_task;
        size_t n = c.fields[i].len < first_cap - 1 ? c.fields[i].len : first_cap - 1;
        memcpy(dst, c.fields[i].ptr, n);
        dst[n] = '\0';
    }
    rc = parse_body(L, name, text, c.pos, len, c.line, ncols, eb);
    if (!rc && !L->raw_n)
        rc = tl_errf(eb, TL_EEMPTY, "%s: no labels after the header row", name);
out:
    tl_csv_release(&c);
    return rc;
}

static int parse_gold(struct tl_q_labels *L, const char *name, const char *text, size_t len,
                      struct tl_errbuf *eb) {
    struct tl_csv c;
    tl_csv_init(&c, text, len, 0);
    c.name = name;
    int rc = tl_csv_next(&c, eb);
    if (rc == TL_EEMPTY) {
        rc = tl_errf(eb, TL_EEMPTY, "%s: empty file (expected a header row and gold labels)", name);
        goto out;
    }
    if (rc)
        goto out;
    size_t ncols = c.nfields;
    if (ncols < 2) {
        rc = tl_errf(eb, TL_EINVAL, "%s:%zu: the header has 1 column; need task and label", name,
                     c.record_line);
        goto out;
    }
    uint32_t id;
    if (!tl_q_strtab_find(&L->tasks, c.fields[0].ptr, c.fields[0].len, &id) &&
        !tl_q_strtab_find(&L->classes, c.fields[1].ptr, c.fields[1].len, &id)) {
        rc = tl_errf(eb, TL_EINVAL,
                     "%s:1: the first row looks like data (a known task and label); "
                     "a header row is required",
                     name);
        goto out;
    }
    for (;;) {
        rc = tl_csv_next_row(&c, ncols, eb);
        if (rc == TL_EEMPTY) {
            rc = 0;
            break;
        }
        if (rc)
            goto out;
        if (any_empty(&c, 2)) {
            rc = tl_errf(eb, TL_EINVAL, "%s:%zu: empty task or label", name, c.record_line);
            goto out;
        }
        rc = tl_q_labels_add_gold(L, c.fields[0].ptr, c.fields[0].len, c.fields[1].ptr,
                                  c.fields[1].len);
        if (rc) {
            rc = tl_errf(eb, rc, "%s:%zu: out of memory", name, c.record_line);
            goto out;
        }
    }
out:
    tl_csv_release(&c);
    return rc;
}

int tl_q_labels_parse_csv(struct tl_q_labels *L, const char *labels_name, const char *text,
                          size_t len, const char *gold_name, const char *gold_text, size_t gold_len,
                          struct tl_errbuf *eb) {
    struct tl_errbuf local;
    if (!eb)
        eb = &local;
    char first_task[256], first_worker[256];
    int rc =
        parse_labels(L, labels_name, text, len, eb, first_task, first_worker, sizeof first_task);
    if (rc)
        return rc;
    /* A file without a header loses its first row to the header; when that
     * row's task and worker both occur in the data, it was data. */
    uint32_t id;
    if (!tl_q_strtab_find(&L->tasks, first_task, strlen(first_task), &id) &&
        !tl_q_strtab_find(&L->workers, first_worker, strlen(first_worker), &id))
        return tl_errf(eb, TL_EINVAL,
                       "%s:1: the first row looks like data (task '%.60s' and worker '%.60s' "
                       "occur below); a header row is required",
                       labels_name, first_task, first_worker);
    if (gold_text) {
        rc = parse_gold(L, gold_name, gold_text, gold_len, eb);
        if (rc)
            return rc;
    }
    rc = tl_q_labels_finish(L);
    if (rc)
        return tl_errf(eb, rc, "%s: %s", labels_name,
                       rc == TL_ENOMEM ? "out of memory" : "no labels");
    return 0;
}
