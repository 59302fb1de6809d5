/* reinfer.c: see reinfer.h. Three phases, timed apart:
 *   read   the store streams the labels (one read transaction, task order);
 *          each result's choice values are picked out by reinfer_scan.h
 *          (jansson only when it asks), mapped to option indices, and kept
 *          as integer columns; workers are numbered by a small hash map;
 *   infer  per choice field, the engine's label tables are built from those
 *          columns (names are fixed-width hex indices, so the engine's
 *          byte-order numbering is our index order), the method run, and
 *          its posteriors and skills mapped back;
 *   write  every task's aggregate is serialised into one arena and written
 *          in slices (store.h), then the workers and the run's record. */
#include "queue/reinfer.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/clock.h"
#include "quality/agreement.h"
#include "quality/infer.h"
#include "quality/par.h"
#include "quality/taskagg.h"
#include "queue/reinfer_scan.h"
#include "schema/schema.h"

#define MAX_CHOICE_FIELDS 64 /* the scanner's ceiling; more go through taskagg */
#define ARENA_MAX         ((size_t)1 << 34)
#define NAME_LEN          8 /* hex digits of a task or worker index */
/* Tasks per part of the read at least: a small project is read in tens of
 * milliseconds, and a second reader and thread would save little of it. */
#define PART_MIN_TASKS 20000

static double clock_s(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void) {
    return clock_s(CLOCK_MONOTONIC);
}

static double cpu_s(void) {
    return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

/* One choice field: its options sorted for bsearch, with their indices. */
struct opt_ref {
    const char *s;
    size_t len;
    int16_t index;
};

struct choice {
    size_t field; /* index in the schema */
    struct opt_ref *sorted;
    size_t n_options;
    int16_t *cls; /* [labels] option index, -1: no answer */
    int16_t *agg; /* [tasks] the aggregate's option, -1: none */
    double *conf; /* [tasks] */
    int16_t *gold; /* [tasks] gold option, -1: none (NULL until a gold task) */
    double alpha;
    bool has_alpha;
};

/* annotator_pk -> worker index, open addressing (keys are > 0). */
struct wmap {
    int64_t *keys;
    uint32_t *vals;
    size_t cap, n;
};

struct run {
    const struct tl_schema *schema;
    struct choice ch[MAX_CHOICE_FIELDS];
    const char *names[MAX_CHOICE_FIELDS];
    size_t n_choice;
    bool has_other; /* fields that are not (fast-lane) choice fields */

    int64_t *task_pk;
    uint32_t *task_off; /* [n_tasks + 1] */
    size_t n_tasks, task_cap;

    uint32_t *lab_task, *lab_worker;
    size_t n, cap;
    struct tl_buf raw;  /* results, when has_other */
    size_t *raw_off;    /* [n + 1] */

    int64_t *worker_pk;
    size_t n_workers, worker_cap;
    struct wmap wm;
    size_t n_slow;
};

static int by_option(const void *x, const void *y) {
    const struct opt_ref *a = x, *b = y;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->s, b->s, n);
    return c ? c : (a->len > b->len) - (a->len < b->len);
}

static int16_t option_of(const struct choice *c, const char *s, size_t len) {
    struct opt_ref key = {.s = s, .len = len};
    const struct opt_ref *hit = bsearch(&key, c->sorted, c->n_options, sizeof *hit, by_option);
    return hit ? hit->index : -1;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 1024;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * elem);
    if (!q)
        return TL_ENOMEM;
    *p = q;
    *cap = n;
    return 0;
}

static uint64_t mix(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return k;
}

static int worker_index(struct run *R, int64_t pk, uint32_t *out) {
    struct wmap *m = &R->wm;
    if (m->n * 2 >= m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 1024;
        int64_t *keys = calloc(cap, sizeof *keys);
        uint32_t *vals = malloc(cap * sizeof *vals);
        if (!keys || !vals) {
            free(keys);
            free(vals);
            return TL_ENOMEM;
        }
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->keys[i])
                continue;
            size_t j = mix((uint64_t)m->keys[i]) & (cap - 1);
            while (keys[j])
                j = (j + 1) & (cap - 1);
            keys[j] = m->keys[i];
            vals[j] = m->vals[i];
        }
        free(m->keys);
        free(m->vals);
        m->keys = keys;
        m->vals = vals;
        m->cap = cap;
    }
    size_t j = mix((uint64_t)pk) & (m->cap - 1);
    while (m->keys[j] && m->keys[j] != pk)
        j = (j + 1) & (m->cap - 1);
    if (m->keys[j]) {
        *out = m->vals[j];
        return 0;
    }
    size_t need = R->n_workers + 1;
    if (grow((void **)&R->worker_pk, &R->worker_cap, need, sizeof *R->worker_pk))
        return TL_ENOMEM;
    R->worker_pk[R->n_workers] = pk;
    m->keys[j] = pk;
    m->vals[j] = (uint32_t)R->n_workers;
    m->n++;
    *out = (uint32_t)R->n_workers++;
    return 0;
}

