/* people.c: forwarding of the people calls of store.h (tenants, users,
 * memberships, tokens) to the backend, kept apart from store.c's core. */
#include <stdlib.h>

#include "store/backend.h"

void tl_memberships_free(struct tl_membership *m, size_t n) {
    for (size_t i = 0; m && i < n; i++)
        free(m[i].project_name);
    free(m);
}

int tl_store_tenant_list(struct tl_store *s, struct tl_tenant **out, size_t *n) {
    return s->vt->tenant_list(s, out, n);
}

int tl_store_tenant_get(struct tl_store *s, const char *tenant_id, struct tl_tenant *out) {
    return s->vt->tenant_get(s, tenant_id, out);
}

int tl_store_user_list(struct tl_store *s, const char *tenant_id, struct tl_user **out, size_t *n) {
    return s->vt->user_list(s, tenant_id, out, n);
}

int tl_store_user_get(struct tl_store *s, const char *tenant_id, const char *user_id,
                      struct tl_user *out) {
    return s->vt->user_get(s, tenant_id, user_id, out);
}

int tl_store_user_update(struct tl_store *s, const char *tenant_id, const char *user_id,
                         int is_disabled, enum tl_role role, struct tl_user *out) {
    return s->vt->user_update(s, tenant_id, user_id, is_disabled, role, out);
}

int tl_store_member_projects(struct tl_store *s, int64_t user_pk, struct tl_membership **out,
                             size_t *n) {
    return s->vt->member_projects(s, user_pk, out, n);
}

int tl_store_token_add(struct tl_store *s, int64_t user_pk, const char *token_hash,
                       int64_t expires_at_ms, const char *name, tl_id out_id) {
    return s->vt->token_add(s, user_pk, token_hash, expires_at_ms, name, out_id);
}

int tl_store_token_list(struct tl_store *s, const struct tl_token_filter *f, const char *user_id,
                        int64_t now_ms, struct tl_token_info **out, size_t *n) {
    return s->vt->token_list(s, f, user_id, now_ms, out, n);
}

int tl_store_token_revoke(struct tl_store *s, const struct tl_token_filter *f,
                          const char *token_id) {
    return s->vt->token_revoke(s, f, token_id);
}

int tl_store_token_revoke_hash(struct tl_store *s, const char *token_hash) {
    return s->vt->token_revoke_hash(s, token_hash);
}

int tl_store_project_stats(struct tl_store *s, const struct tl_project *p, int64_t bucket_ms,
                           int64_t now_ms, struct tl_project_stats *out) {
    return s->vt->project_stats(s, p, bucket_ms, now_ms, out);
}

void tl_project_stats_release(struct tl_project_stats *st) {
    free(st->annotators);
    st->annotators = NULL;
    st->n_annotators = 0;
}

int tl_store_my_stats(struct tl_store *s, const struct tl_scope *sc,
                      struct tl_my_project_stats **out, size_t *n) {
    return s->vt->my_stats(s, sc, out, n);
}
