/* people.c: the SQLite backend's people calls (store.h): tenants, users,
 * memberships and tokens as the API's account routes and the admin CLI
 * list and change them. The SQL is db.c's (Q_TENANT_LIST ...). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "store/sqlite/db.h"

#define SQ(base) ((struct sq_store *)(base))

static void text_col(sqlite3_stmt *st, int i, char *dst, size_t cap) {
    const char *t = (const char *)sqlite3_column_text(st, i);
    snprintf(dst, cap, "%s", t ? t : "");
}

/* (db.h) */
int sq_collect(sqlite3_stmt *st, size_t elem, sq_row_fn read, void (*undo)(void *, size_t),
               void **out, size_t *n) {
    *out = NULL;
    *n = 0;
    if (!st)
        return TL_EIO;
    size_t cap = 0;
    int rc = 0, step;
    char *arr = NULL;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            char *grown = realloc(arr, cap * elem);
            if (!grown) {
                rc = TL_ENOMEM;
                break;
            }
            arr = grown;
        }
        memset(arr + *n * elem, 0, elem);
        rc = read(st, arr + *n * elem);
        if (!rc)
            (*n)++;
    }
    if (!rc && step != SQLITE_DONE)
        rc = sq_err(step);
    sqlite3_reset(st);
    if (rc) {
        if (undo)
            undo(arr, *n);
        else
            free(arr);
        arr = NULL;
        *n = 0;
    }
    *out = arr;
    return rc;
}

static int read_tenant(sqlite3_stmt *st, void *slot) {
    struct tl_tenant *t = slot;
    text_col(st, 0, t->id, sizeof t->id);
    text_col(st, 1, t->name, sizeof t->name);
    t->created_at_ms = sqlite3_column_int64(st, 2);
    t->n_users = sqlite3_column_int64(st, 3);
    return 0;
}

static int read_user(sqlite3_stmt *st, void *slot) {
    struct tl_user *u = slot;
    u->pk = sqlite3_column_int64(st, 0);
    text_col(st, 1, u->id, sizeof u->id);
    text_col(st, 2, u->tenant_id, sizeof u->tenant_id);
    u->role = (enum tl_role)sqlite3_column_int(st, 3);
    text_col(st, 4, u->email, sizeof u->email);
    u->is_disabled = sqlite3_column_int(st, 5) != 0;
    u->created_at_ms = sqlite3_column_int64(st, 6);
    return 0;
}

static int read_membership(sqlite3_stmt *st, void *slot) {
    struct tl_membership *m = slot;
    text_col(st, 0, m->project_id, sizeof m->project_id);
    m->project_name = strdup((const char *)sqlite3_column_text(st, 1));
    m->role = (enum tl_role)sqlite3_column_int(st, 2);
    return m->project_name ? 0 : TL_ENOMEM;
}

static void undo_memberships(void *arr, size_t n) {
    tl_memberships_free(arr, n);
}

static int read_token(sqlite3_stmt *st, void *slot) {
    struct tl_token_info *k = slot;
    text_col(st, 0, k->id, sizeof k->id);
    text_col(st, 1, k->user_id, sizeof k->user_id);
    text_col(st, 2, k->name, sizeof k->name);
    k->created_at_ms = sqlite3_column_int64(st, 3);
    k->expires_at_ms = sqlite3_column_int64(st, 4);
    k->is_session = sqlite3_column_int(st, 5) == 1;
    return 0;
}

/* A read of at most one row: 0 with it read into slot, or TL_ENOTFOUND. */
static int one(sqlite3_stmt *st, sq_row_fn read, void *slot) {
    if (!st)
        return TL_EIO;
    int step = sqlite3_step(st);
    int rc = step == SQLITE_ROW ? read(st, slot) : step == SQLITE_DONE ? TL_ENOTFOUND
                                                                       : sq_err(step);
    sqlite3_reset(st);
    return rc;
}

int sq_tenant_list(struct tl_store *s, struct tl_tenant **out, size_t *n) {
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    rc = sq_collect(sq_stmt(c, Q_TENANT_LIST), sizeof **out, read_tenant, NULL, (void **)out, n);
    sq_reader_put(SQ(s), c);
    return rc;
}

int sq_tenant_get(struct tl_store *s, const char *tenant_id, struct tl_tenant *out) {
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    sqlite3_stmt *st = sq_stmt(c, Q_TENANT_GET);
    if (st)
        sqlite3_bind_text(st, 1, tenant_id, -1, SQLITE_STATIC);
    memset(out, 0, sizeof *out);
    rc = one(st, read_tenant, out);
    sq_reader_put(SQ(s), c);
    return rc;
}

int sq_user_list(struct tl_store *s, const char *tenant_id, struct tl_user **out, size_t *n) {
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    sqlite3_stmt *st = sq_stmt(c, Q_USER_LIST);
    if (st && tenant_id)
        sqlite3_bind_text(st, 1, tenant_id, -1, SQLITE_STATIC);
    rc = sq_collect(st, sizeof **out, read_user, NULL, (void **)out, n);
    sq_reader_put(SQ(s), c);
    return rc;
}

