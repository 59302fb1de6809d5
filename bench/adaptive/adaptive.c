/* adaptive.c: how many labels adaptive overlap saves, measured by replaying
 * real crowd datasets (bench/adaptive/run.sh drives it; the figures are in
 * bench/README.md and docs/quality-aggregation.md).
 *
 *   adaptive [--skills onecoin|prior] DIR...
 *
 * Each DIR holds answer.csv (task, worker, label) and truth.csv (task,
 * label). Every task's labels are replayed in file order, and each policy
 * decides how many of them it asks for:
 *   fixed k      the first min(k, available) labels;
 *   adaptive     the first min(min, available), then one more at a time
 *                while the aggregate's confidence is below the target and
 *                fewer than min(max, available) were used.
 * The aggregate is the live one, tl_q_task_aggregate on a one-choice-field
 * schema: the one-coin posterior with each worker's skill, exactly what a
 * project's queue would see. Skills (--skills onecoin, the default) come
 * from one one-coin run over the whole file, done once before the replay:
 * the simplest honest stand-in for the project's periodic re-inference
 * (in production skills lag a little behind; here every policy gets the
 * same skills, so they are compared on equal terms). --skills prior gives
 * every worker TL_Q_PRIOR_SKILL: a plain vote with its confidence.
 *
 * Accuracy counts the tasks with a truth row (a truth no worker gave is
 * wrong for every policy); labels count the labels those tasks used. The
 * output is one line per dataset and policy, tab-separated:
 *   dataset policy labels labels_per_task accuracy
 * plus the cost of one aggregate call. Everything is deterministic. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/csv.h"
#include "quality/infer.h"
#include "quality/labels_csv.h"
#include "quality/taskagg.h"
#include "schema/schema.h"

struct policy {
    const char *name;
    size_t min, max; /* fixed: min == max; SIZE_MAX: all available */
    double target;   /* 0: fixed */
};

static const struct policy policies[] = {
    {"fixed-3", 3, 3, 0},
    {"fixed-5", 5, 5, 0},
    {"fixed-all", SIZE_MAX, SIZE_MAX, 0},
    {"adaptive-2..5@0.90", 2, 5, 0.90},
    {"adaptive-2..5@0.95", 2, 5, 0.95},
    {"adaptive-3..5@0.90", 3, 5, 0.90},
    {"adaptive-3..5@0.95", 3, 5, 0.95},
    {"adaptive-2..all@0.90", 2, SIZE_MAX, 0.90},
    {"adaptive-2..all@0.95", 2, SIZE_MAX, 0.95},
    {"adaptive-3..all@0.95", 3, SIZE_MAX, 0.95},
};
#define N_POLICIES (sizeof policies / sizeof policies[0])

struct dataset {
    struct tl_q_labels L;
    int32_t *truth; /* [n_tasks]: class, -1 no truth, -2 a class no worker gave */
    size_t n_truth;
    double *skill; /* [n_workers] */
    struct tl_schema schema;
    json_t **answer; /* [n_classes]: {"label": class name} */
};

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int read_text(const char *dir, const char *file, char **text, size_t *len) {
    char path[4096];
    struct tl_errbuf eb = {{0}};
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int rc = tl_csv_read_file(path, (size_t)1 << 30, text, len, &eb);
    if (rc)
        fprintf(stderr, "adaptive: %s\n", eb.msg);
    return rc;
}

static int load_truth(struct dataset *d, const char *dir) {
    char *text;
    size_t len;
    if (read_text(dir, "truth.csv", &text, &len))
        return -1;
    d->truth = malloc(d->L.n_tasks * sizeof *d->truth);
    if (!d->truth)
        return -1;
    for (size_t t = 0; t < d->L.n_tasks; t++)
        d->truth[t] = -1;
    struct tl_csv c;
    tl_csv_init(&c, text, len, 0);
    int rc = tl_csv_next(&c, NULL); /* header */
    while (!rc && !tl_csv_next(&c, NULL)) {
        uint32_t t, k;
        if (c.nfields < 2 ||
            tl_q_strtab_find(&d->L.tasks, c.fields[0].ptr, c.fields[0].len, &t) ||
            d->truth[t] != -1)
            continue; /* only tasks with labels count, once */
        d->truth[t] =
            tl_q_strtab_find(&d->L.classes, c.fields[1].ptr, c.fields[1].len, &k) ? -2
                                                                                   : (int32_t)k;
        d->n_truth++;
    }
    tl_csv_release(&c);
    free(text);
    return rc;
}

/* The one-choice schema over the dataset's classes, and one answer object
 * per class (votes borrow them). */
static int build_schema(struct dataset *d) {
    json_t *opts = json_array();
    for (size_t k = 0; k < d->L.n_classes; k++)
        json_array_append_new(opts, json_string(tl_q_class_name(&d->L, (uint32_t)k)));
    json_t *j = json_pack("{s[{sssssO}]}", "fields", "name", "label", "type", "choice",
                          "options", opts);
    json_decref(opts);
    struct tl_errbuf eb = {{0}};
    int rc = j ? tl_schema_parse(j, &d->schema, &eb) : -1;
    json_decref(j);
    if (rc) {
        fprintf(stderr, "adaptive: schema: %s\n", eb.msg);
        return -1;
    }
    d->answer = calloc(d->L.n_classes, sizeof *d->answer);
    for (size_t k = 0; d->answer && k < d->L.n_classes; k++)
        d->answer[k] = json_pack("{ss}", "label", tl_q_class_name(&d->L, (uint32_t)k));
    return d->answer ? 0 : -1;
}

