/* policy.h: the one table of who may do what. Every allow/deny decision of
 * the server is read from it; the store never looks at a role.
 *
 * A caller has a tenant role (owner..viewer for a tenant's staff; annotator
 * for a tenant's annotators and for the platform workforce) and, on a given
 * project, possibly a member role (annotator or reviewer). An action is
 * allowed when the table lists the caller's tenant role for it, or lists the
 * caller's member role on the project:
 *
 *   action          tenant roles                  member roles
 *   read            owner admin manager reviewer   annotator reviewer
 *                   viewer
 *   manage          owner admin manager            -
 *   export          owner admin manager reviewer   -
 *                   viewer
 *   annotate        -                              annotator
 *   administer      owner admin                    -
 *   create_project  owner admin manager            (no object)
 *   list            every role                     (no object)
 *   account         every role                     (no object: the caller's
 *                                                   own account and tokens)
 *   users           owner admin                    (no object: the tenant's
 *                                                   users and their tokens)
 *   quality         owner admin manager reviewer   reviewer  (worker scores,
 *                                                   flags, evidence, appeals)
 *   lead            owner admin manager            -   (reverse a quality
 *                                                   action, decide appeals)
 *   review          owner admin manager reviewer   reviewer  (the review queue)
 *
 * Inside "users", tl_policy_may_assign says which roles a caller may give
 * or take away: an owner any; an admin any but owner (an admin can neither
 * make an owner nor change, disable or demote one).
 *
 * Visibility comes before the table: staff (owner..viewer) see every project
 * of their tenant; anybody else sees only the projects they are a member of
 * (inside their own tenant when they have one). An object outside that is
 * "not found" (404), never "forbidden", so its existence is not revealed;
 * a visible object the table refuses is "forbidden" (403). tl_policy_filter
 * turns that rule into the plain filter the store applies. */
#ifndef TL_AUTHZ_POLICY_H
#define TL_AUTHZ_POLICY_H

#include <stdbool.h>

#include "store/store.h"

enum tl_action {
    TL_ACT_READ,
    TL_ACT_MANAGE,
    TL_ACT_EXPORT,
    TL_ACT_ANNOTATE,
    TL_ACT_CREATE_PROJECT,
    TL_ACT_LIST,
    TL_ACT_ACCOUNT,
    TL_ACT_USERS,
    TL_ACT_ADMINISTER, /* irreversible changes to a project (delete) */
    TL_ACT_QUALITY,    /* read worker scores, flags and their evidence */
    TL_ACT_LEAD,       /* the quality lead: reverse actions, decide appeals */
    TL_ACT_REVIEW,     /* take and decide review items */
    TL_ACT_COUNT /* not an action: the size of the table */
};

/* "read", "manage", ...; "?" for a value outside the table. */
const char *tl_action_name(enum tl_action act);
/* True if act is a row of the table. */
bool tl_policy_known(enum tl_action act);
/* True if act is done to a project (so needs one in the route's path). */
bool tl_policy_on_object(enum tl_action act);
/* True if the table lets tenant role `role` do act. */
bool tl_policy_tenant_allows(enum tl_action act, enum tl_role role);
/* True if the table lets a project member with `member_role` do act. */
bool tl_policy_member_allows(enum tl_action act, enum tl_role member_role);
/* True if act may be allowed through a membership (so the caller's member
 * role is worth looking up when the tenant role alone does not allow it). */
bool tl_policy_member_can(enum tl_action act);

/* True if a caller of tenant role `by` may create a user with role `to`
 * (from TL_ROLE_NONE) or change a user of role `from` (to `to`; to ==
 * from for a change that keeps the role, such as disabling). */
bool tl_policy_may_assign(enum tl_role by, enum tl_role from, enum tl_role to);
/* True if a tenant sees a user who labeled its data under their email
 * rather than a pseudonym (crypto.h: tl_pseudonym): the user is that
 * tenant's own staff (user_role owner..viewer in user_tenant_id, the same
 * tenant). Annotators, the workforce's and the tenant's own, stay
 * pseudonyms, and so does everyone to another tenant. Ids "" are the
 * workforce. */
bool tl_policy_shows_email(const char *viewer_tenant_id, const char *user_tenant_id,
                           enum tl_role user_role);

/* True if sc is a tenant's staff (owner..viewer), who see the whole tenant. */
bool tl_policy_is_staff(const struct tl_scope *sc);
/* What sc may see, as a store filter: the tenant for staff, the tenant (0
 * for the workforce) and membership for everyone else. */
struct tl_filter tl_policy_filter(const struct tl_scope *sc);

#endif
