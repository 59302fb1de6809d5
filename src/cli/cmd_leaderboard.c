/* cmd_leaderboard.c: `tally leaderboard`: rank models from pairwise battles
 * in CSV (src/quality/pairwise.h). */
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "core/csv.h"
#include "quality/pairwise.h"

#define MAX_INPUT_BYTES ((size_t)2 << 30)
#define MAX_BOOTSTRAP   1000000

static void usage(FILE *f) {
    fprintf(f, "usage: tally leaderboard [--method bt|elo] [--bootstrap N] [--seed S] "
               "BATTLES.csv\n"
               "\n"
               "Rank models from pairwise battles. BATTLES.csv has a header naming the columns\n"
               "model_a, model_b and winner (model_a, model_b or tie); other columns are\n"
               "ignored. Prints CSV rank,model,score,ci_low,ci_high, best first, on the Elo\n"
               "scale (400 log10 strength + 1000, mean 1000 for Bradley-Terry).\n"
               "\n"
               "  --method M     bt: Bradley-Terry maximum likelihood (default); elo: online\n"
               "                 Elo in file order (K = 4), for reference\n"
               "  --ties T       bt's ties: half (a tie is half a win each, default) or\n"
               "                 davidson (Davidson's tie model)\n"
               "  --bootstrap N  rounds of resampling the battles for the 95%% interval\n"
               "                 (default 1000; 0: the interval is the score itself)\n"
               "  --seed S       bootstrap seed (default 0)\n"
               "  --threads N    threads (default: one per core)\n"
               "  -h, --help     this text\n"
               "\n"
               "Exit status: 0 ok, 1 bad input, 2 usage error.\n");
}

/* Rank order: score descending, then name, so equal scores print stably. */
static _Thread_local const struct tl_q_ratings *rank_r;
static _Thread_local const struct tl_q_battles *rank_b;

static int cmp_rank(const void *x, const void *y) {
    size_t i = *(const size_t *)x, j = *(const size_t *)y;
    if (rank_r->score[i] != rank_r->score[j])
        return rank_r->score[i] > rank_r->score[j] ? -1 : 1;
    return strcmp(tl_q_strtab_name(&rank_b->models, (uint32_t)i),
                  tl_q_strtab_name(&rank_b->models, (uint32_t)j));
}

int tl_cmd_leaderboard(int argc, char **argv) {
    enum { OPT_BOOTSTRAP = 256, OPT_SEED, OPT_TIES, OPT_THREADS };
    static const struct option longopts[] = {
        {"method", required_argument, NULL, 'm'},
        {"bootstrap", required_argument, NULL, OPT_BOOTSTRAP},
        {"seed", required_argument, NULL, OPT_SEED},
        {"ties", required_argument, NULL, OPT_TIES},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct tl_q_rating_opts opts;
    tl_q_rating_opts_init(&opts);
    long v;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":m:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'm':
            if (!strcmp(optarg, "bt")) {
                opts.method = TL_Q_BT;
            } else if (!strcmp(optarg, "elo")) {
                opts.method = TL_Q_ELO;
            } else {
                fprintf(stderr, "tally leaderboard: unknown method '%s' (bt, elo)\n", optarg);
                return 2;
            }
            break;
        case OPT_TIES:
            if (!strcmp(optarg, "half")) {
                opts.ties = TL_Q_TIES_HALF;
            } else if (!strcmp(optarg, "davidson")) {
                opts.ties = TL_Q_TIES_DAVIDSON;
            } else {
                fprintf(stderr, "tally leaderboard: unknown ties '%s' (half, davidson)\n", optarg);
                return 2;
            }
            break;
        case OPT_BOOTSTRAP:
            if (tl_cli_long("leaderboard", "--bootstrap", optarg, 0, MAX_BOOTSTRAP, &v))
                return 2;
            opts.bootstrap = (int)v;
            break;
        case OPT_SEED:
            if (tl_cli_long("leaderboard", "--seed", optarg, 0, LONG_MAX, &v))
                return 2;
            opts.seed = (uint64_t)v;
            break;
        case OPT_THREADS:
            if (tl_cli_long("leaderboard", "--threads", optarg, 0, 64, &v))
                return 2;
            opts.threads = (int)v;
            break;
        case 'h': usage(stdout); return 0;
        default: return tl_cli_bad_option("leaderboard", c, argv, usage);
        }
    }
    const char *path = tl_cli_one_operand("leaderboard", argc, argv, "BATTLES.csv", usage);
    if (!path)
        return 2;
    struct tl_errbuf eb = {{0}};
    struct tl_q_battles B;
    struct tl_q_ratings r;
    tl_q_battles_init(&B);
    tl_q_ratings_init(&r);
    char *text = NULL;
    size_t len = 0, *order = NULL;
    int status = 1;
    int rc = tl_csv_read_file(path, MAX_INPUT_BYTES, &text, &len, &eb);
    if (!rc)
        rc = tl_q_battles_parse_csv(&B, path, text, len, &eb);
    if (rc) {
        fprintf(stderr, "tally leaderboard: %s\n", eb.msg);
        goto out;
    }
    if (B.n_self)
        fprintf(stderr, "tally leaderboard: %s: skipped %zu battle%s of a model against itself\n",
                path, B.n_self, B.n_self == 1 ? "" : "s");
    if (B.models.n < 2) {
        fprintf(stderr, "tally leaderboard: %s: need battles between at least two models\n", path);
        goto out;
    }
    if (opts.method == TL_Q_BT && !tl_q_battles_connected(&B))
        fprintf(stderr,
                "tally leaderboard: %s: the models fall into groups that never met: scores "
                "are only comparable within a group\n",
                path);
    rc = tl_q_rate(&B, &opts, &r);
    if (rc) {
        fprintf(stderr, "tally leaderboard: rating failed: %s\n", tl_strerror(rc));
        goto out;
    }
    size_t m = r.n_models;
    order = malloc(m * sizeof *order);
    if (!order) {
        fprintf(stderr, "tally leaderboard: out of memory\n");
        goto out;
    }
    for (size_t i = 0; i < m; i++) {
        if (!isfinite(r.score[i]) || !isfinite(r.ci_low[i]) || !isfinite(r.ci_high[i])) {
            fprintf(stderr, "tally leaderboard: internal error: non-finite score\n");
            goto out;
        }
        order[i] = i;
    }
    rank_r = &r;
    rank_b = &B;
    qsort(order, m, sizeof *order, cmp_rank);
    rank_r = NULL;
    rank_b = NULL;
    bool ok = puts("rank,model,score,ci_low,ci_high") != EOF;
    for (size_t x = 0; x < m && ok; x++) {
        size_t i = order[x];
        ok = printf("%zu,", x + 1) > 0 &&
             !tl_csv_write_field(stdout, tl_q_strtab_name(&B.models, (uint32_t)i),
                                 tl_q_strtab_len(&B.models, (uint32_t)i)) &&
             printf(",%.2f,%.2f,%.2f\n", r.score[i], r.ci_low[i], r.ci_high[i]) > 0;
    }
    if (!ok || fflush(stdout)) {
        fprintf(stderr, "tally leaderboard: cannot write the results to stdout\n");
        goto out;
    }
    status = 0;
out:
    free(order);
    free(text);
    tl_q_ratings_release(&r);
    tl_q_battles_release(&B);
    return status;
}
