/* bench/export: exporting a large project in every format of the export
 * table (schema/export.h), in-process, the way the HTTP export streams it
 * (api/export.c: pages of at most 256 tasks or 4 MiB of task data, each fed
 * to the exporter, the output buffer emptied between pages), without HTTP.
 *
 * Setup (timed, not the figure): a throwaway store, a tenant, a manager and
 * ANNOTATORS annotators; three projects on one schema that gives every
 * format something to write (spans over a text view; boxes and polygons
 * over an image view whose tasks carry width and height; a pairwise field
 * over two text sources with a "prompt" key in the data; a choice):
 *   big    TASKS tasks, each with OVERLAP annotations,
 *   small  SMALL tasks, each with OVERLAP annotations (peak RSS against big),
 *   plain  the same TASKS tasks with no annotation (the baseline).
 * Tasks go in through tl_store_tasks_import. Annotations go in the only way
 * the store takes them: a lease claimed and a result submitted, through
 * the asynchronous labeling loop of bench/common/labeling.h, without the
 * schema check (the results are checked once, up front).
 *
 * Then every measurement runs in a fresh process (this program exec'd
 * again with --export, which opens the store read-mostly as a CLI would):
 * the format's name, from tl_exporter_names (so formats added to the table
 * are measured without a change here); a format whose open refuses the
 * schema is skipped with its reason. The output goes to /dev/null through
 * write(2), its bytes counted; the child reports its own peak RSS (VmHWM).
 * Ratios are against jsonl of `plain`.
 *
 * Environment (defaults): TASKS (1000000), SMALL (100000), OVERLAP (3),
 * ANNOTATORS (256), THREADS (2), FORMATS (all: or a comma list), KEEP_DATA
 * (0; 1 keeps the data dir), REUSE (a dir kept so: measure it again without
 * populating; TASKS and the rest are then the kept ones). */
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/buf.h"
#include "labeling.h"
#include "bulk/export.h"
#include "schema/export.h"
#include "schema/schema.h"

#define KEEP_OUT   (8u << 20) /* as api/export.c */

static const char schema_text[] =
    "{\"views\":[{\"source\":\"text\",\"kind\":\"text\"},{\"source\":\"image\",\"kind\":\"image\"},"
    "{\"source\":\"prompt\",\"kind\":\"text\"},{\"source\":\"response_a\",\"kind\":\"markdown\"},"
    "{\"source\":\"response_b\",\"kind\":\"markdown\"}],"
    "\"fields\":[{\"name\":\"ents\",\"type\":\"spans\",\"source\":\"text\","
    "\"labels\":[\"PER\",\"ORG\",\"LOC\"]},"
    "{\"name\":\"objects\",\"type\":\"boxes\",\"source\":\"image\",\"labels\":[\"car\",\"person\"]}"
    ","
    "{\"name\":\"areas\",\"type\":\"polygons\",\"source\":\"image\",\"labels\":[\"road\"]},"
    "{\"name\":\"preference\",\"type\":\"pairwise\",\"sources\":[\"response_a\",\"response_b\"]},"
    "{\"name\":\"sentiment\",\"type\":\"choice\",\"options\":[\"positive\",\"negative\"]}]}";

/* 99 code points (spans end before 90). */
static const char task_text[] = "Zo\xc3\xab Martin joined Acme Robotics in Lyon in March; "
                                "her team builds delivery robots for the city.";

#define POOL 64 /* distinct results, cycled */
static struct tb_pool pool;

/* 3 spans, 2 boxes, 1 polygon, a pairwise answer (a, b or tie) and a choice. */
static char *make_result(size_t k) {
    static const char *const answers[] = {"a", "b", "tie"};
    char buf[1024];
    snprintf(buf, sizeof buf,
             "{\"ents\":[{\"start\":0,\"end\":%zu,\"label\":\"PER\"},"
             "{\"start\":19,\"end\":32,\"label\":\"ORG\"},{\"start\":36,\"end\":40,"
             "\"label\":\"LOC\"}],"
             "\"objects\":[{\"x\":%zu.5,\"y\":40,\"width\":20,\"height\":15,\"label\":\"car\"},"
             "{\"x\":60,\"y\":%zu,\"width\":8.25,\"height\":22,\"label\":\"person\"}],"
             "\"areas\":[{\"points\":[[0,100],[35,55],[65,%zu],[100,100]],\"label\":\"road\"}],"
             "\"preference\":\"%s\",\"sentiment\":\"%s\"}",
             10 + k % 3, 10 + k % 7, 30 + k % 11, 50 + k % 5, answers[k % 3],
             k % 2 ? "positive" : "negative");
    return strdup(buf);
}