/* c's gold column (task_cap long), made on first need with every task
 * "no gold" (-1); NULL when out of memory. */
static int16_t *gold_column(const struct run *R, struct choice *c) {
    if (!c->gold && (c->gold = malloc(R->task_cap * sizeof *c->gold)) != NULL)
        for (size_t i = 0; i < R->task_cap; i++)
            c->gold[i] = -1;
    return c->gold;
}

/* Room for need tasks: task_pk, task_off (one more) and the gold columns
 * that exist (their new slots -1). */
static int tasks_reserve(struct run *R, size_t need) {
    size_t old_cap = R->task_cap;
    if (grow((void **)&R->task_pk, &R->task_cap, need, sizeof *R->task_pk))
        return TL_ENOMEM;
    if (R->task_cap == old_cap && R->task_off)
        return 0;
    size_t cap = R->task_cap;
    uint32_t *off = realloc(R->task_off, (cap + 1) * sizeof *off);
    if (!off)
        return TL_ENOMEM;
    R->task_off = off;
    for (size_t k = 0; k < R->n_choice; k++) {
        struct choice *c = &R->ch[k];
        if (!c->gold)
            continue;
        int16_t *g = realloc(c->gold, cap * sizeof *g);
        if (!g)
            return TL_ENOMEM;
        for (size_t i = old_cap; i < cap; i++)
            g[i] = -1;
        c->gold = g;
    }
    return 0;
}

/* A gold answer {FIELD: VALUE}: the options of the choice fields it names. */
static int read_gold(struct run *R, size_t task, const char *gold, size_t len) {
    json_t *g = json_loadb(gold, len, 0, NULL);
    if (!g)
        return 0; /* unreadable gold is no gold: the labels still count */
    int rc = 0;
    for (size_t k = 0; !rc && k < R->n_choice; k++) {
        struct choice *c = &R->ch[k];
        const json_t *v = json_object_get(g, R->names[k]);
        if (!json_is_string(v))
            continue;
        int16_t o = option_of(c, json_string_value(v), json_string_length(v));
        if (o < 0)
            continue;
        if (!gold_column(R, c)) {
            rc = TL_ENOMEM;
            break;
        }
        c->gold[task] = o;
    }
    json_decref(g);
    return rc;
}

static int new_task(struct run *R, int64_t pk) {
    if (tasks_reserve(R, R->n_tasks + 2))
        return TL_ENOMEM;
    R->task_pk[R->n_tasks] = pk;
    R->task_off[R->n_tasks] = (uint32_t)R->n;
    R->n_tasks++;
    return 0;
}

/* The choice values of one result, by the fast lane or by jansson. */
static void pick_slow(struct run *R, const char *text, size_t len, size_t i) {
    R->n_slow++;
    json_t *j = json_loadb(text, len, 0, NULL);
    for (size_t k = 0; k < R->n_choice; k++) {
        const json_t *v = j ? json_object_get(j, R->names[k]) : NULL;
        R->ch[k].cls[i] = json_is_string(v) ? option_of(&R->ch[k], json_string_value(v),
                                                       json_string_length(v))
                                            : -1;
    }
    json_decref(j);
}

/* Room for cap labels in every per-label array (what grew is kept, and
 * freed with the run, if another fails). */
static int labels_reserve(struct run *R, size_t cap) {
    int rc = 0;
#define REGROW(ptr, count)                                                                         \
    do {                                                                                           \
        void *q_ = realloc((ptr), (count) * sizeof *(ptr));                                        \
        if (!q_)                                                                                   \
            rc = TL_ENOMEM;                                                                        \
        else                                                                                       \
            (ptr) = q_;                                                                            \
    } while (0)
    REGROW(R->lab_task, cap);
    REGROW(R->lab_worker, cap);
    for (size_t k = 0; k < R->n_choice; k++)
        REGROW(R->ch[k].cls, cap);
    if (R->has_other)
        REGROW(R->raw_off, cap + 1); /* offsets: one more than the labels */
#undef REGROW
    if (!rc)
        R->cap = cap;
    return rc;
}

