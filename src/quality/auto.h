/* auto.h: the default method: hierarchical Dawid-Skene in two variants, a
 * held-out likelihood choosing between them, wmv when no confusion model is
 * identifiable (see auto.c and docs/quality.md). */
#ifndef TL_QUALITY_AUTO_H
#define TL_QUALITY_AUTO_H

#include "quality/method.h"

int tl_q_auto(const struct tl_q_labels *L, const struct tl_q_opts *o, struct tl_q_result *r);

#endif
