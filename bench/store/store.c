/* bench/store: validating and storing span and box annotations in-process,
 * on the path the server's submit takes, without HTTP.
 *
 * Setup: a throwaway store (tl_store_open_sqlite), a tenant, a manager and
 * ANNOTATORS annotators with tokens, and two projects with the schema below
 * (spans over a text view, boxes over an image view), each with
 * ceil(ANNOTATIONS / OVERLAP) tasks imported through tl_store_tasks_import.
 * Then, each over ANNOTATIONS results (half 5 spans, half 5 boxes):
 *   validate   the submit handler's check alone (parse the body, then
 *              tl_queue_check_submission: stored schema parsed, the task's
 *              data read, tl_schema_validate_task, result re-serialized),
 *              on THREADS threads, no write;
 *   store      the labeling loop without the check (labeling.h): every
 *              annotator claims (tl_queue_next_async) and submits
 *              (tl_queue_submit_async) with its request in flight, the
 *              writer thread group-commits, on the first project;
 *   both       the same loop with the check before each submit, on the
 *              second project: what the server does minus HTTP and authz;
 *   import     the same results imported with their tasks (OVERLAP a task,
 *              JSON Lines through bulk/import.h, each checked with
 *              tl_schema_validate_imported against its task), the path of
 *              a project brought from another tool.
 * Then one thread times each step of the check apart (the breakdown).
 *
 * Environment (defaults): ANNOTATIONS (1000000), THREADS (2), ANNOTATORS
 * (256), OVERLAP (3), BREAKDOWN (100000: checks timed per step, 0: none),
 * PHASES (validate,store,both,import: the ones to run, e.g. "store" under perf). */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulk/import.h"
#include "labeling.h"
#include "queue/queue.h"
#include "schema/schema.h"
#include "spanbox.h"

#define POOL 1024 /* distinct results, cycled */

static struct tb_pool pool; /* POOL results: half 5 spans, half 5 boxes */

static size_t make_task(void *ctx, uint64_t i, char *buf, size_t cap) {
    (void)ctx;
    int n = snprintf(buf, cap,
                     "{\"text\":\"%s\",\"image\":\"https://example.test/frames/%llu.png\","
                     "\"n\":%llu}",
                     tb_spanbox_text, (unsigned long long)i, (unsigned long long)i);
    return (size_t)n;
}

/* Up to POOL task ids of p, from the first export page. */
struct ids {
    tl_id v[POOL];
    size_t n;
};

static int collect_id(void *ctx, const struct tl_export_task *t) {
    struct ids *ids = ctx;
    if (ids->n < POOL)
        memcpy(ids->v[ids->n++], t->id, sizeof t->id);
    return 0;
}

/* ---- validate alone ---- */

struct vjob {
    struct tb_env *env;
    const struct tl_project *p;
    const struct ids *ids;
    long first, n, refused;
};

/* One submission's check as prepare_submit does it (the lease id is never
 * looked at before the write, so a made-up one serves). */
static int check_one(struct tb_env *env, const struct tl_project *p, const char *task_id,
                     size_t k) {
    char body[1200];
    snprintf(body, sizeof body, "{\"lease_id\":\"%s\",\"result\":%s}", task_id, pool.texts[k]);
    json_t *js = json_loads(body, 0, NULL);
    const json_t *result = json_object_get(js, "result");
    char *text = NULL;
    struct tl_errbuf eb;
    int rc =
        result ? tl_queue_check_submission(env->store, p, task_id, result, &text, &eb) : TL_EINVAL;
    free(text);
    json_decref(js);
    return rc;
}

static void *validate_main(void *arg) {
    struct vjob *j = arg;
    for (long i = j->first; i < j->first + j->n; i++)
        if (check_one(j->env, j->p, j->ids->v[(size_t)i % j->ids->n], (size_t)i % POOL))
            j->refused++;
    return NULL;
}

static double validate_alone(struct tb_env *env, const struct tl_project *p, const struct ids *ids,
                             long n, int threads, long *refused) {
    pthread_t t[64];
    struct vjob jobs[64];
    double t0 = tb_now();
    for (int i = 0; i < threads; i++) {
        long first = n * i / threads, end = n * (i + 1) / threads;
        jobs[i] = (struct vjob){env, p, ids, first, end - first, 0};
        if (pthread_create(&t[i], NULL, validate_main, &jobs[i]))
            exit(1);
    }
    *refused = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        *refused += jobs[i].refused;
    }
    return tb_now() - t0;
}

/* ---- import: annotations that come with their tasks ---- */

/* Import ceil(n / overlap) tasks, each with `overlap` annotations from the
 * pool, as JSON Lines through the server's import pipeline (bulk/import.h:
 * parse, convert nothing, tl_schema_validate_imported each result against
 * its task's text, stage in batches, one commit): the path of a project
 * moved from another tool. Returns the seconds from the first byte to the
 * durable commit. */