static int on_label(void *ctx, const struct tl_agg_label *l) {
    struct run *R = ctx;
    if (l->result_len > UINT32_MAX || R->n >= UINT32_MAX - 1)
        return TL_ETOOBIG;
    if (!R->n_tasks || R->task_pk[R->n_tasks - 1] != l->task_pk) {
        if (R->n_tasks && l->task_pk < R->task_pk[R->n_tasks - 1])
            return TL_EINTERNAL; /* the store promised task order */
        int rc = new_task(R, l->task_pk);
        if (!rc && l->gold)
            rc = read_gold(R, R->n_tasks - 1, l->gold, l->gold_len);
        if (rc)
            return rc;
    }
    if (R->n == R->cap) {
        int rc = labels_reserve(R, R->cap ? R->cap * 2 : 4096);
        if (rc)
            return rc;
    }
    size_t i = R->n;
    R->lab_task[i] = (uint32_t)(R->n_tasks - 1);
    int rc = worker_index(R, l->annotator_pk, &R->lab_worker[i]);
    if (rc)
        return rc;
    if (R->n_choice) {
        struct tl_q_slice found[MAX_CHOICE_FIELDS];
        if (tl_queue_scan_strings(l->result, l->result_len, R->names, R->n_choice, found) ==
            TL_Q_SCAN_OK) {
            for (size_t k = 0; k < R->n_choice; k++)
                R->ch[k].cls[i] =
                    found[k].s ? option_of(&R->ch[k], found[k].s, found[k].len) : -1;
        } else {
            pick_slow(R, l->result, l->result_len, i);
        }
    }
    if (R->has_other) {
        if (i == 0)
            R->raw_off[0] = 0;
        rc = tl_buf_append(&R->raw, l->result, l->result_len);
        if (rc)
            return rc;
        R->raw_off[i + 1] = R->raw.len;
    }
    R->n++;
    return 0;
}

static void run_release(struct run *R) {
    for (size_t k = 0; k < R->n_choice; k++) {
        free(R->ch[k].sorted);
        free(R->ch[k].cls);
        free(R->ch[k].agg);
        free(R->ch[k].conf);
        free(R->ch[k].gold);
    }
    free(R->task_pk);
    free(R->task_off);
    free(R->lab_task);
    free(R->lab_worker);
    tl_buf_release(&R->raw);
    free(R->raw_off);
    free(R->worker_pk);
    free(R->wm.keys);
    free(R->wm.vals);
}

static int run_init(struct run *R, const struct tl_schema *schema) {
    memset(R, 0, sizeof *R);
    R->schema = schema;
    tl_buf_init(&R->raw, ARENA_MAX);
    for (size_t f = 0; f < schema->n_fields; f++) {
        const struct tl_field *fd = &schema->fields[f];
        if (fd->type != TL_FIELD_CHOICE || R->n_choice == MAX_CHOICE_FIELDS ||
            fd->n_options > INT16_MAX) {
            R->has_other = true;
            continue;
        }
        struct choice *c = &R->ch[R->n_choice];
        c->field = f;
        c->n_options = fd->n_options;
        c->sorted = calloc(fd->n_options ? fd->n_options : 1, sizeof *c->sorted);
        if (!c->sorted)
            return TL_ENOMEM;
        for (size_t o = 0; o < fd->n_options; o++)
            c->sorted[o] = (struct opt_ref){.s = fd->options[o],
                                            .len = strlen(fd->options[o]),
                                            .index = (int16_t)o};
        qsort(c->sorted, c->n_options, sizeof *c->sorted, by_option);
        R->names[R->n_choice++] = fd->name;
    }
    return 0;
}

/* Append part B (read after A: its tasks all come later) to A: tasks,
 * labels and results moved over, B's workers renumbered into A's. B is
 * left for run_release. */
