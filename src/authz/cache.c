/* cache.c: the authorization memo (see cache.h). Three direct-mapped tables
 * (a new entry evicts whatever held its slot) under striped mutexes; a
 * generation number makes tl_authz_cache_invalidate() O(1). */
#include "authz/cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"

#define STRIPES       64
#define TOKEN_SLOTS   2048
#define PROJECT_SLOTS 2048
#define TASK_SLOTS    32768 /* ~2.5 MB: the tasks a busy project has in flight */

struct token_slot {
    uint64_t gen; /* 0: empty */
    int64_t stored_ms;
    char hash[TL_TOKEN_HASH_LEN + 1];
    struct tl_scope sc;
};

struct task_slot {
    bool used;
    tl_id task_id;
    tl_id project_id;
};

struct project_slot {
    uint64_t gen; /* 0: empty */
    int64_t stored_ms;
    int64_t user_pk;
    struct tl_project p; /* name and schema_json owned by the slot */
};

struct tl_authz_cache {
    int64_t ttl_ms;
    _Atomic uint64_t gen;
    pthread_mutex_t lock[STRIPES];
    struct token_slot *tokens;
    struct task_slot *tasks;
    struct project_slot *projects;
};

#define FNV_OFFSET 0xcbf29ce484222325ull

/* FNV-1a from h: keys are ids and hashes that callers do not choose freely
 * (a collision only evicts an entry, it never serves a wrong one). */
