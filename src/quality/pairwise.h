/* pairwise.h: ratings from pairwise comparisons ("battles") of models:
 * Bradley-Terry by maximum likelihood (ties as half wins, or Davidson's
 * tie model), online Elo for reference, and percentile bootstrap intervals.
 *
 * Scale: scores are Elo points, 400 * r + 1000, where r are log10 strengths
 * with mean zero: P(a beats b) = 1 / (1 + 10^(r_b - r_a)) (the Chatbot Arena
 * convention). Elo starts every model at 1000 with K = 4 by default.
 *
 * Life cycle: tl_q_battles_init(), tl_q_battles_add() (or _parse_csv()),
 * then tl_q_rate() any number of times; tl_q_battles_release() frees the
 * battles (which own their model names). struct tl_q_ratings owns its
 * arrays; tl_q_ratings_release() frees them.
 *
 * Determinism: bootstrap round i draws from random stream (seed, i), rounds
 * are fitted independently and their results stored by round, so the
 * intervals do not depend on the number of threads. */
#ifndef TL_QUALITY_PAIRWISE_H
#define TL_QUALITY_PAIRWISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "quality/strtab.h"

enum tl_q_outcome { TL_Q_A_WINS = 0, TL_Q_B_WINS = 1, TL_Q_TIE = 2 };

struct tl_q_battles {
    struct tl_q_strtab models;
    uint32_t *a, *b;  /* [n] model ids */
    uint8_t *outcome; /* [n] enum tl_q_outcome */
    size_t n, cap;
    size_t n_self; /* rows where a model met itself (skipped) */
};

void tl_q_battles_init(struct tl_q_battles *B);
void tl_q_battles_release(struct tl_q_battles *B);
/* Add one battle (names copied). A battle of a model against itself is
 * counted in n_self and skipped. 0, TL_ENOMEM, TL_ETOOBIG. */
int tl_q_battles_add(struct tl_q_battles *B, const char *model_a, size_t a_len, const char *model_b,
                     size_t b_len, enum tl_q_outcome outcome);

/* Parse CSV with a header naming model_a, model_b and winner columns (any
 * position, any other columns; a 3-column file with other names is read as
 * model_a, model_b, winner). winner is model_a, model_b or tie ("tie
 * (bothbad)" counts as a tie). 0 or TL_EINVAL / TL_EEMPTY / TL_ETOOBIG /
 * TL_ENOMEM with file name and line in eb. */
int tl_q_battles_parse_csv(struct tl_q_battles *B, const char *name, const char *text, size_t len,
                           struct tl_errbuf *eb);

enum tl_q_rating_method { TL_Q_BT, TL_Q_ELO };
enum tl_q_ties { TL_Q_TIES_HALF, TL_Q_TIES_DAVIDSON };

struct tl_q_rating_opts {
    enum tl_q_rating_method method; /* TL_Q_BT */
    enum tl_q_ties ties;            /* TL_Q_TIES_HALF (BT only) */
    int bootstrap;                  /* rounds, 0 for none (1000) */
    uint64_t seed;                  /* 0 */
    double elo_k;                   /* 4 */
    double ci;                      /* central interval mass (0.95) */
    int threads;                    /* 0: one per core, at most 8 */
};

void tl_q_rating_opts_init(struct tl_q_rating_opts *o);

struct tl_q_ratings {
    size_t n_models;
    double *score;  /* [n_models] Elo-scale scores */
    double *ci_low; /* [n_models] bootstrap percentiles, = score without rounds */
    double *ci_high;
    double tie_strength; /* Davidson's nu (0 otherwise) */
    int iterations;      /* Newton iterations of the full-data fit */
};

void tl_q_ratings_init(struct tl_q_ratings *r);
void tl_q_ratings_release(struct tl_q_ratings *r);

/* Rate the models of B. Returns 0, TL_EEMPTY (no battles), TL_EINVAL (bad
 * options) or TL_ENOMEM; r is (re)initialised and owned by the caller. */
int tl_q_rate(const struct tl_q_battles *B, const struct tl_q_rating_opts *o,
              struct tl_q_ratings *r);

/* True when every model can be reached from every other through battles
 * (otherwise Bradley-Terry scores of separate groups are not comparable). */
bool tl_q_battles_connected(const struct tl_q_battles *B);

#endif
