/* cmd_agreement.c: `tally agreement`: inter-rater agreement of labels in CSV
 * (src/quality/agreement.h). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "core/csv.h"
#include "quality/agreement.h"
#include "quality/labels_csv.h"

#define MAX_INPUT_BYTES ((size_t)2 << 30)

static void usage(FILE *f) {
    fprintf(f, "usage: tally agreement --metric alpha|fleiss|cohen|percent\n"
               "                       [--level nominal|ordinal|interval|ratio]\n"
               "                       [--weights none|linear|quadratic] LABELS.csv\n"
               "\n"
               "Print the agreement of the labels as one number. LABELS.csv has a header row,\n"
               "then task, worker and label in its first three columns; of repeated (task,\n"
               "worker) rows the first is kept.\n"
               "\n"
               "  --metric M    alpha: Krippendorff's alpha (any number of raters, missing\n"
               "                labels allowed); fleiss: Fleiss' kappa; cohen: Cohen's kappa\n"
               "                (exactly two raters); percent: mean share of agreeing pairs\n"
               "  --level L     alpha's level of measurement (default nominal); ordinal uses\n"
               "                the order of the labels (numeric if all are numbers)\n"
               "  --weights W   cohen's weights by distance between the indices of the sorted\n"
               "                observed levels (default none)\n"
               "  -h, --help    this text\n"
               "\n"
               "Exit status: 0 ok, 1 bad input or undefined agreement, 2 usage error.\n");
}

enum metric { METRIC_NONE, METRIC_ALPHA, METRIC_FLEISS, METRIC_COHEN, METRIC_PERCENT };

static int pick(const char *arg, const char *const *names, int n) {
    for (int i = 0; i < n; i++)
        if (!strcmp(arg, names[i]))
            return i;
    return -1;
}

int tl_cmd_agreement(int argc, char **argv) {
    static const struct option longopts[] = {
        {"metric", required_argument, NULL, 'm'},
        {"level", required_argument, NULL, 'l'},
        {"weights", required_argument, NULL, 'w'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char *const metrics[] = {"", "alpha", "fleiss", "cohen", "percent"};
    static const char *const levels[] = {"nominal", "ordinal", "interval", "ratio"};
    static const char *const weight_names[] = {"none", "linear", "quadratic"};
    enum metric metric = METRIC_NONE;
    enum tl_q_level level = TL_Q_NOMINAL;
    enum tl_q_weights weights = TL_Q_WEIGHTS_NONE;
    int c, i;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":m:l:w:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'm':
            if ((i = pick(optarg, metrics, 5)) <= 0) {
                fprintf(stderr,
                        "tally agreement: unknown metric '%s' (alpha, fleiss, cohen, percent)\n",
                        optarg);
                return 2;
            }
            metric = (enum metric)i;
            break;
        case 'l':
            if ((i = pick(optarg, levels, 4)) < 0) {
                fprintf(stderr,
                        "tally agreement: unknown level '%s' (nominal, ordinal, interval, "
                        "ratio)\n",
                        optarg);
                return 2;
            }
            level = (enum tl_q_level)i;
            break;
        case 'w':
            if ((i = pick(optarg, weight_names, 3)) < 0) {
                fprintf(stderr, "tally agreement: unknown weights '%s' (none, linear, quadratic)\n",
                        optarg);
                return 2;
            }
            weights = (enum tl_q_weights)i;
            break;
        case 'h': usage(stdout); return 0;
        default: return tl_cli_bad_option("agreement", c, argv, usage);
        }
    }
    if (metric == METRIC_NONE) {
        fprintf(stderr, "tally agreement: --metric is required\n");
        usage(stderr);
        return 2;
    }
    if (level != TL_Q_NOMINAL && metric != METRIC_ALPHA) {
        fprintf(stderr, "tally agreement: --level applies to --metric alpha only\n");
        return 2;
    }
    if (weights != TL_Q_WEIGHTS_NONE && metric != METRIC_COHEN) {
        fprintf(stderr, "tally agreement: --weights applies to --metric cohen only\n");
        return 2;
    }
    const char *path = tl_cli_one_operand("agreement", argc, argv, "LABELS.csv", usage);
    if (!path)
        return 2;
    struct tl_errbuf eb = {{0}};
    struct tl_q_labels L;
    tl_q_labels_init(&L);
    char *text = NULL;
    size_t len = 0;
    double value = 0;
    int status = 1;
    int rc = tl_csv_read_file(path, MAX_INPUT_BYTES, &text, &len, &eb);
    if (!rc)
        rc = tl_q_labels_parse_csv(&L, path, text, len, NULL, NULL, 0, &eb);
    if (rc) {
        fprintf(stderr, "tally agreement: %s\n", eb.msg);
        goto out;
    }
    if (L.n_dropped)
        fprintf(stderr,
                "tally agreement: %s: dropped %zu duplicate (task, worker) row%s, keeping the "
                "first of each\n",
                path, L.n_dropped, L.n_dropped == 1 ? "" : "s");
    switch (metric) {
    case METRIC_ALPHA: rc = tl_q_alpha(&L, level, &value, &eb); break;
    case METRIC_FLEISS: rc = tl_q_fleiss(&L, &value, &eb); break;
    case METRIC_COHEN: rc = tl_q_cohen(&L, weights, &value, &eb); break;
    default: rc = tl_q_percent(&L, &value, &eb); break;
    }
    if (rc) {
        fprintf(stderr, "tally agreement: %s: %s\n", path, eb.msg);
        goto out;
    }
    if (!isfinite(value)) {
        fprintf(stderr, "tally agreement: internal error: non-finite value\n");
        goto out;
    }
    printf("%.6f\n", value);
    status = fflush(stdout) ? 1 : 0;
out:
    tl_q_labels_release(&L);
    free(text);
    return status;
}
