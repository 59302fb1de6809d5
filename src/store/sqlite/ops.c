/* ops.c: the SQLite backend's implementation of each store call. Reads run
 * on a pooled reader; writes are closures handed to the group-commit writer
 * (db.h). Every query on tenant data carries the caller's scope. */
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "store/sqlite/db.h"

#define SQ(base) ((struct sq_store *)(base))

static void copy_col(sqlite3_stmt *st, int i, char *dst, size_t cap) {
    const unsigned char *t = sqlite3_column_text(st, i);
    size_t n = t ? (size_t)sqlite3_column_bytes(st, i) : 0;
    if (n >= cap)
        n = cap - 1;
    if (n)
        memcpy(dst, t, n);
    dst[n] = '\0';
}

static char *dup_col(sqlite3_stmt *st, int i) {
    const void *p = sqlite3_column_blob(st, i);
    size_t n = (size_t)sqlite3_column_bytes(st, i);
    char *out = malloc(n + 1);
    if (out) {
        if (n)
            memcpy(out, p, n);
        out[n] = '\0';
    }
    return out;
}

static int read_project(sqlite3_stmt *st, struct tl_project *p) {
    memset(p, 0, sizeof *p);
    p->pk = sqlite3_column_int64(st, 0);
    copy_col(st, 1, p->id, sizeof p->id);
    copy_col(st, 2, p->tenant_id, sizeof p->tenant_id);
    p->name = dup_col(st, 3);
    p->schema_json = dup_col(st, 4);
    p->overlap = sqlite3_column_int(st, 5);
    p->lease_seconds = sqlite3_column_int(st, 6);
    p->created_at_ms = sqlite3_column_int64(st, 7);
    p->n_tasks = sqlite3_column_int64(st, 8);
    p->n_annotations = sqlite3_column_int64(st, 9);
    p->n_completed = sqlite3_column_int64(st, 10);
    p->max_leases_per_annotator = sqlite3_column_int(st, 11);
    p->instructions = dup_col(st, 12);
    p->allows_edits = sqlite3_column_int(st, 13) != 0;
    p->is_archived = sqlite3_column_int(st, 14) != 0;
    struct tl_quality_settings *q = &p->q;
    q->gold_rate = sqlite3_column_double(st, 15);
    q->qual_tasks = sqlite3_column_int(st, 16);
    q->qual_pass = sqlite3_column_double(st, 17);
    q->max_overlap = sqlite3_column_int(st, 18);
    q->confidence_target = sqlite3_column_double(st, 19);
    copy_col(st, 20, q->method, sizeof q->method);
    q->is_auto_suspend = sqlite3_column_int(st, 21) == 1;
    q->gold_threshold = sqlite3_column_double(st, 22);
    q->review_rate = sqlite3_column_double(st, 23);
    q->review_below = sqlite3_column_double(st, 24);
    if (!p->name || !p->schema_json || !p->instructions) {
        tl_project_release(p);
        return TL_ENOMEM;
    }
    return 0;
}

/* ---- tenants ---- */

struct tenant_arg {
    const char *name;
    char *out_id;
};

static int w_tenant_create(struct sq_store *s, struct sq_conn *w, void *arg) {
    struct tenant_arg *a = arg;
    sqlite3_stmt *st = sq_stmt(w, Q_TENANT_INSERT);
    tl_id_new(a->out_id);
    sqlite3_bind_text(st, 1, a->out_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, a->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, tl_clock_ms());
    return sq_exec(st);
}

static int sq_tenant_create(struct tl_store *s, const char *name, tl_id out_id) {
    struct tenant_arg a = {name, out_id};
    return sq_write(SQ(s), w_tenant_create, &a);
}

static int sq_tenant_find(struct tl_store *s, const char *name, tl_id out_id) {
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    sqlite3_stmt *st = sq_stmt(c, Q_TENANT_FIND);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    rc = TL_ENOTFOUND;
    if (sqlite3_step(st) == SQLITE_ROW) {
        copy_col(st, 0, out_id, sizeof(tl_id));
        rc = 0;
    }
    sqlite3_reset(st);
    sq_reader_put(SQ(s), c);
    return rc;
}

/* ---- users and tokens ---- */

static int w_user_create(struct sq_store *s, struct sq_conn *w, void *arg) {
    struct tl_user *u = arg;
    int64_t tenant_pk = 0;
    if (u->tenant_id[0]) {
        sqlite3_stmt *st = sq_stmt(w, Q_TENANT_PK);
        sqlite3_bind_text(st, 1, u->tenant_id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            tenant_pk = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        if (!tenant_pk)
            return TL_ENOTFOUND;
    }
    sqlite3_stmt *st = sq_stmt(w, Q_USER_INSERT);
    tl_id_new(u->id);
    sqlite3_bind_text(st, 1, u->id, -1, SQLITE_STATIC);
    if (tenant_pk)
        sqlite3_bind_int64(st, 2, tenant_pk);
    sqlite3_bind_text(st, 3, u->email, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, (int)u->role);
    if (u->password_hash[0])
        sqlite3_bind_text(st, 5, u->password_hash, -1, SQLITE_STATIC);
    u->created_at_ms = tl_clock_ms();
    sqlite3_bind_int64(st, 6, u->created_at_ms);
    int rc = sq_exec(st);
    if (!rc)
        u->pk = sqlite3_last_insert_rowid(w->db);
    return rc;
}

static int sq_user_create(struct tl_store *s, struct tl_user *u) {
    return sq_write(SQ(s), w_user_create, u);
}

static int find_user(struct sq_conn *c, const char *email, struct tl_user *out,
                     int64_t *tenant_pk) {
    sqlite3_stmt *st = sq_stmt(c, Q_USER_FIND);
    sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
    int rc = TL_ENOTFOUND;
    if (sqlite3_step(st) == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        out->pk = sqlite3_column_int64(st, 0);
        copy_col(st, 1, out->id, sizeof out->id);
        copy_col(st, 2, out->tenant_id, sizeof out->tenant_id);
        out->role = (enum tl_role)sqlite3_column_int(st, 3);
        copy_col(st, 4, out->email, sizeof out->email);
        copy_col(st, 5, out->password_hash, sizeof out->password_hash);
        if (tenant_pk)
            *tenant_pk = sqlite3_column_int64(st, 6);
        out->is_disabled = sqlite3_column_int(st, 7) != 0;
        out->created_at_ms = sqlite3_column_int64(st, 8);
        rc = 0;
    }
    sqlite3_reset(st);
    return rc;
}

static int sq_user_find(struct tl_store *s, const char *email, struct tl_user *out) {
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    rc = find_user(c, email, out, NULL);
    sq_reader_put(SQ(s), c);
    return rc;
}

struct token_arg {
    int64_t user_pk;
    const char *hash;
    int64_t expires_at_ms;
    const char *name; /* NULL or "": none */
    char *out_id;
    bool is_session; /* tokens.kind 1 (migration 10) */
};

static int w_token_create(struct sq_store *s, struct sq_conn *w, void *arg) {
    struct token_arg *a = arg;
    sqlite3_stmt *st = sq_stmt(w, Q_TOKEN_INSERT);
    sqlite3_bind_text(st, 1, a->hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, a->user_pk);
    sqlite3_bind_int64(st, 3, tl_clock_ms());
    if (a->expires_at_ms)
        sqlite3_bind_int64(st, 4, a->expires_at_ms);
    tl_id_new(a->out_id);
    sqlite3_bind_text(st, 5, a->out_id, -1, SQLITE_STATIC);
    if (a->name && *a->name)
        sqlite3_bind_text(st, 6, a->name, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 7, a->is_session ? 1 : 0);
    return sq_exec(st);
}

static int sq_token_add(struct tl_store *s, int64_t user_pk, const char *hash, int64_t exp_ms,
                        const char *name, tl_id out_id) {
    tl_id id;
    struct token_arg a = {user_pk, hash, exp_ms, name, out_id ? out_id : id, false};
    return sq_write(SQ(s), w_token_create, &a);
}

static int sq_token_create(struct tl_store *s, int64_t user_pk, const char *hash,
                           int64_t exp_ms) {
    return sq_token_add(s, user_pk, hash, exp_ms, NULL, NULL);
}

static int sq_session_create(struct tl_store *s, int64_t user_pk, const char *hash,
                             int64_t exp_ms) {
    tl_id id;
    struct token_arg a = {user_pk, hash, exp_ms, NULL, id, true};
    return sq_write(SQ(s), w_token_create, &a);
}

static int sq_token_scope(struct tl_store *s, const char *hash, int64_t now_ms,
                          struct tl_scope *out) {
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    sqlite3_stmt *st = sq_stmt(c, Q_TOKEN_SCOPE);
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now_ms);
    rc = TL_EAUTH;
    if (sqlite3_step(st) == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        out->user_pk = sqlite3_column_int64(st, 0);
        out->tenant_pk = sqlite3_column_int64(st, 1);
        out->role = (enum tl_role)sqlite3_column_int(st, 2);
        copy_col(st, 3, out->user_id, sizeof out->user_id);
        copy_col(st, 4, out->tenant_id, sizeof out->tenant_id);
        out->token_expires_ms = sqlite3_column_int64(st, 5);
        rc = 0;
    }
    sqlite3_reset(st);
    sq_reader_put(SQ(s), c);
    return rc;
}