static size_t make_task(void *ctx, uint64_t i, char *buf, size_t cap) {
    (void)ctx;
    unsigned long long n = (unsigned long long)i;
    return (size_t)snprintf(
        buf, cap,
        "{\"text\":\"%s\",\"image\":\"https://example.test/frames/%llu.jpg\",\"width\":1280,"
        "\"height\":720,\"prompt\":\"Which answer explains review %llu better?\","
        "\"response_a\":\"The reviewer liked the robots but not the price.\","
        "\"response_b\":\"The review praises the team and the city project.\",\"n\":%llu}",
        task_text, n, n, n);
}

/* ---- one export, in a child process ---- */

/* --export DIR HASH PROJECT FORMAT: print "ok TASKS ANNOTATIONS BYTES SECONDS
 * PEAK_RSS_KB" or "skip REASON" on stdout. The export is the server's own
 * (bulk/export.h: the pages, the format table, the pseudonyms), written to
 * /dev/null piece by piece as api/export.c streams it. The peak is this
 * process's own VmHWM: a parent's wait4 ru_maxrss would also count the RSS
 * the child had before exec, i.e. the parent's. */
static int export_child(char **argv) {
    struct tb_env env;
    tb_reopen(&env, argv[2], argv[3]);
    int fd = open("/dev/null", O_WRONLY);
    struct tl_filter f = {.tenant_pk = env.manager.tenant_pk};
    struct tl_project p;
    int rc = tl_store_project_get(env.store, &f, argv[4], &p);
    if (rc || fd < 0) {
        printf("fail project %s\n", tl_strerror(rc));
        return 1;
    }
    unsigned long long n_annotations = (unsigned long long)p.n_annotations, n_bytes = 0;
    double t0 = tb_now();
    struct tl_bulk_export x;
    struct tl_errbuf eb = {{0}};
    if ((rc = tl_bulk_export_open(&x, env.store, &env.manager, &p, argv[5], &eb))) {
        /* TL_EINVAL: the schema has nothing this format exports */
        printf("%s %s\n", rc == TL_EINVAL ? "skip" : "fail",
               rc == TL_EINVAL ? eb.msg : tl_strerror(rc));
        tl_project_release(&p);
        return rc == TL_EINVAL ? 0 : 1;
    }
    struct tl_buf out;
    tl_buf_init(&out, 0); /* the exporter sets the ceiling task by task */
    for (bool is_done = false; !rc && !is_done;) {
        rc = tl_bulk_export_next(&x, &out, &is_done);
        for (size_t off = 0; !rc && off < out.len;) {
            ssize_t n = write(fd, out.data + off, out.len - off);
            rc = n > 0 ? 0 : TL_EIO;
            off += n > 0 ? (size_t)n : 0;
        }
        n_bytes += out.len;
        if (out.cap > KEEP_OUT) /* as export_read does between pieces */
            tl_buf_release(&out);
        else
            tl_buf_reset(&out);
    }
    double dt = tb_now() - t0;
    if (rc)
        printf("fail %s\n", tl_strerror(rc));
    else
        printf("ok %llu %llu %llu %.6f %ld\n", (unsigned long long)x.n_tasks, n_annotations,
               n_bytes, dt, tb_peak_rss_kb());
    tl_buf_release(&out);
    tl_bulk_export_release(&x);
    tl_project_release(&p);
    close(fd);
    tb_close(&env);
    return rc ? 1 : 0;
}

/* ---- the parent: populate, then one child per measurement ---- */

struct measure {
    char line[512]; /* the child's answer */
    long maxrss_kb;
    bool is_ok;
    unsigned long long tasks, annotations, bytes;
    double seconds;
};

