/* agreement.h: inter-rater agreement over (task, worker, label) triples:
 * Krippendorff's alpha, Fleiss' kappa, Cohen's kappa, percentage agreement.
 *
 * All functions read a finished struct tl_q_labels (duplicates already
 * dropped) and write one number. They return 0, or TL_EUNPROC when the
 * statistic is undefined for these labels (no task with two labels, a single
 * value overall, not exactly two raters for Cohen, non-numeric labels for an
 * interval scale), TL_ETOOBIG past 4096 distinct labels for the metrics
 * with a table of label pairs (cohen, ordinal and ratio alpha), TL_ENOMEM,
 * with the reason in eb (may be NULL). They never return a NaN or an
 * infinity.
 *
 * Order of values: labels are ordered as the classes of the labels (numeric
 * when every label is a number, else byte-wise), which is what ordinal alpha
 * and weighted kappa use. */
#ifndef TL_QUALITY_AGREEMENT_H
#define TL_QUALITY_AGREEMENT_H

#include "core/err.h"
#include "quality/labels.h"

enum tl_q_level { TL_Q_NOMINAL, TL_Q_ORDINAL, TL_Q_INTERVAL, TL_Q_RATIO };
enum tl_q_weights { TL_Q_WEIGHTS_NONE, TL_Q_WEIGHTS_LINEAR, TL_Q_WEIGHTS_QUADRATIC };

/* Krippendorff's alpha by the coincidence matrix: any number of raters,
 * missing labels allowed, tasks with fewer than two labels ignored. Interval
 * and ratio need numeric labels. */
int tl_q_alpha(const struct tl_q_labels *L, enum tl_q_level level, double *out,
               struct tl_errbuf *eb);

/* Fleiss' kappa over tasks with at least two labels; with a varying number
 * of raters per task each task's agreement uses its own count. */
int tl_q_fleiss(const struct tl_q_labels *L, double *out, struct tl_errbuf *eb);

/* Cohen's kappa between exactly two workers over the tasks both labelled.
 * Weights use the distance between the indices of the levels observed in
 * those pairs, sorted (as scikit-learn and R's irr do). */
int tl_q_cohen(const struct tl_q_labels *L, enum tl_q_weights weights, double *out,
               struct tl_errbuf *eb);

/* Mean over tasks with at least two labels of the share of agreeing pairs
 * of labels (for two raters: the share of tasks where they agree). */
int tl_q_percent(const struct tl_q_labels *L, double *out, struct tl_errbuf *eb);

#endif
