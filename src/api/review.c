/* review.c: the review queue (docs/quality-review.md):
 * GET  /api/v1/projects/{id}/reviews?status=pending|done&limit=&cursor=
 * POST /api/v1/projects/{id}/reviews/next   (200 item claimed by the caller, or 204)
 * POST /api/v1/reviews/{id}                 (accept, reject or correct)
 * GET  /api/v1/projects/{id}/reviewers      (reviewers' scores)
 *
 * The policy (routes.c) has fetched the project through the caller's scope
 * (for /reviews/{id}, the review's project) and checked `review` or
 * `quality`. People appear as export shows them: the tenant's own staff by
 * email (tl_policy_shows_email), everyone else by pseudonym. The task's
 * gold never appears in an item: reviewers are scored against it. Like
 * webhook creation, these writes are rare and wait for the group commit on
 * the event loop. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/clock.h"
#include "quality/revscore.h"
#include "quality/taskagg.h"
#include "queue/queue.h"
#include "schema/score.h"

#define PAGE_DEFAULT      50
#define PAGE_MAX          500

static const char *const reason_names[] = {
    [TL_REVIEW_SAMPLED] = "sampled",
    [TL_REVIEW_LOW_CONFIDENCE] = "low_confidence",
    [TL_REVIEW_FLAGGED] = "flagged_annotator",
};
static const char *const status_names[] = {
    [TL_REVIEW_PENDING] = "pending",
    [TL_REVIEW_ACCEPTED] = "accepted",
    [TL_REVIEW_REJECTED] = "rejected",
    [TL_REVIEW_CORRECTED] = "corrected",
};

static const char *name_in(const char *const *names, size_t n, int i) {
    return i >= 0 && (size_t)i < n ? names[i] : "unknown";
}

/* A person as the caller may see them: export's rule with the caller's
 * tenant as the viewer, so the tenant's staff see their colleagues by
 * email and a workforce member reviewer sees everyone by pseudonym (keyed
 * by the project's tenant, as in the export). */
static json_t *person_json(struct tl_api *a, const struct tl_api_call *c,
                           const struct tl_review_person *who) {
    const struct tl_project *p = &c->p;
    if (tl_policy_shows_email(c->sc.tenant_id, who->tenant_id, who->role))
        return json_string(who->email);
    char name[TL_PSEUDONYM_LEN + 1];
    tl_pseudonym(tl_store_secret(a->store), p->tenant_id, who->user_id, name);
    return json_string(name);
}

static json_t *parse_or_null(const char *text) {
    json_t *j = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
    return j ? j : json_null();
}

static json_t *schema_load(const struct tl_project *p, struct tl_schema *s) {
    json_t *js = p->schema_json ? json_loads(p->schema_json, 0, NULL) : NULL;
    struct tl_errbuf eb;
    if (!js || tl_schema_parse_stored(js, s, &eb)) {
        json_decref(js);
        return NULL;
    }
    return js;
}

/* ---- the item a reviewer works on ---- */

/* The task's aggregate as the reviewer sees it: the stored one, else the
 * live vote of its counted annotations (method "live"), so an accept
 * always confirms an answer that was shown. *agg owned: release it. */
static int item_aggregate(const struct tl_schema *s, const struct tl_review_item *v,
                          json_t **result, json_t **confidence, const char **method) {
    *result = *confidence = NULL;
    if (v->has_aggregate) {
        *result = json_loads(v->agg_result, 0, NULL);
        *confidence = json_loads(v->agg_confidence, 0, NULL);
        *method = v->agg_method;
        return *result && *confidence ? 0 : TL_EINTERNAL;
    }
    if (!v->n_annots)
        return 0;
    struct tl_q_vote *votes = calloc(v->n_annots, sizeof *votes);
    json_t **parsed = calloc(v->n_annots, sizeof *parsed);
    int rc = votes && parsed ? 0 : TL_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; !rc && i < v->n_annots; i++) {
        if (!(parsed[i] = json_loads(v->annots[i].result, 0, NULL)))
            continue;
        votes[n].result = parsed[i];
        votes[n++].skill = -1;
    }
    struct tl_q_task_agg agg;
    if (!rc && !(rc = tl_q_task_aggregate(s, votes, n, &agg))) {
        *result = agg.result;
        *confidence = agg.confidence;
        *method = "live";
    }
    for (size_t i = 0; parsed && i < v->n_annots; i++)
        json_decref(parsed[i]);
    free(parsed);
    free(votes);
    return rc;
}

