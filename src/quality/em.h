/* em.h: the expectation-maximisation machinery shared by the confusion-matrix
 * methods (Dawid-Skene, one-coin, auto's MAP Dawid-Skene): a worker is a
 * table P(observed label | true class), and the E-step and the expected
 * counts are the same for all of them; only the M-step differs.
 *
 * The core below the methods: it includes no method and no registry. Also the
 * result helpers every method starts and ends with.
 *
 * Internal to src/quality. The state owns its arrays; the labels are
 * borrowed and must outlive it. Layouts (K = number of classes):
 *   post[t*K + k]          P(true class of task t = k | labels)
 *   logc[(w*K + l)*K + k]  log P(worker w says l | true k): the E-step reads
 *                          one contiguous row per label
 *   counts[(w*K + l)*K + k] expected number of times w said l when the truth
 *                          was k (the M-step's sufficient statistics)
 *   log_prior[k]           log P(true class = k) */
#ifndef TL_QUALITY_EM_H
#define TL_QUALITY_EM_H

#include "quality/method.h"

struct tl_q_em {
    const struct tl_q_labels *L;
    size_t K;
    int nthreads;
    double *post;
    double *logc;
    double *counts;
    double *log_prior;
    double *class_mass; /* [K] sum of post over tasks, from tl_q_em_counts */
    double *block_ll;   /* [nblocks] per-block log-likelihood partials */
    double *block_mass; /* [nblocks * K] per-block class mass partials */
    size_t nblocks;
    /* Task-order passes (see tl_q_em_chunk): the tasks cut into nchunks
     * runs of blocks, each adding into its own partials, summed in chunk
     * order; 0 when the workers' tables are too large for a copy a chunk. */
    size_t nchunks;
    double *chunk_counts; /* [nchunks * n_workers * K * K] */
    /* exp(logc) and exp(log_prior), set by each E-step, under the same
     * condition (else NULL: the E-step stays in the log domain) */
    double *linc, *lin_prior;
};

/* Allocate the state for L. 0 or TL_ENOMEM (state released). */
int tl_q_em_init(struct tl_q_em *em, const struct tl_q_labels *L, const struct tl_q_opts *o);
void tl_q_em_release(struct tl_q_em *em);

/* Set post to the vote shares of each task (the majority-vote start), gold
 * tasks clamped to their gold class. */
void tl_q_em_init_votes(struct tl_q_em *em);

/* E-step: post from log_prior and logc (gold clamped). Returns the log
 * marginal likelihood of all labels (gold tasks: joint with their gold). */
double tl_q_em_estep(struct tl_q_em *em);

/* Tasks [*lo, *hi) of chunk c (par.h, tl_q_par_chunk). */
void tl_q_em_chunk(const struct tl_q_em *em, size_t c, size_t *lo, size_t *hi);
/* Expected counts and class_mass from post. */
void tl_q_em_counts(struct tl_q_em *em);

/* Copy post into r (posterior, label = first argmax, confidence) and the
 * confusion tables exp(logc) into r->confusion when it is allocated; the
 * skill of a worker is sum_k prior_k P(k | k). */
void tl_q_em_export(const struct tl_q_em *em, struct tl_q_result *r);

/* Largest n_workers * K * K a confusion-matrix method accepts: 64 MiB an
 * array of that many doubles (ds holds two, auto at most five). */
#define TL_Q_MAX_CELLS ((size_t)1 << 23)

/* True when n_workers full K x K matrices fit under TL_Q_MAX_CELLS (and the
 * product does not overflow). */
bool tl_q_cells_fit(size_t n_workers, size_t K);

/* Allocate r's arrays for L (confusion only if with_confusion); 0 or
 * TL_ENOMEM. */
int tl_q_result_alloc(struct tl_q_result *r, const struct tl_q_labels *L, bool with_confusion);

/* r->label and r->confidence from r->posterior (first maximum wins, so the
 * lowest class in class order breaks exact ties). */
void tl_q_result_pick(struct tl_q_result *r);

/* Checks shared by all methods: labels finished and non-empty. */
int tl_q_check_labels(const struct tl_q_labels *L);

/* The start of every method that takes options: release r, check the
 * labels, and when *o is NULL initialise *defaults and point *o at it. */
int tl_q_begin(const struct tl_q_labels *L, const struct tl_q_opts **o, struct tl_q_opts *defaults,
               struct tl_q_result *r);

#endif
