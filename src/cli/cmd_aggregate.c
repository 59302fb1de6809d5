/* cmd_aggregate.c: `tally aggregate`: infer one label per task from crowd
 * labels in CSV (truth inference, src/quality/infer.h). */
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "core/csv.h"
#include "quality/infer.h"
#include "quality/labels_csv.h"

#define MAX_INPUT_BYTES ((size_t)2 << 30) /* 2 GiB: a ceiling, not a target */

static void usage(FILE *f) {
    fprintf(f, "usage: tally aggregate [--method M] [--gold GOLD.csv] [--workers OUT.csv] "
               "LABELS.csv\n"
               "\n"
               "Infer the true label of every task from crowd labels. LABELS.csv has a header\n"
               "row, then task, worker and label in its first three columns (other columns are\n"
               "ignored); - reads standard input. Of repeated (task, worker) rows the first\n"
               "is kept. Prints CSV task,label,confidence to stdout, one row per task, sorted\n"
               "by task name (byte order).\n"
               "\n"
               "  -m, --method M      auto (default), mv, wmv, ds, onecoin, glad or mace\n"
               "  -g, --gold FILE     known answers (CSV task,label): clamped, and used to\n"
               "                      estimate the workers\n"
               "  -w, --workers FILE  also write worker,skill (estimated accuracy) to FILE\n"
               "      --seed N        random seed (mace restarts; default 0)\n"
               "      --max-iter N    EM iterations (default 100)\n"
               "      --tol X         convergence tolerance per label (default 1e-5)\n"
               "      --threads N     threads (default: one per core)\n"
               "  -v, --verbose       report the method, iterations and auto's choice on stderr\n"
               "  -h, --help          this text\n"
               "\n"
               "Exit status: 0 ok, 1 bad input, 2 usage error.\n");
}

/* Print the fixed-point text of v in [0, 1] with six decimals. */
static int write_unit(FILE *f, double v) {
    return fprintf(f, "%.6f", v) < 0 ? TL_EIO : 0;
}

static int write_results(FILE *f, const struct tl_q_labels *L, const struct tl_q_result *r) {
    if (fputs("task,label,confidence\n", f) == EOF)
        return TL_EIO;
    for (size_t t = 0; t < L->n_tasks; t++) {
        const char *task = tl_q_task_name(L, (uint32_t)t);
        const char *label = tl_q_class_name(L, r->label[t]);
        if (tl_csv_write_field(f, task, tl_q_strtab_len(&L->tasks, (uint32_t)t)) ||
            putc(',', f) == EOF ||
            tl_csv_write_field(f, label, tl_q_strtab_len(&L->classes, r->label[t])) ||
            putc(',', f) == EOF || write_unit(f, r->confidence[t]) || putc('\n', f) == EOF)
            return TL_EIO;
    }
    return 0;
}

static int write_workers(const char *path, const struct tl_q_labels *L,
                         const struct tl_q_result *r) {
    FILE *f = fopen(path, "w");
    if (!f)
        return TL_EIO;
    int rc = fputs("worker,skill\n", f) == EOF ? TL_EIO : 0;
    for (size_t w = 0; w < L->n_workers && !rc; w++) {
        if (tl_csv_write_field(f, tl_q_worker_name(L, (uint32_t)w),
                               tl_q_strtab_len(&L->workers, (uint32_t)w)) ||
            putc(',', f) == EOF || write_unit(f, r->skill[w]) || putc('\n', f) == EOF)
            rc = TL_EIO;
    }
    if (fclose(f) && !rc)
        rc = TL_EIO;
    if (rc)
        remove(path);
    return rc;
}

/* Every number we print must be finite: a NaN here is a bug, reported as one. */
static bool result_finite(const struct tl_q_result *r) {
    for (size_t t = 0; t < r->n_tasks; t++)
        if (!isfinite(r->confidence[t]))
            return false;
    for (size_t w = 0; w < r->n_workers; w++)
        if (!isfinite(r->skill[w]))
            return false;
    return true;
}