/* ---- projects and members ---- */

struct project_arg {
    const struct tl_scope *sc;
    struct tl_project *p;
};

static int w_project_create(struct sq_store *s, struct sq_conn *w, void *arg) {
    struct project_arg *a = arg;
    sqlite3_stmt *st = sq_stmt(w, Q_PROJECT_INSERT);
    tl_id_new(a->p->id);
    a->p->created_at_ms = tl_clock_ms();
    sqlite3_bind_text(st, 1, a->p->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, a->sc->tenant_pk);
    sqlite3_bind_text(st, 3, a->p->name, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, a->p->schema_json, (int)strlen(a->p->schema_json), SQLITE_STATIC);
    sqlite3_bind_int(st, 5, a->p->overlap);
    sqlite3_bind_int(st, 6, a->p->lease_seconds);
    sqlite3_bind_int64(st, 7, a->p->created_at_ms);
    if (a->p->max_leases_per_annotator < 1)
        a->p->max_leases_per_annotator = 1;
    sqlite3_bind_int(st, 8, a->p->max_leases_per_annotator);
    sqlite3_bind_text(st, 9, a->p->instructions ? a->p->instructions : "", -1, SQLITE_STATIC);
    int rc = sq_exec(st);
    if (!rc)
        a->p->pk = sqlite3_last_insert_rowid(w->db);
    /* quality (core): the settings of migration 11, in the same write */
    return rc ? rc : sq_gold_write_settings(w, a->sc->tenant_pk, a->p);
}

static int sq_project_create(struct tl_store *s, const struct tl_scope *sc, struct tl_project *p) {
    if (sc->tenant_pk == 0)
        return TL_EINVAL; /* a project always belongs to a tenant */
    struct project_arg a = {sc, p};
    int rc = sq_write(SQ(s), w_project_create, &a);
    if (!rc)
        memcpy(p->tenant_id, sc->tenant_id, sizeof p->tenant_id);
    return rc;
}

/* f as one of the two scoped queries, or NULL when f reaches nothing. */
static sqlite3_stmt *project_stmt(struct sq_conn *c, const struct tl_filter *f, enum sq_q by_tenant,
                                  enum sq_q by_member) {
    sqlite3_stmt *st = NULL;
    if (f->member_pk) {
        st = sq_stmt(c, by_member);
        if (st) {
            sqlite3_bind_int64(st, 2, f->member_pk);
            sqlite3_bind_int64(st, 3, f->tenant_pk);
        }
    } else if (f->tenant_pk) {
        st = sq_stmt(c, by_tenant);
        if (st)
            sqlite3_bind_int64(st, 2, f->tenant_pk);
    }
    return st;
}

static int project_get(struct sq_conn *c, const struct tl_filter *f, const char *id,
                       struct tl_project *out) {
    sqlite3_stmt *st = project_stmt(c, f, Q_PROJECT_GET_STAFF, Q_PROJECT_GET_MEMBER);
    if (!st)
        return f->member_pk || f->tenant_pk ? TL_EINTERNAL : TL_ENOTFOUND;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_ROW ? read_project(st, out) : TL_ENOTFOUND;
    sqlite3_reset(st);
    return rc;
}

static int sq_project_get(struct tl_store *s, const struct tl_filter *f, const char *id,
                          struct tl_project *out) {
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    rc = project_get(c, f, id, out);
    sq_reader_put(SQ(s), c);
    return rc;
}

static int sq_project_get_admin(struct tl_store *s, const char *id, struct tl_project *out,
                                struct tl_scope *tenant) {
    memset(tenant, 0, sizeof *tenant);
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    sqlite3_stmt *st = sq_stmt(c, Q_PROJECT_GET_ADMIN);
    if (!st) {
        rc = TL_EINTERNAL;
    } else {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_ROW ? read_project(st, out) : TL_ENOTFOUND;
        sqlite3_reset(st);
    }
    /* A tenant is never deleted, so its pk needs no shared transaction. */
    st = rc ? NULL : sq_stmt(c, Q_TENANT_PK);
    if (!rc && !st)
        rc = TL_EINTERNAL;
    if (!rc) {
        sqlite3_bind_text(st, 1, out->tenant_id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            tenant->tenant_pk = sqlite3_column_int64(st, 0);
        else
            rc = TL_EINTERNAL;
        sqlite3_reset(st);
        if (rc)
            tl_project_release(out);
    }
    sq_reader_put(SQ(s), c);
    if (!rc)
        memcpy(tenant->tenant_id, out->tenant_id, sizeof tenant->tenant_id);
    return rc;
}

static int sq_project_list(struct tl_store *s, const struct tl_filter *f, struct tl_project **out,
                           size_t *n) {
    *out = NULL;
    *n = 0;
    if (!f->member_pk && !f->tenant_pk)
        return 0; /* reaches nothing */
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    sqlite3_stmt *st = project_stmt(c, f, Q_PROJECT_LIST_STAFF, Q_PROJECT_LIST_MEMBER);
    if (!st)
        rc = TL_EINTERNAL;
    size_t cap = 0;
    int step;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            struct tl_project *grown = realloc(*out, cap * sizeof **out);
            if (!grown) {
                rc = TL_ENOMEM;
                break;
            }
            *out = grown;
        }
        rc = read_project(st, &(*out)[*n]);
        if (!rc)
            (*n)++;
    }
    sqlite3_reset(st);
    sq_reader_put(SQ(s), c);
    if (rc) {
        for (size_t i = 0; i < *n; i++)
            tl_project_release(&(*out)[i]);
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

struct member_arg {
    const struct tl_scope *sc;
    const struct tl_project *p;
    const char *email;
    enum tl_role role;
    char *out_user_id;
};

static int w_member_add(struct sq_store *s, struct sq_conn *w, void *arg) {
    struct member_arg *a = arg;
    struct tl_user u;
    int64_t user_tenant_pk = 0;
    int rc = find_user(w, a->email, &u, &user_tenant_pk);
    if (rc)
        return rc;
    /* Another tenant's user is invisible here: the same answer as no user. */
    if (user_tenant_pk != 0 && user_tenant_pk != a->sc->tenant_pk)
        return TL_ENOTFOUND;
    if (user_tenant_pk == 0 && u.role != TL_ROLE_ANNOTATOR)
        return TL_ENOTFOUND;
    sqlite3_stmt *st = sq_stmt(w, Q_MEMBER_UPSERT);
    sqlite3_bind_int64(st, 1, a->p->pk);
    sqlite3_bind_int64(st, 2, u.pk);
    sqlite3_bind_int(st, 3, (int)a->role);
    sqlite3_bind_int64(st, 4, tl_clock_ms());
    rc = sq_exec(st);
    if (!rc && a->out_user_id)
        memcpy(a->out_user_id, u.id, sizeof u.id);
    return rc;
}

static int sq_member_add(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                         const char *email, enum tl_role role, tl_id out_user_id) {
    if (sc->tenant_pk == 0)
        return TL_ENOTFOUND; /* no tenant: no user it could reach */
    struct member_arg a = {sc, p, email, role, out_user_id};
    return sq_write(SQ(s), w_member_add, &a);
}

static int sq_member_role(struct tl_store *s, const struct tl_scope *sc,
                          const struct tl_project *p, enum tl_role *role) {
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    sqlite3_stmt *st = sq_stmt(c, Q_MEMBER_ROLE);
    sqlite3_bind_int64(st, 1, p->pk);
    sqlite3_bind_int64(st, 2, sc->user_pk);
    rc = TL_ENOTFOUND;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *role = (enum tl_role)sqlite3_column_int(st, 0);
        rc = 0;
    }
    sqlite3_reset(st);
    sq_reader_put(SQ(s), c);
    return rc;
}

