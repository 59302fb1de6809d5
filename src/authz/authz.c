/* authz.c: token authentication and the access check (see authz.h); the
 * role table itself is policy.c. */
#include "authz/authz.h"

#include <string.h>
#include <strings.h>

#include "core/clock.h"

const char *tl_authz_bearer(const char *header) {
    if (!header || strncasecmp(header, "Bearer ", 7) != 0)
        return NULL;
    const char *token = header + 7;
    while (*token == ' ')
        token++;
    return token;
}

int tl_authz_authenticate(struct tl_store *s, struct tl_authz_cache *cache, const char *header,
                          struct tl_scope *out) {
    const char *token = tl_authz_bearer(header);
    return token ? tl_authz_authenticate_token(s, cache, token, out) : TL_EAUTH;
}

int tl_authz_authenticate_token(struct tl_store *s, struct tl_authz_cache *cache,
                                const char *token, struct tl_scope *out) {
    size_t n = strlen(token);
    if (n == 0 || n > 256)
        return TL_EAUTH;
    char hash[TL_TOKEN_HASH_LEN + 1];
    tl_token_hash(token, n, hash);
    int64_t now = tl_clock_ms();
    if (tl_authz_cache_get_token(cache, hash, now, out))
        return 0;
    uint64_t gen = tl_authz_cache_gen(cache);
    int rc = tl_store_token_scope(s, hash, now, out);
    if (!rc)
        tl_authz_cache_put_token(cache, gen, hash, now, out);
    return rc;
}

int tl_authz_allows(const struct tl_scope *sc, enum tl_action act) {
    if (tl_policy_on_object(act))
        return TL_EPERM;
    return tl_policy_tenant_allows(act, sc->role) ? 0 : TL_EPERM;
}

/* p is visible to sc (it came through sc's filter): may sc do act to it? */
static int check(struct tl_store *s, const struct tl_scope *sc, enum tl_action act,
                 const struct tl_project *p) {
    if (!tl_policy_on_object(act))
        return TL_EPERM;
    if (tl_policy_tenant_allows(act, sc->role))
        return 0;
    if (!tl_policy_member_can(act))
        return TL_EPERM;
    enum tl_role role;
    int rc = tl_store_member_role(s, sc, p, &role);
    if (rc == TL_ENOTFOUND)
        return TL_EPERM;
    return rc ? rc : (tl_policy_member_allows(act, role) ? 0 : TL_EPERM);
}

/* Only ANNOTATE answers are cached: they carry no counts, and the labeling
 * loop is where the lookups cost (cache.h). */
int tl_authz_project(struct tl_store *s, struct tl_authz_cache *cache, const struct tl_scope *sc,
                     const char *project_id, enum tl_action act, struct tl_project *out) {
    if (!tl_id_valid(project_id, strlen(project_id)))
        return TL_ENOTFOUND;
    bool cacheable = cache && act == TL_ACT_ANNOTATE;
    int64_t now = tl_clock_ms();
    if (cacheable) {
        int rc = tl_authz_cache_get_project(cache, sc->user_pk, project_id, now, out);
        if (rc != TL_ENOTFOUND)
            return rc;
    }
    uint64_t gen = tl_authz_cache_gen(cache);
    struct tl_filter f = tl_policy_filter(sc);
    int rc = tl_store_project_get(s, &f, project_id, out);
    if (rc)
        return rc;
    rc = check(s, sc, act, out);
    if (rc)
        tl_project_release(out);
    else if (cacheable)
        tl_authz_cache_put_project(cache, gen, sc->user_pk, now, out);
    return rc;
}

int tl_authz_task(struct tl_store *s, struct tl_authz_cache *cache, const struct tl_scope *sc,
                  const char *task_id, enum tl_action act, struct tl_project *out) {
    if (!tl_id_valid(task_id, strlen(task_id)))
        return TL_ENOTFOUND;
    /* A task never changes project, so the mapping is safe to keep; access
     * to that project is then checked through the caller's scope as usual. */
    tl_id project_id;
    if (cache && act == TL_ACT_ANNOTATE && tl_authz_cache_get_task(cache, task_id, project_id))
        return tl_authz_project(s, cache, sc, project_id, act, out);
    uint64_t gen = tl_authz_cache_gen(cache);
    struct tl_filter f = tl_policy_filter(sc);
    int rc = tl_store_task_project(s, &f, task_id, out);
    if (rc)
        return rc;
    rc = check(s, sc, act, out);
    if (rc) {
        tl_project_release(out);
    } else if (cache && act == TL_ACT_ANNOTATE) {
        tl_authz_cache_put_task(cache, task_id, out->id);
        tl_authz_cache_put_project(cache, gen, sc->user_pk, tl_clock_ms(), out);
    }
    return rc;
}

int tl_authz_object(struct tl_store *s, const struct tl_scope *sc, enum tl_store_obj kind,
                    const char *id, enum tl_action act, struct tl_project *out) {
    if (!tl_id_valid(id, strlen(id)))
        return TL_ENOTFOUND;
    struct tl_filter f = tl_policy_filter(sc);
    int rc = tl_store_object_project(s, &f, kind, id, out);
    if (rc)
        return rc;
    rc = check(s, sc, act, out);
    if (rc)
        tl_project_release(out);
    return rc;
}
