/* authz.h: who is calling, and may they do this to that project.
 *
 * The single access check: every handler that touches a project or a task
 * goes through tl_authz_project / tl_authz_task, which fetch the object
 * through the caller's tenant scope (so another tenant's object is 404, never
 * 403: its existence is not revealed) and then check the role for the action.
 *
 *   action       who
 *   READ         tenant staff (owner..viewer), project members
 *   MANAGE       owner, admin, manager of the project's tenant
 *   EXPORT       tenant staff (owner..viewer)
 *   ANNOTATE     project members with the annotator role */
#ifndef TL_AUTHZ_H
#define TL_AUTHZ_H

#include "authz/cache.h"
#include "store/store.h"

enum tl_action {
    TL_ACT_READ,
    TL_ACT_MANAGE,
    TL_ACT_EXPORT,
    TL_ACT_ANNOTATE,
    TL_ACT_CREATE_PROJECT, /* owner, admin, manager of a tenant */
    TL_ACT_LIST,           /* any authenticated caller (results filtered by scope) */
};

/* Resolve an Authorization header ("Bearer TOKEN") to a scope.
 * TL_EAUTH if missing, malformed, unknown, revoked or expired. cache (may
 * be NULL) memoizes answers for a few seconds (cache.h). */
int tl_authz_authenticate(struct tl_store *s, struct tl_authz_cache *cache, const char *header,
                          struct tl_scope *out);

/* True if the scope may create projects in its tenant. */
bool tl_authz_can_create_project(const struct tl_scope *sc);
/* For actions on no particular object (CREATE_PROJECT, LIST): 0 or TL_EPERM. */
int tl_authz_allows(const struct tl_scope *sc, enum tl_action act);

/* Fetch project id for the action into *out (release it after):
 * 0, TL_ENOTFOUND (invisible), TL_EPERM (visible but not allowed). With a
 * cache (may be NULL), ANNOTATE answers come from it when fresh; they then
 * hold the project's configuration but zero counts. */
int tl_authz_project(struct tl_store *s, struct tl_authz_cache *cache, const struct tl_scope *sc,
                     const char *project_id, enum tl_action act, struct tl_project *out);
/* The same for the project that holds task_id. */
int tl_authz_task(struct tl_store *s, struct tl_authz_cache *cache, const struct tl_scope *sc,
                  const char *task_id, enum tl_action act, struct tl_project *out);

#endif