static double import_annotated(struct tb_env *env, const struct tl_project *p, long n,
                               int overlap) {
    struct tl_bulk_import *g;
    struct tl_errbuf eb = {{0}};
    if (tl_bulk_import_new(env->store, &env->manager, p, TL_IMPORT_LINES, 1u << 20, &g, &eb)) {
        fprintf(stderr, "bench: import: %s\n", eb.msg);
        exit(1);
    }
    size_t cap = 64u << 10, len = 0;
    char *chunk = malloc(cap + 16384);
    long n_tasks = (n + overlap - 1) / overlap;
    double t0 = tb_now();
    for (long i = 0; i <= n_tasks; i++) {
        if (i < n_tasks) { /* one line: the task, then its annotations */
            char task[2048];
            make_task(NULL, (uint64_t)i, task, sizeof task);
            len += (size_t)snprintf(chunk + len, 1024 + sizeof task, "{\"data\":%s,\"annotations\":[",
                                    task);
            for (int k = 0; k < overlap; k++) {
                size_t rlen;
                const char *r = tb_pool_result(&pool, (uint64_t)(i * overlap + k), &rlen);
                len += (size_t)snprintf(chunk + len, rlen + 32, "%s{\"result\":%s}", k ? "," : "", r);
            }
            len += (size_t)snprintf(chunk + len, 8, "]}\n");
        }
        if (len >= cap || (i == n_tasks && len)) {
            for (size_t off = 0; off < len;) {
                size_t used;
                if (tl_bulk_import_feed(g, chunk + off, len - off, &used)) {
                    fprintf(stderr, "bench: import: %s\n", g->eb.msg);
                    exit(1);
                }
                off += used;
                if (off < len)
                    tl_bulk_import_wait(g);
            }
            len = 0;
        }
    }
    for (bool is_waiting = true; is_waiting;) {
        if (tl_bulk_import_end(g, &is_waiting)) {
            fprintf(stderr, "bench: import: %s\n", g->eb.msg);
            exit(1);
        }
        if (is_waiting)
            tl_bulk_import_wait(g);
    }
    double dt = tb_now() - t0;
    tl_bulk_import_free(g);
    free(chunk);
    return dt;
}

/* ---- the check's steps, one at a time on one thread ---- */

static void breakdown(struct tb_env *env, const struct tl_project *p, const struct ids *ids,
                      long n) {
    json_t *parsed[POOL];
    for (size_t k = 0; k < POOL; k++)
        parsed[k] = json_loads(pool.texts[k], 0, NULL);
    struct tl_errbuf eb;
    struct tl_schema schema;
    json_t *js = json_loads(p->schema_json, 0, NULL);
    if (!js || tl_schema_parse_stored(js, &schema, &eb))
        exit(1);
    json_decref(js);
    char *data_text;
    size_t data_len;
    if (tl_store_task_data(env->store, p, ids->v[0], &data_text, &data_len))
        exit(1);
    json_t *data = json_loadb(data_text, data_len, 0, NULL);
    free(data_text);

    double t[6];
    t[0] = tb_now();
    for (long i = 0; i < n; i++) { /* the body (lease id + result), as the handler parses it */
        char body[1200];
        snprintf(body, sizeof body, "{\"lease_id\":\"%s\",\"result\":%s}", ids->v[0],
                 pool.texts[i % POOL]);
        json_decref(json_loads(body, 0, NULL));
    }
    t[1] = tb_now();
    for (long i = 0; i < n; i++) { /* the stored schema, parsed per submission */
        struct tl_schema s;
        json_t *sj = json_loads(p->schema_json, 0, NULL);
        if (tl_schema_parse_stored(sj, &s, &eb))
            exit(1);
        tl_schema_release(&s);
        json_decref(sj);
    }
    t[2] = tb_now();
    for (long i = 0; i < n; i++) { /* the task's data for the spans (a reader's indexed read) */
        if (tl_store_task_data(env->store, p, ids->v[(size_t)i % ids->n], &data_text, &data_len))
            exit(1);
        json_decref(json_loadb(data_text, data_len, 0, NULL));
        free(data_text);
    }
    t[3] = tb_now();
    long refused = 0;
    for (long i = 0; i < n; i++)
        refused += tl_schema_validate_task(&schema, parsed[i % POOL], data, &eb) != 0;
    t[4] = tb_now();
    for (long i = 0; i < n; i++)
        free(json_dumps(parsed[i % POOL], JSON_COMPACT));
    t[5] = tb_now();
    static const char *const steps[] = {"parse the body (json_loads)", "parse the stored schema",
                                        "read + parse the task data", "tl_schema_validate_task",
                                        "re-serialize the result (json_dumps)"};
    double total = t[5] - t[0];
    printf("breakdown of one check (1 thread, %ld each, %ld refused):\n", n, refused);
    for (int s = 0; s < 5; s++)
        printf("  %-40s %6.2f us  %4.1f%%\n", steps[s], (t[s + 1] - t[s]) * 1e6 / (double)n,
               100.0 * (t[s + 1] - t[s]) / total);
    printf("  %-40s %6.2f us = %.0f checks/s on one core\n", "sum", total * 1e6 / (double)n,
           (double)n / total);
    for (size_t k = 0; k < POOL; k++)
        json_decref(parsed[k]);
    json_decref(data);
    tl_schema_release(&schema);
}