static uint64_t hash_str(const char *s, uint64_t h) {
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

static uint64_t key_hash(const char *s) {
    return hash_str(s, FNV_OFFSET);
}

struct tl_authz_cache *tl_authz_cache_new(int64_t ttl_ms) {
    if (ttl_ms <= 0)
        return NULL;
    struct tl_authz_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->ttl_ms = ttl_ms;
    atomic_init(&c->gen, 1);
    c->tokens = calloc(TOKEN_SLOTS, sizeof *c->tokens);
    c->tasks = calloc(TASK_SLOTS, sizeof *c->tasks);
    c->projects = calloc(PROJECT_SLOTS, sizeof *c->projects);
    if (!c->tokens || !c->tasks || !c->projects) {
        free(c->tokens);
        free(c->tasks);
        free(c->projects);
        free(c);
        return NULL;
    }
    for (int i = 0; i < STRIPES; i++)
        pthread_mutex_init(&c->lock[i], NULL);
    return c;
}

void tl_authz_cache_free(struct tl_authz_cache *c) {
    if (!c)
        return;
    for (size_t i = 0; i < PROJECT_SLOTS; i++)
        tl_project_release(&c->projects[i].p);
    for (int i = 0; i < STRIPES; i++)
        pthread_mutex_destroy(&c->lock[i]);
    free(c->tokens);
    free(c->tasks);
    free(c->projects);
    free(c);
}

void tl_authz_cache_invalidate(struct tl_authz_cache *c) {
    if (c)
        atomic_fetch_add(&c->gen, 1);
}

uint64_t tl_authz_cache_gen(struct tl_authz_cache *c) {
    return c ? atomic_load(&c->gen) : 0;
}

static bool fresh(const struct tl_authz_cache *c, int64_t stored_ms, int64_t now_ms) {
    return now_ms >= stored_ms && now_ms - stored_ms < c->ttl_ms;
}

bool tl_authz_cache_get_token(struct tl_authz_cache *c, const char *hash, int64_t now_ms,
                              struct tl_scope *out) {
    if (!c)
        return false;
    size_t i = key_hash(hash) % TOKEN_SLOTS;
    struct token_slot *s = &c->tokens[i];
    uint64_t gen = atomic_load(&c->gen);
    pthread_mutex_lock(&c->lock[i % STRIPES]);
    bool hit = s->gen == gen && fresh(c, s->stored_ms, now_ms) && !strcmp(s->hash, hash) &&
               (s->sc.token_expires_ms == 0 || s->sc.token_expires_ms > now_ms);
    if (hit)
        *out = s->sc;
    pthread_mutex_unlock(&c->lock[i % STRIPES]);
    return hit;
}

void tl_authz_cache_put_token(struct tl_authz_cache *c, uint64_t gen, const char *hash,
                              int64_t now_ms, const struct tl_scope *sc) {
    if (!c || strlen(hash) != TL_TOKEN_HASH_LEN)
        return;
    size_t i = key_hash(hash) % TOKEN_SLOTS;
    struct token_slot *s = &c->tokens[i];
    pthread_mutex_lock(&c->lock[i % STRIPES]);
    s->gen = gen;
    s->stored_ms = now_ms;
    memcpy(s->hash, hash, sizeof s->hash);
    s->sc = *sc;
    pthread_mutex_unlock(&c->lock[i % STRIPES]);
}

bool tl_authz_cache_get_task(struct tl_authz_cache *c, const char *task_id, tl_id project_id) {
    if (!c)
        return false;
    size_t i = key_hash(task_id) % TASK_SLOTS;
    struct task_slot *s = &c->tasks[i];
    pthread_mutex_lock(&c->lock[i % STRIPES]);
    bool hit = s->used && !strcmp(s->task_id, task_id);
    if (hit)
        memcpy(project_id, s->project_id, sizeof s->project_id);
    pthread_mutex_unlock(&c->lock[i % STRIPES]);
    return hit;
}

void tl_authz_cache_put_task(struct tl_authz_cache *c, const char *task_id,
                             const char *project_id) {
    if (!c || strlen(task_id) != TL_ID_LEN || strlen(project_id) != TL_ID_LEN)
        return;
    size_t i = key_hash(task_id) % TASK_SLOTS;
    struct task_slot *s = &c->tasks[i];
    pthread_mutex_lock(&c->lock[i % STRIPES]);
    s->used = true;
    memcpy(s->task_id, task_id, sizeof s->task_id);
    memcpy(s->project_id, project_id, sizeof s->project_id);
    pthread_mutex_unlock(&c->lock[i % STRIPES]);
}

static size_t project_slot(int64_t user_pk, const char *project_id) {
    return hash_str(project_id, FNV_OFFSET ^ (uint64_t)user_pk * 0x9e3779b97f4a7c15ull) %
           PROJECT_SLOTS;
}

/* Copy the configuration part of src into dst (counts left at zero). */
static int copy_project(struct tl_project *dst, const struct tl_project *src) {
    memset(dst, 0, sizeof *dst);
    dst->pk = src->pk;
    memcpy(dst->id, src->id, sizeof dst->id);
    memcpy(dst->tenant_id, src->tenant_id, sizeof dst->tenant_id);
    dst->overlap = src->overlap;
    dst->lease_seconds = src->lease_seconds;
    dst->max_leases_per_annotator = src->max_leases_per_annotator;
    dst->created_at_ms = src->created_at_ms;
    dst->allows_edits = src->allows_edits;
    dst->is_archived = src->is_archived;
    dst->q = src->q; /* quality (core): the lease policy and the submit read them */
    dst->name = strdup(src->name ? src->name : "");
    dst->schema_json = strdup(src->schema_json ? src->schema_json : "");
    if (!dst->name || !dst->schema_json) {
        tl_project_release(dst);
        return TL_ENOMEM;
    }
    return 0;
}

int tl_authz_cache_get_project(struct tl_authz_cache *c, int64_t user_pk, const char *project_id,
                               int64_t now_ms, struct tl_project *out) {
    if (!c)
        return TL_ENOTFOUND;
    size_t i = project_slot(user_pk, project_id);
    struct project_slot *s = &c->projects[i];
    uint64_t gen = atomic_load(&c->gen);
    int rc = TL_ENOTFOUND;
    pthread_mutex_lock(&c->lock[i % STRIPES]);
    if (s->gen == gen && fresh(c, s->stored_ms, now_ms) && s->user_pk == user_pk &&
        !strcmp(s->p.id, project_id))
        rc = copy_project(out, &s->p);
    pthread_mutex_unlock(&c->lock[i % STRIPES]);
    return rc;
}

void tl_authz_cache_put_project(struct tl_authz_cache *c, uint64_t gen, int64_t user_pk,
                                int64_t now_ms, const struct tl_project *p) {
    if (!c)
        return;
    struct tl_project copy;
    if (copy_project(&copy, p))
        return;
    size_t i = project_slot(user_pk, p->id);
    struct project_slot *s = &c->projects[i];
    pthread_mutex_lock(&c->lock[i % STRIPES]);
    struct tl_project old = s->p;
    s->p = copy;
    s->gen = gen;
    s->stored_ms = now_ms;
    s->user_pk = user_pk;
    pthread_mutex_unlock(&c->lock[i % STRIPES]);
    tl_project_release(&old); /* freed outside the lock */
}