static json_t *item_json(struct tl_api *a, const struct tl_api_call *c,
                         const struct tl_review_item *v, const json_t *agg_result,
                         const json_t *agg_conf, const char *method) {
    json_t *annots = json_array();
    for (size_t i = 0; annots && i < v->n_annots; i++)
        json_array_append_new(annots,
                              json_pack("{s:s,s:o,s:o}", "id", v->annots[i].id, "annotator",
                                        person_json(a, c, &v->annots[i].by), "result",
                                        parse_or_null(v->annots[i].result)));
    json_t *agg = agg_result ? json_pack("{s:s,s:O,s:O,s:b}", "method", method, "result",
                                         agg_result, "confidence", agg_conf, "reviewed",
                                         v->is_agg_reviewed)
                             : json_null();
    return json_pack("{s:s,s:s,s:s,s:o,s:o*,s:o*}", "id", v->id, "task_id", v->task_id,
                     "reason", name_in(reason_names, 3, v->reason), "data",
                     parse_or_null(v->data), "annotations", annots, "aggregate", agg);
}

/* A review as lists and decisions answer it. */
static json_t *review_json(struct tl_api *a, const struct tl_api_call *c,
                           const struct tl_review_item *v) {
    return json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o}", "id", v->id, "task_id",
                     v->task_id, "reason", name_in(reason_names, 3, v->reason), "status",
                     name_in(status_names, 4, v->status), "reviewer",
                     v->has_reviewer ? person_json(a, c, &v->reviewer) : json_null(),
                     "created_at", tl_api_time_or_null(v->created_at_ms), "claimed_at",
                     tl_api_time_or_null(v->claimed_at_ms), "decided_at",
                     tl_api_time_or_null(v->decided_at_ms), "correction",
                     parse_or_null(v->correction), "rejected", parse_or_null(v->rejected));
}

void tl_api_reviews_next(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    if (tl_api_body_refused_unless_empty(r))
        return;
    struct tl_review_item v;
    int rc = tl_store_review_next(a->store, &c->sc, &c->p, tl_clock_ms(), &v);
    if (rc == TL_EEMPTY) {
        tl_http_respond_empty(r, 204);
        return;
    }
    if (rc) {
        tl_api_fail(r, rc, NULL);
        return;
    }
    struct tl_schema s;
    json_t *js = schema_load(&c->p, &s), *res = NULL, *conf = NULL;
    const char *method = NULL;
    rc = js ? item_aggregate(&s, &v, &res, &conf, &method) : TL_EINTERNAL;
    if (rc)
        tl_api_fail(r, rc, NULL);
    else
        tl_http_respond_json(r, 200, item_json(a, c, &v, res, conf, method));
    json_decref(res);
    json_decref(conf);
    if (js) {
        tl_schema_release(&s);
        json_decref(js);
    }
    tl_review_item_release(&v);
}

/* ---- the list ---- */

