/* quality.c: data generator and timer for the quality engine's benchmarks
 * (bench/quality/run.sh drives it).
 *
 *   quality gen-labels --out FILE [--truth FILE] [--tasks N] [--per-task L]
 *                      [--workers W] [--classes K] [--seed S]
 *       Synthetic crowd labels: N tasks (100000) with L labels each (10) from
 *       distinct random workers among W (1000) of accuracy uniform in
 *       [0.35, 0.95]; errors uniform over the other K (5) classes; true classes
 *       drawn from a skewed prior. CSV task,worker,label in random row order.
 *   quality gen-battles --out FILE [--battles N] [--models M] [--seed S]
 *       N battles (100000) between M models (50) of Bradley-Terry strengths
 *       spread over ~600 Elo, 10% ties; CSV model_a,model_b,winner.
 *   quality time [--repeat R] -- tally-subcommand args...
 *       Run `$TALLY_BIN <args>` (default build/tally) R times (3) with stdout
 *       sent to /dev/null and print the best and median wall time and the
 *       largest peak RSS. The child executes the real binary, start-up
 *       included, so this is the end-to-end cost from CSV to printed CSV as
 *       a user sees it.
 *
 * Everything is deterministic for a seed. Timings are measurements, not
 * assertions: nothing here fails because a machine is slow. */
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/csv.h"
#include "quality/rng.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int parse_num(const char *arg, long min, long max, long *out) {
    if (tl_csv_to_long(arg, strlen(arg), min, max, out)) {
        fprintf(stderr, "quality: bad number '%s' (want %ld..%ld)\n", arg, min, max);
        return -1;
    }
    return 0;
}

static int gen_labels(int argc, char **argv) {
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},     {"truth", required_argument, NULL, 't'},
        {"tasks", required_argument, NULL, 'n'},   {"per-task", required_argument, NULL, 'l'},
        {"workers", required_argument, NULL, 'w'}, {"classes", required_argument, NULL, 'k'},
        {"seed", required_argument, NULL, 's'},    {NULL, 0, NULL, 0},
    };
    long tasks = 100000, per = 10, workers = 1000, classes = 5, seed = 42;
    const char *out = NULL, *truth = NULL;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'o': out = optarg; break;
        case 't': truth = optarg; break;
        case 'n': bad = parse_num(optarg, 1, 100000000, &tasks); break;
        case 'l': bad = parse_num(optarg, 1, 1000, &per); break;
        case 'w': bad = parse_num(optarg, 1, 10000000, &workers); break;
        case 'k': bad = parse_num(optarg, 2, 1000, &classes); break;
        case 's': bad = parse_num(optarg, 0, 1L << 62, &seed); break;
        default: return 2;
        }
        if (bad)
            return 2;
    }
    if (!out || per > workers) {
        fprintf(stderr, "quality gen-labels: --out is required and --per-task <= --workers\n");
        return 2;
    }
    struct tl_q_rng rng;
    tl_q_rng_seed(&rng, (uint64_t)seed, 0);
    double *acc = malloc((size_t)workers * sizeof *acc);
    double *prior = malloc((size_t)classes * sizeof *prior);
    uint32_t *truth_of = malloc((size_t)tasks * sizeof *truth_of);
    /* Rows: (task, worker, label), shuffled before writing. */
    size_t n = (size_t)tasks * (size_t)per;
    uint32_t *rows = malloc(n * 3 * sizeof *rows);
    uint32_t *picked = malloc((size_t)per * sizeof *picked);
    if (!acc || !prior || !truth_of || !rows || !picked) {
        fprintf(stderr, "quality gen-labels: out of memory\n");
        return 1;
    }
    for (long w = 0; w < workers; w++)
        acc[w] = 0.35 + 0.60 * tl_q_rng_unit(&rng);
    double total = 0;
    for (long k = 0; k < classes; k++)
        total += prior[k] = 1.0 / (double)(k + 2);
    for (long t = 0, r = 0; t < tasks; t++) {
        double u = tl_q_rng_unit(&rng) * total;
        long k = 0;
        while (k < classes - 1 && u >= prior[k])
            u -= prior[k++];
        truth_of[t] = (uint32_t)k;
        for (long j = 0; j < per; j++) {
            uint32_t w;
            bool again;
            do { /* distinct workers within a task */
                w = (uint32_t)tl_q_rng_below(&rng, (uint64_t)workers);
                again = false;
                for (long x = 0; x < j; x++)
                    again |= picked[x] == w;
            } while (again);
            picked[j] = w;
            uint32_t label = (uint32_t)k;
            if (tl_q_rng_unit(&rng) >= acc[w]) {
                label = (uint32_t)tl_q_rng_below(&rng, (uint64_t)classes - 1);
                label += label >= (uint32_t)k;
            }
            rows[3 * r] = (uint32_t)t;
            rows[3 * r + 1] = w;
            rows[3 * r + 2] = label;
            r++;
        }
    }
    for (size_t i = n; i > 1; i--) { /* Fisher-Yates */
        size_t j = (size_t)tl_q_rng_below(&rng, i);
        for (int x = 0; x < 3; x++) {
            uint32_t tmp = rows[3 * (i - 1) + x];
            rows[3 * (i - 1) + x] = rows[3 * j + x];
            rows[3 * j + x] = tmp;
        }
    }
    FILE *f = fopen(out, "w");
    if (!f) {
        perror(out);
        return 1;
    }
    fputs("task,worker,label\n", f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "t%u,w%u,c%u\n", rows[3 * i], rows[3 * i + 1], rows[3 * i + 2]);
    if (fclose(f)) {
        perror(out);
        return 1;
    }
    if (truth) {
        f = fopen(truth, "w");
        if (!f) {
            perror(truth);
            return 1;
        }
        fputs("task,truth\n", f);
        for (long t = 0; t < tasks; t++)
            fprintf(f, "t%ld,c%u\n", t, truth_of[t]);
        if (fclose(f)) {
            perror(truth);
            return 1;
        }
    }
    fprintf(stderr, "wrote %zu labels (%ld tasks x %ld, %ld workers, %ld classes) to %s\n", n,
            tasks, per, workers, classes, out);
    free(acc);
    free(prior);
    free(truth_of);
    free(rows);
    free(picked);
    return 0;
}