static int run_append(struct run *A, struct run *B) {
    if (!B->n_tasks)
        return 0;
    size_t n_tasks = A->n_tasks + B->n_tasks, n = A->n + B->n;
    if (n >= UINT32_MAX - 1)
        return TL_ETOOBIG; /* on_label's ceiling, for the whole */
    if (tasks_reserve(A, n_tasks + 1))
        return TL_ENOMEM;
    for (size_t k = 0; k < A->n_choice; k++) {
        const struct choice *b = &B->ch[k];
        if (!b->gold)
            continue;
        int16_t *g = gold_column(A, &A->ch[k]);
        if (!g)
            return TL_ENOMEM;
        memcpy(g + A->n_tasks, b->gold, B->n_tasks * sizeof *g);
    }
    memcpy(A->task_pk + A->n_tasks, B->task_pk, B->n_tasks * sizeof *B->task_pk);
    for (size_t t = 0; t < B->n_tasks; t++)
        A->task_off[A->n_tasks + t] = (uint32_t)(A->n + B->task_off[t]);
    if (n > A->cap && labels_reserve(A, n))
        return TL_ENOMEM;
    uint32_t *remap = malloc((B->n_workers ? B->n_workers : 1) * sizeof *remap);
    if (!remap)
        return TL_ENOMEM;
    int rc = 0;
    for (size_t w = 0; !rc && w < B->n_workers; w++)
        rc = worker_index(A, B->worker_pk[w], &remap[w]);
    for (size_t i = 0; !rc && i < B->n; i++) {
        A->lab_task[A->n + i] = (uint32_t)(B->lab_task[i] + A->n_tasks);
        A->lab_worker[A->n + i] = remap[B->lab_worker[i]];
    }
    free(remap);
    if (rc)
        return rc;
    for (size_t k = 0; k < A->n_choice; k++)
        memcpy(A->ch[k].cls + A->n, B->ch[k].cls, B->n * sizeof *B->ch[k].cls);
    if (A->has_other) {
        size_t base = A->raw.len;
        if (!A->n)
            A->raw_off[0] = 0;
        rc = tl_buf_append(&A->raw, B->raw.data, B->raw.len);
        if (rc)
            return rc;
        for (size_t i = 0; i < B->n; i++)
            A->raw_off[A->n + i + 1] = base + B->raw_off[i + 1];
    }
    A->n_tasks = n_tasks;
    A->n = n;
    A->n_slow += B->n_slow;
    return 0;
}

/* ---- infer ---- */

static void hex_name(char out[NAME_LEN + 1], uint32_t v) {
    for (int i = NAME_LEN - 1; i >= 0; i--, v >>= 4)
        out[i] = "0123456789abcdef"[v & 0xf];
    out[NAME_LEN] = '\0';
}

static uint32_t hex_value(const char *s) {
    uint32_t v = 0;
    for (int i = 0; i < NAME_LEN; i++)
        v = v << 4 | (uint32_t)(s[i] <= '9' ? s[i] - '0' : s[i] - 'a' + 10);
    return v;
}

/* Per-worker sums across fields. */
struct worker_sums {
    double *skill_sum;
    uint32_t *skill_n, *agree, *answered;
};

