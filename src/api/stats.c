/* stats.c: the web UI's charts: GET /api/v1/projects/{id}/stats (who may
 * export the project) and GET /api/v1/me/stats (the caller's own work).
 *
 * Annotators are named as exports name them (tl_policy_shows_email: the
 * tenant's own staff by email, the workforce by pseudonym), so the charts
 * reveal nothing an export does not. The store bounds the answer
 * (TL_STATS_MAX_BUCKETS buckets, TL_STATS_MAX_ANNOTATORS annotators). */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/clock.h"

static const struct {
    const char *name;
    int64_t ms;
} buckets[] = {{"minute", 60LL * 1000}, {"hour", 3600LL * 1000}, {"day", 86400LL * 1000}};

static json_t *time_json(int64_t ms) {
    char text[32];
    return json_string(tl_clock_rfc3339(ms, text));
}

static json_t *series(const struct tl_project_stats *st, const int64_t *values, const char *key) {
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < st->n_buckets; i++)
        if (json_array_append_new(arr, json_pack("{s:o,s:I}", "t",
                                                 time_json(st->first_bucket_ms +
                                                           (int64_t)i * st->bucket_ms),
                                                 key, (json_int_t)values[i]))) {
            json_decref(arr);
            return NULL;
        }
    return arr;
}

static json_t *annotators_json(struct tl_api *a, const struct tl_project *p,
                               const struct tl_project_stats *st) {
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < st->n_annotators; i++) {
        const struct tl_stats_annotator *s = &st->annotators[i];
        char name[TL_PSEUDONYM_LEN + 1];
        bool shows_email = tl_policy_shows_email(p->tenant_id, s->tenant_id, s->role);
        if (!shows_email)
            tl_pseudonym(tl_store_secret(a->store), p->tenant_id, s->user_id, name);
        if (json_array_append_new(
                arr, json_pack("{s:s,s:I,s:o}", "annotator", shows_email ? s->email : name,
                               "annotations", (json_int_t)s->n_annotations, "median_seconds",
                               s->median_seconds < 0 ? json_null()
                                                     : json_real(s->median_seconds)))) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

static json_t *seconds_json(const struct tl_project_stats *st) {
    static const int bounds[TL_STATS_N_BOUNDS] = TL_STATS_SECONDS_BOUNDS;
    json_t *arr = json_array();
    for (size_t i = 0; arr && i <= TL_STATS_N_BOUNDS; i++)
        if (json_array_append_new(arr, json_pack("{s:o,s:I}", "le",
                                                 i < TL_STATS_N_BOUNDS ? json_integer(bounds[i])
                                                                       : json_null(),
                                                 "count", (json_int_t)st->seconds[i]))) {
            json_decref(arr);
            return NULL;
        }
    return arr;
}

void tl_api_project_stats(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    const struct tl_project *p = &tl_api_call(r)->p;
    const char *bucket = tl_http_query(r, "bucket");
    size_t b = 1; /* hour */
    if (bucket) {
        for (b = 0; b < sizeof buckets / sizeof buckets[0] && strcmp(bucket, buckets[b].name); b++)
            ;
        if (b == sizeof buckets / sizeof buckets[0]) {
            tl_api_fail(r, TL_EINVAL, "bucket must be one of minute, hour, day");
            return;
        }
    }
    struct tl_project_stats *st = malloc(sizeof *st); /* ~8 KiB: not on the loop's stack */
    int rc = st ? tl_store_project_stats(a->store, p, buckets[b].ms, tl_clock_ms(), st)
                : TL_ENOMEM;
    if (rc) {
        free(st);
        tl_api_fail(r, rc, NULL);
        return;
    }
    tl_http_respond_json(
        r, 200,
        json_pack("{s:I,s:I,s:I,s:s,s:o*,s:o*,s:o*,s:o*}", "tasks", (json_int_t)p->n_tasks,
                  "complete", (json_int_t)p->n_completed, "annotations",
                  (json_int_t)p->n_annotations, "bucket", buckets[b].name, "completion",
                  series(st, st->completion, "complete"), "throughput",
                  series(st, st->throughput, "annotations"), "annotators",
                  annotators_json(a, p, st), "seconds", seconds_json(st)));
    tl_project_stats_release(st);
    free(st);
}

static json_t *my_project_json(const void *item) {
    const struct tl_my_project_stats *m = item;
    return json_pack("{s:s,s:s,s:I,s:f,s:o*}", "project_id", m->project_id, "name", m->name,
                     "annotations", (json_int_t)m->n_annotations, "seconds", m->seconds,
                     "last_at", tl_api_time_or_null(m->last_at_ms));
}

void tl_api_me_stats(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    struct tl_my_project_stats *m;
    size_t n;
    int rc = tl_store_my_stats(a->store, &tl_api_call(r)->sc, &m, &n);
    if (rc) {
        tl_api_fail(r, rc, NULL);
        return;
    }
    int64_t total = 0;
    double seconds = 0;
    for (size_t i = 0; i < n; i++) {
        total += m[i].n_annotations;
        seconds += m[i].seconds;
    }
    json_t *projects = tl_api_json_array(m, n, sizeof *m, my_project_json);
    free(m);
    tl_http_respond_json(r, 200,
                         json_pack("{s:I,s:f,s:o*}", "annotations", (json_int_t)total, "seconds",
                                   seconds, "projects", projects));
}