int tl_cmd_aggregate(int argc, char **argv) {
    enum { OPT_SEED = 256, OPT_MAX_ITER, OPT_TOL, OPT_THREADS };
    static const struct option longopts[] = {
        {"method", required_argument, NULL, 'm'},
        {"gold", required_argument, NULL, 'g'},
        {"workers", required_argument, NULL, 'w'},
        {"seed", required_argument, NULL, OPT_SEED},
        {"max-iter", required_argument, NULL, OPT_MAX_ITER},
        {"tol", required_argument, NULL, OPT_TOL},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    enum tl_q_method method = TL_Q_AUTO;
    const char *gold_path = NULL, *workers_path = NULL;
    bool verbose = false;
    struct tl_q_opts opts;
    tl_q_opts_init(&opts);
    long v;
    int c;
    optind = 0; /* reset getopt: this may run more than once in a process */
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":m:g:w:vh", longopts, NULL)) != -1) {
        switch (c) {
        case 'm':
            if (tl_q_method_parse(optarg, &method)) {
                fprintf(stderr,
                        "tally aggregate: unknown method '%s' "
                        "(auto, mv, wmv, ds, onecoin, glad, mace)\n",
                        optarg);
                return 2;
            }
            break;
        case 'g': gold_path = optarg; break;
        case 'w': workers_path = optarg; break;
        case 'v': verbose = true; break;
        case 'h': usage(stdout); return 0;
        case OPT_SEED:
            if (tl_cli_long("aggregate", "--seed", optarg, 0, LONG_MAX, &v))
                return 2;
            opts.seed = (uint64_t)v;
            break;
        case OPT_MAX_ITER:
            if (tl_cli_long("aggregate", "--max-iter", optarg, 1, 100000, &v))
                return 2;
            opts.max_iter = (int)v;
            break;
        case OPT_THREADS:
            if (tl_cli_long("aggregate", "--threads", optarg, 0, 64, &v))
                return 2;
            opts.threads = (int)v;
            break;
        case OPT_TOL:
            if (tl_csv_to_double(optarg, strlen(optarg), &opts.tol) || opts.tol < 0) {
                fprintf(stderr, "tally aggregate: --tol wants a number >= 0, not '%s'\n", optarg);
                return 2;
            }
            break;
        default: return tl_cli_bad_option("aggregate", c, argv, usage);
        }
    }
    const char *labels_path = tl_cli_one_operand("aggregate", argc, argv, "LABELS.csv", usage);
    if (!labels_path)
        return 2;

    struct tl_errbuf eb = {{0}};
    char *text = NULL, *gold_text = NULL;
    size_t len = 0, gold_len = 0;
    struct tl_q_labels L;
    struct tl_q_result r;
    tl_q_labels_init(&L);
    tl_q_result_init(&r);
    int status = 1, rc = tl_csv_read_file(labels_path, MAX_INPUT_BYTES, &text, &len, &eb);
    if (!rc && gold_path)
        rc = tl_csv_read_file(gold_path, MAX_INPUT_BYTES, &gold_text, &gold_len, &eb);
    if (!rc)
        rc = tl_q_labels_parse_csv(&L, labels_path, text, len, gold_path, gold_text, gold_len, &eb);
    if (rc) {
        fprintf(stderr, "tally aggregate: %s\n", eb.msg);
        goto out;
    }
    if (L.n_dropped)
        fprintf(stderr,
                "tally aggregate: %s: dropped %zu duplicate (task, worker) row%s, keeping the "
                "first of each\n",
                labels_path, L.n_dropped, L.n_dropped == 1 ? "" : "s");
    if (L.n_gold_dropped)
        fprintf(stderr,
                "tally aggregate: %s: ignored %zu gold row%s for tasks without labels or "
                "repeated\n",
                gold_path, L.n_gold_dropped, L.n_gold_dropped == 1 ? "" : "s");
    if (L.n_classes < 2) {
        fprintf(stderr,
                "tally aggregate: %s: every label is '%.80s': with a single class there is "
                "nothing to infer\n",
                labels_path, tl_q_class_name(&L, 0));
        goto out;
    }
    if (L.n_workers < 2) {
        fprintf(stderr,
                "tally aggregate: %s: all %zu label%s come from one worker ('%.80s'): truth "
                "inference needs at least two\n",
                labels_path, L.n, L.n == 1 ? "" : "s", tl_q_worker_name(&L, 0));
        goto out;
    }
    rc = tl_q_infer(method, &L, &opts, &r);
    if (rc == TL_ETOOBIG) {
        fprintf(stderr,
                "tally aggregate: %zu workers x %zu classes is too many for full confusion "
                "matrices; use --method auto, mv or wmv\n",
                L.n_workers, L.n_classes);
        goto out;
    }
    if (rc) {
        fprintf(stderr, "tally aggregate: %s failed: %s\n", tl_q_method_name(method),
                tl_strerror(rc));
        goto out;
    }
    if (!result_finite(&r)) {
        fprintf(stderr, "tally aggregate: internal error: %s produced a non-finite value\n",
                tl_q_method_name(method));
        goto out;
    }
    if (verbose)
        fprintf(stderr,
                "tally aggregate: %s: %zu tasks, %zu workers, %zu classes, %zu labels; "
                "%d iteration%s%s%s%s\n",
                tl_q_method_name(method), L.n_tasks, L.n_workers, L.n_classes, L.n, r.iterations,
                r.iterations == 1 ? "" : "s", r.converged ? "" : " (not converged)",
                r.detail[0] ? "; " : "", r.detail);
    if (workers_path && write_workers(workers_path, &L, &r)) {
        fprintf(stderr, "tally aggregate: cannot write %s\n", workers_path);
        goto out;
    }
    if (write_results(stdout, &L, &r) || fflush(stdout)) {
        fprintf(stderr, "tally aggregate: cannot write the results to stdout\n");
        goto out;
    }
    status = 0;
out:
    tl_q_result_release(&r);
    tl_q_labels_release(&L);
    free(text);
    free(gold_text);
    return status;
}
