/* policy.h: the lease policy: what one `next` may serve its caller.
 *
 * Built per `next` from the project's quality settings (gold_rate,
 * qualification) and a random roll, then applied by the store inside the
 * claim's transaction with the caller's worker row as that transaction sees
 * it (store.h: tl_store_lease_claim_policy), so the decision and the claim
 * cannot drift apart. The rules (docs/quality-projects.md):
 *   - a suspended annotator is refused ("suspended");
 *   - with a qualification of N tasks, an annotator who has answered fewer
 *     than N gold tasks is served gold only; one who has answered N or more
 *     with a mean gold score below the pass mark is refused
 *     ("not_qualified", the message names the score and the mark), and so
 *     is one for whom no qualification task is left;
 *   - otherwise a gold task comes with probability gold_rate (falling back
 *     to ordinary work when none is left for the caller).
 * The decision itself is a pure function, tested alone. */
#ifndef TL_QUEUE_POLICY_H
#define TL_QUEUE_POLICY_H

#include "store/store.h"

#define TL_QUEUE_NOT_QUALIFIED "not_qualified"
#define TL_QUEUE_SUSPENDED     "suspended"

/* Set pol up for one `next` on p (borrowed: p must outlive the claim),
 * with a fresh roll from libsodium's randombytes_uniform. */
void tl_queue_policy_init(struct tl_lease_policy *pol, const struct tl_project *p);

/* The decision for worker w under pol->q and pol->roll (pol->decide). */
void tl_queue_policy_decide(const struct tl_lease_policy *pol, const struct tl_worker *w,
                            struct tl_lease_decision *out);

/* After a claim under pol that returned TL_EPERM: the refusal's error code
 * (never NULL) and its message in pol->decision.message. */
const char *tl_queue_policy_refusal(const struct tl_lease_policy *pol);

#endif