static int infer_field(struct run *R, struct choice *c, enum tl_q_method m, int threads,
                       struct worker_sums *ws, char *detail, size_t detail_cap) {
    struct tl_q_labels L;
    tl_q_labels_init(&L);
    char tn[NAME_LEN + 1], wn[NAME_LEN + 1];
    const struct tl_field *fd = &R->schema->fields[c->field];
    /* Each distinct name interned once (labels come by task; workers and
     * options are small integers): the engine's ids, UINT32_MAX until seen. */
    uint32_t *wid = malloc((R->n_workers ? R->n_workers : 1) * sizeof *wid);
    uint32_t *kid = malloc((c->n_options ? c->n_options : 1) * sizeof *kid);
    int rc = wid && kid ? 0 : TL_ENOMEM;
    for (size_t w = 0; !rc && w < R->n_workers; w++)
        wid[w] = UINT32_MAX;
    for (size_t k = 0; !rc && k < c->n_options; k++)
        kid[k] = UINT32_MAX;
    size_t n_added = 0;
    uint32_t task = UINT32_MAX, tid = 0;
    for (size_t i = 0; !rc && i < R->n; i++) {
        int16_t o = c->cls[i];
        if (o < 0)
            continue;
        uint32_t w = R->lab_worker[i];
        if (R->lab_task[i] != task) {
            task = R->lab_task[i];
            hex_name(tn, task);
            rc = tl_q_strtab_intern(&L.tasks, tn, NAME_LEN, &tid);
        }
        if (!rc && wid[w] == UINT32_MAX) {
            hex_name(wn, w);
            rc = tl_q_strtab_intern(&L.workers, wn, NAME_LEN, &wid[w]);
        }
        if (!rc && kid[o] == UINT32_MAX)
            rc = tl_q_strtab_intern(&L.classes, fd->options[o], strlen(fd->options[o]), &kid[o]);
        rc = rc ? rc : tl_q_labels_add_ids(&L, tid, wid[w], kid[o]);
        n_added++;
    }
    free(wid);
    free(kid);
    for (size_t t = 0; !rc && c->gold && t < R->n_tasks; t++) {
        if (c->gold[t] < 0)
            continue;
        hex_name(tn, (uint32_t)t);
        const char *g = fd->options[c->gold[t]];
        rc = tl_q_labels_add_gold(&L, tn, NAME_LEN, g, strlen(g));
    }
    if (!rc && !n_added) {
        tl_q_labels_release(&L);
        return 0; /* nobody answered this field */
    }
    rc = rc ? rc : tl_q_labels_finish(&L);
    struct tl_q_result r;
    tl_q_result_init(&r);
    if (!rc) {
        struct tl_q_opts o;
        tl_q_opts_init(&o);
        o.threads = threads;
        rc = tl_q_infer(m, &L, &o, &r);
        /* The vote needs nothing a crowd may lack: a method that refuses
         * these labels (too few to estimate) leaves the field to it. */
        if (rc && rc != TL_ENOMEM) {
            snprintf(r.detail, sizeof r.detail, "%s refused (%s): majority vote",
                     tl_q_method_name(m), tl_strerror(rc));
            char keep[sizeof r.detail];
            memcpy(keep, r.detail, sizeof keep);
            rc = tl_q_infer(TL_Q_MV, &L, &o, &r);
            memcpy(r.detail, keep, sizeof keep);
        }
    }
    if (!rc) {
        double alpha;
        c->has_alpha = tl_q_alpha(&L, TL_Q_NOMINAL, &alpha, NULL) == 0;
        c->alpha = c->has_alpha ? alpha : 0;
        int16_t *opt_of_class = malloc((L.n_classes ? L.n_classes : 1) * sizeof *opt_of_class);
        if (!opt_of_class)
            rc = TL_ENOMEM;
        for (size_t k = 0; !rc && k < L.n_classes; k++) {
            const char *name = tl_q_class_name(&L, (uint32_t)k);
            opt_of_class[k] = option_of(c, name, strlen(name));
        }
        for (size_t t = 0; !rc && t < L.n_tasks; t++) {
            uint32_t mine = hex_value(tl_q_task_name(&L, (uint32_t)t));
            c->agg[mine] = opt_of_class[r.label[t]];
            c->conf[mine] = r.confidence[t];
        }
        for (size_t w = 0; !rc && w < L.n_workers; w++) {
            uint32_t mine = hex_value(tl_q_worker_name(&L, (uint32_t)w));
            ws->skill_sum[mine] += r.skill[w];
            ws->skill_n[mine]++;
        }
        free(opt_of_class);
        for (size_t i = 0; !rc && i < R->n; i++) {
            if (c->cls[i] < 0)
                continue;
            ws->answered[R->lab_worker[i]]++;
            ws->agree[R->lab_worker[i]] += c->cls[i] == c->agg[R->lab_task[i]];
        }
        if (r.detail[0]) {
            size_t used = strlen(detail);
            snprintf(detail + used, detail_cap - used, "%s%s: %s", used ? "; " : "", fd->name,
                     r.detail);
        }
    }
    tl_q_result_release(&r);
    tl_q_labels_release(&L);
    return rc;
}

/* ---- write ---- */

/* Confidences are written to CONF_DIGITS significant digits: a display
 * precision, and what lets a re-run whose labels barely moved find most
 * rows unchanged and leave them alone (aggregates.c's write compares the
 * bytes): with 1% of 1,000,000 labels changed, DS rewrote 77-80% of the
 * rows at 9 digits, 29-31% at 6 and 9-10% at 4 (bench/reinfer, CHANGE). */
#define CONF_DIGITS 6

/* v to CONF_DIGITS significant digits: the text into num, the value it
 * reads back as returned (one conversion each way a confidence). */
static double conf_text(double v, char num[static 32]) {
    snprintf(num, 32, "%.*g", CONF_DIGITS, v);
    return strtod(num, NULL);
}

static double conf_round(double v) {
    char num[32];
    return conf_text(v, num);
}