void tl_api_reviews_list(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    const char *status_q = tl_http_query(r, "status"), *limit_q = tl_http_query(r, "limit");
    const char *cursor_q = tl_http_query(r, "cursor");
    size_t limit = PAGE_DEFAULT;
    int64_t cursor = 0;
    if (status_q && strcmp(status_q, "pending") && strcmp(status_q, "done")) {
        tl_api_fail(r, TL_EINVAL, "status must be pending or done");
        return;
    }
    if (limit_q && tl_api_page_limit(limit_q, PAGE_MAX, &limit)) {
        tl_api_fail(r, TL_EINVAL, "limit must be an integer in 1..500");
        return;
    }
    if (cursor_q && tl_api_cursor_parse('r', cursor_q, &cursor)) {
        tl_api_fail(r, TL_EINVAL, "cursor must be a next_cursor this endpoint returned");
        return;
    }
    bool is_done = status_q && !strcmp(status_q, "done");
    struct tl_review_item *v;
    size_t n;
    int rc = tl_store_review_list(a->store, &c->p, is_done, limit, &cursor, &v, &n);
    if (rc) {
        tl_api_fail(r, rc, NULL);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        if (arr)
            json_array_append_new(arr, review_json(a, c, &v[i]));
        tl_review_item_release(&v[i]);
    }
    free(v);
    tl_http_respond_json(r, 200, json_pack("{s:o*,s:o}", "reviews", arr, "next_cursor",
                                           tl_api_cursor_json('r', cursor)));
}

/* ---- decisions ---- */

struct decision_in {
    struct tl_review_decision d;
    const char *ids[TL_REVIEW_MAX_ANNOTS];
    char *answer_text;  /* owned */
    char *confidence;   /* owned */
    json_t *answer;     /* owned: the reviewed answer, for the gold score */
    char method[16];
};

static void decision_release(struct decision_in *in) {
    free(in->answer_text);
    free(in->confidence);
    json_decref(in->answer);
}

/* A correction: checked against the schema (and the task's text, for
 * spans) like a submission; confident in every field it answers. */
static int read_correct(struct tl_api *a, const struct tl_project *p,
                        const struct tl_review_item *v, const json_t *result,
                        struct decision_in *in, struct tl_errbuf *eb) {
    if (!json_is_object(result))
        return tl_errf(eb, TL_EINVAL, "a correction needs result: an object");
    int rc = tl_queue_check_submission(a->store, p, v->task_id, result, &in->answer_text, eb);
    if (rc)
        return rc;
    json_t *conf = json_object();
    const char *key;
    const json_t *val;
    json_object_foreach((json_t *)result, key, val) {
        if (conf)
            json_object_set_new(conf, key, json_real(1.0));
    }
    in->confidence = conf ? json_dumps(conf, JSON_COMPACT) : NULL;
    json_decref(conf);
    in->answer = json_incref((json_t *)result);
    snprintf(in->method, sizeof in->method, "review");
    return in->confidence ? 0 : TL_ENOMEM;
}

/* An accept: the aggregate the item showed becomes the reviewed answer. */
static int read_accept(const struct tl_schema *s, const struct tl_review_item *v,
                       struct decision_in *in) {
    json_t *res, *conf;
    const char *method = "live";
    int rc = item_aggregate(s, v, &res, &conf, &method);
    if (rc || !res)
        return rc;
    snprintf(in->method, sizeof in->method, "%s", method);
    in->answer_text = json_dumps(res, JSON_COMPACT);
    in->confidence = json_dumps(conf, JSON_COMPACT);
    in->answer = res;
    json_decref(conf);
    return in->answer_text && in->confidence ? 0 : TL_ENOMEM;
}

/* A reject's annotation ids (absent: all). */
static int read_reject(const json_t *ids, struct decision_in *in, struct tl_errbuf *eb) {
    if (!ids)
        return 0;
    if (!json_is_array(ids) || json_array_size(ids) == 0 ||
        json_array_size(ids) > TL_REVIEW_MAX_ANNOTS)
        return tl_errf(eb, TL_EINVAL, "annotations must be an array of 1..%d annotation ids",
                       TL_REVIEW_MAX_ANNOTS);
    size_t i;
    const json_t *id;
    json_array_foreach(ids, i, id) {
        if (!json_is_string(id))
            return tl_errf(eb, TL_EINVAL, "annotations[%zu] must be an annotation id", i);
        in->ids[i] = json_string_value(id);
    }
    in->d.annotation_ids = in->ids;
    in->d.n_ids = json_array_size(ids);
    return 0;
}

/* The decision scored against the task's gold (migration 15): the answer's
 * score; for a reject, 1 when every rejected annotation was wrong. */
