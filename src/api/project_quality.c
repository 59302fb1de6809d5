/* project_quality.c: a project's quality settings as the API reads and
 * writes them (docs/quality-projects.md, "Settings"): gold_rate,
 * qualification, max_overlap, confidence_target and the "quality" object,
 * on POST /api/v1/projects, PATCH /api/v1/projects/{id} and every project
 * JSON. */
#include <math.h>
#include <string.h>

#include "api/api.h"

#define MAX_QUAL_TASKS 1000 /* qualification.tasks */
#define MAX_OVERLAP    100  /* as projects.c's overlap */

static const char *const methods[] = {"auto", "mv", "wmv", "ds", "onecoin", "glad", "mace", NULL};

/* A number in [0, 1] (integer or real): 0 and *out, or TL_EINVAL. */
static int unit_number(const json_t *v, double *out) {
    if (!json_is_number(v))
        return TL_EINVAL;
    double x = json_number_value(v);
    if (!isfinite(x) || x < 0 || x > 1)
        return TL_EINVAL;
    *out = x;
    return 0;
}

static int qualification(const json_t *v, struct tl_quality_settings *q, struct tl_errbuf *eb) {
    if (json_is_null(v)) {
        q->qual_tasks = 0;
        q->qual_pass = 0;
        return 0;
    }
    const json_t *tasks = json_object_get(v, "tasks"), *pass = json_object_get(v, "pass");
    if (!json_is_object(v) || json_object_size(v) != 2 || !json_is_integer(tasks) ||
        json_integer_value(tasks) < 1 || json_integer_value(tasks) > MAX_QUAL_TASKS ||
        unit_number(pass, &q->qual_pass))
        return tl_errf(eb, TL_EINVAL,
                       "qualification must be null or {\"tasks\": 1..%d, \"pass\": 0..1}",
                       MAX_QUAL_TASKS);
    q->qual_tasks = (int)json_integer_value(tasks);
    return 0;
}

static int quality_object(const json_t *v, struct tl_quality_settings *q, struct tl_errbuf *eb) {
    if (!json_is_object(v))
        return tl_errf(eb, TL_EINVAL, "quality must be an object");
    const char *key;
    const json_t *x;
    json_object_foreach((json_t *)v, key, x) {
        if (!strcmp(key, "method")) {
            size_t i = 0;
            while (methods[i] && !(json_is_string(x) && !strcmp(json_string_value(x), methods[i])))
                i++;
            if (!methods[i])
                return tl_errf(eb, TL_EINVAL,
                               "quality.method must be one of auto, mv, wmv, ds, onecoin, glad, "
                               "mace");
            snprintf(q->method, sizeof q->method, "%s", methods[i]);
        } else if (!strcmp(key, "policy")) {
            const char *s = json_string_value(x);
            if (!s || (strcmp(s, "flag") && strcmp(s, "suspend")))
                return tl_errf(eb, TL_EINVAL, "quality.policy must be \"flag\" or \"suspend\"");
            q->is_auto_suspend = !strcmp(s, "suspend");
        } else if (!strcmp(key, "gold_threshold") && json_is_null(x)) {
            q->gold_threshold = TL_GOLD_THRESHOLD_CHANCE;
        } else if (!strcmp(key, "gold_threshold") || !strcmp(key, "review_rate") ||
                   !strcmp(key, "review_below")) {
            double *dst = key[0] == 'g'   ? &q->gold_threshold
                          : key[7] == 'r' ? &q->review_rate
                                          : &q->review_below;
            if (unit_number(x, dst))
                return tl_errf(eb, TL_EINVAL, "quality.%s must be a number in 0..1%s", key,
                               key[0] == 'g' ? " or null (chance level)" : "");
        } else {
            return tl_errf(eb, TL_EINVAL, "quality: unknown key \"%.64s\"", key);
        }
    }
    return 0;
}

int tl_api_quality_parse(const json_t *body, struct tl_project *p, struct tl_errbuf *eb) {
    struct tl_quality_settings *q = &p->q;
    const json_t *v;
    if ((v = json_object_get(body, "gold_rate")) && unit_number(v, &q->gold_rate))
        return tl_errf(eb, TL_EINVAL, "gold_rate must be a number in 0..1");
    int rc = (v = json_object_get(body, "qualification")) ? qualification(v, q, eb) : 0;
    if (!rc && (v = json_object_get(body, "confidence_target"))) {
        if (json_is_null(v))
            q->confidence_target = 0;
        else if (unit_number(v, &q->confidence_target))
            rc = tl_errf(eb, TL_EINVAL, "confidence_target must be null or a number in 0..1");
    }
    if (!rc && (v = json_object_get(body, "quality")))
        rc = quality_object(v, q, eb);
    if (rc)
        return rc;
    if ((v = json_object_get(body, "max_overlap"))) {
        if (!json_is_integer(v) || json_integer_value(v) < p->overlap ||
            json_integer_value(v) > MAX_OVERLAP)
            return tl_errf(eb, TL_EINVAL, "max_overlap must be an integer in overlap (%d)..%d",
                           p->overlap, MAX_OVERLAP);
        q->max_overlap = (int)json_integer_value(v);
    }
    return 0;
}

int tl_api_quality_json(const struct tl_project *p, json_t *j) {
    const struct tl_quality_settings *q = &p->q;
    json_t *qual = q->qual_tasks > 0 ? json_pack("{s:i,s:f}", "tasks", q->qual_tasks, "pass",
                                                 q->qual_pass)
                                     : json_null();
    json_t *target = q->confidence_target > 0 ? json_real(q->confidence_target) : json_null();
    json_t *threshold = q->gold_threshold >= 0 ? json_real(q->gold_threshold) : json_null();
    json_t *more = json_pack("{s:f,s:o*,s:i,s:o*,s:{s:s,s:s,s:o*,s:f,s:f}}", "gold_rate",
                             q->gold_rate, "qualification", qual, "max_overlap",
                             q->max_overlap > p->overlap ? q->max_overlap : p->overlap,
                             "confidence_target", target, "quality", "method",
                             q->method[0] ? q->method : "auto", "policy",
                             q->is_auto_suspend ? "suspend" : "flag", "gold_threshold",
                             threshold, "review_rate", q->review_rate, "review_below",
                             q->review_below);
    return more && !json_object_update_new(j, more) ? 0 : TL_ENOMEM;
}
