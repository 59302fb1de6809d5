/* labels.c: grouping and de-duplication of label triples (see labels.h). */
#include "quality/labels.h"

#include <stdlib.h>
#include <string.h>

#include "core/csv.h"

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

/* The row (t, w, k) of interned ids appended to the raw triples. */
static int push_row(struct tl_q_labels *L, uint32_t t, uint32_t w, uint32_t k) {
    int rc = grow_u32(&L->raw, &L->raw_cap, 3 * (L->raw_n + 1));
    if (rc)
        return rc;
    uint32_t *row = L->raw + 3 * L->raw_n++;
    row[0] = t;
    row[1] = w;
    row[2] = k;
    return 0;
}

int tl_q_labels_add_row(struct tl_q_labels *L, const struct tl_q_row_ref *r) {
    if (L->finished || L->raw_gold_n)
        return TL_EINVAL;
    if (L->raw_n >= TL_Q_STRTAB_MAX)
        return TL_ETOOBIG;
    uint32_t t, w, k;
    int rc = tl_q_strtab_intern_hashed(&L->tasks, r->s[0], r->len[0], r->hash[0], &t);
    if (!rc)
        rc = tl_q_strtab_intern_hashed(&L->workers, r->s[1], r->len[1], r->hash[1], &w);
    if (!rc)
        rc = tl_q_strtab_intern_hashed(&L->classes, r->s[2], r->len[2], r->hash[2], &k);
    return rc ? rc : push_row(L, t, w, k);
}

int tl_q_labels_add_ids(struct tl_q_labels *L, uint32_t task, uint32_t worker, uint32_t label) {
    if (L->finished || L->raw_gold_n || task >= L->tasks.n || worker >= L->workers.n ||
        label >= L->classes.n)
        return TL_EINVAL;
    if (L->raw_n >= TL_Q_STRTAB_MAX)
        return TL_ETOOBIG;
    return push_row(L, task, worker, label);
}

void tl_q_row_ref_set(struct tl_q_row_ref *r, const char *task, size_t task_len, const char *worker,
                      size_t worker_len, const char *label, size_t label_len) {
    r->s[0] = task;
    r->s[1] = worker;
    r->s[2] = label;
    r->len[0] = task_len < UINT32_MAX ? (uint32_t)task_len : UINT32_MAX;
    r->len[1] = worker_len < UINT32_MAX ? (uint32_t)worker_len : UINT32_MAX;
    r->len[2] = label_len < UINT32_MAX ? (uint32_t)label_len : UINT32_MAX;
    for (int i = 0; i < 3; i++)
        r->hash[i] = tl_q_strtab_hash(r->s[i], r->len[i]);
}

int tl_q_labels_add(struct tl_q_labels *L, const char *task, size_t task_len, const char *worker,
                    size_t worker_len, const char *label, size_t label_len) {
    if (task_len >= UINT32_MAX || worker_len >= UINT32_MAX || label_len >= UINT32_MAX)
        return TL_ETOOBIG;
    struct tl_q_row_ref r;
    tl_q_row_ref_set(&r, task, task_len, worker, worker_len, label, label_len);
    return tl_q_labels_add_row(L, &r);
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

int tl_q_labels_append(struct tl_q_labels *A, const struct tl_q_labels *B) {
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
    if (!rc && A->raw_n + B->raw_n > TL_Q_STRTAB_MAX)
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

static int sort_classes(struct tl_q_labels *L, uint32_t **remap) {
    size_t k = L->classes.n;
    double *values = malloc((k ? k : 1) * sizeof *values);
    if (!values)
        return TL_ENOMEM;
    bool numeric = true;
    for (size_t i = 0; i < k && numeric; i++)
        numeric = !tl_csv_to_double(tl_q_strtab_name(&L->classes, (uint32_t)i),
                                    tl_q_strtab_len(&L->classes, (uint32_t)i), &values[i]);
    int rc = tl_q_strtab_sort(&L->classes, numeric ? values : NULL, remap,
                              numeric ? &L->class_value : NULL);
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
    int rc = tl_q_strtab_sort(&L->tasks, NULL, &task_map, NULL);
    if (!rc)
        rc = tl_q_strtab_sort(&L->workers, NULL, &worker_map, NULL);
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