/* {FIELD: VALUE} and {FIELD: P} of task t from the choice fields alone. */
static int compose_choice(struct run *R, size_t t, struct tl_buf *arena, double *min_conf) {
    const struct tl_schema *s = R->schema;
    int rc = tl_buf_puts(arena, "{");
    bool first = true;
    *min_conf = 1;
    for (size_t k = 0; !rc && k < R->n_choice; k++) {
        const struct choice *c = &R->ch[k];
        if (c->agg[t] < 0)
            continue;
        const char *name = s->fields[c->field].name, *opt = s->fields[c->field].options[c->agg[t]];
        rc = tl_buf_puts(arena, first ? "" : ",");
        rc = rc ? rc : tl_buf_json_str(arena, name, strlen(name));
        rc = rc ? rc : tl_buf_puts(arena, ":");
        rc = rc ? rc : tl_buf_json_str(arena, opt, strlen(opt));
        first = false;
    }
    rc = rc ? rc : tl_buf_append(arena, "}", 2); /* with its NUL: a separator */
    rc = rc ? rc : tl_buf_puts(arena, "{");
    first = true;
    for (size_t k = 0; !rc && k < R->n_choice; k++) {
        const struct choice *c = &R->ch[k];
        if (c->agg[t] < 0)
            continue;
        const char *name = s->fields[c->field].name;
        rc = tl_buf_puts(arena, first ? "" : ",");
        rc = rc ? rc : tl_buf_json_str(arena, name, strlen(name));
        rc = rc ? rc : tl_buf_puts(arena, ":");
        char num[32];
        double conf = conf_text(c->conf[t], num);
        rc = rc ? rc : tl_buf_puts(arena, num);
        if (conf < *min_conf)
            *min_conf = conf;
        first = false;
    }
    return rc ? rc : tl_buf_append(arena, "}", 2);
}

/* The same through taskagg for every field, the choice fields then set
 * from the inference. */
static int compose_all(struct run *R, size_t t, const double *skill, struct tl_buf *arena,
                       double *min_conf) {
    size_t from = R->task_off[t], to = R->task_off[t + 1];
    struct tl_q_vote *v = calloc(to - from ? to - from : 1, sizeof *v);
    if (!v)
        return TL_ENOMEM;
    size_t nv = 0;
    for (size_t i = from; i < to; i++) {
        json_t *j = json_loadb(R->raw.data + R->raw_off[i], R->raw_off[i + 1] - R->raw_off[i], 0,
                               NULL);
        if (!j)
            continue; /* a result the store holds is JSON; skip rather than fail */
        v[nv++] = (struct tl_q_vote){.result = j, .skill = skill[R->lab_worker[i]]};
    }
    struct tl_q_task_agg a = {0};
    int rc = tl_q_task_aggregate(R->schema, v, nv, &a);
    bool has_agg = rc == 0;
    for (size_t k = 0; !rc && k < R->n_choice; k++) {
        const struct choice *c = &R->ch[k];
        const struct tl_field *fd = &R->schema->fields[c->field];
        if (c->agg[t] < 0)
            continue;
        if (json_object_set_new(a.result, fd->name, json_string(fd->options[c->agg[t]])) ||
            json_object_set_new(a.confidence, fd->name, json_real(c->conf[t])))
            rc = TL_ENOMEM;
    }
    if (!rc) {
        *min_conf = 1;
        const char *key;
        json_t *val;
        json_object_foreach(a.confidence, key, val) {
            double conf = conf_round(json_number_value(val));
            if (conf < *min_conf)
                *min_conf = conf;
        }
        char *res = json_dumps(a.result, JSON_COMPACT);
        char *conf = json_dumps(a.confidence, JSON_COMPACT | JSON_REAL_PRECISION(CONF_DIGITS));
        rc = res && conf ? 0 : TL_ENOMEM;
        rc = rc ? rc : tl_buf_append(arena, res, strlen(res) + 1);
        rc = rc ? rc : tl_buf_append(arena, conf, strlen(conf) + 1);
        free(res);
        free(conf);
    }
    if (has_agg)
        tl_q_task_agg_release(&a);
    for (size_t i = 0; i < nv; i++)
        json_decref((json_t *)v[i].result);
    free(v);
    return rc;
}

/* The rows to write, composed side by side: thread tid of n takes its
 * slice of the tasks (tl_q_par_split) into its own arena (at[t]: where task
 * t's text starts in it). */
struct compose_job {
    struct run *R;
    const double *skill;
    size_t *at;
    struct tl_agg_row *rows;
    struct tl_buf arena[TL_Q_MAX_THREADS];
    int rc[TL_Q_MAX_THREADS];
};

static void compose_part(void *arg, int tid, int nthreads) {
    struct compose_job *j = arg;
    struct run *R = j->R;
    size_t lo, hi;
    tl_q_par_split(R->n_tasks, tid, nthreads, &lo, &hi);
    struct tl_buf *arena = &j->arena[tid];
    for (size_t t = lo; !j->rc[tid] && t < hi; t++) {
        j->at[t] = arena->len;
        j->rows[t].task_pk = R->task_pk[t];
        j->rows[t].n_annotations = (int)(R->task_off[t + 1] - R->task_off[t]);
        j->rc[tid] = R->has_other
                         ? compose_all(R, t, j->skill, arena, &j->rows[t].min_confidence)
                         : compose_choice(R, t, arena, &j->rows[t].min_confidence);
    }
}