/* ---- tasks ---- */

struct import_arg {
    int64_t tenant_pk, project_pk, import_id;
    const struct tl_blob *items;
    size_t n;
    const struct tl_prediction_in *preds; /* in item order */
    size_t n_preds;
    tl_store_done_fn done; /* staged imports only */
    void *cb_arg;
    bool is_clear; /* w_import_clear: n is the number of rows it deleted */
    struct sq_store *store;
    int64_t n_staged; /* w_import_commit: the rows staging must hold */
    int64_t n_gold;   /* items of this write that are gold: outside n_tasks */
};

/* Staged rows deleted per write (see Q_STAGE_DELETE). */
#define CLEAR_SLICE 8192

/* Bind a prediction's model, score and result from parameter `first` on. */
static void bind_prediction(sqlite3_stmt *st, int first, const struct tl_prediction_in *pr) {
    sqlite3_bind_text(st, first, pr->model, (int)pr->model_len, SQLITE_STATIC);
    if (pr->has_score)
        sqlite3_bind_double(st, first + 1, pr->score);
    else
        sqlite3_bind_null(st, first + 1);
    sqlite3_bind_blob64(st, first + 2, pr->result, pr->result_len, SQLITE_STATIC);
}

/* The predictions of item i, from *next_pred on (they come in item order):
 * into predictions (or imported_annotations, for an imported annotation)
 * for the task just inserted as task_pk, or into prediction_staging under
 * the task's id. An imported annotation takes its id here, so a staged one
 * keeps it through the commit. */
static int insert_predictions(struct sq_conn *w, struct import_arg *a, size_t i,
                              size_t *next_pred, bool is_staged, const char *task_id,
                              int64_t task_pk, int64_t now) {
    for (; *next_pred < a->n_preds && a->preds[*next_pred].item == i; (*next_pred)++) {
        const struct tl_prediction_in *pr = &a->preds[*next_pred];
        if (pr->is_gold) { /* quality (core): the task's own column, not a prediction */
            sqlite3_stmt *st = sq_stmt(w, is_staged ? Q_GOLD_STAGE_INSERTED : Q_GOLD_TASK_INSERTED);
            if (!st)
                return TL_EINTERNAL;
            sqlite3_bind_blob64(st, 1, pr->result, pr->result_len, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, task_pk); /* the staged row's pk when staged */
            int rc = sq_exec(st);
            if (rc)
                return rc;
            a->n_gold++;
            continue;
        }
        enum sq_q q = is_staged            ? Q_PRED_STAGE_INSERT
                      : pr->is_annotation ? Q_IMPORTED_INSERT
                                          : Q_PRED_INSERT;
        sqlite3_stmt *st = sq_stmt(w, q);
        if (!st)
            return TL_EINTERNAL;
        tl_id annotation_id;
        tl_id_new(annotation_id);
        if (is_staged) {
            sqlite3_bind_int64(st, 1, a->import_id);
            sqlite3_bind_text(st, 2, task_id, TL_ID_LEN, SQLITE_STATIC);
            sqlite3_bind_int64(st, 3, a->project_pk);
            sqlite3_bind_int64(st, 4, a->tenant_pk);
            bind_prediction(st, 5, pr);
            sqlite3_bind_int64(st, 8, now);
            sqlite3_bind_int(st, 9, pr->is_annotation);
            if (pr->is_annotation)
                sqlite3_bind_text(st, 10, annotation_id, TL_ID_LEN, SQLITE_STATIC);
            else
                sqlite3_bind_null(st, 10);
        } else {
            sqlite3_bind_int64(st, 1, task_pk);
            sqlite3_bind_int64(st, 2, a->project_pk);
            sqlite3_bind_int64(st, 3, a->tenant_pk);
            bind_prediction(st, 4, pr); /* Q_IMPORTED_INSERT skips the score (?5) */
            sqlite3_bind_int64(st, 7, now);
            if (pr->is_annotation)
                sqlite3_bind_text(st, 8, annotation_id, TL_ID_LEN, SQLITE_STATIC);
        }
        int rc = sq_exec(st);
        if (rc)
            return rc;
    }
    return 0;
}

/* Insert items as rows of tasks (Q_TASK_INSERT) or of import_staging
 * (Q_STAGE_INSERT: the same parameters and the import id), each followed
 * by its predictions. */
static int insert_items(struct sq_conn *w, enum sq_q q, struct import_arg *a) {
    int64_t now = tl_clock_ms();
    size_t next_pred = 0;
    for (size_t i = 0; i < a->n; i++) {
        sqlite3_stmt *st = sq_stmt(w, q);
        if (!st)
            return TL_EINTERNAL;
        tl_id id;
        tl_id_new(id);
        sqlite3_bind_text(st, 1, id, TL_ID_LEN, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, a->project_pk);
        sqlite3_bind_int64(st, 3, a->tenant_pk);
        sqlite3_bind_blob64(st, 4, a->items[i].data, a->items[i].len, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, now);
        if (q == Q_STAGE_INSERT)
            sqlite3_bind_int64(st, 6, a->import_id);
        int rc = sq_exec(st);
        if (!rc && next_pred < a->n_preds && a->preds[next_pred].item == i)
            rc = insert_predictions(w, a, i, &next_pred, q == Q_STAGE_INSERT, id,
                                    sqlite3_last_insert_rowid(w->db), now);
        if (rc)
            return rc;
    }
    return 0;
}

static int add_to_project(struct sq_conn *w, const struct import_arg *a, int64_t n) {
    sqlite3_stmt *st = sq_stmt(w, Q_PROJECT_ADD_TASKS);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, n);
    sqlite3_bind_int64(st, 2, a->project_pk);
    return sq_exec(st);
}

/* The project must be the caller's tenant's: the one filter the store owns. */
static int check_project(struct sq_conn *w, const struct import_arg *a) {
    sqlite3_stmt *st = sq_stmt(w, Q_STAGE_PROJECT);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, a->project_pk);
    sqlite3_bind_int64(st, 2, a->tenant_pk);
    int rc = sqlite3_step(st) == SQLITE_ROW ? 0 : TL_ENOTFOUND;
    sqlite3_reset(st);
    return rc;
}

static int w_tasks_import(struct sq_store *s, struct sq_conn *w, void *arg) {
    struct import_arg *a = arg;
    int rc = check_project(w, a);
    rc = rc ? rc : insert_items(w, Q_TASK_INSERT, a);
    return rc ? rc : add_to_project(w, a, (int64_t)a->n - a->n_gold);
}

static int sq_tasks_import(struct tl_store *s, const struct tl_scope *sc,
                           const struct tl_project *p, const struct tl_blob *items, size_t n) {
    struct import_arg a = {sc->tenant_pk, p->pk, 0,     items, n, NULL,
                           0,             NULL,  NULL, false, SQ(s), 0, 0};
    return sq_write(SQ(s), w_tasks_import, &a);
}

