/* queue.c: see queue.h. */
#include "queue/queue.h"

#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "quality/taskagg.h"
#include "schema/schema.h"
#include "schema/score.h"

/* ---- the submit hooks (run on the store's writer thread) ---- */

static int hook_score(const struct tl_submit_hooks *h, const char *gold, size_t gold_len,
                      const char *result, size_t result_len, double *score) {
    const struct tl_queue_schema *e = h->ctx;
    json_t *g = json_loadb(gold, gold_len, 0, NULL);
    json_t *r = json_loadb(result, result_len, 0, NULL);
    int rc = g && r ? tl_schema_score(&e->schema, g, r, score, NULL) : TL_EINTERNAL;
    json_decref(g);
    json_decref(r);
    /* A gold that no longer fits the schema scores nobody: the submission
     * itself stands (TL_EEMPTY: "not scored", store.h). */
    return rc == TL_EINVAL || rc == TL_EINTERNAL ? TL_EEMPTY : rc;
}

static int hook_aggregate(const struct tl_submit_hooks *h, const struct tl_store_vote *v,
                          size_t n, struct tl_store_agg *out) {
    const struct tl_queue_schema *e = h->ctx;
    struct tl_q_vote *qv = calloc(n ? n : 1, sizeof *qv);
    if (!qv)
        return TL_ENOMEM;
    int rc = 0;
    size_t parsed = 0;
    for (; parsed < n && !rc; parsed++) {
        qv[parsed].result = json_loadb(v[parsed].result, v[parsed].result_len, 0, NULL);
        qv[parsed].skill = v[parsed].skill;
        if (!qv[parsed].result)
            rc = TL_EINTERNAL;
    }
    struct tl_q_task_agg agg = {0};
    if (!rc)
        rc = tl_q_task_aggregate(&e->schema, qv, n, &agg);
    if (!rc) {
        out->result = json_dumps(agg.result, JSON_COMPACT);
        out->confidence = json_dumps(agg.confidence, JSON_COMPACT);
        out->min_confidence = agg.min_confidence;
        rc = out->result && out->confidence ? 0 : TL_ENOMEM;
        tl_q_task_agg_release(&agg);
    }
    for (size_t i = 0; i < parsed; i++)
        json_decref((json_t *)qv[i].result);
    free(qv);
    return rc;
}

int tl_queue_hooks_init(struct tl_queue_hooks *qh, const struct tl_project *p,
                        struct tl_errbuf *eb) {
    memset(qh, 0, sizeof *qh);
    int rc = tl_queue_schema_get(p, &qh->schema, eb);
    if (rc)
        return rc;
    qh->h.score = hook_score;
    qh->h.aggregate = hook_aggregate;
    qh->h.ctx = qh->schema;
    return 0;
}

/* The pre-computed aggregate, if any, freed and unset. */
static void pre_drop(struct tl_queue_hooks *qh) {
    free(qh->pre.result);
    free(qh->pre.confidence);
    qh->pre = (struct tl_store_agg){0};
    qh->h.pre = NULL;
}

void tl_queue_hooks_release(struct tl_queue_hooks *qh) {
    tl_queue_schema_put(qh->schema);
    qh->schema = NULL;
    pre_drop(qh);
}

/* The submission's live aggregate, computed here, on the caller's thread,
 * from the task's votes as a reader sees them plus this one: the writer
 * (one thread for every submit) then only checks that the votes are still
 * those and writes the row (store.h, tl_submit_hooks.pre), instead of
 * parsing every vote, clustering and serialising inside its transaction.
 * Anything that fails here leaves h.pre unset: the writer computes it. */
static void precompute(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                       const char *task_id, const char *text, size_t text_len,
                       struct tl_queue_hooks *qh) {
    struct tl_store_vote *v;
    size_t n;
    double skill;
    struct tl_store_votes_seen seen;
    if (tl_store_task_votes(s, p, task_id, sc->user_pk, &v, &n, &skill, &seen))
        return;
    struct tl_store_vote *all = realloc(v, (n + 1) * sizeof *v);
    if (!all) {
        tl_store_votes_free(v, n);
        return;
    }
    all[n] = (struct tl_store_vote){.result = text, .result_len = text_len, .skill = skill};
    if (hook_aggregate(&qh->h, all, n + 1, &qh->pre) == 0) {
        qh->h.pre = &qh->pre;
        qh->h.pre_seen = seen;
    } else {
        pre_drop(qh); /* what a failed aggregate left half made */
    }
    tl_store_votes_free(all, n); /* the last vote's text is the caller's */
}

/* ---- next ---- */

int tl_queue_next(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                  struct tl_lease *out) {
    struct tl_lease_policy pol;
    tl_queue_policy_init(&pol, p);
    return tl_store_lease_claim_policy(s, sc, p, tl_clock_ms(), &pol, out, NULL, NULL);
}