/* The rows are composed on n_threads threads (the read's parts: one per
 * core for a large project), then written through the store's single
 * writer. Composing is formatting only (a confidence's digits, JSON
 * strings): 0.15 s of 333,334 rows on one core. */
static int write_back(struct tl_store *s, const struct tl_project *p, struct run *R,
                      const double *skill, int64_t read_at_ms, size_t n_threads,
                      size_t *n_written) {
    int nth = n_threads < 1 || R->n_tasks < n_threads ? 1
              : n_threads > TL_Q_MAX_THREADS          ? TL_Q_MAX_THREADS
                                                      : (int)n_threads;
    struct compose_job j = {.R = R,
                            .skill = skill,
                            .rows = calloc(R->n_tasks ? R->n_tasks : 1, sizeof *j.rows),
                            .at = calloc(R->n_tasks ? R->n_tasks : 1, sizeof *j.at)};
    for (int i = 0; i < nth; i++)
        tl_buf_init(&j.arena[i], ARENA_MAX);
    int rc = j.rows && j.at ? 0 : TL_ENOMEM;
    if (!rc)
        tl_q_par_run(nth, compose_part, &j);
    for (int i = 0; !rc && i < nth; i++)
        rc = j.rc[i];
    /* The arenas moved as they grew: point the rows into them only now. */
    for (int i = 0; !rc && i < nth; i++) {
        size_t lo, hi;
        tl_q_par_split(R->n_tasks, i, nth, &lo, &hi);
        for (size_t t = lo; t < hi; t++) {
            struct tl_agg_row *row = &j.rows[t];
            row->result = j.arena[i].data + j.at[t];
            row->result_len = strlen(row->result);
            row->confidence = row->result + row->result_len + 1;
            row->confidence_len = strlen(row->confidence);
        }
    }
    const char *method = p->q.method[0] ? p->q.method : "auto";
    if (!rc)
        rc = tl_store_agg_write(s, p, method, j.rows, R->n_tasks, read_at_ms, n_written);
    free(j.at);
    free(j.rows);
    for (int i = 0; i < nth; i++)
        tl_buf_release(&j.arena[i]);
    return rc;
}

static int agreement_json(const struct run *R, char **out) {
    json_t *o = json_object();
    int rc = o ? 0 : TL_ENOMEM;
    for (size_t k = 0; !rc && k < R->n_choice; k++) {
        const struct choice *c = &R->ch[k];
        if (json_object_set_new(o, R->names[k], c->has_alpha ? json_real(c->alpha) : json_null()))
            rc = TL_ENOMEM;
    }
    *out = rc ? NULL : json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return rc ? rc : *out ? 0 : TL_ENOMEM;
}

static int parse_schema(const struct tl_project *p, struct tl_schema *out) {
    json_t *js = json_loads(p->schema_json ? p->schema_json : "", 0, NULL);
    if (!js)
        return TL_EINTERNAL;
    int rc = tl_schema_parse_stored(js, out, NULL);
    json_decref(js);
    return rc == TL_ENOMEM ? rc : rc ? TL_EINTERNAL : 0;
}

