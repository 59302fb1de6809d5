/* bench/stats: GET /api/v1/projects/{id}/stats and /me/stats at 1,000,000
 * tasks with one annotation each, in-process (tl_store_project_stats and
 * tl_store_my_stats, what api/stats.c calls), without HTTP.
 *
 * Setup: a throwaway store, a tenant, a manager and ANNOTATORS annotators,
 * then two projects (overlap 1, a choice schema):
 *   live   LIVE tasks, each labeled through the labeling loop of
 *          bench/common (lease claim + submit, the writer's group commit),
 *          so its counters are the ones the submit path keeps;
 *   big    TASKS tasks imported through the store, then, with the store
 *          closed, one annotation per task written by SQL, spread one every
 *          SPREAD_MS ms back from now (1,000,000 x 6 s = 69 days: 100,000
 *          minutes, as a project labeled for months), annotators in turn,
 *          claim-to-submit times of 1-121 s; the counters of migration 10
 *          are dropped with its row, so reopening the store runs the
 *          migration again and backfills them from those rows (timed).
 * Then each bucket kind is timed REPEAT times on both projects (median and
 * max), and /me/stats for one annotator. Every answer is checked against
 * the project's counters (throughput sums to its annotations, the last
 * completion is its complete tasks); exits 1 otherwise.
 *
 * Linked with an older libtally.a (before migration 10) the SQL steps that
 * touch migration 10 find nothing to drop and the figures are the old
 * scan's, on the same data (REPEAT=1 there: it takes seconds a call).
 *
 * Environment (defaults): TASKS (1000000), LIVE (20000), ANNOTATORS (256),
 * SPREAD_MS (6000), REPEAT (20), THREADS (2), KEEP_DATA (0). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "labeling.h"

static const char schema[] =
    "{\"fields\":[{\"name\":\"label\",\"type\":\"choice\",\"options\":[\"a\",\"b\"]}]}";

static size_t make_task(void *ctx, uint64_t i, char *buf, size_t cap) {
    (void)ctx;
    return (size_t)snprintf(buf, cap, "{\"text\":\"item %llu\"}", (unsigned long long)i);
}

static char *make_result(size_t k) {
    return strdup(k % 2 ? "{\"label\":\"a\"}" : "{\"label\":\"b\"}");
}

static void sql_or_die(sqlite3 *db, const char *sql) {
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "bench: %s: %s\n", sql, err ? err : "?");
        exit(1);
    }
}

/* One annotation per task of project_pk, as described at the top, and
 * migration 10 undone so that the next open backfills. */
static void annotate_by_sql(const char *dir, int64_t project_pk, long spread_ms) {
    char path[512], sql[2048];
    snprintf(path, sizeof path, "%s/tally.db", dir);
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) {
        fprintf(stderr, "bench: open %s\n", path);
        exit(1);
    }
    sql_or_die(db, "BEGIN");
    snprintf(sql, sizeof sql,
             "CREATE TEMP TABLE who(i INTEGER PRIMARY KEY, pk INTEGER);"
             "INSERT INTO who(i, pk) SELECT row_number() OVER (ORDER BY user_pk) - 1, user_pk"
             " FROM project_members WHERE project_pk = %lld;"
             "CREATE TEMP TABLE span AS SELECT min(pk) AS first, count(*) AS n FROM tasks"
             " WHERE project_pk = %lld;"
             "INSERT INTO annotations(id, task_pk, annotator_pk, lease_id, result, created_at,"
             " claimed_at) SELECT '00000000-0000-7000-9000-' || printf('%%012x', k.pk), k.pk,"
             " (SELECT pk FROM who WHERE i = k.pk %% (SELECT count(*) FROM who)), 'bench',"
             " '{\"label\":\"a\"}', %lld - (s.n - (k.pk - s.first)) * %ld AS at,"
             " %lld - (s.n - (k.pk - s.first)) * %ld - 1000 - (k.pk * 7919) %% 120000"
             " FROM tasks k, span s WHERE k.project_pk = %lld ORDER BY k.pk;"
             "UPDATE tasks SET n_annotations = 1, is_open = 0 WHERE project_pk = %lld;"
             "UPDATE projects SET n_annotations = n_tasks, n_completed = n_tasks"
             " WHERE pk = %lld;",
             (long long)project_pk, (long long)project_pk, (long long)tl_clock_ms(), spread_ms,
             (long long)tl_clock_ms(), spread_ms, (long long)project_pk, (long long)project_pk,
             (long long)project_pk);
    sql_or_die(db, sql);
    sql_or_die(db, "DROP TABLE IF EXISTS stats_buckets; DROP TABLE IF EXISTS stats_annotators;"
                   " DELETE FROM schema_migrations WHERE version = 10;");
    sqlite3_stmt *st;
    bool has_kind = false;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_table_info('tokens') WHERE name = 'kind'",
                           -1, &st, NULL) == SQLITE_OK) {
        has_kind = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_finalize(st);
    }
    if (has_kind)
        sql_or_die(db, "ALTER TABLE tokens DROP COLUMN kind");
    sql_or_die(db, "COMMIT");
    sql_or_die(db, "PRAGMA wal_checkpoint(TRUNCATE)");
    sqlite3_close(db);
}