static int load(struct dataset *d, const char *dir, bool use_skills) {
    char *text;
    size_t len;
    struct tl_errbuf eb = {{0}};
    memset(d, 0, sizeof *d);
    tl_q_labels_init(&d->L);
    if (read_text(dir, "answer.csv", &text, &len))
        return -1;
    int rc = tl_q_labels_parse_csv(&d->L, "answer.csv", text, len, NULL, NULL, 0, &eb);
    free(text);
    if (rc) {
        fprintf(stderr, "adaptive: %s\n", eb.msg);
        return -1;
    }
    if (load_truth(d, dir) || build_schema(d))
        return -1;
    d->skill = malloc(d->L.n_workers * sizeof *d->skill);
    if (!d->skill)
        return -1;
    for (size_t w = 0; w < d->L.n_workers; w++)
        d->skill[w] = -1; /* unknown: TL_Q_PRIOR_SKILL */
    if (use_skills) {
        struct tl_q_result r;
        tl_q_result_init(&r);
        if (tl_q_infer(TL_Q_ONECOIN, &d->L, NULL, &r))
            return -1;
        memcpy(d->skill, r.skill, d->L.n_workers * sizeof *d->skill);
        tl_q_result_release(&r);
    }
    return 0;
}

static void release(struct dataset *d) {
    for (size_t k = 0; d->answer && k < d->L.n_classes; k++)
        json_decref(d->answer[k]);
    free(d->answer);
    tl_schema_release(&d->schema);
    free(d->skill);
    free(d->truth);
    tl_q_labels_release(&d->L);
}

struct tally {
    size_t labels, correct, calls;
};

/* The aggregate of task t's first n labels: its class index and confidence. */
static int aggregate(const struct dataset *d, uint32_t t, size_t n, struct tl_q_vote *votes,
                     long *cls, double *conf) {
    size_t off = d->L.task_off[t];
    for (size_t i = 0; i < n; i++) {
        votes[i].result = d->answer[d->L.by_task_class[off + i]];
        votes[i].skill = d->skill[d->L.by_task_worker[off + i]];
    }
    struct tl_q_task_agg a;
    if (tl_q_task_aggregate(&d->schema, votes, n, &a))
        return -1;
    const char *label = json_string_value(json_object_get(a.result, "label"));
    uint32_t k = 0;
    *cls = label && !tl_q_strtab_find(&d->L.classes, label, strlen(label), &k) ? (long)k : -1;
    *conf = a.min_confidence;
    tl_q_task_agg_release(&a);
    return 0;
}

static int replay(const struct dataset *d, const struct policy *p, struct tally *out,
                  struct tl_q_vote *votes) {
    memset(out, 0, sizeof *out);
    for (uint32_t t = 0; t < d->L.n_tasks; t++) {
        if (d->truth[t] == -1)
            continue;
        size_t avail = d->L.task_off[t + 1] - d->L.task_off[t];
        size_t lo = p->min < avail ? p->min : avail, hi = p->max < avail ? p->max : avail;
        size_t n = lo;
        long cls;
        double conf;
        if (aggregate(d, t, n, votes, &cls, &conf))
            return -1;
        out->calls++;
        while (p->target > 0 && conf < p->target && n < hi) {
            n++;
            if (aggregate(d, t, n, votes, &cls, &conf))
                return -1;
            out->calls++;
        }
        out->labels += n;
        out->correct += cls >= 0 && cls == d->truth[t];
    }
    return 0;
}

int main(int argc, char **argv) {
    bool use_skills = true;
    int first = 1;
    if (argc > 2 && !strcmp(argv[1], "--skills")) {
        use_skills = strcmp(argv[2], "prior") != 0;
        first = 3;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: adaptive [--skills onecoin|prior] DIR...\n");
        return 2;
    }
    printf("dataset\tpolicy\tlabels\tlabels_per_task\taccuracy\n");
    double t_agg = 0;
    size_t n_calls = 0;
    for (int i = first; i < argc; i++) {
        struct dataset d;
        const char *name = strrchr(argv[i], '/') && strrchr(argv[i], '/')[1]
                               ? strrchr(argv[i], '/') + 1
                               : argv[i];
        if (load(&d, argv[i], use_skills)) {
            release(&d);
            return 1;
        }
        size_t max_per_task = 0;
        for (uint32_t t = 0; t < d.L.n_tasks; t++)
            if (d.L.task_off[t + 1] - d.L.task_off[t] > max_per_task)
                max_per_task = d.L.task_off[t + 1] - d.L.task_off[t];
        struct tl_q_vote *votes = malloc((max_per_task + 1) * sizeof *votes);
        for (size_t k = 0; votes && k < N_POLICIES; k++) {
            struct tally tl;
            double t0 = now();
            if (replay(&d, &policies[k], &tl, votes)) {
                fprintf(stderr, "adaptive: out of memory\n");
                return 1;
            }
            t_agg += now() - t0;
            n_calls += tl.calls;
            printf("%s\t%s\t%zu\t%.3f\t%.4f\n", name, policies[k].name, tl.labels,
                   d.n_truth ? (double)tl.labels / (double)d.n_truth : 0,
                   d.n_truth ? (double)tl.correct / (double)d.n_truth : 0);
        }
        free(votes);
        release(&d);
    }
    fprintf(stderr, "adaptive: %zu aggregate calls, %.2f us each (one choice field)\n", n_calls,
            n_calls ? t_agg / (double)n_calls * 1e6 : 0);
    return 0;
}
