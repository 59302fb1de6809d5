/* webhooks.c: the SQLite backend's webhook calls and the outbox writes of
 * an annotation submit (db.h). The outbox is webhook_deliveries: one row per
 * (webhook, event), written in the event's own transaction, then updated by
 * the delivery thread after each attempt. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "store/sqlite/db.h"

#define SQ(base) ((struct sq_store *)(base))

static void copy_text(sqlite3_stmt *st, int i, char *dst, size_t cap) {
    const unsigned char *t = sqlite3_column_text(st, i);
    size_t n = t ? (size_t)sqlite3_column_bytes(st, i) : 0;
    if (n >= cap)
        n = cap - 1;
    if (n)
        memcpy(dst, t, n);
    dst[n] = '\0';
}

/* The end of a list read: give c back; v (n rows) for the caller, or
 * freed (NULL, n 0) after an error rc. */
static void *list_done(struct sq_store *s, struct sq_conn *c, int rc, void *v, size_t *n) {
    sq_reader_put(s, c);
    if (rc) {
        free(v);
        *n = 0;
        return NULL;
    }
    return v;
}

int sq_webhook_open(struct sq_store *s) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->writer.db, "SELECT 1 FROM webhooks LIMIT 1", -1, &st, NULL))
        return TL_EIO;
    s->has_webhooks = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return 0;
}

/* ---- the outbox, inside a submit's transaction ---- */

/* One outbox row for webhook hook_pk. The payload names only ids and a
 * time, whose characters need no JSON escaping. */
static int outbox_insert(struct sq_conn *w, int64_t hook_pk, unsigned event, const char *project_id,
                         const char *task_id, const char *annotation_id, int64_t now_ms) {
    tl_id id;
    char created[32], payload[512];
    tl_id_new(id);
    tl_clock_rfc3339(now_ms, created);
    int len;
    if (event == TL_HOOK_PROJECT_COMPLETED)
        len = snprintf(payload, sizeof payload,
                       "{\"event\":\"%s\",\"delivery_id\":\"%s\",\"project_id\":\"%s\","
                       "\"created_at\":\"%s\"}",
                       tl_hook_event_name(event), id, project_id, created);
    else
        len = snprintf(payload, sizeof payload,
                       "{\"event\":\"%s\",\"delivery_id\":\"%s\",\"project_id\":\"%s\","
                       "\"task_id\":\"%s\",\"annotation_id\":\"%s\",\"created_at\":\"%s\"}",
                       tl_hook_event_name(event), id, project_id, task_id, annotation_id, created);
    if (len < 0 || (size_t)len >= sizeof payload)
        return TL_EINTERNAL;
    sqlite3_stmt *st = sq_stmt(w, Q_HOOK_OUTBOX);
    if (!st)
        return TL_EIO;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, hook_pk);
    sqlite3_bind_text(st, 3, tl_hook_event_name(event), -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, payload, len, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 5, now_ms);
    return sq_exec(st);
}

/* The outbox rows of what happened (annotation.created when is_created,
 * task.completed when is_task_completed, and project.completed when that
 * left no open task) for p's webhooks that want them. */
