/* labeling.c: see labeling.h. */
#include "labeling.h"

#include <ftw.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "crypto/crypto.h"
#include "queue/queue.h"

static _Noreturn void die(const char *what, int rc) {
    fprintf(stderr, "bench: %s: %s\n", what, rc ? tl_strerror(rc) : "failed");
    exit(1);
}

double tb_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

long tb_peak_rss_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6))
            kb = strtol(line + 6, NULL, 10);
    fclose(f);
    return kb;
}

bool tb_reset_peak_rss(void) {
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (!f)
        return false;
    bool is_written = fputs("5", f) >= 0;
    return fclose(f) == 0 && is_written;
}

long tb_env_long(const char *name, long def, long min, long max) {
    const char *v = getenv(name);
    if (!v || !*v)
        return def;
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || n < min || n > max) {
        fprintf(stderr, "bench: %s must be an integer in [%ld, %ld], not '%s'\n", name, min, max,
                v);
        exit(2);
    }
    return n;
}

/* A user of the tenant with an API token; its scope into *scope. */
static void add_user(struct tb_env *env, const tl_id tenant_id, const char *email,
                     enum tl_role role, struct tl_scope *scope, char *hash_out) {
    struct tl_user u = {.role = role};
    snprintf(u.email, sizeof u.email, "%s", email);
    memcpy(u.tenant_id, tenant_id, sizeof u.tenant_id);
    int rc = tl_store_user_create(env->store, &u);
    if (rc)
        die("user create", rc);
    char token[TL_TOKEN_LEN + 1], hash[TL_TOKEN_HASH_LEN + 1];
    tl_token_new(token);
    tl_token_hash(token, TL_TOKEN_LEN, hash);
    if ((rc = tl_store_token_create(env->store, u.pk, hash, 0)) ||
        (rc = tl_store_token_scope(env->store, hash, tl_clock_ms(), scope)))
        die("token", rc);
    if (hash_out)
        memcpy(hash_out, hash, sizeof hash);
}

void tb_open(struct tb_env *env, const char *name) {
    memset(env, 0, sizeof *env);
    if (tl_crypto_init())
        die("crypto init", 0);
    const char *tmp = getenv("TMPDIR");
    snprintf(env->dir, sizeof env->dir, "%s/tally-bench-%s.XXXXXX", tmp && *tmp ? tmp : "/tmp",
             name);
    if (!mkdtemp(env->dir))
        die("mkdtemp", 0);
    struct tl_errbuf eb = {{0}};
    int rc = tl_store_open_sqlite(env->dir, NULL, &env->store, &eb);
    if (rc) {
        fprintf(stderr, "bench: open %s: %s\n", env->dir, eb.msg);
        exit(1);
    }
    tl_id tenant_id;
    if ((rc = tl_store_tenant_create(env->store, "bench", tenant_id)))
        die("tenant create", rc);
    add_user(env, tenant_id, "manager@bench.test", TL_ROLE_MANAGER, &env->manager,
             env->manager_token_hash);
}

void tb_reopen(struct tb_env *env, const char *dir, const char *manager_token_hash) {
    memset(env, 0, sizeof *env);
    snprintf(env->dir, sizeof env->dir, "%s", dir);
    snprintf(env->manager_token_hash, sizeof env->manager_token_hash, "%s", manager_token_hash);
    struct tl_store_opts opts = {.is_admin_client = true}; /* no background work */
    struct tl_errbuf eb = {{0}};
    int rc = tl_store_open_sqlite(dir, &opts, &env->store, &eb);
    if (rc) {
        fprintf(stderr, "bench: open %s: %s\n", dir, eb.msg);
        exit(1);
    }
    if ((rc = tl_store_token_scope(env->store, manager_token_hash, tl_clock_ms(), &env->manager)))
        die("token scope", rc);
}

void tb_add_annotators(struct tb_env *env, size_t n) {
    env->annotators = calloc(n, sizeof *env->annotators);
    if (!env->annotators)
        die("annotators", TL_ENOMEM);
    for (size_t i = 0; i < n; i++) {
        char email[64];
        snprintf(email, sizeof email, "a%zu@bench.test", i);
        add_user(env, env->manager.tenant_id, email, TL_ROLE_ANNOTATOR, &env->annotators[i], NULL);
    }
    env->n_annotators = n;
}

void tb_project(struct tb_env *env, const char *name, const char *schema, int overlap,
                struct tl_project *out) {
    struct tl_project p = {.name = (char *)name,
                           .schema_json = (char *)schema,
                           .overlap = overlap,
                           .lease_seconds = 3600};
    int rc = tl_store_project_create(env->store, &env->manager, &p);
    if (rc)
        die("project create", rc);
    for (size_t i = 0; i < env->n_annotators; i++) {
        char email[64];
        snprintf(email, sizeof email, "a%zu@bench.test", i);
        if ((rc = tl_store_member_add(env->store, &env->manager, &p, email, TL_ROLE_ANNOTATOR,
                                      NULL)))
            die("member add", rc);
    }
    struct tl_filter f = {.tenant_pk = env->manager.tenant_pk};
    if ((rc = tl_store_project_get(env->store, &f, p.id, out)))
        die("project get", rc);
}

