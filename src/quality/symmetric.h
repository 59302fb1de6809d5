/* symmetric.h: the two fits of each symmetric-error method (one-coin DS,
 * GLAD) that symmetric.c chooses between for tl_q_onecoin() and tl_q_glad().
 *
 * Internal to src/quality. Same contract as every method (method.h): r is
 * caller-owned and released first; 0 or a negative TL_E* code.
 *
 * The guarded fit (free_model false) keeps the class prior uniform and
 * floors each worker at "uninformative" (one-coin: accuracy 1/K; GLAD:
 * ability 0). The free fit is the textbook model, as the reference library
 * fits it: one-coin learns the class prior, and both let a worker fall below
 * chance (an adversary's label then counts against the class they say). */
#ifndef TL_QUALITY_SYMMETRIC_H
#define TL_QUALITY_SYMMETRIC_H

#include "quality/method.h"

int tl_q_onecoin_fit(const struct tl_q_labels *L, const struct tl_q_opts *o, bool free_model,
                     struct tl_q_result *r);
int tl_q_glad_fit(const struct tl_q_labels *L, const struct tl_q_opts *o, bool free_model,
                  struct tl_q_result *r);

#endif