static int on_events(struct sq_conn *w, int64_t project_pk, const char *project_id,
                     const char *task_id, const char *annotation_id, bool is_created,
                     bool is_task_completed, int64_t now_ms) {
    struct {
        int64_t pk;
        unsigned events;
    } hooks[TL_WEBHOOK_MAX_PER_PROJECT];
    size_t n = 0;
    unsigned wanted = 0;
    sqlite3_stmt *st = sq_stmt(w, Q_HOOK_OF_PROJECT);
    if (!st)
        return TL_EIO;
    sqlite3_bind_int64(st, 1, project_pk);
    while (n < TL_WEBHOOK_MAX_PER_PROJECT && sqlite3_step(st) == SQLITE_ROW) {
        hooks[n].pk = sqlite3_column_int64(st, 0);
        hooks[n].events = (unsigned)sqlite3_column_int(st, 1);
        wanted |= hooks[n++].events;
    }
    sqlite3_reset(st);
    if (!n)
        return 0;
    unsigned happened = is_created ? TL_HOOK_ANNOTATION_CREATED : 0;
    if (is_task_completed)
        happened |= TL_HOOK_TASK_COMPLETED;
    /* The project is complete when this submit completed its last open
     * task: the counters were bumped above in the same transaction. */
    if (is_task_completed && (wanted & TL_HOOK_PROJECT_COMPLETED)) {
        st = sq_stmt(w, Q_HOOK_PROJECT_LEFT);
        if (!st)
            return TL_EIO;
        sqlite3_bind_int64(st, 1, project_pk);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) <= 0)
            happened |= TL_HOOK_PROJECT_COMPLETED;
        sqlite3_reset(st);
    }
    for (unsigned ev = 1; ev <= TL_HOOK_PROJECT_COMPLETED; ev <<= 1) {
        if (!(happened & ev))
            continue;
        for (size_t i = 0; i < n; i++) {
            if (!(hooks[i].events & ev))
                continue;
            int rc = outbox_insert(w, hooks[i].pk, ev, project_id, task_id, annotation_id, now_ms);
            if (rc)
                return rc;
        }
    }
    return 0;
}

int sq_webhook_on_submit(struct sq_store *s, struct sq_conn *w, int64_t project_pk,
                         const char *project_id, const char *task_id, const char *annotation_id,
                         bool is_task_completed, int64_t now_ms) {
    if (!s->has_webhooks)
        return 0; /* the labeling path's fast path: no query at all */
    return on_events(w, project_pk, project_id, task_id, annotation_id, true, is_task_completed,
                     now_ms);
}

int sq_webhook_on_completed(struct sq_store *s, struct sq_conn *w, int64_t project_pk,
                            const char *project_id, int64_t task_pk, const char *annotation_id,
                            int64_t now_ms) {
    if (!s->has_webhooks)
        return 0;
    sqlite3_stmt *st = sq_stmt(w, Q_HOOK_TASK_ID);
    if (!st)
        return TL_EIO;
    sqlite3_bind_int64(st, 1, task_pk);
    char task_id[TL_ID_LEN + 1] = "";
    int rc = sq_row(st);
    if (!rc)
        sq_copy_col(st, 0, task_id, sizeof task_id);
    sqlite3_reset(st);
    return rc ? rc
              : on_events(w, project_pk, project_id, task_id, annotation_id, false, true, now_ms);
}

/* ---- the API's calls ---- */

struct create_arg {
    const struct tl_scope *sc;
    const struct tl_project *p;
    struct tl_webhook *h;
};

static int w_webhook_create(struct sq_store *s, struct sq_conn *w, void *arg) {
    struct create_arg *a = arg;
    sqlite3_stmt *st = sq_stmt(w, Q_HOOK_COUNT);
    if (!st)
        return TL_EIO;
    sqlite3_bind_int64(st, 1, a->p->pk);
    int64_t count = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (count >= TL_WEBHOOK_MAX_PER_PROJECT)
        return TL_ECONFLICT;
    st = sq_stmt(w, Q_HOOK_INSERT);
    if (!st)
        return TL_EIO;
    tl_id_new(a->h->id);
    a->h->created_at_ms = tl_clock_ms();
    sqlite3_bind_text(st, 1, a->h->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, a->sc->tenant_pk);
    sqlite3_bind_int64(st, 3, a->p->pk);
    sqlite3_bind_text(st, 4, a->h->url, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, a->h->secret, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 6, (int)a->h->events);
    sqlite3_bind_int64(st, 7, a->h->created_at_ms);
    int rc = sq_exec(st);
    if (!rc && sqlite3_changes(w->db) == 0)
        rc = TL_ENOTFOUND; /* not a project of the caller's tenant */
    if (!rc)
        s->has_webhooks = true;
    return rc;
}

