/* workers.c: worker scores for the quality staff: GET
 * /api/v1/projects/{id}/workers (policy "quality"), PATCH
 * /api/v1/projects/{id}/workers/{annotator} (policy "lead": suspend or
 * reinstate by hand) and POST /api/v1/projects/{id}/quality/run (policy
 * "lead": run the detectors now; they also run on a schedule,
 * queue/detect_run.h).
 *
 * {annotator} is the name the list shows (a pseudonym, or the email of the
 * tenant's own staff), so no internal id is ever shown. skill and
 * agreement are the last re-inference's (workers table); before the first,
 * agreement is the share of the annotator's choice answers equal to the
 * majority of the other annotators of the same task (detect.h). */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/clock.h"
#include "queue/detect_run.h"

#define PROJECT_FLAGS_MAX 10000 /* flags listed per project */

static json_t *x_or_null(double x) {
    return x >= 0 ? json_real(x) : json_null();
}

/* One annotator's entry; flags f[0..n) are the project's, by annotator. */
static json_t *worker_json(struct tl_api *a, const struct tl_project *p,
                           const struct tl_detect_view *v, size_t i, const struct tl_flag *f,
                           size_t n) {
    const struct tl_wk_person *w = &v->snap.persons[i];
    const struct tl_q_worker_stats *st = &v->stats[i];
    char name[TL_API_NAME_MAX];
    tl_api_annotator_name(a, p, w->user_id, w->tenant_id, w->role, w->email, name);
    json_t *flags = json_array();
    for (size_t k = 0; flags && k < n; k++)
        if (f[k].annotator_pk == w->pk &&
            json_array_append_new(flags, tl_api_flag_json(a, p, &f[k], v->snap.persons,
                                                          v->snap.n_persons))) {
            json_decref(flags);
            flags = NULL;
        }
    double agreement = w->has_agreement ? w->agreement : st->agreement;
    return json_pack("{s:s,s:I,s:{s:I,s:o,s:o},s:o,s:o,s:o,s:o*,s:s}", "annotator", name,
                     "annotations", (json_int_t)st->n_labels, "gold", "answered",
                     (json_int_t)st->gold_answered, "accuracy", x_or_null(st->gold_accuracy),
                     "lower_bound", x_or_null(st->gold_lower_bound), "skill",
                     w->has_skill ? json_real(w->skill) : json_null(), "agreement",
                     x_or_null(agreement), "median_seconds", x_or_null(st->median_seconds),
                     "flags", flags, "status", w->is_suspended ? "suspended" : "active");
}

void tl_api_workers_list(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    const struct tl_project *p = &tl_api_call(r)->p;
    struct tl_detect_view v;
    int rc = tl_detect_view(a->store, p, &v);
    struct tl_flag *f = NULL;
    size_t n = 0;
    if (!rc)
        rc = tl_store_flag_list(a->store, p, 0, PROJECT_FLAGS_MAX, &f, &n);
    if (rc) {
        if (rc != TL_ETOOBIG)
            tl_detect_view_release(&v);
        tl_api_fail(r, rc, rc == TL_ETOOBIG ? "the project has too many annotations" : NULL);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < v.snap.n_persons; i++)
        if (json_array_append_new(arr, worker_json(a, p, &v, i, f, n))) {
            json_decref(arr);
            arr = NULL;
        }
    tl_flags_free(f, n);
    tl_detect_view_release(&v);
    tl_http_respond_json(r, 200, arr ? json_pack("{s:o}", "workers", arr) : NULL);
}

/* GET /api/v1/projects/{id}/me/quality (policy "read": any member): the
 * caller's own standing in the project, the same numbers the workers list
 * shows about them, without flags (GET /me/flags has those, stripped of
 * what concerns others) and without any other annotator. */
void tl_api_my_quality(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    struct tl_detect_view v;
    int rc = tl_detect_view(a->store, &c->p, &v);
    if (rc) {
        tl_api_fail(r, rc, rc == TL_ETOOBIG ? "the project has too many annotations" : NULL);
        return;
    }
    json_t *out = NULL;
    for (size_t i = 0; i < v.snap.n_persons && !out; i++) {
        const struct tl_wk_person *w = &v.snap.persons[i];
        if (w->pk != c->sc.user_pk)
            continue;
        const struct tl_q_worker_stats *st = &v.stats[i];
        double agreement = w->has_agreement ? w->agreement : st->agreement;
        out = json_pack("{s:s,s:I,s:{s:I,s:o,s:o},s:o,s:o,s:o,s:s}", "project_id", c->p.id,
                        "annotations", (json_int_t)st->n_labels, "gold", "answered",
                        (json_int_t)st->gold_answered, "accuracy", x_or_null(st->gold_accuracy),
                        "lower_bound", x_or_null(st->gold_lower_bound), "skill",
                        w->has_skill ? json_real(w->skill) : json_null(), "agreement",
                        x_or_null(agreement), "median_seconds", x_or_null(st->median_seconds),
                        "status", w->is_suspended ? "suspended" : "active");
    }
    tl_detect_view_release(&v);
    if (!out) /* nothing labeled here yet */
        out = json_pack("{s:s,s:i,s:{s:i,s:n,s:n},s:n,s:n,s:n,s:s}", "project_id", c->p.id,
                        "annotations", 0, "gold", "answered", 0, "accuracy", "lower_bound",
                        "skill", "agreement", "median_seconds", "status", "active");
    tl_http_respond_json(r, 200, out);
}