static int get_user(struct sq_conn *c, const char *tenant_id, const char *user_id,
                    struct tl_user *out) {
    sqlite3_stmt *st = sq_stmt(c, Q_USER_GET);
    if (st) {
        sqlite3_bind_text(st, 1, user_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, tenant_id, -1, SQLITE_STATIC);
    }
    memset(out, 0, sizeof *out);
    return one(st, read_user, out);
}

int sq_user_get(struct tl_store *s, const char *tenant_id, const char *user_id,
                struct tl_user *out) {
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    rc = get_user(c, tenant_id, user_id, out);
    sq_reader_put(SQ(s), c);
    return rc;
}

struct user_update_arg {
    const char *tenant_id, *user_id;
    int is_disabled;
    enum tl_role role;
    struct tl_user *out;
};

static int w_user_update(struct sq_store *s, struct sq_conn *w, void *arg) {
    struct user_update_arg *a = arg;
    sqlite3_stmt *st = sq_stmt(w, Q_USER_UPDATE);
    if (!st)
        return TL_EIO;
    sqlite3_bind_text(st, 1, a->user_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, a->tenant_id, -1, SQLITE_STATIC);
    if (a->is_disabled >= 0)
        sqlite3_bind_int(st, 3, a->is_disabled != 0);
    if (a->role != TL_ROLE_NONE)
        sqlite3_bind_int(st, 4, (int)a->role);
    int rc = sq_exec(st);
    if (!rc && sqlite3_changes(w->db) == 0)
        rc = TL_ENOTFOUND;
    return rc ? rc : get_user(w, a->tenant_id, a->user_id, a->out);
}

int sq_user_update(struct tl_store *s, const char *tenant_id, const char *user_id,
                   int is_disabled, enum tl_role role, struct tl_user *out) {
    struct user_update_arg a = {tenant_id, user_id, is_disabled, role, out};
    return sq_write(SQ(s), w_user_update, &a);
}

int sq_member_projects(struct tl_store *s, int64_t user_pk, struct tl_membership **out,
                       size_t *n) {
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    sqlite3_stmt *st = sq_stmt(c, Q_MEMBER_PROJECTS);
    if (st)
        sqlite3_bind_int64(st, 1, user_pk);
    rc = sq_collect(st, sizeof **out, read_membership, undo_memberships, (void **)out, n);
    sq_reader_put(SQ(s), c);
    return rc;
}

/* Bind f as ?2 (own), ?3 (tenant: NULL for none) and ?4 (any). */
static void bind_token_filter(sqlite3_stmt *st, const struct tl_token_filter *f) {
    sqlite3_bind_int64(st, 2, f->user_pk);
    if (f->tenant_pk)
        sqlite3_bind_int64(st, 3, f->tenant_pk);
    sqlite3_bind_int(st, 4, f->is_any);
}

int sq_token_list(struct tl_store *s, const struct tl_token_filter *f, const char *user_id,
                  int64_t now_ms, struct tl_token_info **out, size_t *n) {
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    sqlite3_stmt *st = sq_stmt(c, Q_TOKEN_LIST);
    if (st) {
        sqlite3_bind_int64(st, 1, now_ms);
        bind_token_filter(st, f);
        if (user_id)
            sqlite3_bind_text(st, 5, user_id, -1, SQLITE_STATIC);
    }
    rc = sq_collect(st, sizeof **out, read_token, NULL, (void **)out, n);
    sq_reader_put(SQ(s), c);
    return rc;
}

struct revoke_arg {
    const struct tl_token_filter *f;
    const char *id;
};

static int w_token_revoke(struct sq_store *s, struct sq_conn *w, void *arg) {
    struct revoke_arg *a = arg;
    sqlite3_stmt *st = sq_stmt(w, Q_TOKEN_REVOKE);
    if (!st)
        return TL_EIO;
    sqlite3_bind_text(st, 1, a->id, -1, SQLITE_STATIC);
    bind_token_filter(st, a->f);
    int rc = sq_exec(st);
    return !rc && sqlite3_changes(w->db) == 0 ? TL_ENOTFOUND : rc;
}

int sq_token_revoke(struct tl_store *s, const struct tl_token_filter *f, const char *id) {
    struct revoke_arg a = {f, id};
    return sq_write(SQ(s), w_token_revoke, &a);
}

static int w_token_revoke_hash(struct sq_store *s, struct sq_conn *w, void *arg) {
    sqlite3_stmt *st = sq_stmt(w, Q_TOKEN_REVOKE_HASH);
    if (!st)
        return TL_EIO;
    sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
    int rc = sq_exec(st);
    return !rc && sqlite3_changes(w->db) == 0 ? TL_ENOTFOUND : rc;
}

int sq_token_revoke_hash(struct tl_store *s, const char *hash) {
    return sq_write(SQ(s), w_token_revoke_hash, (void *)hash);
}
