/* mv.h: majority vote, and the vote primitives wmv builds on. */
#ifndef TL_QUALITY_MV_H
#define TL_QUALITY_MV_H

#include "quality/method.h"

int tl_q_mv(const struct tl_q_labels *L, const struct tl_q_opts *o, struct tl_q_result *r);

/* Posterior = normalised weighted votes (weight NULL: one each), gold tasks
 * clamped, class_prior = mean posterior, then label and confidence. */
void tl_q_weighted_votes(const struct tl_q_labels *L, const double *weight, struct tl_q_result *r);

/* Skill of every worker: the share of their labels equal to r->label (which
 * holds the gold class on gold tasks). */
void tl_q_skill_from_labels(const struct tl_q_labels *L, struct tl_q_result *r);

#endif
