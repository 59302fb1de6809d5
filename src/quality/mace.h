/* mace.h: MACE, workers who know or spam (see mace.c). */
#ifndef TL_QUALITY_MACE_H
#define TL_QUALITY_MACE_H

#include "quality/method.h"

int tl_q_mace(const struct tl_q_labels *L, const struct tl_q_opts *o, struct tl_q_result *r);

#endif
