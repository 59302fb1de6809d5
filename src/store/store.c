/* store.c: the backend-independent half of the store: role names, struct
 * release helpers, and forwarding of each call to the backend's vtab. */
#include "store/backend.h"

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const role_names[] = {
    [TL_ROLE_NONE] = "none",         [TL_ROLE_OWNER] = "owner",
    [TL_ROLE_ADMIN] = "admin",       [TL_ROLE_MANAGER] = "manager",
    [TL_ROLE_REVIEWER] = "reviewer", [TL_ROLE_VIEWER] = "viewer",
    [TL_ROLE_ANNOTATOR] = "annotator",
};

enum tl_role tl_role_parse(const char *s) {
    for (int r = TL_ROLE_OWNER; r <= TL_ROLE_ANNOTATOR; r++)
        if (s && !strcmp(s, role_names[r]))
            return (enum tl_role)r;
    return TL_ROLE_NONE;
}

const char *tl_role_name(enum tl_role r) {
    return (r >= TL_ROLE_NONE && r <= TL_ROLE_ANNOTATOR) ? role_names[r] : "none";
}

void tl_project_release(struct tl_project *p) {
    free(p->name);
    free(p->schema_json);
    free(p->instructions);
    p->name = p->schema_json = p->instructions = NULL;
}

void tl_annotation_release(struct tl_annotation *a) {
    free(a->result);
    a->result = NULL;
}

void tl_task_item_release(struct tl_task_item *t) {
    free(t->data);
    t->data = NULL;
}

void tl_quality_defaults(struct tl_quality_settings *q) {
    memset(q, 0, sizeof *q);
    snprintf(q->method, sizeof q->method, "auto");
    q->gold_threshold = TL_GOLD_THRESHOLD_CHANCE;
}

void tl_lease_release(struct tl_lease *l) {
    free(l->task_data);
    l->task_data = NULL;
    for (size_t i = 0; i < l->n_predictions; i++)
        tl_prediction_release(&l->predictions[i]);
    free(l->predictions);
    l->predictions = NULL;
    l->n_predictions = 0;
}

void tl_store_close(struct tl_store *s) {
    if (s)
        s->vt->close(s);
}

const unsigned char *tl_store_secret(const struct tl_store *s) {
    return s->vt->secret(s);
}

int tl_store_tenant_create(struct tl_store *s, const char *name, tl_id out_id) {
    return s->vt->tenant_create(s, name, out_id);
}

int tl_store_tenant_find(struct tl_store *s, const char *name, tl_id out_id) {
    return s->vt->tenant_find(s, name, out_id);
}

int tl_store_user_create(struct tl_store *s, struct tl_user *u) {
    return s->vt->user_create(s, u);
}

int tl_store_user_find(struct tl_store *s, const char *email, struct tl_user *out) {
    return s->vt->user_find(s, email, out);
}

int tl_store_token_create(struct tl_store *s, int64_t user_pk, const char *token_hash,
                          int64_t expires_at_ms) {
    return s->vt->token_create(s, user_pk, token_hash, expires_at_ms);
}

int tl_store_session_create(struct tl_store *s, int64_t user_pk, const char *token_hash,
                            int64_t expires_at_ms) {
    return s->vt->session_create(s, user_pk, token_hash, expires_at_ms);
}

int tl_store_token_scope(struct tl_store *s, const char *token_hash, int64_t now_ms,
                         struct tl_scope *out) {
    return s->vt->token_scope(s, token_hash, now_ms, out);
}

int tl_store_project_create(struct tl_store *s, const struct tl_scope *sc, struct tl_project *p) {
    return s->vt->project_create(s, sc, p);
}

int tl_store_project_get(struct tl_store *s, const struct tl_filter *f, const char *id,
                         struct tl_project *out) {
    return s->vt->project_get(s, f, id, out);
}

