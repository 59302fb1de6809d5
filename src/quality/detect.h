/* detect.h: cheat detectors over one project's labels (docs/quality-workers.md).
 *
 * Pure functions over an in-memory snapshot that the caller builds (the
 * queue's detect_run.c reads it from the store): no SQL, no HTTP. Each rule
 * looks at every annotator and yields flags, each with a score (larger is
 * worse) and its evidence (the numbers the rule compared, named per rule in
 * tl_q_flag). The rules:
 *   gold_accuracy  the 5% quantile of Beta(1 + gold points, 1 + misses)
 *                  under the project's threshold, with >= gold_min answered;
 *   speed          median claim-to-submit seconds under speed_ratio of the
 *                  project's median and a robust z (MAD of log medians)
 *                  under -speed_z, with >= speed_min timed labels;
 *   constant       one class on > constant_share of >= constant_min labels
 *                  where the project's top class holds < constant_project;
 *   random         MACE's spammer probability (1 - P(knowing), mace.h) >=
 *                  random_spam and agreement with the peers' majority whose
 *                  95% Beta upper bound lies nearer chance than the
 *                  project's median agreement (random_margin of the way);
 *   collusion      pairs whose identical wrong answers (against gold, else
 *                  against the others' majority) are far above what their
 *                  error rates explain: binomial tail, Bonferroni over the
 *                  pairs tested, >= collusion_min_shared shared tasks;
 *   copied_text    MinHash near-duplicates (minhash.h) of another
 *                  annotator's earlier text on the same task, or of the
 *                  task's model pre-label.
 * Every loop is bounded: pairs are only formed inside a task, from its first
 * max_per_task labels, and the pair work stops at pair_budget (is_truncated
 * then says so). Deterministic: the same snapshot gives the same flags. */
#ifndef TL_QUALITY_DETECT_H
#define TL_QUALITY_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tl_q_rule {
    TL_Q_RULE_GOLD,
    TL_Q_RULE_SPEED,
    TL_Q_RULE_CONSTANT,
    TL_Q_RULE_RANDOM,
    TL_Q_RULE_COLLUSION,
    TL_Q_RULE_COPIED_TEXT,
    TL_Q_RULE_COUNT
};
/* "gold_accuracy", "speed", "constant", "random", "collusion",
 * "copied_text"; "?" outside the enum. */
const char *tl_q_rule_name(enum tl_q_rule r);

/* One counted annotation. Indices are the caller's numbering (dense). */
struct tl_q_snap_label {
    uint32_t worker, task;
    int32_t choice;     /* class of the project's choice field, -1 none */
    double seconds;     /* lease claim to submission; < 0 unknown */
    double gold_score;  /* 0..1 on a gold task, < 0 not a gold task */
    const char *text;   /* free-text answer (borrowed) or NULL */
    size_t text_len;
    int64_t created_at_ms; /* who wrote first, for copied text */
};

struct tl_q_snapshot {
    size_t n_workers, n_tasks, n_classes; /* n_classes 0: no choice field */
    const struct tl_q_snap_label *labels;
    size_t n_labels;
    const int32_t *gold_class; /* [n_tasks] gold class or -1; NULL: none */
    const char *const *prelabel; /* [n_tasks] model pre-label text or NULL; NULL: none */
    const size_t *prelabel_len;  /* [n_tasks] when prelabel */
};