static void print_label(const char *what, const struct tb_label_stats *st, long rss_kb) {
    printf("%-9s %llu annotations stored in %.2f s = %.0f annotations/s"
           " (refused %llu, failed %llu, empty %llu); peak RSS %ld kB\n",
           what, (unsigned long long)st->n_stored, st->seconds, (double)st->n_stored / st->seconds,
           (unsigned long long)st->n_refused, (unsigned long long)st->n_failed,
           (unsigned long long)st->n_empty, rss_kb);
}

static bool wants(const char *phase) {
    const char *phases = getenv("PHASES");
    return !phases || !*phases || strstr(phases, phase);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0); /* progress shows when piped */
    long n = tb_env_long("ANNOTATIONS", 1000000, 1, 100000000);
    int threads = (int)tb_env_long("THREADS", 2, 1, 64);
    long annotators = tb_env_long("ANNOTATORS", 256, 1, 100000);
    int overlap = (int)tb_env_long("OVERLAP", 3, 1, 100);
    long n_breakdown = tb_env_long("BREAKDOWN", 100000, 0, 100000000);
    if (annotators < overlap) {
        fprintf(stderr, "bench: ANNOTATORS must be at least OVERLAP\n");
        return 2;
    }
    tb_pool_init(&pool, POOL, tb_spanbox_result);

    double t0 = tb_now();
    struct tb_env env;
    tb_open(&env, "store");
    tb_add_annotators(&env, (size_t)annotators);
    struct tl_project p_store, p_both;
    tb_project(&env, "store alone", tb_spanbox_schema, overlap, &p_store);
    tb_project(&env, "validate+store", tb_spanbox_schema, overlap, &p_both);
    printf("setup: tenant, manager, %ld annotators with tokens, 2 projects: %.2f s\n", annotators,
           tb_now() - t0);
    uint64_t n_tasks = ((uint64_t)n + (uint64_t)overlap - 1) / (uint64_t)overlap;
    double dt = tb_import(&env, &p_store, n_tasks, 10000, make_task, NULL);
    dt += tb_import(&env, &p_both, n_tasks, 10000, make_task, NULL);
    printf("import: 2 x %llu tasks (overlap %d) in batches of 10,000: %.2f s = %.0f tasks/s\n",
           (unsigned long long)n_tasks, overlap, dt, 2.0 * (double)n_tasks / dt);

    struct ids ids = {.n = 0};
    bool is_done;
    int64_t cursor = 0;
    if (tl_store_export_page(env.store, &env.manager, &p_both, &cursor, POOL, 64u << 20, collect_id,
                             &ids, &is_done) ||
        ids.n == 0) {
        fprintf(stderr, "bench: no task ids\n");
        return 1;
    }

    bool is_reset = tb_reset_peak_rss();
    long refused = 0;
    if (wants("validate")) {
        dt = validate_alone(&env, &p_both, &ids, n, threads, &refused);
        printf("validate  %ld results (half 5 spans, half 5 boxes), %d threads: %.2f s = %.0f"
               " checks/s, %ld refused; peak RSS %ld kB\n",
               n, threads, dt, (double)n / dt, refused, tb_peak_rss_kb());
    }
    struct tb_label_stats st_store = {.n_stored = (uint64_t)n}, st_both = st_store;
    if (wants("store")) {
        tb_reset_peak_rss();
        tb_label(&env, &p_store, (uint64_t)n, threads, false, tb_pool_result, &pool, &st_store);
        print_label("store", &st_store, tb_peak_rss_kb());
    }
    if (wants("both")) {
        tb_reset_peak_rss();
        tb_label(&env, &p_both, (uint64_t)n, threads, true, tb_pool_result, &pool, &st_both);
        print_label("both", &st_both, tb_peak_rss_kb());
    }
    if (wants("import")) {
        struct tl_project p_import;
        tb_project(&env, "imported", tb_spanbox_schema, overlap, &p_import);
        tb_reset_peak_rss();
        dt = import_annotated(&env, &p_import, n, overlap);
        long n_done = (n + overlap - 1) / overlap * overlap;
        printf("import    %ld annotations (%d a task) imported with their tasks, validated and"
               " stored: %.2f s = %.0f annotations/s; peak RSS %ld kB\n",
               n_done, overlap, dt, (double)n_done / dt, tb_peak_rss_kb());
        tl_project_release(&p_import);
    }
    printf("(%ld annotators in flight, %d worker threads, overlap %d%s)\n", annotators, threads,
           overlap, is_reset ? "" : "; peak RSS could not be reset per phase");

    if (n_breakdown)
        breakdown(&env, &p_both, &ids, n_breakdown);
    tl_project_release(&p_store);
    tl_project_release(&p_both);
    tb_close(&env);
    tb_remove(&env);
    tb_pool_release(&pool);
    bool is_ok = !refused && st_store.n_stored == (uint64_t)n && st_both.n_stored == (uint64_t)n;
    return is_ok ? 0 : 1;
}