int tl_store_project_get_admin(struct tl_store *s, const char *id, struct tl_project *out,
                               struct tl_scope *tenant) {
    return s->vt->project_get_admin(s, id, out, tenant);
}

int tl_store_project_list(struct tl_store *s, const struct tl_filter *f, struct tl_project **out,
                          size_t *n) {
    return s->vt->project_list(s, f, out, n);
}

int tl_store_member_add(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                        const char *email, enum tl_role role, tl_id out_user_id) {
    return s->vt->member_add(s, sc, p, email, role, out_user_id);
}

int tl_store_member_role(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                         enum tl_role *role) {
    return s->vt->member_role(s, sc, p, role);
}

int tl_store_tasks_import(struct tl_store *s, const struct tl_scope *sc,
                          const struct tl_project *p, const struct tl_blob *items, size_t n) {
    return s->vt->tasks_import(s, sc, p, items, n);
}

int tl_store_task_project(struct tl_store *s, const struct tl_filter *f, const char *task_id,
                          struct tl_project *out) {
    return s->vt->task_project(s, f, task_id, out);
}

int tl_store_task_data(struct tl_store *s, const struct tl_project *p, const char *task_id,
                       char **data, size_t *len) {
    return s->vt->task_data(s, p, task_id, data, len);
}

int tl_store_lease_claim(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                         int64_t now_ms, struct tl_lease *out) {
    return s->vt->lease_claim(s, sc, p, now_ms, out);
}

int tl_store_annotation_submit(struct tl_store *s, const struct tl_scope *sc,
                               const struct tl_project *p, const char *task_id,
                               const char *lease_id, const char *result, size_t result_len,
                               int64_t now_ms, tl_id out_id) {
    return s->vt->annotation_submit(s, sc, p, task_id, lease_id, result, result_len, now_ms,
                                    out_id);
}

int tl_store_lease_claim_async(struct tl_store *s, const struct tl_scope *sc,
                               const struct tl_project *p, int64_t now_ms, struct tl_lease *out,
                               tl_store_done_fn done, void *cb_arg) {
    return s->vt->lease_claim_async(s, sc, p, now_ms, out, done, cb_arg);
}

int tl_store_annotation_submit_async(struct tl_store *s, const struct tl_scope *sc,
                                     const struct tl_project *p, const char *task_id,
                                     const char *lease_id, const char *result,
                                     size_t result_len, int64_t now_ms, char *out_id,
                                     tl_store_done_fn done, void *cb_arg) {
    return s->vt->annotation_submit_async(s, sc, p, task_id, lease_id, result, result_len,
                                          now_ms, out_id, done, cb_arg);
}

int64_t tl_store_import_id(void) {
    int64_t id;
    randombytes_buf(&id, sizeof id);
    return id & INT64_MAX;
}

int tl_store_import_stage(struct tl_store *s, const struct tl_scope *sc,
                          const struct tl_project *p, int64_t import_id,
                          const struct tl_blob *items, size_t n,
                          const struct tl_prediction_in *preds, size_t n_preds,
                          tl_store_done_fn done, void *cb_arg) {
    return s->vt->import_stage(s, sc, p, import_id, items, n, preds, n_preds, done, cb_arg);
}

int tl_store_import_commit(struct tl_store *s, const struct tl_scope *sc,
                           const struct tl_project *p, int64_t import_id, size_t n_staged,
                           const struct tl_blob *items, size_t n,
                           const struct tl_prediction_in *preds, size_t n_preds,
                           tl_store_done_fn done, void *cb_arg) {
    return s->vt->import_commit(s, sc, p, import_id, n_staged, items, n, preds, n_preds, done,
                                cb_arg);
}

void tl_store_import_clear(struct tl_store *s, const struct tl_scope *sc,
                           const struct tl_project *p, int64_t import_id) {
    s->vt->import_clear(s, sc, p, import_id);
}

int tl_store_export_page(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                         int64_t *cursor, size_t limit, size_t max_bytes, tl_export_fn fn,
                         void *ctx, bool *done) {
    return s->vt->export_page(s, sc, p, cursor, limit, max_bytes, fn, ctx, done);
}