static int w_import_stage(struct sq_store *s, struct sq_conn *w, void *arg) {
    struct import_arg *a = arg;
    int rc = check_project(w, a);
    return rc ? rc : insert_items(w, Q_STAGE_INSERT, a);
}

static int bind_staged(sqlite3_stmt *st, const struct import_arg *a) {
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, a->import_id);
    sqlite3_bind_int64(st, 2, a->project_pk);
    sqlite3_bind_int64(st, 3, a->tenant_pk);
    return 0;
}

/* quality (core): how many staged rows of the import are gold tasks. */
static int staged_gold(struct sq_conn *w, const struct import_arg *a, int64_t *n) {
    sqlite3_stmt *st = sq_stmt(w, Q_GOLD_STAGE_COUNT);
    int rc = bind_staged(st, a);
    if (rc)
        return rc;
    int step = sqlite3_step(st);
    *n = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return step == SQLITE_ROW ? 0 : sq_err(step);
}

static int w_import_commit(struct sq_store *s, struct sq_conn *w, void *arg) {
    struct import_arg *a = arg;
    int rc = check_project(w, a);
    int64_t n_staged_gold = 0;
    rc = rc ? rc : staged_gold(w, a, &n_staged_gold);
    sqlite3_stmt *st = rc ? NULL : sq_stmt(w, Q_GOLD_STAGE_MOVE);
    rc = rc ? rc : bind_staged(st, a);
    rc = rc ? rc : sq_exec(st);
    int64_t moved = rc ? 0 : sqlite3_changes64(w->db);
    if (!rc && moved != a->n_staged)
        rc = TL_ECONFLICT; /* staged rows went missing: store none of it */
    /* the staged tasks are in: their staged predictions can find them */
    for (int k = 0; k < 2 && !rc; k++) {
        st = sq_stmt(w, k ? Q_IMPORTED_STAGE_MOVE : Q_PRED_STAGE_MOVE);
        rc = bind_staged(st, a);
        rc = rc ? rc : sq_exec(st);
    }
    rc = rc ? rc : insert_items(w, Q_TASK_INSERT, a);
    return rc ? rc : add_to_project(w, a, moved - n_staged_gold + (int64_t)a->n - a->n_gold);
}

/* One slice of each staging table; a->n is the larger count, so a full
 * slice of either queues another round. */
static int w_import_clear(struct sq_store *s, struct sq_conn *w, void *arg) {
    struct import_arg *a = arg;
    size_t most = 0;
    int rc = 0;
    for (int k = 0; k < 2 && !rc; k++) {
        sqlite3_stmt *st = sq_stmt(w, k ? Q_PRED_STAGE_DELETE : Q_STAGE_DELETE);
        rc = bind_staged(st, a);
        if (!rc) {
            sqlite3_bind_int(st, 4, CLEAR_SLICE);
            rc = sq_exec(st);
        }
        size_t n = rc ? 0 : (size_t)sqlite3_changes64(w->db);
        most = n > most ? n : most;
    }
    a->n = rc ? 0 : most;
    return rc;
}

static void import_done(void *cb_arg, int rc) {
    struct import_arg *a = cb_arg;
    if (a->done)
        a->done(a->cb_arg, rc);
    /* A full slice may have more behind it: queue the next (from the writer
     * thread, which sq_write_async allows). A failure leaves the rest to the
     * next start's cleanup. */
    if (a->is_clear && !rc && a->n == CLEAR_SLICE &&
        sq_write_async(a->store, w_import_clear, a, import_done, a) == 0)
        return;
    free(a);
}

static int queue_import(struct tl_store *s, sq_write_fn fn, const struct tl_scope *sc,
                        const struct tl_project *p, int64_t import_id, int64_t n_staged,
                        const struct tl_blob *items, size_t n,
                        const struct tl_prediction_in *preds, size_t n_preds,
                        tl_store_done_fn done, void *cb_arg) {
    struct import_arg *a = malloc(sizeof *a);
    if (!a)
        return TL_ENOMEM;
    *a = (struct import_arg){sc->tenant_pk, p->pk, import_id, items, n, preds, n_preds, done,
                             cb_arg, fn == w_import_clear, SQ(s), n_staged, 0};
    int rc = sq_write_async(SQ(s), fn, a, import_done, a);
    if (rc)
        free(a);
    return rc;
}

static int sq_import_stage(struct tl_store *s, const struct tl_scope *sc,
                           const struct tl_project *p, int64_t import_id,
                           const struct tl_blob *items, size_t n,
                           const struct tl_prediction_in *preds, size_t n_preds,
                           tl_store_done_fn done, void *cb_arg) {
    return queue_import(s, w_import_stage, sc, p, import_id, 0, items, n, preds, n_preds, done,
                        cb_arg);
}

static int sq_import_commit(struct tl_store *s, const struct tl_scope *sc,
                            const struct tl_project *p, int64_t import_id, size_t n_staged,
                            const struct tl_blob *items, size_t n,
                            const struct tl_prediction_in *preds, size_t n_preds,
                            tl_store_done_fn done, void *cb_arg) {
    return queue_import(s, w_import_commit, sc, p, import_id, (int64_t)n_staged, items, n,
                        preds, n_preds, done, cb_arg);
}

static void sq_import_clear(struct tl_store *s, const struct tl_scope *sc,
                            const struct tl_project *p, int64_t import_id) {
    queue_import(s, w_import_clear, sc, p, import_id, 0, NULL, 0, NULL, 0, NULL, NULL);
}

int sq_project_of(struct sq_conn *c, const struct tl_filter *f, enum sq_q q, const char *id,
                  struct tl_project *out) {
    sqlite3_stmt *st = sq_stmt(c, q);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    tl_id project_id;
    int rc = TL_ENOTFOUND;
    if (sqlite3_step(st) == SQLITE_ROW) {
        copy_col(st, 0, project_id, sizeof project_id);
        rc = 0;
    }
    sqlite3_reset(st);
    /* The object's project is then fetched through the caller's filter: an
     * object of another tenant ends as TL_ENOTFOUND right here. */
    return rc ? rc : project_get(c, f, project_id, out);
}

static int sq_task_project(struct tl_store *s, const struct tl_filter *f, const char *task_id,
                           struct tl_project *out) {
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    rc = sq_project_of(c, f, Q_TASK_PROJECT, task_id, out);
    sq_reader_put(SQ(s), c);
    return rc;
}

static int sq_task_data(struct tl_store *s, const struct tl_project *p, const char *task_id,
                        char **data, size_t *len) {
    *data = NULL;
    *len = 0;
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    sqlite3_stmt *st = sq_stmt(c, Q_TASK_DATA);
    sqlite3_bind_text(st, 1, task_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, p->pk);
    rc = TL_ENOTFOUND;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *len = (size_t)sqlite3_column_bytes(st, 0);
        *data = dup_col(st, 0);
        rc = *data ? 0 : TL_ENOMEM;
    }
    sqlite3_reset(st);
    sq_reader_put(SQ(s), c);
    return rc;
}

/* ---- leases and annotations ---- */

struct claim_arg {
    const struct tl_scope *sc;
    const struct tl_project *p;
    int64_t now_ms;
    struct tl_lease *out;
    struct tl_lease_policy *pol; /* quality (core): NULL for none */
};

/* How many live leases (at most cap) the caller holds on the project, and
 * the oldest one's pk. */
static int held_leases(struct sq_conn *w, const struct claim_arg *a, int cap, int *n,
                       int64_t *oldest_pk) {
    sqlite3_stmt *st = sq_stmt(w, Q_LEASE_HELD);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, a->sc->user_pk);
    sqlite3_bind_int64(st, 2, a->p->pk);
    sqlite3_bind_int64(st, 3, a->now_ms);
    sqlite3_bind_int(st, 4, cap);
    *n = 0;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        if ((*n)++ == 0)
            *oldest_pk = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return step == SQLITE_DONE ? 0 : sq_err(step);
}

