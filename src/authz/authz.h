/* authz.h: who is calling, and may they do this to that project.
 *
 * The single access check: every handler that touches a project or a task
 * goes through tl_authz_project / tl_authz_task, which fetch the object
 * through the caller's filter (policy.h: another tenant's object is 404,
 * never 403, so its existence is not revealed) and then apply the role table
 * of policy.h to the action. Nothing else decides a permission. */
#ifndef TL_AUTHZ_H
#define TL_AUTHZ_H

#include "authz/cache.h"
#include "authz/policy.h"
#include "store/store.h"

/* The token of an Authorization header ("Bearer TOKEN"), or NULL when
 * header is NULL or not of that form. */
const char *tl_authz_bearer(const char *header);
/* Resolve an Authorization header ("Bearer TOKEN") to a scope.
 * TL_EAUTH if missing, malformed, unknown, revoked or expired. cache (may
 * be NULL) memoizes answers for a few seconds (cache.h). */
int tl_authz_authenticate(struct tl_store *s, struct tl_authz_cache *cache, const char *header,
                          struct tl_scope *out);
/* The same for the token itself (a browser session's cookie value). */
int tl_authz_authenticate_token(struct tl_store *s, struct tl_authz_cache *cache,
                                const char *token, struct tl_scope *out);

/* For actions on no particular object (CREATE_PROJECT, LIST): 0 or TL_EPERM
 * (also for an action that needs an object). */
int tl_authz_allows(const struct tl_scope *sc, enum tl_action act);

/* Fetch project id for the action into *out (release it after):
 * 0, TL_ENOTFOUND (invisible), TL_EPERM (visible but not allowed). With a
 * cache (may be NULL), ANNOTATE answers come from it when fresh; they then
 * hold the project's configuration but zero counts. */
int tl_authz_project(struct tl_store *s, struct tl_authz_cache *cache, const struct tl_scope *sc,
                     const char *project_id, enum tl_action act, struct tl_project *out);
/* The same for the project that holds lease or annotation id (uncached). */
int tl_authz_object(struct tl_store *s, const struct tl_scope *sc, enum tl_store_obj kind,
                    const char *id, enum tl_action act, struct tl_project *out);
/* The same for the project that holds task_id. */
int tl_authz_task(struct tl_store *s, struct tl_authz_cache *cache, const struct tl_scope *sc,
                  const char *task_id, enum tl_action act, struct tl_project *out);

#endif