int tl_store_file_create(struct tl_store *s, const struct tl_scope *sc,
                         const struct tl_project *p, struct tl_file *f) {
    return s->vt->file_create(s, sc, p, f);
}

int tl_store_file_get(struct tl_store *s, const struct tl_filter *f, const struct tl_project *p,
                      const char *id, struct tl_file *out) {
    return s->vt->file_get(s, f, p, id, out);
}

int tl_store_project_update(struct tl_store *s, const struct tl_scope *sc,
                            const struct tl_project *p) {
    return s->vt->project_update(s, sc, p);
}

int tl_store_project_delete(struct tl_store *s, const struct tl_scope *sc,
                            const struct tl_project *p) {
    return s->vt->project_delete(s, sc, p);
}

int tl_store_file_ids(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                      void (*fn)(void *ctx, const char *id), void *ctx) {
    return s->vt->file_ids(s, sc, p, fn, ctx);
}

int tl_store_task_list(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                       enum tl_task_state state, size_t limit, int64_t *cursor,
                       struct tl_task_item **out, size_t *n) {
    return s->vt->task_list(s, sc, p, state, limit, cursor, out, n);
}

int tl_store_task_get(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                      const char *task_id, struct tl_task_item *out, tl_export_fn fn,
                      void *ctx) {
    return s->vt->task_get(s, sc, p, task_id, out, fn, ctx);
}

int tl_store_tasks_delete(struct tl_store *s, const struct tl_scope *sc,
                          const struct tl_project *p, const char *const *ids, size_t n,
                          int64_t *deleted) {
    return s->vt->tasks_delete(s, sc, p, ids, n, deleted);
}

int tl_store_member_list(struct tl_store *s, const struct tl_scope *sc,
                         const struct tl_project *p, int64_t now_ms, struct tl_member **out,
                         size_t *n) {
    return s->vt->member_list(s, sc, p, now_ms, out, n);
}

int tl_store_member_set_role(struct tl_store *s, const struct tl_scope *sc,
                             const struct tl_project *p, const char *user_id, enum tl_role role) {
    return s->vt->member_set_role(s, sc, p, user_id, role);
}

int tl_store_member_remove(struct tl_store *s, const struct tl_scope *sc,
                           const struct tl_project *p, const char *user_id) {
    return s->vt->member_remove(s, sc, p, user_id);
}

int tl_store_object_project(struct tl_store *s, const struct tl_filter *f, enum tl_store_obj kind,
                            const char *id, struct tl_project *out) {
    return s->vt->object_project(s, f, kind, id, out);
}

int tl_store_lease_release(struct tl_store *s, const struct tl_scope *sc,
                           const struct tl_project *p, const char *lease_id, const char *reason,
                           int64_t now_ms) {
    return s->vt->lease_release(s, sc, p, lease_id, reason, now_ms);
}

int tl_store_annotation_get(struct tl_store *s, const struct tl_scope *sc,
                            const struct tl_project *p, const char *id, struct tl_annotation *out) {
    return s->vt->annotation_get(s, sc, p, id, out);
}

int tl_store_annotation_update(struct tl_store *s, const struct tl_scope *sc,
                               const struct tl_project *p, const char *id, const char *result,
                               size_t result_len, int64_t now_ms, struct tl_submit_hooks *hooks) {
    return s->vt->annotation_update(s, sc, p, id, result, result_len, now_ms, hooks);
}

int tl_store_annotation_delete(struct tl_store *s, const struct tl_scope *sc,
                               const struct tl_project *p, const char *id, int64_t now_ms,
                               struct tl_submit_hooks *hooks) {
    return s->vt->annotation_delete(s, sc, p, id, now_ms, hooks);
}

