/* backend.h: what a storage backend implements (see store.h for contracts).
 *
 * A backend's own struct starts with `struct tl_store base;` whose vt points
 * to its table; store.c forwards each tl_store_* call through it. Only
 * backends include this header. */
#ifndef TL_STORE_BACKEND_H
#define TL_STORE_BACKEND_H

#include "store/store.h"

struct tl_store_vtab {
    void (*close)(struct tl_store *s);
    const unsigned char *(*secret)(const struct tl_store *s);
    int (*tenant_create)(struct tl_store *s, const char *name, tl_id out_id);
    int (*tenant_find)(struct tl_store *s, const char *name, tl_id out_id);
    int (*user_create)(struct tl_store *s, struct tl_user *u);
    int (*user_find)(struct tl_store *s, const char *email, struct tl_user *out);
    int (*token_create)(struct tl_store *s, int64_t user_pk, const char *hash, int64_t exp_ms);
    int (*session_create)(struct tl_store *s, int64_t user_pk, const char *hash, int64_t exp_ms);
    int (*token_scope)(struct tl_store *s, const char *hash, int64_t now_ms, struct tl_scope *out);
    int (*project_create)(struct tl_store *s, const struct tl_scope *sc, struct tl_project *p);
    int (*project_get)(struct tl_store *s, const struct tl_filter *f, const char *id,
                       struct tl_project *out);
    int (*project_get_admin)(struct tl_store *s, const char *id, struct tl_project *out,
                             struct tl_scope *tenant);
    int (*project_list)(struct tl_store *s, const struct tl_filter *f, struct tl_project **out,
                        size_t *n);
    int (*member_add)(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                      const char *email, enum tl_role role, tl_id out_user_id);
    int (*member_role)(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                       enum tl_role *role);
    int (*tasks_import)(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                        const struct tl_blob *items, size_t n);
    int (*task_project)(struct tl_store *s, const struct tl_filter *f, const char *task_id,
                        struct tl_project *out);
    int (*task_data)(struct tl_store *s, const struct tl_project *p, const char *task_id,
                     char **data, size_t *len);
    int (*lease_claim)(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                       int64_t now_ms, struct tl_lease *out);
    int (*annotation_submit)(struct tl_store *s, const struct tl_scope *sc,
                             const struct tl_project *p, const char *task_id,
                             const char *lease_id, const char *result, size_t result_len,
                             int64_t now_ms, tl_id out_id);
    int (*import_stage)(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                        int64_t import_id, const struct tl_blob *items, size_t n,
                        const struct tl_prediction_in *preds, size_t n_preds,
                        tl_store_done_fn done, void *cb_arg);
    int (*import_commit)(struct tl_store *s, const struct tl_scope *sc,
                         const struct tl_project *p, int64_t import_id, size_t n_staged,
                         const struct tl_blob *items, size_t n,
                         const struct tl_prediction_in *preds, size_t n_preds,
                         tl_store_done_fn done, void *cb_arg);
    void (*import_clear)(struct tl_store *s, const struct tl_scope *sc,
                         const struct tl_project *p, int64_t import_id);
    int (*lease_claim_async)(struct tl_store *s, const struct tl_scope *sc,
                             const struct tl_project *p, int64_t now_ms, struct tl_lease *out,
                             tl_store_done_fn done, void *cb_arg);
    int (*annotation_submit_async)(struct tl_store *s, const struct tl_scope *sc,
                                   const struct tl_project *p, const char *task_id,
                                   const char *lease_id, const char *result, size_t result_len,
                                   int64_t now_ms, char *out_id, tl_store_done_fn done,
                                   void *cb_arg);
    int (*export_page)(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                       int64_t *cursor, size_t limit, size_t max_bytes, tl_export_fn fn,
                       void *ctx, bool *done);
    /* media files */
    int (*file_create)(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                       struct tl_file *f);
    int (*file_get)(struct tl_store *s, const struct tl_filter *f, const struct tl_project *p,
                    const char *id, struct tl_file *out);
    /* people (store.h) */
    int (*tenant_list)(struct tl_store *s, struct tl_tenant **out, size_t *n);
    int (*tenant_get)(struct tl_store *s, const char *tenant_id, struct tl_tenant *out);
    int (*user_list)(struct tl_store *s, const char *tenant_id, struct tl_user **out, size_t *n);
    int (*user_get)(struct tl_store *s, const char *tenant_id, const char *user_id,
                    struct tl_user *out);
    int (*user_update)(struct tl_store *s, const char *tenant_id, const char *user_id,
                       int is_disabled, enum tl_role role, struct tl_user *out);
    int (*member_projects)(struct tl_store *s, int64_t user_pk, struct tl_membership **out,
                           size_t *n);
    int (*token_add)(struct tl_store *s, int64_t user_pk, const char *hash, int64_t exp_ms,
                     const char *name, tl_id out_id);
    int (*token_list)(struct tl_store *s, const struct tl_token_filter *f, const char *user_id,
                      int64_t now_ms, struct tl_token_info **out, size_t *n);
    int (*token_revoke)(struct tl_store *s, const struct tl_token_filter *f, const char *id);
    int (*token_revoke_hash)(struct tl_store *s, const char *hash);
    int (*project_stats)(struct tl_store *s, const struct tl_project *p, int64_t bucket_ms,
                         int64_t now_ms, struct tl_project_stats *out);
    int (*my_stats)(struct tl_store *s, const struct tl_scope *sc,
                    struct tl_my_project_stats **out, size_t *n);
    /* lifecycle (store.h) */
    int (*project_update)(struct tl_store *s, const struct tl_scope *sc,
                          const struct tl_project *p);
    int (*project_delete)(struct tl_store *s, const struct tl_scope *sc,
                          const struct tl_project *p);
    int (*file_ids)(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                    void (*fn)(void *ctx, const char *id), void *ctx);
    int (*task_list)(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                     enum tl_task_state state, size_t limit, int64_t *cursor,
                     struct tl_task_item **out, size_t *n);
    int (*task_get)(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                    const char *task_id, struct tl_task_item *out, tl_export_fn fn, void *ctx);
    int (*tasks_delete)(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                        const char *const *ids, size_t n, int64_t *deleted);
    int (*member_list)(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                       int64_t now_ms, struct tl_member **out, size_t *n);
    int (*member_set_role)(struct tl_store *s, const struct tl_scope *sc,
                           const struct tl_project *p, const char *user_id, enum tl_role role);
    int (*member_remove)(struct tl_store *s, const struct tl_scope *sc,
                         const struct tl_project *p, const char *user_id);
    int (*object_project)(struct tl_store *s, const struct tl_filter *f, enum tl_store_obj kind,
                          const char *id, struct tl_project *out);
    int (*lease_release)(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                         const char *lease_id, const char *reason, int64_t now_ms);
    int (*annotation_get)(struct tl_store *s, const struct tl_scope *sc,
                          const struct tl_project *p, const char *id, struct tl_annotation *out);
    int (*annotation_update)(struct tl_store *s, const struct tl_scope *sc,
                             const struct tl_project *p, const char *id, const char *result,
                             size_t result_len, int64_t now_ms, struct tl_submit_hooks *hooks);
    int (*annotation_delete)(struct tl_store *s, const struct tl_scope *sc,
                             const struct tl_project *p, const char *id, int64_t now_ms,
                             struct tl_submit_hooks *hooks);
    /* webhooks */
    int (*webhook_create)(struct tl_store *s, const struct tl_scope *sc,
                          const struct tl_project *p, struct tl_webhook *h);
    int (*webhook_list)(struct tl_store *s, const struct tl_project *p, struct tl_webhook **out,
                        size_t *n);
    int (*webhook_delete)(struct tl_store *s, const struct tl_project *p, const char *id);
    int (*webhook_deliveries)(struct tl_store *s, const struct tl_project *p, const char *id,
                              size_t limit, struct tl_webhook_delivery **out, size_t *n);
    int (*webhook_due)(struct tl_store *s, int64_t now_ms, bool is_all, size_t max,
                       struct tl_webhook_job **out, size_t *n);
    int (*webhook_record)(struct tl_store *s, int64_t pk, const struct tl_webhook_attempt *a);
    /* quality (core): gold.c */
    int (*worker_get)(struct tl_store *s, const struct tl_project *p, int64_t user_pk,
                      struct tl_worker *out);
    int (*task_votes)(struct tl_store *s, const struct tl_project *p, const char *task_id,
                      int64_t user_pk, struct tl_store_vote **v, size_t *n, double *user_skill,
                      struct tl_store_votes_seen *seen);
    int (*lease_claim_policy)(struct tl_store *s, const struct tl_scope *sc,
                              const struct tl_project *p, int64_t now_ms,
                              struct tl_lease_policy *pol, struct tl_lease *out,
                              tl_store_done_fn done, void *cb_arg);
    int (*annotation_submit_hooked)(struct tl_store *s, const struct tl_scope *sc,
                                    const struct tl_project *p, const char *task_id,
                                    const char *lease_id, const char *result,
                                    size_t result_len, int64_t now_ms,
                                    struct tl_submit_hooks *hooks, char *out_id,
                                    tl_store_done_fn done, void *cb_arg);
    int (*task_gold_set)(struct tl_store *s, const struct tl_scope *sc,
                         const struct tl_project *p, const char *task_id, const char *gold,
                         size_t gold_len);
    /* quality: review (store/review.c) */
    int (*review_next)(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                       int64_t now_ms, struct tl_review_item *out);
    int (*review_get)(struct tl_store *s, const struct tl_project *p, const char *id,
                      struct tl_review_item *out);
    int (*review_list)(struct tl_store *s, const struct tl_project *p, bool is_done,
                       size_t limit, int64_t *cursor, struct tl_review_item **out, size_t *n);
    int (*review_decide)(struct tl_store *s, const struct tl_scope *sc,
                         const struct tl_project *p, const char *id,
                         const struct tl_review_decision *d, int64_t now_ms);
    int (*review_done)(struct tl_store *s, const struct tl_project *p,
                       struct tl_review_done **out, size_t *n);
    /* quality: aggregates and full re-inference (infer helper; aggregates.c) */
    int (*agg_labels)(struct tl_store *s, const struct tl_project *p, size_t n_parts,
                      tl_agg_label_fn fn, void *const *ctx, size_t *n_used,
                      struct tl_agg_seen *seen);
    int (*agg_write)(struct tl_store *s, const struct tl_project *p, const char *method,
                     const struct tl_agg_row *rows, size_t n, int64_t read_at_ms,
                     size_t *n_written);
    int (*agg_workers)(struct tl_store *s, const struct tl_project *p,
                       const struct tl_agg_worker *w, size_t n, int64_t now_ms);
    int (*quality_run_put)(struct tl_store *s, const struct tl_project *p,
                           const struct tl_quality_run *r);
    int (*quality_run_get)(struct tl_store *s, const struct tl_project *p,
                           struct tl_quality_run *out);
    int (*reinfer_due)(struct tl_store *s, size_t max, tl_id **out, size_t *n);
    int (*aggregate_list)(struct tl_store *s, const struct tl_scope *sc,
                          const struct tl_project *p, size_t limit, int64_t *cursor,
                          struct tl_aggregate **out, size_t *n);
    int (*quality_summary)(struct tl_store *s, const struct tl_project *p,
                           struct tl_quality_summary *out);
    /* quality: workers (workers.c) */
    int (*wk_snapshot)(struct tl_store *s, const struct tl_project *p, size_t max_labels,
                       struct tl_wk_snapshot *out);
    int (*flags_record)(struct tl_store *s, const struct tl_project *p,
                        const struct tl_flag_in *f, size_t n, bool is_suspend,
                        bool is_complete, int64_t now_ms, size_t *n_new);
    int (*flag_list)(struct tl_store *s, const struct tl_project *p, int64_t annotator_pk,
                     size_t limit, struct tl_flag **out, size_t *n);
    int (*flags_mine)(struct tl_store *s, const struct tl_scope *sc, size_t limit,
                      struct tl_flag **out, size_t *n);
    int (*flag_get)(struct tl_store *s, const struct tl_project *p, const char *id,
                    struct tl_flag *out);
    int (*flag_appeal)(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                       const char *id, const char *text, int64_t now_ms);
    int (*flag_decide)(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                       const char *id, bool is_upheld, const char *note, int64_t now_ms);
    int (*worker_set_status)(struct tl_store *s, const struct tl_project *p, int64_t annotator_pk,
                             bool is_suspended, int64_t now_ms);
    int (*annotations_set_aside)(struct tl_store *s, const struct tl_scope *sc,
                                 const struct tl_project *p, int64_t annotator_pk,
                                 const char *const *ids, size_t n_ids, bool is_set,
                                 size_t *changed);
    int (*wk_projects_due)(struct tl_store *s, int64_t since_ms, tl_id **out, size_t *n);
};

struct tl_store {
    const struct tl_store_vtab *vt;
};

#endif