static void run_child(const struct tb_env *env, const char *project_id, const char *format,
                      struct measure *m) {
    memset(m, 0, sizeof *m);
    int fds[2];
    if (pipe(fds))
        exit(1);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        exit(1);
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execl("/proc/self/exe", "export", "--export", env->dir, env->manager_token_hash, project_id,
              format, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    FILE *in = fdopen(fds[0], "r");
    if (!in || !fgets(m->line, sizeof m->line, in))
        snprintf(m->line, sizeof m->line, "fail no answer\n");
    if (in)
        fclose(in);
    m->line[strcspn(m->line, "\n")] = '\0';
    int status;
    if (waitpid(pid, &status, 0) < 0)
        exit(1);
    char *end;
    if (!strncmp(m->line, "ok ", 3)) {
        m->tasks = strtoull(m->line + 3, &end, 10);
        m->annotations = strtoull(end, &end, 10);
        m->bytes = strtoull(end, &end, 10);
        m->seconds = strtod(end, &end);
        m->maxrss_kb = strtol(end, &end, 10);
        m->is_ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && m->seconds > 0;
    }
}

static void print_measure(const char *format, const char *project, const struct measure *m,
                          double base_rate) {
    if (!m->is_ok) {
        printf("%-12s %-7s %s\n", format, project, m->line);
        return;
    }
    double rate = (double)m->tasks / m->seconds;
    printf("%-12s %-7s %9llu %10llu %8.1f %7.2f %9.0f %7.1f %6.2f %9ld\n", format, project,
           m->tasks, m->annotations, (double)m->bytes / 1e6, m->seconds, rate,
           (double)m->bytes / 1e6 / m->seconds, base_rate > 0 ? rate / base_rate : 1.0,
           m->maxrss_kb);
}

static bool is_wanted(const char *format) {
    const char *list = getenv("FORMATS");
    if (!list || !*list)
        return true;
    size_t n = strlen(format);
    for (const char *s = list; (s = strstr(s, format)); s += n)
        if ((s == list || s[-1] == ',') && (s[n] == ',' || s[n] == '\0'))
            return true;
    return false;
}

/* The results are stored without the submit's check: check them once. */
static void check_pool(void) {
    json_t *js = json_loads(schema_text, 0, NULL);
    struct tl_schema s;
    struct tl_errbuf eb = {{0}};
    if (!js || tl_schema_parse(js, &s, &eb)) {
        fprintf(stderr, "bench: schema: %s\n", eb.msg);
        exit(1);
    }
    json_decref(js);
    char data[4096];
    make_task(NULL, 0, data, sizeof data);
    json_t *dj = json_loads(data, 0, NULL);
    for (size_t k = 0; k < POOL; k++) {
        json_t *r = json_loads(pool.texts[k], 0, NULL);
        if (!r || tl_schema_validate_task(&s, r, dj, &eb)) {
            fprintf(stderr, "bench: result %zu refused: %s\n", k, eb.msg);
            exit(1);
        }
        json_decref(r);
    }
    json_decref(dj);
    tl_schema_release(&s);
}

static void label(struct tb_env *env, const struct tl_project *p, uint64_t n, int threads) {
    struct tb_label_stats st;
    tb_label(env, p, n, threads, false, tb_pool_result, &pool, &st);
    printf("  %s: %llu annotations in %.1f s = %.0f/s\n", p->name, (unsigned long long)st.n_stored,
           st.seconds, (double)st.n_stored / st.seconds);
    if (st.n_stored != n) {
        fprintf(stderr, "bench: stored %llu of %llu annotations\n", (unsigned long long)st.n_stored,
                (unsigned long long)n);
        exit(1);
    }
}

/* What a measurement needs of a populated data dir; kept in it as
 * bench-export.txt so that REUSE=DIR can measure again without populating. */
struct fixture {
    char hash[TL_TOKEN_HASH_LEN + 1];
    tl_id big, small, plain;
    long n_tasks, n_small;
};

static void fixture_path(const char *dir, char *path, size_t size) {
    snprintf(path, size, "%s/bench-export.txt", dir);
}

static void fixture_save(const char *dir, const struct fixture *fx) {
    char path[512];
    fixture_path(dir, path, sizeof path);
    FILE *f = fopen(path, "w");
    if (!f ||
        fprintf(f, "%s %s %s %s %ld %ld\n", fx->hash, fx->big, fx->small, fx->plain, fx->n_tasks,
                fx->n_small) < 0 ||
        fclose(f)) {
        fprintf(stderr, "bench: cannot write %s\n", path);
        exit(1);
    }
}

static void fixture_load(const char *dir, struct fixture *fx) {
    char path[512], line[512];
    fixture_path(dir, path, sizeof path);
    FILE *f = fopen(path, "r");
    char *fields[6], *save;
    size_t n = 0;
    if (f && fgets(line, sizeof line, f))
        for (char *w = strtok_r(line, " \n", &save); w && n < 6; w = strtok_r(NULL, " \n", &save))
            fields[n++] = w;
    if (f)
        fclose(f);
    if (n != 6 || strlen(fields[0]) != TL_TOKEN_HASH_LEN) {
        fprintf(stderr, "bench: REUSE: %s is not a data dir kept by this bench\n", dir);
        exit(2);
    }
    memcpy(fx->hash, fields[0], sizeof fx->hash);
    snprintf(fx->big, sizeof fx->big, "%s", fields[1]);
    snprintf(fx->small, sizeof fx->small, "%s", fields[2]);
    snprintf(fx->plain, sizeof fx->plain, "%s", fields[3]);
    fx->n_tasks = strtol(fields[4], NULL, 10);
    fx->n_small = strtol(fields[5], NULL, 10);
}

/* Make the three projects (header comment) in a new data dir. */
static void populate(struct tb_env *env, struct fixture *fx) {
    long n_tasks = tb_env_long("TASKS", 1000000, 1, 50000000);
    long n_small = tb_env_long("SMALL", 100000, 0, 50000000);
    int overlap = (int)tb_env_long("OVERLAP", 3, 0, 100);
    long annotators = tb_env_long("ANNOTATORS", 256, 1, 100000);
    int threads = (int)tb_env_long("THREADS", 2, 1, 64);
    if (annotators < overlap) {
        fprintf(stderr, "bench: ANNOTATORS must be at least OVERLAP\n");
        exit(2);
    }
    double t0 = tb_now();
    tb_open(env, "export");
    tb_add_annotators(env, (size_t)annotators);
    struct tl_project big, small, plain;
    tb_project(env, "big", schema_text, overlap > 0 ? overlap : 1, &big);
    tb_project(env, "small", schema_text, overlap > 0 ? overlap : 1, &small);
    tb_project(env, "plain", schema_text, 1, &plain);
    double dt = tb_import(env, &big, (uint64_t)n_tasks, 10000, make_task, NULL);
    dt += tb_import(env, &plain, (uint64_t)n_tasks, 10000, make_task, NULL);
    if (n_small)
        dt += tb_import(env, &small, (uint64_t)n_small, 10000, make_task, NULL);
    printf("populate: imported %ld + %ld + %ld tasks in %.1f s\n", n_tasks, n_tasks, n_small, dt);
    if (overlap > 0) {
        label(env, &big, (uint64_t)n_tasks * (uint64_t)overlap, threads);
        if (n_small)
            label(env, &small, (uint64_t)n_small * (uint64_t)overlap, threads);
    }
    *fx = (struct fixture){.n_tasks = n_tasks, .n_small = n_small};
    memcpy(fx->hash, env->manager_token_hash, sizeof fx->hash);
    memcpy(fx->big, big.id, sizeof fx->big);
    memcpy(fx->small, small.id, sizeof fx->small);
    memcpy(fx->plain, plain.id, sizeof fx->plain);
    tl_project_release(&big);
    tl_project_release(&small);
    tl_project_release(&plain);
    tb_close(env); /* folds the WAL into the database file */
    fixture_save(env->dir, fx);
    printf("populate: %.1f s in all (%ld annotators, %d threads)\n", tb_now() - t0, annotators,
           threads);
}

int main(int argc, char **argv) {
    if (argc == 6 && !strcmp(argv[1], "--export"))
        return export_child(argv);
    if (argc != 1) {
        fprintf(stderr, "usage: %s (settings in the environment: see bench/README.md)\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* progress shows when piped */
    tb_pool_init(&pool, POOL, make_result);
    check_pool();
    struct tb_env env;
    memset(&env, 0, sizeof env);
    struct fixture fx;
    const char *reuse = getenv("REUSE");
    if (reuse && *reuse) {
        snprintf(env.dir, sizeof env.dir, "%s", reuse);
        fixture_load(reuse, &fx);
        memcpy(env.manager_token_hash, fx.hash, sizeof fx.hash);
        printf("populate: reusing %s (%ld + %ld tasks)\n", reuse, fx.n_tasks, fx.n_small);
    } else {
        populate(&env, &fx);
    }

    printf("\n%-12s %-7s %9s %10s %8s %7s %9s %7s %6s %9s\n", "format", "project", "tasks",
           "annots", "MB", "s", "tasks/s", "MB/s", "ratio", "RSS kB");
    struct measure base;
    run_child(&env, fx.plain, "jsonl", &base);
    double base_rate = base.is_ok ? (double)base.tasks / base.seconds : 0;
    print_measure("jsonl", "plain", &base, base_rate);
    char names[4096];
    tl_exporter_names(names, sizeof names);
    int failures = !base.is_ok;
    for (char *save, *name = strtok_r(names, ", ", &save); name;
         name = strtok_r(NULL, ", ", &save)) {
        if (!is_wanted(name))
            continue;
        struct measure m;
        if (fx.n_small) {
            run_child(&env, fx.small, name, &m);
            print_measure(name, "small", &m, base_rate);
            failures += !m.is_ok && strncmp(m.line, "skip", 4);
        }
        run_child(&env, fx.big, name, &m);
        print_measure(name, "big", &m, base_rate);
        failures += !m.is_ok && strncmp(m.line, "skip", 4);
    }
    printf("(ratio: tasks/s against jsonl of 'plain', the same %ld tasks without annotations;"
           " RSS: the export process's peak (VmHWM), store open included)\n",
           fx.n_tasks);
    if (!reuse || !*reuse)
        tb_remove(&env);
    tb_pool_release(&pool);
    return failures ? 1 : 0;
}