/* quality (core): gold, the lease policy, live aggregates (sqlite/gold.c) */
int tl_store_worker_get(struct tl_store *s, const struct tl_project *p, int64_t user_pk,
                        struct tl_worker *out) {
    return s->vt->worker_get(s, p, user_pk, out);
}

int tl_store_task_votes(struct tl_store *s, const struct tl_project *p, const char *task_id,
                        int64_t user_pk, struct tl_store_vote **v, size_t *n, double *user_skill,
                        struct tl_store_votes_seen *seen) {
    return s->vt->task_votes(s, p, task_id, user_pk, v, n, user_skill, seen);
}

void tl_store_votes_free(struct tl_store_vote *v, size_t n) {
    for (size_t i = 0; i < n; i++)
        free((char *)v[i].result);
    free(v);
}

int tl_store_lease_claim_policy(struct tl_store *s, const struct tl_scope *sc,
                                const struct tl_project *p, int64_t now_ms,
                                struct tl_lease_policy *pol, struct tl_lease *out,
                                tl_store_done_fn done, void *cb_arg) {
    return s->vt->lease_claim_policy(s, sc, p, now_ms, pol, out, done, cb_arg);
}

int tl_store_annotation_submit_hooked(struct tl_store *s, const struct tl_scope *sc,
                                      const struct tl_project *p, const char *task_id,
                                      const char *lease_id, const char *result,
                                      size_t result_len, int64_t now_ms,
                                      struct tl_submit_hooks *hooks, char *out_id,
                                      tl_store_done_fn done, void *cb_arg) {
    return s->vt->annotation_submit_hooked(s, sc, p, task_id, lease_id, result, result_len,
                                           now_ms, hooks, out_id, done, cb_arg);
}

int tl_store_task_gold_set(struct tl_store *s, const struct tl_scope *sc,
                           const struct tl_project *p, const char *task_id, const char *gold,
                           size_t gold_len) {
    return s->vt->task_gold_set(s, sc, p, task_id, gold, gold_len);
}

/* quality: aggregates and full re-inference (infer helper; sqlite/aggregates.c) */
int tl_store_agg_labels(struct tl_store *s, const struct tl_project *p, size_t n_parts,
                        tl_agg_label_fn fn, void *const *ctx, size_t *n_used,
                        struct tl_agg_seen *seen) {
    return s->vt->agg_labels(s, p, n_parts, fn, ctx, n_used, seen);
}

int tl_store_agg_write(struct tl_store *s, const struct tl_project *p, const char *method,
                       const struct tl_agg_row *rows, size_t n, int64_t read_at_ms,
                       size_t *n_written) {
    return s->vt->agg_write(s, p, method, rows, n, read_at_ms, n_written);
}

int tl_store_agg_workers(struct tl_store *s, const struct tl_project *p,
                         const struct tl_agg_worker *w, size_t n, int64_t now_ms) {
    return s->vt->agg_workers(s, p, w, n, now_ms);
}

int tl_store_quality_run_put(struct tl_store *s, const struct tl_project *p,
                             const struct tl_quality_run *r) {
    return s->vt->quality_run_put(s, p, r);
}

int tl_store_quality_run_get(struct tl_store *s, const struct tl_project *p,
                             struct tl_quality_run *out) {
    return s->vt->quality_run_get(s, p, out);
}

int tl_store_reinfer_due(struct tl_store *s, size_t max, tl_id **out, size_t *n) {
    return s->vt->reinfer_due(s, max, out, n);
}

int tl_store_aggregate_list(struct tl_store *s, const struct tl_scope *sc,
                            const struct tl_project *p, size_t limit, int64_t *cursor,
                            struct tl_aggregate **out, size_t *n) {
    return s->vt->aggregate_list(s, sc, p, limit, cursor, out, n);
}

int tl_store_quality_summary(struct tl_store *s, const struct tl_project *p,
                             struct tl_quality_summary *out) {
    return s->vt->quality_summary(s, p, out);
}