/* Read one prediction row (model, score, result from column `first`). */
static int read_prediction(sqlite3_stmt *st, int first, struct tl_prediction *pr) {
    pr->model = dup_col(st, first);
    pr->has_score = sqlite3_column_type(st, first + 1) != SQLITE_NULL;
    pr->score = pr->has_score ? sqlite3_column_double(st, first + 1) : 0;
    pr->result = dup_col(st, first + 2);
    pr->result_len = (size_t)sqlite3_column_bytes(st, first + 2);
    if (pr->model && pr->result)
        return 0;
    tl_prediction_release(pr);
    return TL_ENOMEM;
}

/* The task's predictions into out, oldest first (filtered by task and
 * project, at most TL_TASK_MAX_PREDICTIONS: what import allows). */
static int lease_predictions(struct sq_conn *w, int64_t task_pk, int64_t project_pk,
                             struct tl_lease *out) {
    sqlite3_stmt *st = sq_stmt(w, Q_PRED_OF_TASK);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, task_pk);
    sqlite3_bind_int64(st, 2, project_pk);
    sqlite3_bind_int(st, 3, TL_TASK_MAX_PREDICTIONS);
    int rc = 0, step = SQLITE_DONE;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (!out->predictions &&
            !(out->predictions = calloc(TL_TASK_MAX_PREDICTIONS, sizeof *out->predictions))) {
            rc = TL_ENOMEM;
            break;
        }
        rc = read_prediction(st, 0, &out->predictions[out->n_predictions]);
        if (!rc)
            out->n_predictions++;
    }
    if (!rc && step != SQLITE_DONE && step != SQLITE_ROW)
        rc = sq_err(step);
    sqlite3_reset(st);
    return rc;
}

/* Hand back a lease as it is: extending it would let a client keep a task
 * forever by asking again. */
static int resume_lease(struct sq_conn *w, int64_t lease_pk, int64_t project_pk,
                        struct tl_lease *out) {
    sqlite3_stmt *st = sq_stmt(w, Q_LEASE_RESUME);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, lease_pk);
    int step = sqlite3_step(st);
    if (step != SQLITE_ROW) {
        sqlite3_reset(st);
        return step == SQLITE_DONE ? TL_EINTERNAL : sq_err(step);
    }
    copy_col(st, 0, out->id, sizeof out->id);
    out->expires_at_ms = sqlite3_column_int64(st, 1);
    copy_col(st, 2, out->task_id, sizeof out->task_id);
    out->task_data = dup_col(st, 3);
    out->task_data_len = (size_t)sqlite3_column_bytes(st, 3);
    int64_t task_pk = sqlite3_column_int64(st, 4);
    sqlite3_reset(st);
    if (!out->task_data)
        return TL_ENOMEM;
    int rc = lease_predictions(w, task_pk, project_pk, out);
    if (rc)
        tl_lease_release(out);
    return rc;
}

/* The per-annotator cap is decided here, in the writer's transaction with
 * the claim itself: checked outside it, concurrent `next` calls of one
 * annotator could each see room and together exceed the cap. The lease
 * policy's decision (quality: refusals, gold) is taken here too, with the
 * worker row as this transaction sees it. */
static int w_lease_claim(struct sq_store *s, struct sq_conn *w, void *arg) {
    struct claim_arg *a = arg;
    enum tl_lease_gold gold = TL_LEASE_ORDINARY;
    int rc = 0;
    if (a->pol) {
        rc = sq_gold_decide(w, a->p, a->sc->user_pk, a->pol);
        gold = a->pol->decision.gold;
    }
    if (rc)
        return rc;
    int max_held = a->p->max_leases_per_annotator > 0 ? a->p->max_leases_per_annotator : 1;
    int n_held;
    int64_t oldest_pk = 0;
    rc = held_leases(w, a, max_held, &n_held, &oldest_pk);
    if (rc)
        return rc;
    if (n_held >= max_held)
        return resume_lease(w, oldest_pk, a->p->pk, a->out);

    int64_t task_pk = 0;
    rc = TL_EEMPTY;
    if (gold != TL_LEASE_ORDINARY) {
        rc = sq_gold_pick(w, a->p, a->sc->user_pk, a->now_ms, true, &task_pk, a->out);
        if (!rc && a->pol)
            a->pol->is_gold = true;
    }
    if (rc == TL_EEMPTY && gold == TL_LEASE_GOLD_ONLY && !n_held) {
        a->pol->is_gold_exhausted = true; /* qualification with no gold left */
        return TL_EPERM;
    }
    if (rc == TL_EEMPTY && gold != TL_LEASE_GOLD_ONLY)
        rc = sq_gold_pick(w, a->p, a->sc->user_pk, a->now_ms, false, &task_pk, a->out);
    if (rc == TL_EEMPTY)
        /* Nothing new for the caller: the leases they hold are still theirs
         * to finish. */
        return n_held ? resume_lease(w, oldest_pk, a->p->pk, a->out) : TL_EEMPTY;
    if (rc) {
        tl_lease_release(a->out);
        return rc;
    }
    rc = lease_predictions(w, task_pk, a->p->pk, a->out);
    if (rc) {
        tl_lease_release(a->out);
        return rc;
    }

    a->out->expires_at_ms = a->now_ms + (int64_t)a->p->lease_seconds * 1000;
    tl_id_new(a->out->id);
    sqlite3_stmt *st = sq_stmt(w, Q_LEASE_INSERT);
    sqlite3_bind_text(st, 1, a->out->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, task_pk);
    sqlite3_bind_int64(st, 3, a->sc->user_pk);
    sqlite3_bind_int64(st, 4, a->out->expires_at_ms);
    sqlite3_bind_int64(st, 5, a->now_ms);
    sqlite3_bind_int64(st, 6, a->p->pk);
    rc = sq_exec(st);
    if (rc)
        tl_lease_release(a->out);
    return rc;
}

static int sq_lease_claim(struct tl_store *s, const struct tl_scope *sc,
                          const struct tl_project *p, int64_t now_ms, struct tl_lease *out) {
    memset(out, 0, sizeof *out);
    struct claim_arg a = {sc, p, now_ms, out, NULL};
    return sq_write(SQ(s), w_lease_claim, &a);
}

/* An asynchronous write: its closure argument lives on the heap until the
 * writer has run it and called back, then goes with this trampoline. */
struct async_claim {
    struct claim_arg a;
    tl_store_done_fn done;
    void *cb_arg;
};

static void async_claim_done(void *arg, int rc) {
    struct async_claim *op = arg;
    tl_store_done_fn done = op->done;
    void *cb_arg = op->cb_arg;
    free(op); /* before done, which may end the caller's request */
    done(cb_arg, rc);
}

static int claim_async(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                       int64_t now_ms, struct tl_lease_policy *pol, struct tl_lease *out,
                       tl_store_done_fn done, void *cb_arg) {
    memset(out, 0, sizeof *out);
    struct async_claim *op = malloc(sizeof *op);
    if (!op)
        return TL_ENOMEM;
    op->a = (struct claim_arg){sc, p, now_ms, out, pol};
    op->done = done;
    op->cb_arg = cb_arg;
    /* A lease is soft state: answer once the claim is decided, without
     * waiting for its fsync (store.h). */
    int rc = sq_write_async_early(SQ(s), w_lease_claim, &op->a, async_claim_done, op);
    if (rc)
        free(op);
    return rc;
}

static int sq_lease_claim_async(struct tl_store *s, const struct tl_scope *sc,
                                const struct tl_project *p, int64_t now_ms, struct tl_lease *out,
                                tl_store_done_fn done, void *cb_arg) {
    return claim_async(s, sc, p, now_ms, NULL, out, done, cb_arg);
}

static int sq_lease_claim_policy(struct tl_store *s, const struct tl_scope *sc,
                                 const struct tl_project *p, int64_t now_ms,
                                 struct tl_lease_policy *pol, struct tl_lease *out,
                                 tl_store_done_fn done, void *cb_arg) {
    if (done)
        return claim_async(s, sc, p, now_ms, pol, out, done, cb_arg);
    memset(out, 0, sizeof *out);
    struct claim_arg a = {sc, p, now_ms, out, pol};
    return sq_write(SQ(s), w_lease_claim, &a);
}