/* The index in v of the annotator named `name` (as the list shows them). */
static int find_named(struct tl_api *a, const struct tl_project *p,
                      const struct tl_detect_view *v, const char *name, size_t *out) {
    for (size_t i = 0; i < v->snap.n_persons; i++) {
        const struct tl_wk_person *w = &v->snap.persons[i];
        char shown[TL_API_NAME_MAX];
        tl_api_annotator_name(a, p, w->user_id, w->tenant_id, w->role, w->email, shown);
        if (!strcmp(shown, name)) {
            *out = i;
            return 0;
        }
    }
    return TL_ENOTFOUND;
}

void tl_api_workers_patch(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    const struct tl_project *p = &tl_api_call(r)->p;
    static const char *const known[] = {"status", NULL};
    json_t *body = tl_api_body_strict(r, known);
    if (!body)
        return;
    const char *status = json_string_value(json_object_get(body, "status"));
    bool is_suspended = status && !strcmp(status, "suspended");
    bool is_valid = status && (is_suspended || !strcmp(status, "active"));
    json_decref(body);
    if (!is_valid) {
        tl_http_respond_error(r, 400, "invalid", "'status' must be \"active\" or \"suspended\"");
        return;
    }
    struct tl_detect_view v;
    size_t i = 0;
    int rc = tl_detect_view(a->store, p, &v);
    if (!rc && (rc = find_named(a, p, &v, tl_http_param(r, 1), &i)))
        tl_detect_view_release(&v);
    if (!rc) {
        rc = tl_store_worker_set_status(a->store, p, v.snap.persons[i].pk, is_suspended,
                                        tl_clock_ms());
        int64_t pk = v.snap.persons[i].pk;
        tl_detect_view_release(&v);
        /* read again: the answer shows the annotator as they now are */
        if (!rc)
            rc = tl_detect_view(a->store, p, &v);
        for (i = 0; !rc && i < v.snap.n_persons && v.snap.persons[i].pk != pk; i++)
            ;
        if (!rc && i == v.snap.n_persons) {
            tl_detect_view_release(&v);
            rc = TL_EINTERNAL;
        }
    }
    struct tl_flag *f = NULL;
    size_t n = 0;
    if (!rc && (rc = tl_store_flag_list(a->store, p, v.snap.persons[i].pk, PROJECT_FLAGS_MAX,
                                        &f, &n)))
        tl_detect_view_release(&v);
    if (rc) {
        tl_api_fail(r, rc, rc == TL_ENOTFOUND ? "no such annotator in this project" : NULL);
        return;
    }
    json_t *j = worker_json(a, p, &v, i, f, n);
    tl_flags_free(f, n);
    tl_detect_view_release(&v);
    tl_http_respond_json(r, 200, j);
}

void tl_api_quality_run(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    const struct tl_project *p = &tl_api_call(r)->p;
    if (tl_api_body_refused_unless_empty(r))
        return;
    struct tl_detect_summary sum;
    int rc = tl_detect_run(a->store, p, &sum);
    if (rc) {
        tl_api_fail(r, rc, rc == TL_ETOOBIG ? "the project has too many annotations" : NULL);
        return;
    }
    json_t *per_rule = json_object();
    for (int k = 0; per_rule && k < TL_Q_RULE_COUNT; k++)
        json_object_set_new(per_rule, tl_q_rule_name((enum tl_q_rule)k),
                            json_integer((json_int_t)sum.per_rule[k]));
    tl_http_respond_json(r, 200,
                         json_pack("{s:I,s:I,s:I,s:I,s:o*,s:b}", "workers",
                                   (json_int_t)sum.n_workers, "labels", (json_int_t)sum.n_labels,
                                   "flags", (json_int_t)sum.n_flags, "new_flags",
                                   (json_int_t)sum.n_new, "per_rule", per_rule, "truncated",
                                   sum.is_truncated));
}
