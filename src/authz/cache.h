/* cache.h: a short-lived memo of the authorization lookups on the labeling
 * path, so that `next` and a submission read nothing before their write.
 *
 * Why: on SQLite in WAL mode a read connection drops its whole page cache
 * whenever the database changed since its last read, and under labeling
 * load the writer commits every millisecond or two. The three lookups in
 * front of every next/submit (token -> user, task -> project, project ->
 * membership) each re-read their pages from the file: seven pread()s and a
 * reader-pool handoff per request, about a third of the server's system
 * calls.
 *
 * What is cached, and what that costs in freshness:
 *   - a token's scope (user, tenant, role), until the token's own expiry or
 *     the TTL, whichever comes first;
 *   - a task's project id (fixed for the task's life: no TTL);
 *   - a project's configuration for a user who passed the ANNOTATE check
 *     (id, tenant, schema, overlap, lease length; counts are not kept).
 * Only successes are cached, so a new member or token works at once. A
 * revoked token, a removed member or a role change made by another process
 * or node is seen within the TTL; changes through this process call
 * tl_authz_cache_invalidate() and are seen at once. Lease and completion
 * state is never cached: the store's write transaction checks the lease,
 * its holder and its task every time.
 *
 * Thread-safe (striped mutexes). Every entry is copied in and out: callers
 * never hold pointers into the cache. */
#ifndef TL_AUTHZ_CACHE_H
#define TL_AUTHZ_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

#define TL_AUTHZ_CACHE_TTL_MS 5000

struct tl_authz_cache;

/* A cache whose entries live ttl_ms (> 0). NULL when out of memory. */
struct tl_authz_cache *tl_authz_cache_new(int64_t ttl_ms);
void tl_authz_cache_free(struct tl_authz_cache *c);

/* Forget every entry (after a membership or role change through this
 * process). */
void tl_authz_cache_invalidate(struct tl_authz_cache *c);

/* The current generation. Take it *before* the store lookup whose answer
 * you will put: an invalidation that lands between the lookup and the put
 * then makes that entry stale instead of letting an old answer in. */
uint64_t tl_authz_cache_gen(struct tl_authz_cache *c);

/* Token hash -> scope. get returns true on a fresh hit. */
bool tl_authz_cache_get_token(struct tl_authz_cache *c, const char *hash, int64_t now_ms,
                              struct tl_scope *out);
void tl_authz_cache_put_token(struct tl_authz_cache *c, uint64_t gen, const char *hash,
                              int64_t now_ms, const struct tl_scope *sc);

/* Task id -> its project's id. */
bool tl_authz_cache_get_task(struct tl_authz_cache *c, const char *task_id, tl_id project_id);
void tl_authz_cache_put_task(struct tl_authz_cache *c, const char *task_id, const char *project_id);

/* (user, project id) -> the project's configuration, for a user allowed to
 * annotate it. get fills *out (release it after) and returns 0, TL_ENOTFOUND
 * on a miss, or TL_ENOMEM. put copies p; a failed copy just caches nothing. */
int tl_authz_cache_get_project(struct tl_authz_cache *c, int64_t user_pk, const char *project_id,
                               int64_t now_ms, struct tl_project *out);
void tl_authz_cache_put_project(struct tl_authz_cache *c, uint64_t gen, int64_t user_pk,
                                int64_t now_ms, const struct tl_project *p);

#endif
