/* policy.c: the role table (see policy.h). */
#include "authz/policy.h"

#include <string.h>

#define BIT(r) (1u << (r))
#define STAFF                                                                                      \
    (BIT(TL_ROLE_OWNER) | BIT(TL_ROLE_ADMIN) | BIT(TL_ROLE_MANAGER) | BIT(TL_ROLE_REVIEWER) |      \
     BIT(TL_ROLE_VIEWER))
#define MANAGERS (BIT(TL_ROLE_OWNER) | BIT(TL_ROLE_ADMIN) | BIT(TL_ROLE_MANAGER))
#define EVERYONE (STAFF | BIT(TL_ROLE_ANNOTATOR))

static const struct {
    const char *name;
    bool is_on_object;
    unsigned tenant_roles, member_roles; /* BIT(role) sets */
} table[TL_ACT_COUNT] = {
    [TL_ACT_READ] = {"read", true, STAFF, BIT(TL_ROLE_ANNOTATOR) | BIT(TL_ROLE_REVIEWER)},
    [TL_ACT_MANAGE] = {"manage", true, MANAGERS, 0},
    [TL_ACT_EXPORT] = {"export", true, STAFF, 0},
    [TL_ACT_ANNOTATE] = {"annotate", true, 0, BIT(TL_ROLE_ANNOTATOR)},
    [TL_ACT_CREATE_PROJECT] = {"create_project", false, MANAGERS, 0},
    [TL_ACT_LIST] = {"list", false, EVERYONE, 0},
    [TL_ACT_ACCOUNT] = {"account", false, EVERYONE, 0},
    [TL_ACT_USERS] = {"users", false, BIT(TL_ROLE_OWNER) | BIT(TL_ROLE_ADMIN), 0},
    [TL_ACT_ADMINISTER] = {"administer", true, BIT(TL_ROLE_OWNER) | BIT(TL_ROLE_ADMIN), 0},
    /* Flags and scores are personal data about workers: not for viewers
     * (a customer's read-only seat), nor for other annotators. */
    [TL_ACT_QUALITY] = {"quality", true, MANAGERS | BIT(TL_ROLE_REVIEWER), BIT(TL_ROLE_REVIEWER)},
    [TL_ACT_LEAD] = {"lead", true, MANAGERS, 0},
    [TL_ACT_REVIEW] = {"review", true, MANAGERS | BIT(TL_ROLE_REVIEWER), BIT(TL_ROLE_REVIEWER)},
};

bool tl_policy_known(enum tl_action act) {
    return (unsigned)act < TL_ACT_COUNT && table[act].name;
}

const char *tl_action_name(enum tl_action act) {
    return tl_policy_known(act) ? table[act].name : "?";
}

bool tl_policy_on_object(enum tl_action act) {
    return tl_policy_known(act) && table[act].is_on_object;
}

static bool has(unsigned set, enum tl_role role) {
    return role > TL_ROLE_NONE && role <= TL_ROLE_ANNOTATOR && (set & BIT(role));
}

bool tl_policy_tenant_allows(enum tl_action act, enum tl_role role) {
    return tl_policy_known(act) && has(table[act].tenant_roles, role);
}

bool tl_policy_member_allows(enum tl_action act, enum tl_role member_role) {
    return tl_policy_known(act) && has(table[act].member_roles, member_role);
}

bool tl_policy_member_can(enum tl_action act) {
    return tl_policy_known(act) && table[act].member_roles != 0;
}

bool tl_policy_may_assign(enum tl_role by, enum tl_role from, enum tl_role to) {
    if (!has(EVERYONE, to) || (from != TL_ROLE_NONE && !has(EVERYONE, from)))
        return false;
    if (by == TL_ROLE_OWNER)
        return true;
    return by == TL_ROLE_ADMIN && from != TL_ROLE_OWNER && to != TL_ROLE_OWNER;
}

bool tl_policy_shows_email(const char *viewer_tenant_id, const char *user_tenant_id,
                           enum tl_role user_role) {
    return viewer_tenant_id[0] && !strcmp(viewer_tenant_id, user_tenant_id) &&
           has(STAFF, user_role);
}

bool tl_policy_is_staff(const struct tl_scope *sc) {
    return sc->tenant_pk != 0 && has(STAFF, sc->role);
}

struct tl_filter tl_policy_filter(const struct tl_scope *sc) {
    if (tl_policy_is_staff(sc))
        return (struct tl_filter){.tenant_pk = sc->tenant_pk};
    return (struct tl_filter){.tenant_pk = sc->tenant_pk, .member_pk = sc->user_pk};
}