static int gold_score(const struct tl_schema *s, const struct tl_review_item *v,
                      struct decision_in *in) {
    json_t *gold = v->gold ? json_loads(v->gold, 0, NULL) : NULL;
    if (!gold)
        return 0;
    int rc = 0;
    double x = 0;
    if (in->d.status != TL_REVIEW_REJECTED) {
        rc = in->answer ? tl_schema_score(s, gold, in->answer, &x, NULL) : 0;
    } else {
        x = 1;
        for (size_t i = 0; !rc && i < v->n_annots; i++) {
            bool is_named = !in->d.annotation_ids;
            for (size_t j = 0; !is_named && j < in->d.n_ids; j++)
                is_named = !strcmp(in->d.annotation_ids[j], v->annots[i].id);
            json_t *res = is_named ? json_loads(v->annots[i].result, 0, NULL) : NULL;
            double y = 0;
            if (res && !(rc = tl_schema_score(s, gold, res, &y, NULL)) &&
                y >= TL_Q_REVIEW_GOLD_RIGHT)
                x = 0; /* a right annotation was rejected */
            json_decref(res);
        }
    }
    json_decref(gold);
    if (!rc) {
        in->d.has_gold_score = true;
        in->d.gold_score = x;
    }
    return rc;
}

static int decide(struct tl_api *a, struct tl_api_call *c, const char *id, const json_t *body,
                  const struct tl_schema *s, struct tl_errbuf *eb) {
    static const char *const names[] = {"accept", "reject", "correct"};
    const char *decision = json_string_value(json_object_get(body, "decision"));
    int status = 0;
    for (int i = 0; decision && i < 3; i++)
        if (!strcmp(decision, names[i]))
            status = TL_REVIEW_ACCEPTED + i;
    if (!status)
        return tl_errf(eb, TL_EINVAL, "decision must be accept, reject or correct");
    const json_t *result = json_object_get(body, "result");
    const json_t *ids = json_object_get(body, "annotations");
    if (result && status != TL_REVIEW_CORRECTED)
        return tl_errf(eb, TL_EINVAL, "result goes with decision correct only");
    if (ids && status != TL_REVIEW_REJECTED)
        return tl_errf(eb, TL_EINVAL, "annotations go with decision reject only");
    struct tl_review_item v;
    int rc = tl_store_review_get(a->store, &c->p, id, &v);
    if (rc)
        return rc;
    struct decision_in in = {.d = {.status = status}};
    if (v.status != TL_REVIEW_PENDING)
        rc = tl_errf(eb, TL_ECONFLICT, "this review is decided already");
    else if (status == TL_REVIEW_CORRECTED)
        rc = read_correct(a, &c->p, &v, result, &in, eb);
    else if (status == TL_REVIEW_ACCEPTED)
        rc = read_accept(s, &v, &in);
    else
        rc = read_reject(ids, &in, eb);
    if (!rc)
        rc = gold_score(s, &v, &in);
    if (!rc) {
        in.d.answer = in.answer_text;
        in.d.confidence = in.confidence;
        in.d.agg_method = in.method[0] ? in.method : NULL;
        rc = tl_store_review_decide(a->store, &c->sc, &c->p, id, &in.d, tl_clock_ms());
        if (rc == TL_ECONFLICT)
            tl_errf(eb, rc, "this review is decided already or claimed by another reviewer");
        else if (rc == TL_EINVAL)
            tl_errf(eb, rc, "annotations must name counted annotations of the review's task");
    }
    decision_release(&in);
    tl_review_item_release(&v);
    return rc;
}

