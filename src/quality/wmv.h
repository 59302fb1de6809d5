/* wmv.h: weighted majority vote (wmv.c says how the weights are chosen). */
#ifndef TL_QUALITY_WMV_H
#define TL_QUALITY_WMV_H

#include "quality/method.h"

int tl_q_wmv(const struct tl_q_labels *L, const struct tl_q_opts *o, struct tl_q_result *r);

#endif