int sq_webhook_create(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                      struct tl_webhook *h) {
    if (sc->tenant_pk == 0)
        return TL_ENOTFOUND;
    struct create_arg a = {sc, p, h};
    return sq_write(SQ(s), w_webhook_create, &a);
}

int sq_webhook_list(struct tl_store *s, const struct tl_project *p, struct tl_webhook **out,
                    size_t *n) {
    *out = NULL;
    *n = 0;
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    sqlite3_stmt *st = sq_stmt(c, Q_HOOK_LIST);
    struct tl_webhook *v = calloc(TL_WEBHOOK_MAX_PER_PROJECT, sizeof *v);
    rc = st && v ? 0 : st ? TL_ENOMEM : TL_EIO;
    if (!rc) {
        sqlite3_bind_int64(st, 1, p->pk);
        while (*n < TL_WEBHOOK_MAX_PER_PROJECT && sqlite3_step(st) == SQLITE_ROW) {
            struct tl_webhook *h = &v[(*n)++];
            copy_text(st, 0, h->id, sizeof h->id);
            copy_text(st, 1, h->url, sizeof h->url);
            h->events = (unsigned)sqlite3_column_int(st, 2);
            h->created_at_ms = sqlite3_column_int64(st, 3);
        }
        sqlite3_reset(st);
    }
    *out = list_done(SQ(s), c, rc, v, n);
    return rc;
}

/* The pk of webhook id of project p: 0 or TL_ENOTFOUND. */
static int hook_pk(struct sq_conn *c, const struct tl_project *p, const char *id, int64_t *pk) {
    sqlite3_stmt *st = sq_stmt(c, Q_HOOK_PK);
    if (!st)
        return TL_EIO;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, p->pk);
    int rc = TL_ENOTFOUND;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *pk = sqlite3_column_int64(st, 0);
        rc = 0;
    }
    sqlite3_reset(st);
    return rc;
}

struct delete_arg {
    const struct tl_project *p;
    const char *id;
};

static int w_webhook_delete(struct sq_store *s, struct sq_conn *w, void *arg) {
    struct delete_arg *a = arg;
    int64_t pk;
    int rc = hook_pk(w, a->p, a->id, &pk);
    if (rc)
        return rc;
    sqlite3_stmt *st = sq_stmt(w, Q_HOOK_DELETE_LOG);
    if (!st)
        return TL_EIO;
    sqlite3_bind_int64(st, 1, pk);
    if ((rc = sq_exec(st)))
        return rc;
    st = sq_stmt(w, Q_HOOK_DELETE);
    if (!st)
        return TL_EIO;
    sqlite3_bind_int64(st, 1, pk);
    return sq_exec(st);
}

int sq_webhook_delete(struct tl_store *s, const struct tl_project *p, const char *id) {
    struct delete_arg a = {p, id};
    return sq_write(SQ(s), w_webhook_delete, &a);
}

int sq_webhook_deliveries(struct tl_store *s, const struct tl_project *p, const char *id,
                          size_t limit, struct tl_webhook_delivery **out, size_t *n) {
    *out = NULL;
    *n = 0;
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    int64_t pk = 0;
    struct tl_webhook_delivery *v = NULL;
    rc = hook_pk(c, p, id, &pk);
    sqlite3_stmt *st = rc ? NULL : sq_stmt(c, Q_HOOK_LOG);
    if (!rc && !st)
        rc = TL_EIO;
    if (!rc && !(v = calloc(limit ? limit : 1, sizeof *v)))
        rc = TL_ENOMEM;
    if (!rc) {
        sqlite3_bind_int64(st, 1, pk);
        sqlite3_bind_int64(st, 2, (int64_t)limit);
        while (*n < limit && sqlite3_step(st) == SQLITE_ROW) {
            struct tl_webhook_delivery *d = &v[(*n)++];
            copy_text(st, 0, d->id, sizeof d->id);
            copy_text(st, 1, d->event, sizeof d->event);
            d->status = sqlite3_column_int(st, 2);
            d->attempts = sqlite3_column_int(st, 3);
            d->last_http_status = sqlite3_column_int(st, 4);
            copy_text(st, 5, d->last_error, sizeof d->last_error);
            d->created_at_ms = sqlite3_column_int64(st, 6);
            d->delivered_at_ms = sqlite3_column_int64(st, 7);
            d->next_attempt_at_ms = sqlite3_column_int64(st, 8);
        }
        sqlite3_reset(st);
    }
    *out = list_done(SQ(s), c, rc, v, n);
    return rc;
}