struct submit_arg {
    const struct tl_scope *sc;
    const struct tl_project *p;
    const char *task_id, *lease_id, *result;
    size_t result_len;
    int64_t now_ms;
    char *out_id;
    struct tl_submit_hooks *hooks; /* quality (core): NULL for none */
};

/* Whether the caller already stored exactly this submission (same task,
 * lease and result bytes): a client that lost the answer to its submit
 * retries it, and gets the annotation's id instead of a 409 it could not
 * tell from a double submit. Nothing is written again. */
static bool resubmitted(struct sq_conn *w, struct submit_arg *a) {
    sqlite3_stmt *st = sq_stmt(w, Q_ANNOT_RESUBMIT);
    if (!st)
        return false;
    sqlite3_bind_text(st, 1, a->task_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, a->p->pk);
    sqlite3_bind_int64(st, 3, a->sc->user_pk);
    sqlite3_bind_text(st, 4, a->lease_id, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 5, a->result, (int)a->result_len, SQLITE_STATIC);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    if (found)
        memcpy(a->out_id, sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0) + 1);
    sqlite3_reset(st);
    return found;
}

/* quality (core): a gold task's submission scored (through the hooks)
 * into annotations.gold_score and the worker's gold counts. */
static int score_gold(struct sq_conn *w, struct submit_arg *a, sqlite3_stmt *found,
                      int64_t annotation_pk, int64_t annotator_pk) {
    struct tl_submit_hooks *h = a->hooks;
    if (!h || !h->score)
        return 0;
    double score;
    int rc = h->score(h, sqlite3_column_blob(found, 9), (size_t)sqlite3_column_bytes(found, 9),
                      a->result, a->result_len, &score);
    if (rc)
        return rc == TL_EEMPTY ? 0 : rc; /* not scored: the submission stands */
    h->has_score = true;
    h->gold_score = score;
    return sq_gold_scored(w, a->p, annotation_pk, annotator_pk, score, a->now_ms);
}

static int w_annotation_submit(struct sq_store *s, struct sq_conn *w, void *arg) {
    struct submit_arg *a = arg;
    sqlite3_stmt *st = sq_stmt(w, Q_GOLD_LEASE_FIND);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_text(st, 1, a->lease_id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        /* never issued, already used, or purged after expiry; used by this
         * very submission (a retry after a lost answer) answers its id */
        return resubmitted(w, a) ? 0 : TL_ECONFLICT;
    }
    int64_t lease_pk = sqlite3_column_int64(st, 0);
    int64_t task_pk = sqlite3_column_int64(st, 1);
    int64_t annotator_pk = sqlite3_column_int64(st, 2);
    int64_t expires_at = sqlite3_column_int64(st, 3);
    const char *lease_task = (const char *)sqlite3_column_text(st, 4);
    bool is_same_task = lease_task && !strcmp(lease_task, a->task_id);
    int64_t project_pk = sqlite3_column_int64(st, 5);
    int n_annotations = sqlite3_column_int(st, 6);
    int64_t claimed_at = sqlite3_column_int64(st, 7);
    bool is_open = sqlite3_column_int(st, 8) != 0;
    bool is_gold = sqlite3_column_type(st, 9) != SQLITE_NULL;
    /* A gold task takes any number of annotators; an ordinary one only
     * while open (adaptive overlap decides when it closes). */
    if (annotator_pk != a->sc->user_pk || !is_same_task || project_pk != a->p->pk ||
        expires_at <= a->now_ms || (!is_gold && !is_open)) {
        sqlite3_reset(st);
        return TL_ECONFLICT;
    }

    tl_id_new(a->out_id);
    sqlite3_stmt *ins = sq_stmt(w, Q_ANNOT_INSERT);
    sqlite3_bind_text(ins, 1, a->out_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(ins, 2, task_pk);
    sqlite3_bind_int64(ins, 3, annotator_pk);
    sqlite3_bind_text(ins, 4, a->lease_id, -1, SQLITE_STATIC);
    sqlite3_bind_blob(ins, 5, a->result, (int)a->result_len, SQLITE_STATIC);
    sqlite3_bind_int64(ins, 6, a->now_ms);
    sqlite3_bind_int64(ins, 7, claimed_at);
    int rc = sq_exec(ins);
    if (rc) {
        sqlite3_reset(st);
        return rc == TL_EEXIST ? TL_ECONFLICT : rc;
    }
    if (a->hooks)
        a->hooks->is_gold = is_gold;
    /* the gold blob is read from the lease row, still stepped */
    int64_t annotation_pk = sqlite3_last_insert_rowid(w->db);
    rc = is_gold ? score_gold(w, a, st, annotation_pk, annotator_pk) : 0;
    sqlite3_reset(st);
    if (rc)
        return rc;

    st = sq_stmt(w, Q_LEASE_DELETE);
    sqlite3_bind_int64(st, 1, lease_pk);
    if ((rc = sq_exec(st)))
        return rc;
    /* Gold tasks never complete (they are outside progress); an ordinary
     * one gets its live aggregate and the adaptive rule. */
    bool is_task_completed = false;
    if (!is_gold)
        rc = sq_gold_settle(w, a->p, task_pk, annotation_pk, n_annotations + 1, a->hooks,
                            a->now_ms, &is_task_completed);
    if (rc)
        return rc;
    if (a->hooks)
        a->hooks->is_complete = is_task_completed;
    st = sq_stmt(w, Q_GOLD_TASK_BUMP);
    sqlite3_bind_int(st, 1, is_gold || is_task_completed ? 0 : 1);
    sqlite3_bind_int64(st, 2, task_pk);
    if ((rc = sq_exec(st)))
        return rc;
    st = sq_stmt(w, Q_PROJECT_BUMP);
    sqlite3_bind_int(st, 1, is_task_completed ? 1 : 0);
    sqlite3_bind_int64(st, 2, a->p->pk);
    if ((rc = sq_exec(st)))
        return rc;
    struct sq_stats_annot counted = {a->p->pk, annotator_pk, a->now_ms, claimed_at, true};
    if ((rc = sq_stats_submitted(w, &counted, task_pk, n_annotations, is_task_completed)))
        return rc;
    return sq_webhook_on_submit(s, w, a->p->pk, a->p->id, a->task_id, a->out_id,
                                is_task_completed, a->now_ms);
}

static int sq_annotation_submit(struct tl_store *s, const struct tl_scope *sc,
                                const struct tl_project *p, const char *task_id,
                                const char *lease_id, const char *result, size_t result_len,
                                int64_t now_ms, tl_id out_id) {
    struct submit_arg a = {sc, p, task_id, lease_id, result, result_len, now_ms, out_id, NULL};
    return sq_write(SQ(s), w_annotation_submit, &a);
}

struct async_submit {
    struct submit_arg a;
    tl_store_done_fn done;
    void *cb_arg;
};

static void async_submit_done(void *arg, int rc) {
    struct async_submit *op = arg;
    tl_store_done_fn done = op->done;
    void *cb_arg = op->cb_arg;
    free(op);
    done(cb_arg, rc);
}

static int submit_async(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                        const char *task_id, const char *lease_id, const char *result,
                        size_t result_len, int64_t now_ms, struct tl_submit_hooks *hooks,
                        char *out_id, tl_store_done_fn done, void *cb_arg) {
    struct async_submit *op = malloc(sizeof *op);
    if (!op)
        return TL_ENOMEM;
    op->a = (struct submit_arg){sc,     p,      task_id, lease_id, result, result_len,
                                now_ms, out_id, hooks};
    op->done = done;
    op->cb_arg = cb_arg;
    int rc = sq_write_async(SQ(s), w_annotation_submit, &op->a, async_submit_done, op);
    if (rc)
        free(op);
    return rc;
}

static int sq_annotation_submit_async(struct tl_store *s, const struct tl_scope *sc,
                                      const struct tl_project *p, const char *task_id,
                                      const char *lease_id, const char *result,
                                      size_t result_len, int64_t now_ms, char *out_id,
                                      tl_store_done_fn done, void *cb_arg) {
    return submit_async(s, sc, p, task_id, lease_id, result, result_len, now_ms, NULL, out_id,
                        done, cb_arg);
}

static int sq_annotation_submit_hooked(struct tl_store *s, const struct tl_scope *sc,
                                       const struct tl_project *p, const char *task_id,
                                       const char *lease_id, const char *result,
                                       size_t result_len, int64_t now_ms,
                                       struct tl_submit_hooks *hooks, char *out_id,
                                       tl_store_done_fn done, void *cb_arg) {
    if (done)
        return submit_async(s, sc, p, task_id, lease_id, result, result_len, now_ms, hooks,
                            out_id, done, cb_arg);
    struct submit_arg a = {sc, p, task_id, lease_id, result, result_len, now_ms, out_id, hooks};
    return sq_write(SQ(s), w_annotation_submit, &a);
}

/* ---- export ---- */

struct page_task {
    int64_t pk;
    tl_id id;
    char *data;
    size_t data_len, first_annot, n_annot, first_pred, n_pred;
    char *gold; /* quality (core): NULL for an ordinary task */
    size_t gold_len;
    char *agg; /* quality (infer helper): method NUL result NUL confidence NUL; NULL: none */
    size_t agg_result_len, agg_confidence_len;
};

struct page_preds {
    struct tl_prediction *v;
    size_t n, cap;
};

static void page_free(struct page_task *t, size_t nt, struct tl_export_annotation *an, size_t na,
                      struct page_preds *pp) {
    for (size_t i = 0; i < nt; i++) {
        free(t[i].data);
        free(t[i].gold);
        free(t[i].agg);
    }
    for (size_t i = 0; i < na; i++) {
        free((char *)an[i].result);
        free((char *)an[i].source);
    }
    for (size_t i = 0; i < pp->n; i++)
        tl_prediction_release(&pp->v[i]);
    free(pp->v);
    free(t);
    free(an);
}

/* The page's predictions, attached to its tasks (both in pk order). */
static int page_predictions(struct sq_conn *c, const struct tl_project *p,
                            struct page_task *tasks, size_t nt, struct page_preds *pp) {
    sqlite3_stmt *st = sq_stmt(c, Q_EXPORT_PREDS);
    if (!st)
        return TL_EINTERNAL;
    sqlite3_bind_int64(st, 1, tasks[0].pk);
    sqlite3_bind_int64(st, 2, tasks[nt - 1].pk);
    sqlite3_bind_int64(st, 3, p->pk);
    size_t ti = 0;
    int rc = 0;
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        int64_t task_pk = sqlite3_column_int64(st, 0);
        while (ti < nt && tasks[ti].pk < task_pk)
            ti++;
        if (ti == nt || tasks[ti].pk != task_pk)
            continue;
        if (pp->n == pp->cap) {
            size_t cap = pp->cap ? pp->cap * 2 : 64;
            struct tl_prediction *grown = realloc(pp->v, cap * sizeof *grown);
            if (!grown) {
                rc = TL_ENOMEM;
                break;
            }
            pp->v = grown;
            pp->cap = cap;
        }
        rc = read_prediction(st, 1, &pp->v[pp->n]);
        if (rc)
            break;
        if (tasks[ti].n_pred++ == 0)
            tasks[ti].first_pred = pp->n;
        pp->n++;
    }
    sqlite3_reset(st);
    return rc;
}

