/* labels_csv.c: loading labels and gold answers from CSV text (see
 * labels_csv.h). */
#include "quality/labels_csv.h"

#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "quality/par.h"

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
    struct tl_q_row_ref rows[ADD_BATCH];
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
        int rc = tl_q_labels_add_row(L, &b->rows[i]);
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
        struct tl_q_row_ref *r = &batch.rows[batch.n++];
        tl_q_row_ref_set(r, c.fields[0].ptr, c.fields[0].len, c.fields[1].ptr, c.fields[1].len,
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
    else if ((rc = tl_q_labels_append(L, &second)))
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