struct tl_q_detect_opts {
    double gold_threshold; /* project's q.gold_threshold; <= 0 disables the rule */
    /* gold answers needed (10): below that the 5% bound is noise to act
     * on: a perfect record of 5 bounds at 0.61, and one wrong answer in 5
     * moves it to 0.42 (in the planted-cheater replay, an honest 0.56
     * worker with 2 of 5 gold right fell to 0.15) */
    int gold_min;
    int speed_min;         /* timed labels needed (10) */
    double speed_ratio;    /* of the project median (0.25) */
    double speed_z;        /* robust z below -speed_z (3) */
    int constant_min;      /* labels needed (15) */
    double constant_share; /* 0.95 */
    double constant_project; /* the project's top share must be below (0.8) */
    int random_min;        /* labels with a peer majority needed (20) */
    double random_spam;    /* MACE spammer probability (0.5) */
    double random_margin;  /* share of the way from chance to the median (1/3) */
    int collusion_min_shared; /* shared tasks with a reference (10) */
    double collusion_alpha;   /* family-wise (1e-3) */
    int collusion_min_same;   /* identical wrong answers needed (5) */
    int copy_min_chars;       /* texts shorter are ignored (30) */
    double copy_similarity;   /* estimated Jaccard (0.8) */
    int copy_min;             /* copied texts needed (2) */
    double copy_share;        /* of the annotator's texts (0.2) */
    size_t max_per_task;      /* labels of a task used for pairs (64) */
    size_t pair_budget;       /* pair visits in all (20,000,000) */
    bool is_stats_only;       /* only the per-worker figures, no rule */
};
void tl_q_detect_opts_init(struct tl_q_detect_opts *o);

#define TL_Q_FLAG_ITEMS 10 /* example tasks kept as evidence */
#define TL_Q_NO_PEER    UINT32_MAX

/* One finding. The evidence fields mean, per rule:
 *   gold_accuracy  n gold answered, value their mean score, bound the lower
 *                  bound, reference the threshold;
 *   speed          n timed labels, value the median seconds, reference the
 *                  project's median, bound the robust z;
 *   constant       n labels, k of the top class (class), value its share,
 *                  reference the project's top share;
 *   random         n labels with a peer majority, k agreeing, value the
 *                  agreement, bound its 95% upper bound, reference chance,
 *                  spam MACE's spammer probability;
 *   collusion      n shared tasks with a reference, k identical wrong
 *                  answers, value k / n, reference the expected share,
 *                  p_value Bonferroni-adjusted, peer the other annotator;
 *   copied_text    n texts considered, k near-duplicates, value the mean
 *                  similarity, peer the most copied annotator (TL_Q_NO_PEER:
 *                  the model's pre-label). */
struct tl_q_flag {
    enum tl_q_rule rule;
    uint32_t worker;
    uint32_t peer;
    double score; /* larger is worse; rule-specific scale */
    int64_t n, k;
    int32_t class_; /* constant: the class; else -1 */
    double value, bound, reference, p_value, spam;
    uint32_t items[TL_Q_FLAG_ITEMS]; /* example tasks */
    size_t n_items;
};

/* Per-annotator figures the workers list shows (negative: unknown). */
struct tl_q_worker_stats {
    int64_t n_labels, gold_answered;
    double gold_accuracy, gold_lower_bound;
    double median_seconds;
    double agreement; /* share agreeing with the peers' majority */
    double spam;      /* MACE's spammer probability */
};

struct tl_q_detect_result {
    struct tl_q_flag *flags; /* owned */
    size_t n_flags;
    struct tl_q_worker_stats *workers; /* owned, [n_workers] */
    bool is_truncated; /* the pair budget ran out: some pairs not examined */
};

/* Run every rule over s into *out (release with
 * tl_q_detect_result_release). 0, TL_EINVAL (an index out of range), or
 * TL_ENOMEM; nothing to release on error. o may be NULL (defaults, gold
 * rule off). */
int tl_q_detect(const struct tl_q_snapshot *s, const struct tl_q_detect_opts *o,
                struct tl_q_detect_result *out);
void tl_q_detect_result_release(struct tl_q_detect_result *r);

/* The regularised incomplete beta function I_x(a, b), a, b > 0, x in
 * [0, 1], by the continued fraction evaluated with the modified Lentz
 * method (Press et al., Numerical Recipes, 3rd ed., section 6.4, "betacf"),
 * using the symmetry I_x(a,b) = 1 - I_{1-x}(b,a) where the fraction
 * converges slowly. */
double tl_q_beta_cdf(double x, double a, double b);
/* The p-quantile of Beta(a, b): bisection on tl_q_beta_cdf to 1e-10. */
double tl_q_beta_quantile(double p, double a, double b);
/* P(X >= k) for X ~ Binomial(n, p) (= I_p(k, n - k + 1)). */
double tl_q_binom_tail(int64_t k, int64_t n, double p);

#endif