int tl_queue_next_policy_async(struct tl_store *s, const struct tl_scope *sc,
                               const struct tl_project *p, struct tl_lease_policy *pol,
                               struct tl_lease *out, tl_store_done_fn done, void *cb_arg) {
    tl_queue_policy_init(pol, p);
    return tl_store_lease_claim_policy(s, sc, p, tl_clock_ms(), pol, out, done, cb_arg);
}

/* A claim whose policy lives with it on the heap until done. */
struct next_op {
    struct tl_lease_policy pol;
    tl_store_done_fn done;
    void *cb_arg;
};

static void next_done(void *arg, int rc) {
    struct next_op *op = arg;
    tl_store_done_fn done = op->done;
    void *cb_arg = op->cb_arg;
    free(op); /* before done, which may end the caller's request */
    done(cb_arg, rc);
}

int tl_queue_next_async(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                        struct tl_lease *out, tl_store_done_fn done, void *cb_arg) {
    struct next_op *op = malloc(sizeof *op);
    if (!op)
        return TL_ENOMEM;
    op->done = done;
    op->cb_arg = cb_arg;
    int rc = tl_queue_next_policy_async(s, sc, p, &op->pol, out, next_done, op);
    if (rc)
        free(op);
    return rc;
}

/* ---- submit ---- */

/* The task's data for a schema that needs it: *data stays NULL otherwise. */
static int load_task_data(struct tl_store *s, const struct tl_project *p, const char *task_id,
                          const struct tl_schema *schema, json_t **data) {
    *data = NULL;
    if (!schema->needs_data || !s)
        return 0;
    char *text;
    size_t len;
    int rc = tl_store_task_data(s, p, task_id, &text, &len);
    if (rc)
        return rc;
    *data = json_loadb(text, len, 0, NULL);
    free(text);
    return *data ? 0 : TL_EINTERNAL;
}

static int check(struct tl_store *s, const struct tl_project *p, const char *task_id,
                 const json_t *result, char **text, struct tl_errbuf *eb) {
    *text = NULL;
    struct tl_queue_schema *e;
    int rc = tl_queue_schema_get(p, &e, eb);
    if (rc)
        return rc;
    json_t *data = NULL;
    rc = load_task_data(s, p, task_id, &e->schema, &data);
    if (!rc)
        rc = tl_schema_validate_task(&e->schema, result, data, eb);
    json_decref(data);
    tl_queue_schema_put(e);
    if (rc)
        return rc;
    *text = json_dumps(result, JSON_COMPACT);
    return *text ? 0 : TL_ENOMEM;
}

int tl_queue_check_result(const struct tl_project *p, const json_t *result, char **text,
                          struct tl_errbuf *eb) {
    return check(NULL, p, NULL, result, text, eb);
}

int tl_queue_check_submission(struct tl_store *s, const struct tl_project *p,
                              const char *task_id, const json_t *result, char **text,
                              struct tl_errbuf *eb) {
    return check(s, p, task_id, result, text, eb);
}

int tl_queue_submit(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                    const char *task_id, const char *lease_id, const json_t *result, tl_id out_id,
                    struct tl_errbuf *eb) {
    char *text;
    int rc = tl_queue_check_submission(s, p, task_id, result, &text, eb);
    if (rc)
        return rc;
    struct tl_queue_hooks qh;
    rc = tl_queue_hooks_init(&qh, p, eb);
    if (!rc) {
        precompute(s, sc, p, task_id, text, strlen(text), &qh);
        rc = tl_store_annotation_submit_hooked(s, sc, p, task_id, lease_id, text, strlen(text),
                                               tl_clock_ms(), &qh.h, out_id, NULL, NULL);
        tl_queue_hooks_release(&qh);
    }
    free(text);
    if (rc == TL_ECONFLICT)
        tl_errf(eb, rc, TL_QUEUE_LEASE_CONFLICT);
    return rc;
}

/* A submission's hooks hold the compiled schema until its write is done. */
struct submit_op {
    struct tl_queue_hooks qh;
    tl_store_done_fn done;
    void *cb_arg;
};

static void submit_done(void *arg, int rc) {
    struct submit_op *op = arg;
    tl_store_done_fn done = op->done;
    void *cb_arg = op->cb_arg;
    tl_queue_hooks_release(&op->qh);
    free(op);
    done(cb_arg, rc);
}

int tl_queue_submit_async(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                          const char *task_id, const char *lease_id, const char *text,
                          size_t text_len, char *out_id, tl_store_done_fn done, void *cb_arg) {
    struct submit_op *op = malloc(sizeof *op);
    if (!op)
        return TL_ENOMEM;
    struct tl_errbuf eb = {{0}};
    int rc = tl_queue_hooks_init(&op->qh, p, &eb);
    if (rc) {
        free(op);
        return rc;
    }
    op->done = done;
    op->cb_arg = cb_arg;
    precompute(s, sc, p, task_id, text, text_len, &op->qh);
    rc = tl_store_annotation_submit_hooked(s, sc, p, task_id, lease_id, text, text_len,
                                           tl_clock_ms(), &op->qh.h, out_id, submit_done, op);
    if (rc) {
        tl_queue_hooks_release(&op->qh);
        free(op);
    }
    return rc;
}