#define TASK_MAX 4096 /* bytes of one generated task's data */

double tb_import(struct tb_env *env, const struct tl_project *p, uint64_t n, size_t batch,
                 tb_task_fn task, void *ctx) {
    char *arena = malloc(batch * TASK_MAX);
    struct tl_blob *items = calloc(batch, sizeof *items);
    if (!arena || !items)
        die("import buffers", TL_ENOMEM);
    double t0 = tb_now();
    for (uint64_t first = 0; first < n; first += batch) {
        size_t k = 0;
        for (; k < batch && first + k < n; k++) {
            char *data = arena + k * TASK_MAX;
            items[k] = (struct tl_blob){data, task(ctx, first + k, data, TASK_MAX)};
        }
        int rc = tl_store_tasks_import(env->store, &env->manager, p, items, k);
        if (rc)
            die("tasks import", rc);
    }
    double dt = tb_now() - t0;
    free(items);
    free(arena);
    return dt;
}

void tb_pool_init(struct tb_pool *pool, size_t n, char *(*make)(size_t k)) {
    pool->texts = calloc(n, sizeof *pool->texts);
    pool->lens = calloc(n, sizeof *pool->lens);
    if (!pool->texts || !pool->lens)
        die("result pool", TL_ENOMEM);
    for (size_t k = 0; k < n; k++) {
        if (!(pool->texts[k] = make(k)))
            die("result pool", TL_ENOMEM);
        pool->lens[k] = strlen(pool->texts[k]);
    }
    pool->n = n;
}

const char *tb_pool_result(void *ctx, uint64_t seq, size_t *len) {
    const struct tb_pool *pool = ctx;
    *len = pool->lens[seq % pool->n];
    return pool->texts[seq % pool->n];
}

void tb_pool_release(struct tb_pool *pool) {
    for (size_t k = 0; k < pool->n; k++)
        free(pool->texts[k]);
    free(pool->texts);
    free(pool->lens);
    memset(pool, 0, sizeof *pool);
}

/* ---- the labeling loop ---- */

struct worker;

/* One annotator in flight: claiming, or submitting its lease's result. */
struct slot {
    struct worker *w;
    const struct tl_scope *sc;
    bool is_submitting;
    int rc; /* the last write's result, set on the writer thread */
    struct tl_lease lease;
    tl_id out_id;
    char *text; /* the checked result (owned), as the submit handler keeps it */
    struct slot *next_done;
};

struct run {
    struct tb_env *env;
    const struct tl_project *p;
    bool is_checked;
    tb_result_fn result;
    void *ctx;
    atomic_int_fast64_t claims_left;
    atomic_uint_fast64_t seq;
};

struct worker {
    struct run *run;
    pthread_t thread;
    pthread_mutex_t mu; /* guards done */
    pthread_cond_t cv;  /* done became non-empty */
    struct slot *done;  /* slots whose write has called back */
    struct slot *slots;
    size_t n_slots, n_active;
    struct tb_label_stats st;
};

/* The writer thread's callback: hand the slot back to its worker. Only the
 * first slot of a batch wakes the worker (a futex call per write took 13%
 * of the writer thread under perf); it then takes the whole list. */