/* quality (infer helper): keep one task's aggregate with the page. */
static int page_aggregate(void *ctx, size_t i, const char *method, const char *result,
                          size_t result_len, const char *confidence, size_t confidence_len) {
    struct page_task *t = &((struct page_task *)ctx)[i];
    size_t m_len = strlen(method);
    t->agg = malloc(m_len + result_len + confidence_len + 3);
    if (!t->agg)
        return TL_ENOMEM;
    memcpy(t->agg, method, m_len + 1);
    memcpy(t->agg + m_len + 1, result, result_len);
    t->agg[m_len + 1 + result_len] = '\0';
    memcpy(t->agg + m_len + 2 + result_len, confidence, confidence_len);
    t->agg[m_len + 2 + result_len + confidence_len] = '\0';
    t->agg_result_len = result_len;
    t->agg_confidence_len = confidence_len;
    return 0;
}

static int page_aggregates(struct sq_conn *c, const struct tl_project *p,
                           struct page_task *tasks, size_t nt) {
    int64_t *pks = malloc(nt * sizeof *pks);
    if (!pks)
        return TL_ENOMEM;
    for (size_t i = 0; i < nt; i++)
        pks[i] = tasks[i].pk;
    int rc = sq_agg_export_page(c, p->pk, pks, nt, page_aggregate, tasks);
    free(pks);
    return rc;
}

static int sq_export_page(struct tl_store *s, const struct tl_scope *sc,
                          const struct tl_project *p, int64_t *cursor, size_t limit,
                          size_t max_bytes, tl_export_fn fn, void *ctx, bool *done) {
    *done = false;
    struct page_task *tasks = calloc(limit ? limit : 1, sizeof *tasks);
    if (!tasks)
        return TL_ENOMEM;
    struct tl_export_annotation *an = NULL;
    size_t nt = 0, na = 0, an_cap = 0;
    struct page_preds pp = {0};
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc) {
        free(tasks);
        return rc;
    }
    /* Both queries in one read transaction: a task and its annotations are
     * seen at the same instant. */
    sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL);
    sqlite3_stmt *st = sq_stmt(c, Q_GOLD_EXPORT_TASKS);
    sqlite3_bind_int64(st, 1, p->pk);
    sqlite3_bind_int64(st, 2, *cursor);
    sqlite3_bind_int64(st, 3, (int64_t)limit);
    sqlite3_bind_int64(st, 4, sc->tenant_pk);
    /* A page is bounded by bytes too: 256 tasks of a few MiB each would
     * otherwise be held at once (the export stopped after its header). */
    size_t page_bytes = 0;
    bool is_last = false;
    while (!rc && nt < limit && (nt == 0 || page_bytes < max_bytes)) {
        int step = sqlite3_step(st);
        if (step != SQLITE_ROW) {
            is_last = step == SQLITE_DONE;
            rc = is_last ? 0 : sq_err(step);
            break;
        }
        struct page_task *t = &tasks[nt];
        t->pk = sqlite3_column_int64(st, 0);
        copy_col(st, 1, t->id, sizeof t->id);
        t->data = dup_col(st, 2);
        t->data_len = (size_t)sqlite3_column_bytes(st, 2);
        page_bytes += t->data_len;
        rc = t->data ? 0 : TL_ENOMEM;
        if (!rc && sqlite3_column_type(st, 3) != SQLITE_NULL) {
            t->gold = dup_col(st, 3);
            t->gold_len = (size_t)sqlite3_column_bytes(st, 3);
            rc = t->gold ? 0 : TL_ENOMEM;
        }
        nt++;
    }
    sqlite3_reset(st);
    if (!rc && nt > 0) {
        st = sq_stmt(c, Q_GOLD_EXPORT_ANNOTS);
        sqlite3_bind_int64(st, 1, tasks[0].pk);
        sqlite3_bind_int64(st, 2, tasks[nt - 1].pk);
        sqlite3_bind_int64(st, 3, p->pk);
        size_t ti = 0;
        while (!rc && sqlite3_step(st) == SQLITE_ROW) {
            int64_t task_pk = sqlite3_column_int64(st, 0);
            while (ti < nt && tasks[ti].pk < task_pk)
                ti++;
            if (ti == nt || tasks[ti].pk != task_pk)
                continue;
            if (na == an_cap) {
                an_cap = an_cap ? an_cap * 2 : 64;
                struct tl_export_annotation *grown = realloc(an, an_cap * sizeof *an);
                if (!grown) {
                    rc = TL_ENOMEM;
                    break;
                }
                an = grown;
            }
            struct tl_export_annotation *x = &an[na];
            /* columns: task_pk, kind, pk, id, annotator id, result, time, source */
            memset(x, 0, sizeof *x);
            copy_col(st, 3, x->id, sizeof x->id);
            copy_col(st, 4, x->annotator_id, sizeof x->annotator_id);
            x->result = dup_col(st, 5);
            x->result_len = (size_t)sqlite3_column_bytes(st, 5);
            x->created_at_ms = sqlite3_column_int64(st, 6);
            bool has_source = sqlite3_column_type(st, 7) != SQLITE_NULL;
            x->source = has_source ? dup_col(st, 7) : NULL;
            x->has_gold_score = sqlite3_column_type(st, 8) != SQLITE_NULL;
            x->gold_score = x->has_gold_score ? sqlite3_column_double(st, 8) : 0;
            na++; /* page_free frees what x holds, even on failure */
            if (!x->result || (has_source && !x->source)) {
                rc = TL_ENOMEM;
                break;
            }
            if (tasks[ti].n_annot++ == 0)
                tasks[ti].first_annot = na - 1;
        }
        sqlite3_reset(st);
    }
    if (!rc && nt > 0)
        rc = page_predictions(c, p, tasks, nt, &pp);
    if (!rc && nt > 0) /* quality (infer helper): the same snapshot's aggregates */
        rc = page_aggregates(c, p, tasks, nt);
    sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
    sq_reader_put(SQ(s), c);

    for (size_t i = 0; i < nt && !rc; i++) {
        struct tl_export_task et = {.data = tasks[i].data,
                                    .data_len = tasks[i].data_len,
                                    .annotations = tasks[i].n_annot ? &an[tasks[i].first_annot]
                                                                    : NULL,
                                    .n_annotations = tasks[i].n_annot,
                                    .predictions = tasks[i].n_pred ? &pp.v[tasks[i].first_pred]
                                                                   : NULL,
                                    .n_predictions = tasks[i].n_pred,
                                    .gold = tasks[i].gold,
                                    .gold_len = tasks[i].gold_len};
        memcpy(et.id, tasks[i].id, sizeof et.id);
        if (tasks[i].agg) { /* quality (infer helper) */
            et.agg_method = tasks[i].agg;
            et.agg_result = et.agg_method + strlen(et.agg_method) + 1;
            et.agg_result_len = tasks[i].agg_result_len;
            et.agg_confidence = et.agg_result + et.agg_result_len + 1;
            et.agg_confidence_len = tasks[i].agg_confidence_len;
        }
        rc = fn(ctx, &et);
        if (!rc)
            *cursor = tasks[i].pk;
        free(tasks[i].data); /* a huge task is not kept while the next is written */
        tasks[i].data = NULL;
        free(tasks[i].gold);
        tasks[i].gold = NULL;
    }
    if (!rc && is_last)
        *done = true;
    page_free(tasks, nt, an, na, &pp);
    return rc;
}