static int by_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static const struct {
    const char *name;
    int64_t ms;
} kinds[] = {{"minute", 60LL * 1000}, {"hour", 3600LL * 1000}, {"day", 86400LL * 1000}};

/* Time every bucket kind on p; exit 1 on an answer that disagrees with the
 * project's own counters. */
static void time_stats(struct tb_env *env, const char *label, const tl_id project_id,
                       long repeat) {
    struct tl_filter f = {.tenant_pk = env->manager.tenant_pk};
    struct tl_project p;
    int rc = tl_store_project_get(env->store, &f, project_id, &p);
    if (rc) {
        fprintf(stderr, "bench: project get: %s\n", tl_strerror(rc));
        exit(1);
    }
    struct tl_project_stats *st = malloc(sizeof *st);
    double *ms = calloc((size_t)repeat, sizeof *ms);
    if (!st || !ms)
        exit(1);
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        for (long i = 0; i < repeat; i++) {
            double t0 = tb_now();
            rc = tl_store_project_stats(env->store, &p, kinds[k].ms, tl_clock_ms(), st);
            ms[i] = (tb_now() - t0) * 1000;
            if (rc) {
                fprintf(stderr, "bench: stats: %s\n", tl_strerror(rc));
                exit(1);
            }
            int64_t sum = 0, n_ann = 0;
            for (size_t b = 0; b < st->n_buckets; b++)
                sum += st->throughput[b];
            for (size_t a = 0; a < st->n_annotators; a++)
                n_ann += st->annotators[a].n_annotations;
            int64_t last = st->n_buckets ? st->completion[st->n_buckets - 1] : 0;
            bool is_whole = st->n_buckets < TL_STATS_MAX_BUCKETS; /* else older ones cut */
            if (last != p.n_completed || (is_whole && sum != p.n_annotations) ||
                (st->n_annotators < TL_STATS_MAX_ANNOTATORS && n_ann != p.n_annotations)) {
                fprintf(stderr,
                        "bench: %s %s: completion %lld of %lld, throughput %lld, annotators"
                        " %lld of %lld annotations\n",
                        label, kinds[k].name, (long long)last, (long long)p.n_completed,
                        (long long)sum, (long long)n_ann, (long long)p.n_annotations);
                exit(1);
            }
            if (i == repeat - 1)
                printf("%-5s %-6s %8lld tasks %8lld annotations: %3zu buckets, %3zu annotators;",
                       label, kinds[k].name, (long long)p.n_tasks, (long long)p.n_annotations,
                       st->n_buckets, st->n_annotators);
            tl_project_stats_release(st);
        }
        qsort(ms, (size_t)repeat, sizeof *ms, by_double);
        printf(" median %.2f ms, max %.2f ms (%ld calls)\n", ms[repeat / 2], ms[repeat - 1],
               repeat);
    }
    tl_project_release(&p);
    free(ms);
    free(st);
}

