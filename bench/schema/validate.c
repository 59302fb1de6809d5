/* bench/schema: how many span and box results tl_schema_validate_task checks
 * per second, with and without parsing the result's JSON text first (the
 * submit path does both). Usage: build/bench/schema [N [THREADS]]
 * (default 1,000,000 results over 2 threads). No store, no HTTP. */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "schema/schema.h"
#include "spanbox.h"

#define POOL 1024 /* distinct results, cycled */

struct job {
    const struct tl_schema *s;
    json_t *data;
    char **texts;
    json_t **parsed;
    long n, failures;
    bool parse;
};

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *run(void *arg) {
    struct job *j = arg;
    struct tl_errbuf eb;
    for (long i = 0; i < j->n; i++) {
        size_t k = (size_t)i % POOL;
        json_t *r = j->parse ? json_loads(j->texts[k], 0, NULL) : j->parsed[k];
        if (!r || tl_schema_validate_task(j->s, r, j->data, &eb))
            j->failures++;
        if (j->parse)
            json_decref(r);
    }
    return NULL;
}

static double measure(struct job *jobs, int threads, long n, bool parse, long *failures) {
    pthread_t t[64];
    double t0 = now();
    for (int i = 0; i < threads; i++) {
        jobs[i].n = n / threads;
        jobs[i].parse = parse;
        jobs[i].failures = 0;
        pthread_create(&t[i], NULL, run, &jobs[i]);
    }
    *failures = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        *failures += jobs[i].failures;
    }
    return now() - t0;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
    int threads = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 2;
    if (n < 1 || threads < 1 || threads > 64) {
        fprintf(stderr, "usage: %s [N [THREADS<=64]]\n", argv[0]);
        return 2;
    }
    struct tl_schema s;
    struct tl_errbuf eb;
    json_t *js = json_loads(tb_spanbox_schema, 0, NULL);
    if (!js || tl_schema_parse(js, &s, &eb)) {
        fprintf(stderr, "schema: %s\n", eb.msg);
        return 1;
    }
    json_decref(js);
    /* A 120-character text with a non-ASCII letter, as a span's task. */
    json_t *data = json_pack("{s:s,s:s}", "text", tb_spanbox_text, "image",
                             "https://example.test/frame.png");
    char *texts[POOL];
    json_t *parsed[POOL];
    for (size_t k = 0; k < POOL; k++) {
        texts[k] = tb_spanbox_result(k);
        parsed[k] = json_loads(texts[k], 0, NULL);
    }
    struct job jobs[64];
    for (int i = 0; i < threads; i++)
        jobs[i] = (struct job){.s = &s, .data = data, .texts = texts, .parsed = parsed};
    long failures;
    double dt = measure(jobs, threads, n, false, &failures);
    printf("validate:        %ld results (half spans, half boxes, 5 regions each), %d threads: "
           "%.3f s = %.0f results/s, %ld refused\n",
           n, threads, dt, (double)n / dt, failures);
    dt = measure(jobs, threads, n, true, &failures);
    printf("parse+validate:  %ld results, %d threads: %.3f s = %.0f results/s, %ld refused\n", n,
           threads, dt, (double)n / dt, failures);
    for (size_t k = 0; k < POOL; k++) {
        free(texts[k]);
        json_decref(parsed[k]);
    }
    json_decref(data);
    tl_schema_release(&s);
    return failures ? 1 : 0;
}