static int gen_battles(int argc, char **argv) {
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},
        {"battles", required_argument, NULL, 'n'},
        {"models", required_argument, NULL, 'm'},
        {"seed", required_argument, NULL, 's'},
        {NULL, 0, NULL, 0},
    };
    long battles = 100000, models = 50, seed = 42;
    const char *out = NULL;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'o': out = optarg; break;
        case 'n': bad = parse_num(optarg, 1, 100000000, &battles); break;
        case 'm': bad = parse_num(optarg, 2, 100000, &models); break;
        case 's': bad = parse_num(optarg, 0, 1L << 62, &seed); break;
        default: return 2;
        }
        if (bad)
            return 2;
    }
    if (!out) {
        fprintf(stderr, "quality gen-battles: --out is required\n");
        return 2;
    }
    struct tl_q_rng rng;
    tl_q_rng_seed(&rng, (uint64_t)seed, 1);
    FILE *f = fopen(out, "w");
    if (!f) {
        perror(out);
        return 1;
    }
    fputs("model_a,model_b,winner\n", f);
    for (long i = 0; i < battles; i++) {
        uint64_t a = tl_q_rng_below(&rng, (uint64_t)models);
        uint64_t b = tl_q_rng_below(&rng, (uint64_t)models - 1);
        b += b >= a;
        /* strength: 1.5 log10 units (600 Elo) spread over the models */
        double ra = 1.5 * (double)a / (double)models, rb = 1.5 * (double)b / (double)models;
        double pa = 1 / (1 + pow(10, rb - ra)), u = tl_q_rng_unit(&rng);
        const char *winner = u < 0.1 ? "tie" : tl_q_rng_unit(&rng) < pa ? "model_a" : "model_b";
        fprintf(f, "m%02llu,m%02llu,%s\n", (unsigned long long)a, (unsigned long long)b, winner);
    }
    if (fclose(f)) {
        perror(out);
        return 1;
    }
    fprintf(stderr, "wrote %ld battles between %ld models to %s\n", battles, models, out);
    return 0;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int time_cmd(int argc, char **argv) {
    long repeat = 3;
    int i = 1;
    for (; i < argc && strcmp(argv[i], "--"); i++) {
        if (!strcmp(argv[i], "--repeat") && i + 1 < argc) {
            if (parse_num(argv[++i], 1, 1000, &repeat))
                return 2;
        } else {
            fprintf(stderr, "quality time: unknown option '%s'\n", argv[i]);
            return 2;
        }
    }
    if (i + 1 >= argc) {
        fprintf(stderr, "usage: quality time [--repeat R] -- SUBCOMMAND ARGS...\n");
        return 2;
    }
    /* argv[i] is "--": overwrite it with the binary to give execv its argv. */
    const char *bin = getenv("TALLY_BIN");
    argv[i] = (char *)(bin && *bin ? bin : "build/tally");
    char **sub = argv + i;
    double *wall = malloc((size_t)repeat * sizeof *wall);
    long max_rss_kb = 0;
    if (!wall)
        return 1;
    for (long r = 0; r < repeat; r++) {
        fflush(NULL);
        double t0 = now();
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0) {
            int devnull = open("/dev/null", O_WRONLY);
            if (devnull < 0 || dup2(devnull, STDOUT_FILENO) < 0)
                _exit(127);
            execv(sub[0], sub);
            perror(sub[0]);
            _exit(127);
        }
        int status;
        struct rusage ru;
        if (wait4(pid, &status, 0, &ru) < 0) {
            perror("wait4");
            return 1;
        }
        wall[r] = now() - t0;
        if (!WIFEXITED(status) || WEXITSTATUS(status)) {
            fprintf(stderr, "quality time: tally %s failed (status %d)\n", sub[1], status);
            return 1;
        }
        if (ru.ru_maxrss > max_rss_kb)
            max_rss_kb = ru.ru_maxrss;
    }
    qsort(wall, (size_t)repeat, sizeof *wall, cmp_double);
    printf("best %.3f s, median %.3f s over %ld run%s, peak RSS %.1f MB\n", wall[0],
           wall[repeat / 2], repeat, repeat == 1 ? "" : "s", (double)max_rss_kb / 1024.0);
    free(wall);
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 2 && !strcmp(argv[1], "gen-labels"))
        return gen_labels(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "gen-battles"))
        return gen_battles(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "time"))
        return time_cmd(argc - 1, argv + 1);
    fprintf(stderr,
            "usage: quality gen-labels|gen-battles|time ... (see bench/quality/quality.c)\n");
    return 2;
}
