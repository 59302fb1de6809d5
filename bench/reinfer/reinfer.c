/* bench/reinfer: full re-inference of a project of 1,000,000 choice labels
 * (queue/reinfer.h, what the server's scheduler and POST
 * /projects/{id}/aggregates/run call), in-process, its three phases timed
 * apart: the store's read, the inference, the write-back.
 *
 * Setup: a throwaway store, a tenant, a manager and WORKERS annotators, a
 * project (overlap 3, one choice field of CLASSES options) with TASKS tasks
 * imported through the store; then, with the store closed, LABELS / TASKS
 * annotations per task written by SQL (fast; the labeling loop's own cost
 * is bench/store's business): each task has a true class (uniform), each
 * worker an accuracy drawn from [0.55, 0.95], a label is right with that
 * probability and otherwise one of the other classes; workers are drawn
 * per task without repeats. Everything from a fixed seed.
 *
 * Then REPEAT runs of tl_queue_reinfer (the first inserts every aggregate
 * row, the others update them), each phase's median and range printed, and
 * the aggregates checked against the truth (accuracy printed; exits 1 if a
 * run fails, if not every task has an aggregate, or if the accuracy is
 * below that of a majority vote on these labels, which the run would have
 * to be broken to miss).
 *
 * CHANGE (per million, default 0): before each run after the first, that
 * share of the annotations gets a new label (by SQL, a different class
 * each run, chosen by a hash of the annotation and the run): the steady
 * state of the scheduler, which re-infers a project whose labels moved,
 * rather than the same labels again. The accuracy check then only warns.
 *
 * Environment (defaults): TASKS (333334), LABELS (1000000), WORKERS (1000),
 * CLASSES (4), METHOD (auto), REPEAT (5), THREADS (0: the engine's
 * default), CHANGE (0), KEEP_DATA (0). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labeling.h"
#include "queue/reinfer.h"
#include "store/store.h"

static uint64_t rng_state = 42;
static uint64_t next_rand(void) { /* splitmix64 */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static double unit_rand(void) {
    return (double)(next_rand() >> 11) / 9007199254740992.0;
}

static size_t make_task(void *ctx, uint64_t i, char *buf, size_t cap) {
    (void)ctx;
    return (size_t)snprintf(buf, cap, "{\"text\":\"item %llu\"}", (unsigned long long)i);
}

static void sql_or_die(sqlite3 *db, const char *sql) {
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "bench: %s: %s\n", sql, err ? err : "?");
        exit(1);
    }
}

/* The bench store's database, opened directly (the server is not
 * involved); exits on failure. */
static sqlite3 *open_db(const char *dir) {
    char path[512];
    snprintf(path, sizeof path, "%s/tally.db", dir);
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) {
        fprintf(stderr, "bench: open %s\n", path);
        exit(1);
    }
    sqlite3_busy_timeout(db, 10000);
    return db;
}

/* The labels, by SQL; the truth per task (in task pk order) into truth[].
 * Returns the majority vote's accuracy on them (ties: a fair coin). */