/* ---- the delivery thread's calls ---- */

int sq_webhook_due(struct tl_store *s, int64_t now_ms, bool is_all, size_t max,
                   struct tl_webhook_job **out, size_t *n) {
    *out = NULL;
    *n = 0;
    struct sq_conn *c;
    int rc = sq_reader_get(SQ(s), &c);
    if (rc)
        return rc;
    sqlite3_stmt *st = sq_stmt(c, Q_HOOK_DUE);
    struct tl_webhook_job *v = calloc(max ? max : 1, sizeof *v);
    rc = st && v ? 0 : st ? TL_ENOMEM : TL_EIO;
    if (!rc) {
        sqlite3_bind_int64(st, 1, now_ms);
        sqlite3_bind_int(st, 2, is_all ? 1 : 0);
        sqlite3_bind_int64(st, 3, (int64_t)max);
        while (!rc && *n < max && sqlite3_step(st) == SQLITE_ROW) {
            struct tl_webhook_job *j = &v[*n];
            j->pk = sqlite3_column_int64(st, 0);
            copy_text(st, 1, j->id, sizeof j->id);
            j->attempts = sqlite3_column_int(st, 2);
            copy_text(st, 3, j->url, sizeof j->url);
            copy_text(st, 4, j->secret, sizeof j->secret);
            copy_text(st, 5, j->event, sizeof j->event);
            j->payload_len = (size_t)sqlite3_column_bytes(st, 6);
            j->payload = malloc(j->payload_len + 1);
            if (!j->payload) {
                rc = TL_ENOMEM;
                break;
            }
            if (j->payload_len)
                memcpy(j->payload, sqlite3_column_blob(st, 6), j->payload_len);
            j->payload[j->payload_len] = '\0';
            (*n)++;
        }
        sqlite3_reset(st);
    }
    for (size_t i = 0; rc && v && i < *n; i++)
        tl_webhook_job_release(&v[i]);
    *out = list_done(SQ(s), c, rc, v, n);
    return rc;
}

struct record_arg {
    int64_t pk;
    const struct tl_webhook_attempt *a;
};

static int w_webhook_record(struct sq_store *s, struct sq_conn *w, void *arg) {
    struct record_arg *r = arg;
    const struct tl_webhook_attempt *a = r->a;
    sqlite3_stmt *st = sq_stmt(w, Q_HOOK_RECORD);
    if (!st)
        return TL_EIO;
    sqlite3_bind_int64(st, 1, r->pk);
    sqlite3_bind_int(st, 2, a->status);
    sqlite3_bind_int(st, 3, a->attempts);
    sqlite3_bind_int(st, 4, a->http_status);
    if (a->error && *a->error)
        sqlite3_bind_text(st, 5, a->error, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, a->next_at_ms);
    if (a->delivered_at_ms)
        sqlite3_bind_int64(st, 7, a->delivered_at_ms);
    int rc = sq_exec(st);
    if (rc || a->status == TL_DELIVERY_PENDING)
        return rc;
    st = sq_stmt(w, Q_HOOK_PRUNE);
    if (!st)
        return TL_EIO;
    sqlite3_bind_int64(st, 1, r->pk);
    sqlite3_bind_int(st, 2, TL_WEBHOOK_LOG_KEEP);
    return sq_exec(st);
}

int sq_webhook_record(struct tl_store *s, int64_t pk, const struct tl_webhook_attempt *a) {
    struct record_arg r = {pk, a};
    return sq_write(SQ(s), w_webhook_record, &r);
}