void tl_quality_run_release(struct tl_quality_run *r) {
    if (r) {
        free(r->agreement);
        r->agreement = NULL;
    }
}

void tl_aggregate_release(struct tl_aggregate *a) {
    if (a) {
        free(a->result);
        free(a->confidence);
        a->result = a->confidence = NULL;
    }
}

void tl_quality_summary_release(struct tl_quality_summary *q) {
    if (q) {
        free(q->days);
        q->days = NULL;
        q->n_days = 0;
        tl_quality_run_release(&q->run);
    }
}

/* quality: workers (workers.c) */
void tl_wk_snapshot_release(struct tl_wk_snapshot *w) {
    for (size_t i = 0; i < w->n_labels; i++)
        free(w->labels[i].result);
    for (size_t i = 0; i < w->n_tasks; i++) {
        free(w->tasks[i].gold);
        free(w->tasks[i].prelabel);
    }
    free(w->persons);
    free(w->labels);
    free(w->tasks);
    memset(w, 0, sizeof *w);
}

void tl_flag_release(struct tl_flag *f) {
    free(f->evidence);
    free(f->appeal);
    free(f->note);
    f->evidence = f->appeal = f->note = NULL;
}

void tl_flags_free(struct tl_flag *f, size_t n) {
    for (size_t i = 0; f && i < n; i++)
        tl_flag_release(&f[i]);
    free(f);
}

int tl_store_wk_snapshot(struct tl_store *s, const struct tl_project *p, size_t max_labels,
                         struct tl_wk_snapshot *out) {
    return s->vt->wk_snapshot(s, p, max_labels, out);
}

int tl_store_flags_record(struct tl_store *s, const struct tl_project *p,
                          const struct tl_flag_in *f, size_t n, bool is_suspend,
                          bool is_complete, int64_t now_ms, size_t *n_new) {
    return s->vt->flags_record(s, p, f, n, is_suspend, is_complete, now_ms, n_new);
}

int tl_store_flag_list(struct tl_store *s, const struct tl_project *p, int64_t annotator_pk,
                       size_t limit, struct tl_flag **out, size_t *n) {
    return s->vt->flag_list(s, p, annotator_pk, limit, out, n);
}

int tl_store_flags_mine(struct tl_store *s, const struct tl_scope *sc, size_t limit,
                        struct tl_flag **out, size_t *n) {
    return s->vt->flags_mine(s, sc, limit, out, n);
}

int tl_store_flag_get(struct tl_store *s, const struct tl_project *p, const char *id,
                      struct tl_flag *out) {
    return s->vt->flag_get(s, p, id, out);
}

int tl_store_flag_appeal(struct tl_store *s, const struct tl_scope *sc,
                         const struct tl_project *p, const char *id, const char *text,
                         int64_t now_ms) {
    return s->vt->flag_appeal(s, sc, p, id, text, now_ms);
}

int tl_store_flag_decide(struct tl_store *s, const struct tl_scope *sc,
                         const struct tl_project *p, const char *id, bool is_upheld,
                         const char *note, int64_t now_ms) {
    return s->vt->flag_decide(s, sc, p, id, is_upheld, note, now_ms);
}

int tl_store_worker_set_status(struct tl_store *s, const struct tl_project *p,
                               int64_t annotator_pk, bool is_suspended, int64_t now_ms) {
    return s->vt->worker_set_status(s, p, annotator_pk, is_suspended, now_ms);
}

int tl_store_annotations_set_aside(struct tl_store *s, const struct tl_scope *sc,
                                   const struct tl_project *p, int64_t annotator_pk,
                                   const char *const *ids, size_t n_ids, bool is_set,
                                   size_t *changed) {
    return s->vt->annotations_set_aside(s, sc, p, annotator_pk, ids, n_ids, is_set, changed);
}

int tl_store_wk_projects_due(struct tl_store *s, int64_t since_ms, tl_id **out, size_t *n) {
    return s->vt->wk_projects_due(s, since_ms, out, n);
}