int tl_queue_reinfer(struct tl_store *s, const struct tl_project *p, int threads,
                     struct tl_reinfer_stats *stats) {
    struct tl_reinfer_stats st = {0};
    enum tl_q_method m = TL_Q_AUTO;
    if (p->q.method[0] && tl_q_method_parse(p->q.method, &m))
        return TL_EINTERNAL;
    struct tl_schema schema;
    int rc = parse_schema(p, &schema);
    if (rc)
        return rc;
    /* The read in parts side by side (store.h), one per core, each into
     * its own run, then joined in order into part[0]. */
    struct run part[TL_AGG_MAX_PARTS];
    void *ctx[TL_AGG_MAX_PARTS];
    long cores = threads > 0 ? threads : sysconf(_SC_NPROCESSORS_ONLN);
    int64_t worth = p->n_tasks / PART_MIN_TASKS;
    if (threads <= 0 && cores > worth)
        cores = worth; /* a count asked for is used as asked (tests split small projects) */
    size_t n_parts = cores < 1 ? 1 : cores > TL_AGG_MAX_PARTS ? TL_AGG_MAX_PARTS : (size_t)cores;
    for (size_t i = 0; i < n_parts; i++) {
        int irc = run_init(&part[i], &schema);
        rc = rc ? rc : irc;
        ctx[i] = &part[i];
    }
    struct run *R = &part[0];
    struct tl_agg_seen seen = {0};
    double t0 = now_s(), c0 = cpu_s();
    size_t n_used = 1;
    rc = rc ? rc : tl_store_agg_labels(s, p, n_parts, on_label, ctx, &n_used, &seen);
    for (size_t i = 1; !rc && i < n_used; i++)
        rc = run_append(R, &part[i]);
    if (!rc && R->n_tasks)
        R->task_off[R->n_tasks] = (uint32_t)R->n;
    st.read_s = now_s() - t0;
    st.read_cpu_s = cpu_s() - c0;
    bool was_read = !rc;

    t0 = now_s();
    c0 = cpu_s();
    struct tl_quality_run run = {.started_at_ms = seen.read_at_ms, .seen = seen};
    snprintf(run.method, sizeof run.method, "%s", p->q.method[0] ? p->q.method : "auto");
    struct worker_sums ws = {0};
    size_t nw = R->n_workers ? R->n_workers : 1;
    double *skill = NULL;
    if (!rc) {
        ws.skill_sum = calloc(nw, sizeof *ws.skill_sum);
        ws.skill_n = calloc(nw, sizeof *ws.skill_n);
        ws.agree = calloc(nw, sizeof *ws.agree);
        ws.answered = calloc(nw, sizeof *ws.answered);
        skill = malloc(nw * sizeof *skill);
        if (!ws.skill_sum || !ws.skill_n || !ws.agree || !ws.answered || !skill)
            rc = TL_ENOMEM;
    }
    for (size_t k = 0; !rc && k < R->n_choice; k++) {
        struct choice *c = &R->ch[k];
        size_t nt = R->n_tasks ? R->n_tasks : 1;
        c->agg = malloc(nt * sizeof *c->agg);
        c->conf = calloc(nt, sizeof *c->conf);
        if (!c->agg || !c->conf) {
            rc = TL_ENOMEM;
            break;
        }
        for (size_t t = 0; t < nt; t++)
            c->agg[t] = -1;
        rc = infer_field(R, c, m, threads, &ws, run.detail, sizeof run.detail);
    }
    for (size_t w = 0; !rc && w < R->n_workers; w++)
        skill[w] = ws.skill_n[w] ? ws.skill_sum[w] / ws.skill_n[w] : -1;
    st.infer_s = now_s() - t0;
    st.infer_cpu_s = cpu_s() - c0;

    t0 = now_s();
    c0 = cpu_s();
    if (!rc)
        rc = write_back(s, p, R, skill, seen.read_at_ms, n_used, &st.n_written);
    struct tl_agg_worker *wk = rc ? NULL : calloc(nw, sizeof *wk);
    if (!rc && !wk)
        rc = TL_ENOMEM;
    for (size_t w = 0; !rc && w < R->n_workers; w++)
        wk[w] = (struct tl_agg_worker){
            .annotator_pk = R->worker_pk[w],
            .skill = skill[w],
            .agreement = ws.answered[w] ? (double)ws.agree[w] / ws.answered[w] : -1};
    if (!rc)
        rc = tl_store_agg_workers(s, p, wk, R->n_workers, tl_clock_ms());
    free(wk);
    if (!rc)
        rc = agreement_json(R, &run.agreement);
    st.write_s = now_s() - t0;
    st.write_cpu_s = cpu_s() - c0;

    st.n_labels = R->n;
    st.n_tasks = R->n_tasks;
    st.n_workers = R->n_workers;
    st.n_slow = R->n_slow;
    st.n_parts = n_used;
    if (was_read) {
        /* The record is kept even for a failed run: the scheduler then waits
         * for new labels rather than failing again every tick. */
        run.finished_at_ms = tl_clock_ms();
        run.n_labels = (int64_t)R->n;
        run.n_tasks = (int64_t)R->n_tasks;
        run.n_workers = (int64_t)R->n_workers;
        run.seconds = st.read_s + st.infer_s + st.write_s;
        if (rc)
            snprintf(run.error, sizeof run.error, "%s", tl_strerror(rc));
        int put = tl_store_quality_run_put(s, p, &run);
        rc = rc ? rc : put;
    }
    tl_quality_run_release(&run);
    free(ws.skill_sum);
    free(ws.skill_n);
    free(ws.agree);
    free(ws.answered);
    free(skill);
    for (size_t i = 0; i < n_parts; i++)
        run_release(&part[i]);
    tl_schema_release(&schema);
    if (stats)
        *stats = st;
    return rc;
}
