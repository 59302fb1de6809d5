/* gen.c: write N realistic small import tasks as JSON Lines, deterministic
 * for a seed, so import benchmarks are comparable run to run:
 *   {"text":"<~80 chars of words>","meta":{"source":"<name>","n":<i>}}
 * With --predictions K each task also carries K pre-labels for the bench
 * project's schema (a choice "label" of a or b):
 *   "predictions":[{"model":"model-<k>","result":{"label":"a"},"score":0.42},...]
 * With --csv the same tasks are written as CSV instead (header
 * text,source,n; the text quoted), one row per line; no predictions.
 *
 * usage: gen [--lines N] [--seed S] [--predictions K] [--csv] [--out FILE]
 * (default 1000000 lines to stdout; N at most 100000000, K at most 100). */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINES 100000000ULL
#define TEXT_TARGET 80

static const char *const words[] = {
    "the",     "model",   "answer",  "is",     "helpful", "but",   "a",       "bit",
    "verbose", "great",   "product", "would",  "buy",     "again", "arrived", "late",
    "and",     "damaged", "support", "fixed",  "it",      "fast",  "not",     "what",
    "I",       "ordered", "quality", "feels",  "cheap",   "works", "as",      "expected",
    "refund",  "please",  "love",    "colour", "size",    "runs",  "small",   "battery",
};
static const char *const sources[] = {"reviews", "support-chat", "forum", "survey",
                                      "llm-eval", "tweets"};

static uint64_t rng_state;

/* xorshift64*: fast, good enough for shaping test text. */
static uint64_t rng_next(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

int main(int argc, char **argv) {
    static const struct option opts[] = {
        {"lines", required_argument, NULL, 'n'},
        {"seed", required_argument, NULL, 's'},
        {"out", required_argument, NULL, 'o'},
        {"predictions", required_argument, NULL, 'p'},
        {"csv", no_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    unsigned long long lines = 1000000, seed = 42, n_preds = 0;
    int is_csv = 0;
    const char *out = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'n':
            lines = strtoull(optarg, &end, 10);
            if (*end || *optarg == '-' || lines > MAX_LINES) {
                fprintf(stderr, "gen: --lines wants 0..%llu\n", MAX_LINES);
                return 2;
            }
            break;
        case 's':
            seed = strtoull(optarg, &end, 10);
            if (*end) {
                fprintf(stderr, "gen: --seed wants a number\n");
                return 2;
            }
            break;
        case 'o': out = optarg; break;
        case 'c': is_csv = 1; break;
        case 'p':
            n_preds = strtoull(optarg, &end, 10);
            if (*end || *optarg == '-' || n_preds > 100) {
                fprintf(stderr, "gen: --predictions wants 0..100\n");
                return 2;
            }
            break;
        case 'h': printf("usage: gen [--lines N] [--seed S] [--predictions K] [--csv] [--out FILE]\n"); return 0;
        default: fprintf(stderr, "usage: gen [--lines N] [--seed S] [--predictions K] [--csv] [--out FILE]\n"); return 2;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "usage: gen [--lines N] [--seed S] [--predictions K] [--csv] [--out FILE]\n");
        return 2;
    }
    FILE *f = out ? fopen(out, "w") : stdout;
    if (!f) {
        perror(out);
        return 1;
    }
    static char iobuf[1 << 20];
    setvbuf(f, iobuf, _IOFBF, sizeof iobuf);
    rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;
    const size_t n_words = sizeof words / sizeof words[0];
    const size_t n_sources = sizeof sources / sizeof sources[0];
    if (is_csv)
        fputs("text,source,n\r\n", f);
    for (unsigned long long i = 0; i < lines; i++) {
        char text[TEXT_TARGET + 32];
        size_t len = 0;
        while (len < TEXT_TARGET - 8) {
            const char *w = words[rng_next() % n_words];
            size_t wl = strlen(w);
            if (len)
                text[len++] = ' ';
            memcpy(text + len, w, wl);
            len += wl;
        }
        text[len] = '\0';
        const char *source = sources[rng_next() % n_sources];
        if (is_csv) {
            fprintf(f, "\"%s\",%s,%llu\r\n", text, source, i);
            continue;
        }
        fprintf(f, "{\"text\":\"%s\",\"meta\":{\"source\":\"%s\",\"n\":%llu}", text, source, i);
        for (unsigned long long k = 0; k < n_preds; k++) {
            uint64_t r = rng_next();
            fprintf(f, "%s{\"model\":\"model-%llu\",\"result\":{\"label\":\"%c\"},\"score\":0.%02u}",
                    k ? "," : ",\"predictions\":[", k, r & 1 ? 'a' : 'b',
                    (unsigned)((r >> 8) % 100));
        }
        fputs(n_preds ? "]}\n" : "}\n", f);
    }
    if (fflush(f) || (out && fclose(f))) {
        perror(out ? out : "stdout");
        return 1;
    }
    return 0;
}
