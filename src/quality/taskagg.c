/* taskagg.c: see taskagg.h. PLACEHOLDER (skill-weighted vote on each
 * field's whole value) until the per-type rules land. */
#include "quality/taskagg.h"

#include "core/err.h"

static double skill_of(const struct tl_q_vote *v) {
    return v->skill > 0 && v->skill < 1 ? v->skill : TL_Q_PRIOR_SKILL;
}

static int field_vote(const struct tl_field *f, const struct tl_q_vote *v, size_t n,
                      struct tl_q_task_agg *out) {
    const json_t *best = NULL;
    double best_w = 0, total = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *x = json_object_get(v[i].result, f->name);
        if (!x)
            continue;
        double w = 0;
        for (size_t j = 0; j < n; j++) {
            const json_t *y = json_object_get(v[j].result, f->name);
            if (y && json_equal(x, y))
                w += skill_of(&v[j]);
        }
        total += skill_of(&v[i]);
        if (w > best_w) {
            best_w = w;
            best = x;
        }
    }
    if (!best)
        return 0;
    double p = best_w / total;
    if (json_object_set(out->result, f->name, (json_t *)best) ||
        json_object_set_new(out->confidence, f->name, json_real(p)))
        return TL_ENOMEM;
    if (p < out->min_confidence)
        out->min_confidence = p;
    return 0;
}

int tl_q_task_aggregate(const struct tl_schema *s, const struct tl_q_vote *v, size_t n,
                        struct tl_q_task_agg *out) {
    out->result = json_object();
    out->confidence = json_object();
    out->min_confidence = 1;
    int rc = out->result && out->confidence ? 0 : TL_ENOMEM;
    for (size_t i = 0; !rc && i < s->n_fields; i++)
        rc = field_vote(&s->fields[i], v, n, out);
    if (rc)
        tl_q_task_agg_release(out);
    return rc;
}

void tl_q_task_agg_release(struct tl_q_task_agg *a) {
    json_decref(a->result);
    json_decref(a->confidence);
    a->result = a->confidence = NULL;
}