static void on_written(void *cb_arg, int rc) {
    struct slot *sl = cb_arg;
    struct worker *w = sl->w;
    sl->rc = rc;
    pthread_mutex_lock(&w->mu);
    bool is_idle = !w->done;
    sl->next_done = w->done;
    w->done = sl;
    if (is_idle)
        pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static void claim(struct slot *sl) {
    struct worker *w = sl->w;
    struct run *r = w->run;
    if (atomic_fetch_sub(&r->claims_left, 1) <= 0) {
        w->n_active--;
        return;
    }
    sl->is_submitting = false;
    if (tl_queue_next_async(r->env->store, sl->sc, r->p, &sl->lease, on_written, sl)) {
        tl_lease_release(&sl->lease);
        w->st.n_failed++;
        w->n_active--;
    }
}

/* What the submit handler does before queueing: parse the body, check the
 * result (api/annotations.c, prepare_submit). 0 with sl->text set. */
static int check(struct run *r, struct slot *sl, const char *result, size_t len) {
    size_t cap = len + TL_ID_LEN + 32;
    char *body = malloc(cap);
    if (!body)
        return TL_ENOMEM;
    snprintf(body, cap, "{\"lease_id\":\"%s\",\"result\":%.*s}", sl->lease.id, (int)len, result);
    json_t *js = json_loads(body, 0, NULL);
    free(body);
    const char *lease_id = json_string_value(json_object_get(js, "lease_id"));
    const json_t *res = json_object_get(js, "result");
    struct tl_errbuf eb;
    int rc = !lease_id || !res ? TL_EINVAL
                               : tl_queue_check_submission(r->env->store, r->p, sl->lease.task_id,
                                                           res, &sl->text, &eb);
    json_decref(js);
    return rc;
}

static void submit(struct slot *sl) {
    struct worker *w = sl->w;
    struct run *r = w->run;
    size_t len;
    const char *result = r->result(r->ctx, atomic_fetch_add(&r->seq, 1), &len);
    if (r->is_checked) {
        if (check(r, sl, result, len)) {
            w->st.n_refused++;
            tl_lease_release(&sl->lease);
            w->n_active--; /* its lease stays held: this annotator stops */
            return;
        }
        result = sl->text;
        len = strlen(sl->text);
    }
    sl->is_submitting = true;
    if (tl_queue_submit_async(r->env->store, sl->sc, r->p, sl->lease.task_id, sl->lease.id, result,
                              len, sl->out_id, on_written, sl)) {
        w->st.n_failed++;
        w->n_active--;
    }
}

static void on_done(struct slot *sl) {
    struct worker *w = sl->w;
    if (!sl->is_submitting) {
        if (sl->rc) {
            tl_lease_release(&sl->lease);
            if (sl->rc == TL_EEMPTY)
                w->st.n_empty++;
            else
                w->st.n_failed++;
            w->n_active--;
            return;
        }
        submit(sl);
        return;
    }
    if (sl->rc)
        w->st.n_failed++;
    else
        w->st.n_stored++;
    free(sl->text);
    sl->text = NULL;
    tl_lease_release(&sl->lease);
    claim(sl);
}

static void *worker_main(void *arg) {
    struct worker *w = arg;
    w->n_active = w->n_slots;
    for (size_t i = 0; i < w->n_slots; i++)
        claim(&w->slots[i]);
    while (w->n_active) {
        pthread_mutex_lock(&w->mu);
        while (!w->done)
            pthread_cond_wait(&w->cv, &w->mu);
        struct slot *list = w->done;
        w->done = NULL;
        pthread_mutex_unlock(&w->mu);
        for (struct slot *sl = list, *next; sl; sl = next) {
            next = sl->next_done; /* on_done may queue sl again */
            on_done(sl);
        }
    }
    return NULL;
}

void tb_label(struct tb_env *env, const struct tl_project *p, uint64_t n, int threads,
              bool is_checked, tb_result_fn result, void *ctx, struct tb_label_stats *out) {
    struct run r = {.env = env, .p = p, .is_checked = is_checked, .result = result, .ctx = ctx};
    atomic_init(&r.claims_left, (int_fast64_t)n);
    atomic_init(&r.seq, 0);
    struct worker *ws = calloc((size_t)threads, sizeof *ws);
    struct slot *slots = calloc(env->n_annotators, sizeof *slots);
    if (!ws || !slots)
        die("label buffers", TL_ENOMEM);
    /* Annotators dealt to workers in turn, as connections to event loops. */
    for (int t = 0; t < threads; t++) {
        struct worker *w = &ws[t];
        w->run = &r;
        pthread_mutex_init(&w->mu, NULL);
        pthread_cond_init(&w->cv, NULL);
        size_t first = env->n_annotators * (size_t)t / (size_t)threads;
        size_t end = env->n_annotators * (size_t)(t + 1) / (size_t)threads;
        w->slots = slots + first;
        w->n_slots = end - first;
        for (size_t i = first; i < end; i++)
            slots[i] = (struct slot){.w = w, .sc = &env->annotators[i]};
    }
    double t0 = tb_now();
    for (int t = 0; t < threads; t++)
        if (pthread_create(&ws[t].thread, NULL, worker_main, &ws[t]))
            die("worker thread", 0);
    memset(out, 0, sizeof *out);
    for (int t = 0; t < threads; t++) {
        pthread_join(ws[t].thread, NULL);
        out->n_stored += ws[t].st.n_stored;
        out->n_refused += ws[t].st.n_refused;
        out->n_failed += ws[t].st.n_failed;
        out->n_empty += ws[t].st.n_empty;
        pthread_mutex_destroy(&ws[t].mu);
        pthread_cond_destroy(&ws[t].cv);
    }
    out->seconds = tb_now() - t0;
    free(slots);
    free(ws);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void tb_close(struct tb_env *env) {
    tl_store_close(env->store);
    env->store = NULL;
    free(env->annotators);
    env->annotators = NULL;
}

void tb_remove(struct tb_env *env) {
    const char *keep = getenv("KEEP_DATA");
    if (keep && !strcmp(keep, "1"))
        fprintf(stderr, "bench: data kept in %s\n", env->dir);
    else
        nftw(env->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}