/* ---- media files ---- */

struct file_arg {
    const struct tl_scope *sc;
    const struct tl_project *p;
    struct tl_file *f;
};

static int w_file_create(struct sq_store *s, struct sq_conn *w, void *arg) {
    struct file_arg *a = arg;
    sqlite3_stmt *st = sq_stmt(w, Q_FILE_INSERT);
    if (!st)
        return TL_EIO;
    a->f->created_at_ms = tl_clock_ms();
    sqlite3_bind_text(st, 1, a->f->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, a->sc->tenant_pk);
    sqlite3_bind_int64(st, 3, a->p->pk);
    sqlite3_bind_text(st, 4, a->f->content_type, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, a->f->size);
    sqlite3_bind_int64(st, 6, a->f->created_at_ms);
    int rc = sq_exec(st);
    if (!rc && sqlite3_changes(w->db) == 0)
        rc = TL_ENOTFOUND; /* not a project of the caller's tenant */
    return rc;
}

static int sq_file_create(struct tl_store *s, const struct tl_scope *sc,
                          const struct tl_project *p, struct tl_file *f) {
    if (sc->tenant_pk == 0)
        return TL_ENOTFOUND; /* files belong to a tenant's project */
    struct file_arg a = {sc, p, f};
    return sq_write(SQ(s), w_file_create, &a);
}

static int sq_file_get(struct tl_store *s, const struct tl_filter *f, const struct tl_project *p,
                       const char *id, struct tl_file *out) {
    if (!f->tenant_pk && !f->member_pk)
        return TL_ENOTFOUND; /* reaches nothing */
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    sqlite3_stmt *st = sq_stmt(c, Q_FILE_GET);
    rc = st ? TL_ENOTFOUND : TL_EIO;
    if (st) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, p->pk);
        sqlite3_bind_int64(st, 3, f->tenant_pk);
        if (sqlite3_step(st) == SQLITE_ROW) {
            memset(out, 0, sizeof *out);
            copy_col(st, 0, out->id, sizeof out->id);
            copy_col(st, 1, out->content_type, sizeof out->content_type);
            out->size = sqlite3_column_int64(st, 2);
            out->created_at_ms = sqlite3_column_int64(st, 3);
            rc = 0;
        }
        sqlite3_reset(st);
    }
    sq_reader_put(SQ(s), c);
    return rc;
}

void sq_copy_col(sqlite3_stmt *st, int i, char *dst, size_t cap) {
    copy_col(st, i, dst, cap);
}

char *sq_dup_col(sqlite3_stmt *st, int i) {
    return dup_col(st, i);
}

int sq_read_project(sqlite3_stmt *st, struct tl_project *p) {
    return read_project(st, p);
}

static const unsigned char *sq_secret(const struct tl_store *s) {
    return ((const struct sq_store *)s)->secret;
}

const struct tl_store_vtab sq_vtab = {
    .close = sq_store_close,
    .secret = sq_secret,
    .tenant_create = sq_tenant_create,
    .tenant_find = sq_tenant_find,
    .user_create = sq_user_create,
    .user_find = sq_user_find,
    .token_create = sq_token_create,
    .session_create = sq_session_create,
    .token_scope = sq_token_scope,
    .project_create = sq_project_create,
    .project_get = sq_project_get,
    .project_get_admin = sq_project_get_admin,
    .project_list = sq_project_list,
    .member_add = sq_member_add,
    .member_role = sq_member_role,
    .tasks_import = sq_tasks_import,
    .import_stage = sq_import_stage,
    .import_commit = sq_import_commit,
    .import_clear = sq_import_clear,
    .task_project = sq_task_project,
    .task_data = sq_task_data,
    .lease_claim = sq_lease_claim,
    .annotation_submit = sq_annotation_submit,
    .lease_claim_async = sq_lease_claim_async,
    .annotation_submit_async = sq_annotation_submit_async,
    .export_page = sq_export_page,
    .file_create = sq_file_create,
    .file_get = sq_file_get,
    .tenant_list = sq_tenant_list,
    .tenant_get = sq_tenant_get,
    .user_list = sq_user_list,
    .user_get = sq_user_get,
    .user_update = sq_user_update,
    .member_projects = sq_member_projects,
    .token_add = sq_token_add,
    .token_list = sq_token_list,
    .token_revoke = sq_token_revoke,
    .token_revoke_hash = sq_token_revoke_hash,
    .project_stats = sq_project_stats,
    .my_stats = sq_my_stats,
    SQ_LIFECYCLE_OPS,
    SQ_AGG_OPS, /* quality: aggregates (infer helper) */
    .webhook_create = sq_webhook_create,
    .webhook_list = sq_webhook_list,
    .webhook_delete = sq_webhook_delete,
    .webhook_deliveries = sq_webhook_deliveries,
    .webhook_due = sq_webhook_due,
    .webhook_record = sq_webhook_record,
    SQ_GOLD_OPS,
    SQ_REVIEW_OPS, /* quality: review (review.c) */
    /* quality: workers (workers.c) */
    SQ_WORKERS_OPS,
};
