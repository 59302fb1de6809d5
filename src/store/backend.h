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
};

struct tl_store {
    const struct tl_store_vtab *vt;
};

#endif
