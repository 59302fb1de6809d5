/* revscore.c: see revscore.h. */
#include "quality/revscore.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"

bool tl_q_review_same_choices(const struct tl_schema *s, const json_t *a, const json_t *b) {
    for (size_t i = 0; i < s->n_fields; i++) {
        if (s->fields[i].type != TL_FIELD_CHOICE)
            continue;
        const json_t *x = json_object_get(a, s->fields[i].name);
        const json_t *y = json_object_get(b, s->fields[i].name);
        if ((x || y) && !(x && y && json_equal(x, y)))
            return false;
    }
    return true;
}

static int by_task(const void *x, const void *y) {
    const struct tl_q_review *a = x, *b = y;
    return (a->task > b->task) - (a->task < b->task);
}

static bool agree(const struct tl_schema *s, const struct tl_q_review *a,
                  const struct tl_q_review *b) {
    if (a->decision != b->decision)
        return false;
    return a->decision != TL_Q_REVIEW_CORRECT || tl_q_review_same_choices(s, a->answer, b->answer);
}

int tl_q_review_scores(const struct tl_schema *s, struct tl_q_review *v, size_t n,
                       struct tl_q_reviewer_score *out, size_t n_reviewers) {
    memset(out, 0, n_reviewers * sizeof *out);
    for (size_t i = 0; i < n; i++)
        if (v[i].reviewer >= n_reviewers)
            return TL_EINVAL;
    if (n > 1)
        qsort(v, n, sizeof *v, by_task);
    for (size_t i = 0; i < n; i++) {
        struct tl_q_reviewer_score *o = &out[v[i].reviewer];
        o->n_reviews++;
        if (v[i].gold_score >= 0) {
            o->n_gold++;
            o->n_gold_right += v[i].gold_score >= TL_Q_REVIEW_GOLD_RIGHT;
        }
    }
    for (size_t lo = 0, hi; lo < n; lo = hi) {
        for (hi = lo + 1; hi < n && v[hi].task == v[lo].task; hi++)
            ;
        size_t end = hi - lo > TL_Q_REVIEW_MAX_PER_TASK ? lo + TL_Q_REVIEW_MAX_PER_TASK : hi;
        for (size_t i = lo; i < end; i++)
            for (size_t j = i + 1; j < end; j++) {
                if (v[i].reviewer == v[j].reviewer)
                    continue;
                bool same = agree(s, &v[i], &v[j]);
                out[v[i].reviewer].n_pairs++;
                out[v[j].reviewer].n_pairs++;
                out[v[i].reviewer].n_agree += same;
                out[v[j].reviewer].n_agree += same;
            }
    }
    return 0;
}