int main(void) {
    long tasks = tb_env_long("TASKS", 1000000, 1, 10000000);
    long live = tb_env_long("LIVE", 20000, 0, 10000000);
    long n_annotators = tb_env_long("ANNOTATORS", 256, 1, 4096);
    long spread_ms = tb_env_long("SPREAD_MS", 6000, 1, 86400000);
    long repeat = tb_env_long("REPEAT", 20, 1, 1000);
    long threads = tb_env_long("THREADS", 2, 1, 64);
    setvbuf(stdout, NULL, _IOLBF, 0);

    struct tb_env env;
    tb_open(&env, "stats");
    tb_add_annotators(&env, (size_t)n_annotators);
    struct tl_scope someone = env.annotators[0];
    struct tl_project live_p, big_p;
    tb_project(&env, "live", schema, 1, &live_p);
    tb_project(&env, "big", schema, 1, &big_p);
    double dt = tb_import(&env, &live_p, (uint64_t)live, 10000, make_task, NULL);
    dt += tb_import(&env, &big_p, (uint64_t)tasks, 10000, make_task, NULL);
    printf("imported %ld + %ld tasks in %.1f s\n", live, tasks, dt);
    struct tb_pool pool;
    tb_pool_init(&pool, 2, make_result);
    struct tb_label_stats ls;
    tb_label(&env, &live_p, (uint64_t)live, (int)threads, false, tb_pool_result, &pool, &ls);
    printf("live: %llu annotations through lease + submit in %.1f s = %.0f/s (failed %llu)\n",
           (unsigned long long)ls.n_stored, ls.seconds, (double)ls.n_stored / ls.seconds,
           (unsigned long long)ls.n_failed);
    tb_pool_release(&pool);
    if (ls.n_stored != (uint64_t)live || ls.n_failed)
        return 1;
    char dir[256], hash[TL_TOKEN_HASH_LEN + 1];
    snprintf(dir, sizeof dir, "%s", env.dir);
    snprintf(hash, sizeof hash, "%s", env.manager_token_hash);
    int64_t big_pk = big_p.pk;
    tb_close(&env);

    double t0 = tb_now();
    annotate_by_sql(dir, big_pk, spread_ms);
    printf("big: %ld annotations written by SQL over %.1f days in %.1f s\n", tasks,
           (double)tasks * (double)spread_ms / 86400000.0, tb_now() - t0);
    t0 = tb_now();
    tb_reopen(&env, dir, hash); /* migration 10 runs here: the backfill */
    printf("store reopened (migration 10 backfill) in %.1f s\n", tb_now() - t0);

    time_stats(&env, "live", live_p.id, repeat);
    time_stats(&env, "big", big_p.id, repeat);
    double *ms = calloc((size_t)repeat, sizeof *ms);
    int64_t n_mine = 0;
    for (long i = 0; ms && i < repeat; i++) {
        struct tl_my_project_stats *m;
        size_t n;
        t0 = tb_now();
        int rc = tl_store_my_stats(env.store, &someone, &m, &n);
        ms[i] = (tb_now() - t0) * 1000;
        if (rc)
            return 1;
        n_mine = 0;
        for (size_t j = 0; j < n; j++)
            n_mine += m[j].n_annotations;
        free(m);
    }
    if (ms) {
        qsort(ms, (size_t)repeat, sizeof *ms, by_double);
        printf("me/stats (one annotator, %lld annotations in 2 projects): median %.2f ms, max"
               " %.2f ms\n",
               (long long)n_mine, ms[repeat / 2], ms[repeat - 1]);
    }
    free(ms);
    tl_project_release(&live_p);
    tl_project_release(&big_p);
    tb_close(&env);
    tb_remove(&env);
    return 0;
}
