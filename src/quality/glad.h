/* glad.h: GLAD, worker ability times task difficulty (see glad.c). */
#ifndef TL_QUALITY_GLAD_H
#define TL_QUALITY_GLAD_H

#include "quality/method.h"

int tl_q_glad(const struct tl_q_labels *L, const struct tl_q_opts *o, struct tl_q_result *r);

#endif