void tl_api_reviews_decide(void *app, struct tl_http_req *r) {
    static const char *const keys[] = {"decision", "result", "annotations", NULL};
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    json_t *body = tl_api_body_strict(r, keys);
    if (!body)
        return;
    const char *id = tl_http_param(r, 0);
    struct tl_schema s;
    struct tl_errbuf eb = {{0}};
    json_t *js = schema_load(&c->p, &s);
    int rc = js ? decide(a, c, id, body, &s, &eb) : TL_EINTERNAL;
    struct tl_review_item v;
    if (!rc)
        rc = tl_store_review_get(a->store, &c->p, id, &v);
    if (rc) {
        tl_api_fail(r, rc, eb.msg);
    } else {
        tl_http_respond_json(r, 200, review_json(a, c, &v));
        tl_review_item_release(&v);
    }
    if (js) {
        tl_schema_release(&s);
        json_decref(js);
    }
    json_decref(body);
}

/* ---- reviewers' scores ---- */

static int by_user(const void *x, const void *y) {
    const struct tl_review_done *a = x, *b = y;
    return strcmp(a->reviewer.user_id, b->reviewer.user_id);
}

/* The reviewers of done[0..n) (sorted by user id in place), each once, into
 * who[] (of n slots); review i's reviewer index into idx[i]. */
static size_t index_reviewers(struct tl_review_done *done, size_t n,
                              const struct tl_review_person **who, size_t *idx) {
    if (n > 1)
        qsort(done, n, sizeof *done, by_user);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!k || strcmp(who[k - 1]->user_id, done[i].reviewer.user_id))
            who[k++] = &done[i].reviewer;
        idx[i] = k - 1;
    }
    return k;
}

static json_t *ratio_or_null(int64_t num, int64_t den) {
    return den > 0 ? json_real((double)num / (double)den) : json_null();
}

void tl_api_reviewers(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    struct tl_review_done *done;
    size_t n;
    int rc = tl_store_review_done(a->store, &c->p, &done, &n);
    if (rc) {
        tl_api_fail(r, rc, NULL);
        return;
    }
    struct tl_schema s;
    json_t *js = schema_load(&c->p, &s);
    const struct tl_review_person **who = calloc(n ? n : 1, sizeof *who);
    size_t *idx = calloc(n ? n : 1, sizeof *idx);
    struct tl_q_review *v = calloc(n ? n : 1, sizeof *v);
    json_t **answers = calloc(n ? n : 1, sizeof *answers);
    rc = !js ? TL_EINTERNAL : who && idx && v && answers ? 0 : TL_ENOMEM;
    size_t k = rc ? 0 : index_reviewers(done, n, who, idx);
    for (size_t i = 0; !rc && i < n; i++) {
        answers[i] = done[i].answer ? json_loads(done[i].answer, 0, NULL) : NULL;
        v[i] = (struct tl_q_review){
            .task = done[i].task_pk,
            .reviewer = idx[i],
            .decision = done[i].status,
            .answer = done[i].status == TL_REVIEW_CORRECTED ? answers[i] : NULL,
            .gold_score = done[i].has_gold_score ? done[i].gold_score : -1,
        };
    }
    struct tl_q_reviewer_score *sc = calloc(k ? k : 1, sizeof *sc);
    if (!rc)
        rc = sc ? tl_q_review_scores(&s, v, n, sc, k) : TL_ENOMEM;
    json_t *arr = rc ? NULL : json_array();
    for (size_t i = 0; arr && i < k; i++)
        json_array_append_new(
            arr, json_pack("{s:o,s:I,s:o,s:{s:I,s:o}}", "reviewer", person_json(a, c, who[i]),
                           "reviews", (json_int_t)sc[i].n_reviews, "agreement",
                           ratio_or_null(sc[i].n_agree, sc[i].n_pairs), "gold", "answered",
                           (json_int_t)sc[i].n_gold, "accuracy",
                           ratio_or_null(sc[i].n_gold_right, sc[i].n_gold)));
    if (rc)
        tl_api_fail(r, rc, NULL);
    else
        tl_http_respond_json(r, 200, json_pack("{s:o*}", "reviewers", arr));
    for (size_t i = 0; answers && i < n; i++)
        json_decref(answers[i]);
    free(answers);
    free(sc);
    free(v);
    free(idx);
    free(who);
    tl_review_done_free(done, n);
    if (js) {
        tl_schema_release(&s);
        json_decref(js);
    }
}
