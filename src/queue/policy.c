/* policy.c: see policy.h. */
#include "queue/policy.h"

#include <sodium.h>
#include <stdio.h>

void tl_queue_policy_init(struct tl_lease_policy *pol, const struct tl_project *p) {
    *pol = (struct tl_lease_policy){
        .decide = tl_queue_policy_decide,
        .q = &p->q,
        .roll = randombytes_uniform(TL_LEASE_ROLL_MAX),
    };
}

static void refuse(struct tl_lease_decision *out, const char *code) {
    out->refusal = code;
    out->gold = TL_LEASE_ORDINARY;
}

void tl_queue_policy_decide(const struct tl_lease_policy *pol, const struct tl_worker *w,
                            struct tl_lease_decision *out) {
    const struct tl_quality_settings *q = pol->q;
    *out = (struct tl_lease_decision){.gold = TL_LEASE_ORDINARY};
    if (w->is_suspended) {
        snprintf(out->message, sizeof out->message,
                 "you are suspended from this project: no work is served until a quality lead "
                 "reinstates you (your flags and the appeal form: GET /api/v1/me/flags)");
        refuse(out, TL_QUEUE_SUSPENDED);
        return;
    }
    if (q->qual_tasks > 0 && w->n_gold < q->qual_tasks) {
        out->gold = TL_LEASE_GOLD_ONLY;
        /* the message for the claim that finds no gold left (policy.h) */
        snprintf(out->message, sizeof out->message,
                 "no qualification tasks left for you: you answered %lld of the %d this "
                 "project requires; ask its manager to add gold tasks",
                 (long long)w->n_gold, q->qual_tasks);
        return;
    }
    if (q->qual_tasks > 0) {
        double score = w->gold_sum / (double)w->n_gold; /* n_gold >= qual_tasks >= 1 */
        if (score < q->qual_pass) {
            snprintf(out->message, sizeof out->message,
                     "not qualified: your score on this project's gold tasks is %.2f, below "
                     "the pass mark of %.2f, so no further work is served",
                     score, q->qual_pass);
            refuse(out, TL_QUEUE_NOT_QUALIFIED);
            return;
        }
    }
    /* roll < rate * MAX: a share of exactly gold_rate (1 always, 0 never) */
    if (q->gold_rate > 0 && (double)pol->roll < q->gold_rate * (double)TL_LEASE_ROLL_MAX)
        out->gold = TL_LEASE_GOLD_FIRST;
}

const char *tl_queue_policy_refusal(const struct tl_lease_policy *pol) {
    return pol->decision.refusal ? pol->decision.refusal : TL_QUEUE_NOT_QUALIFIED;
}
