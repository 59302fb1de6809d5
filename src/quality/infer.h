/* infer.h: categorical truth inference: from crowd labels to one label per
 * task with a confidence, and a skill per worker. The registry of the
 * methods, above them: their names, and running one chosen by id.
 *
 * Methods (one file pair each, each including only what it builds on):
 * majority vote (mv), weighted majority vote (wmv, from mv's votes),
 * Dawid-Skene with full confusion matrices and one-coin Dawid-Skene (ds),
 * GLAD (glad), MACE (mace), and `auto` (auto, the default, a hierarchical
 * Dawid-Skene that falls back to wmv; described in docs/quality.md). The
 * contract they share (options, results, determinism) is in method.h.
 * No method includes this header. */
#ifndef TL_QUALITY_INFER_H
#define TL_QUALITY_INFER_H

#include "quality/auto.h"
#include "quality/ds.h"
#include "quality/glad.h"
#include "quality/mace.h"
#include "quality/method.h"
#include "quality/mv.h"
#include "quality/wmv.h"

/* "auto", "mv", ... for a method; NULL when out of range. */
const char *tl_q_method_name(enum tl_q_method m);
/* 0 and *m for a known name, else TL_EINVAL. */
int tl_q_method_parse(const char *name, enum tl_q_method *m);

/* Run method m. Returns 0, TL_EINVAL (labels not finished, bad options,
 * unknown method), TL_EEMPTY (no labels) or TL_ENOMEM. */
int tl_q_infer(enum tl_q_method m, const struct tl_q_labels *L, const struct tl_q_opts *o,
               struct tl_q_result *r);

#endif