static double annotate_by_sql(const char *dir, int64_t project_pk, long per_task, long classes,
                              int *truth, long n_tasks) {
    sqlite3 *db = open_db(dir);
    sql_or_die(db, "PRAGMA synchronous=OFF");
    sql_or_die(db, "BEGIN");
    /* the project's members are its annotators */
    sqlite3_stmt *st;
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT m.user_pk FROM project_members m JOIN users u ON u.pk = m.user_pk"
             " WHERE m.project_pk = %lld AND u.role = %d ORDER BY m.user_pk",
             (long long)project_pk, (int)TL_ROLE_ANNOTATOR);
    sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    int64_t *who = NULL;
    size_t n_who = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        who = realloc(who, (n_who + 1) * sizeof *who);
        who[n_who++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    if (n_who < (size_t)per_task) {
        fprintf(stderr, "bench: %zu annotators for %ld labels a task\n", n_who, per_task);
        exit(1);
    }
    double *acc = malloc(n_who * sizeof *acc);
    for (size_t w = 0; w < n_who; w++)
        acc[w] = 0.55 + 0.4 * unit_rand();
    snprintf(sql, sizeof sql, "SELECT pk FROM tasks WHERE project_pk = %lld ORDER BY pk",
             (long long)project_pk);
    sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    sqlite3_stmt *ins;
    sqlite3_prepare_v2(db,
                       "INSERT INTO annotations(id, task_pk, annotator_pk, lease_id, result,"
                       " created_at, claimed_at) VALUES(?1, ?2, ?3, 'bench', ?4, ?5, ?5)",
                       -1, &ins, NULL);
    long t = 0;
    double mv_right = 0;
    int64_t now = 1700000000000LL, seq = 0;
    while (sqlite3_step(st) == SQLITE_ROW && t < n_tasks) {
        int64_t task_pk = sqlite3_column_int64(st, 0);
        int y = (int)(next_rand() % (uint64_t)classes);
        truth[t++] = y;
        size_t chosen[64];
        int votes[64] = {0};
        for (long k = 0; k < per_task; k++) {
            size_t w;
            bool again;
            do {
                w = next_rand() % n_who;
                again = false;
                for (long j = 0; j < k; j++)
                    again |= chosen[j] == w;
            } while (again);
            chosen[k] = w;
            int label = y;
            if (unit_rand() >= acc[w])
                label = (y + 1 + (int)(next_rand() % (uint64_t)(classes - 1))) % (int)classes;
            votes[label]++;
            char id[64], result[64];
            snprintf(id, sizeof id, "00000000-0000-7000-9000-%012llx", (unsigned long long)++seq);
            int len = snprintf(result, sizeof result, "{\"label\":\"c%d\"}", label);
            sqlite3_bind_text(ins, 1, id, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(ins, 2, task_pk);
            sqlite3_bind_int64(ins, 3, who[w]);
            sqlite3_bind_blob(ins, 4, result, len, SQLITE_TRANSIENT);
            sqlite3_bind_int64(ins, 5, now + seq);
            if (sqlite3_step(ins) != SQLITE_DONE) {
                fprintf(stderr, "bench: insert: %s\n", sqlite3_errmsg(db));
                exit(1);
            }
            sqlite3_reset(ins);
        }
        int best = 0, n_best = 0;
        for (int c = 0; c < classes; c++) {
            if (votes[c] > votes[best]) {
                best = c;
                n_best = 1;
            } else if (votes[c] == votes[best]) {
                n_best++;
            }
        }
        mv_right += votes[y] == votes[best] ? 1.0 / n_best : 0;
    }
    sqlite3_finalize(st);
    sqlite3_finalize(ins);
    snprintf(sql, sizeof sql,
             "UPDATE tasks SET n_annotations = %ld, is_open = 0 WHERE project_pk = %lld;"
             "UPDATE projects SET n_annotations = %lld, n_completed = n_tasks WHERE pk = %lld;",
             per_task, (long long)project_pk, (long long)seq, (long long)project_pk);
    sql_or_die(db, sql);
    sql_or_die(db, "COMMIT");
    sql_or_die(db, "PRAGMA wal_checkpoint(TRUNCATE)");
    sqlite3_close(db);
    free(who);
    free(acc);
    return mv_right / (double)t;
}

/* CHANGE per million of the annotations relabelled before run `run`. */
static void relabel(const char *dir, long change, long run, long classes) {
    char sql[512];
    sqlite3 *db = open_db(dir);
    snprintf(sql, sizeof sql,
             "UPDATE annotations SET result = '{\"label\":\"c' || ((pk + %ld) %% %ld) || '\"}'"
             " WHERE ((pk + %ld * 7919) * 2654435761) %% 1000000 < %ld",
             run, classes, run, change);
    sql_or_die(db, sql);
    printf("run %ld: %d annotations relabelled first\n", run + 1, sqlite3_changes(db));
    sqlite3_close(db);
}

static int by_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static void print_phase(const char *name, double *v, long n) {
    qsort(v, (size_t)n, sizeof *v, by_double);
    printf("  %-8s median %.3f s  (min %.3f, max %.3f)\n", name, v[n / 2], v[0], v[n - 1]);
}

/* The aggregates' accuracy against truth (tasks in pk order = list order). */
static double check_aggregates(struct tb_env *env, const struct tl_project *p, const int *truth,
                               long n_tasks) {
    int64_t cursor = 0;
    long seen = 0, right = 0;
    do {
        struct tl_aggregate *a;
        size_t n;
        if (tl_store_aggregate_list(env->store, &env->manager, p, 1000, &cursor, &a, &n)) {
            fprintf(stderr, "bench: aggregate list failed\n");
            exit(1);
        }
        for (size_t i = 0; i < n; i++, seen++) {
            char want[32];
            snprintf(want, sizeof want, "{\"label\":\"c%d\"}",
                     seen < n_tasks ? truth[seen] : -1);
            right += !strcmp(a[i].result, want);
            tl_aggregate_release(&a[i]);
        }
        free(a);
    } while (cursor);
    if (seen != n_tasks) {
        fprintf(stderr, "bench: %ld aggregates for %ld tasks\n", seen, n_tasks);
        exit(1);
    }
    return (double)right / (double)n_tasks;
}

int main(void) {
    long n_tasks = tb_env_long("TASKS", 333334, 1, 10000000);
    long n_labels = tb_env_long("LABELS", 1000000, 1, 100000000);
    long n_workers = tb_env_long("WORKERS", 1000, 2, 100000);
    long classes = tb_env_long("CLASSES", 4, 2, 64);
    long repeat = tb_env_long("REPEAT", 5, 1, 100);
    long threads = tb_env_long("THREADS", 0, 0, 64);
    long change = tb_env_long("CHANGE", 0, 0, 1000000);
    const char *method = getenv("METHOD") ? getenv("METHOD") : "auto";
    long per_task = (n_labels + n_tasks - 1) / n_tasks;
    if (per_task > 64 || per_task > n_workers) {
        fprintf(stderr, "bench: %ld labels a task is too many\n", per_task);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);

    char schema[512];
    int len = snprintf(schema, sizeof schema,
                       "{\"fields\":[{\"name\":\"label\",\"type\":\"choice\",\"options\":[");
    for (long c = 0; c < classes; c++)
        len += snprintf(schema + len, sizeof schema - (size_t)len, "%s\"c%ld\"", c ? "," : "", c);
    snprintf(schema + len, sizeof schema - (size_t)len, "]}]}");

    struct tb_env env;
    double t0 = tb_now();
    tb_open(&env, "reinfer");
    tb_add_annotators(&env, (size_t)n_workers);
    struct tl_project p;
    tb_project(&env, "big", schema, (int)per_task, &p);
    double dt = tb_import(&env, &p, (uint64_t)n_tasks, 10000, make_task, NULL);
    printf("%ld workers, %ld tasks imported in %.1f s (setup %.1f s)\n", n_workers, n_tasks, dt,
           tb_now() - t0);
    char dir[256], hash[TL_TOKEN_HASH_LEN + 1];
    snprintf(dir, sizeof dir, "%s", env.dir);
    snprintf(hash, sizeof hash, "%s", env.manager_token_hash);
    tl_id project_id;
    memcpy(project_id, p.id, sizeof project_id);
    int64_t project_pk = p.pk;
    tl_project_release(&p);
    tb_close(&env);

    int *truth = malloc((size_t)n_tasks * sizeof *truth);
    t0 = tb_now();
    double mv_acc = annotate_by_sql(dir, project_pk, per_task, classes, truth, n_tasks);
    printf("%ld labels (%ld a task, %ld classes) written by SQL in %.1f s;"
           " majority vote would get %.4f\n",
           n_tasks * per_task, per_task, classes, tb_now() - t0, mv_acc);
    tb_reopen(&env, dir, hash);
    struct tl_filter f = {.tenant_pk = env.manager.tenant_pk};
    if (tl_store_project_get(env.store, &f, project_id, &p)) {
        fprintf(stderr, "bench: project gone\n");
        return 1;
    }
    snprintf(p.q.method, sizeof p.q.method, "%s", method);

    double *rd = calloc((size_t)repeat, sizeof *rd), *inf = calloc((size_t)repeat, sizeof *inf);
    double *wr = calloc((size_t)repeat, sizeof *wr), *tot = calloc((size_t)repeat, sizeof *tot);
    double *crd = calloc((size_t)repeat, sizeof *crd), *cinf = calloc((size_t)repeat, sizeof *cinf);
    double *cwr = calloc((size_t)repeat, sizeof *cwr), *ctot = calloc((size_t)repeat, sizeof *ctot);
    struct tl_reinfer_stats st = {0};
    for (long i = 0; i < repeat; i++) {
        if (i && change)
            relabel(dir, change, i, classes);
        int rc = tl_queue_reinfer(env.store, &p, (int)threads, &st);
        if (rc) {
            fprintf(stderr, "bench: reinfer: %s\n", tl_strerror(rc));
            return 1;
        }
        rd[i] = st.read_s;
        inf[i] = st.infer_s;
        wr[i] = st.write_s;
        tot[i] = st.read_s + st.infer_s + st.write_s;
        crd[i] = st.read_cpu_s;
        cinf[i] = st.infer_cpu_s;
        cwr[i] = st.write_cpu_s;
        ctot[i] = st.read_cpu_s + st.infer_cpu_s + st.write_cpu_s;
        printf("run %ld: read %.3f s, infer %.3f s, write %.3f s (%zu rows written), total %.3f s;"
               " CPU %.3f + %.3f + %.3f = %.3f s\n",
               i + 1, st.read_s, st.infer_s, st.write_s, st.n_written, tot[i], crd[i], cinf[i],
               cwr[i], ctot[i]);
    }
    printf("method %s, %zu labels, %zu tasks, %zu workers, %zu results parsed by jansson,"
           " read in %zu parts; median of %ld:\n",
           method, st.n_labels, st.n_tasks, st.n_workers, st.n_slow, st.n_parts, repeat);
    print_phase("read", rd, repeat);
    print_phase("infer", inf, repeat);
    print_phase("write", wr, repeat);
    print_phase("total", tot, repeat);
    printf("CPU time (all threads), median of %ld:\n", repeat);
    print_phase("read", crd, repeat);
    print_phase("infer", cinf, repeat);
    print_phase("write", cwr, repeat);
    print_phase("total", ctot, repeat);
    double acc = check_aggregates(&env, &p, truth, n_tasks);
    printf("aggregates: accuracy %.4f against the truth (majority vote %.4f)\n", acc, mv_acc);
    printf("peak RSS %ld kB\n", tb_peak_rss_kb());
    tl_project_release(&p);
    free(truth);
    free(rd);
    free(inf);
    free(wr);
    free(tot);
    free(crd);
    free(cinf);
    free(cwr);
    free(ctot);
    tb_close(&env);
    tb_remove(&env);
    if (change && repeat > 1)
        return 0; /* the labels moved: the vote's accuracy was on the first ones */
    return acc + 0.01 < mv_acc ? 1 : 0; /* sparse crowds: auto may tie the vote */
}
