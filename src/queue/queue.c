/* queue.c: see queue.h. */
#include "queue/queue.h"

#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "schema/schema.h"

int tl_queue_next(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                  struct tl_lease *out) {
    return tl_store_lease_claim(s, sc, p, tl_clock_ms(), out);
}

/* The task's data for a schema that needs it: *data stays NULL otherwise. */
static int load_task_data(struct tl_store *s, const struct tl_project *p, const char *task_id,
                          const struct tl_schema *schema, json_t **data) {
    *data = NULL;
    if (!schema->needs_data || !s)
        return 0;
    char *text;
    size_t len;
    int rc = tl_store_task_data(s, p, task_id, &text, &len);
    if (rc)
        return rc;
    *data = json_loadb(text, len, 0, NULL);
    free(text);
    return *data ? 0 : TL_EINTERNAL;
}

static int check(struct tl_store *s, const struct tl_project *p, const char *task_id,
                 const json_t *result, char **text, struct tl_errbuf *eb) {
    *text = NULL;
    json_t *js = json_loads(p->schema_json, 0, NULL);
    if (!js)
        return tl_errf(eb, TL_EINTERNAL, "stored schema is unreadable");
    struct tl_schema schema;
    int rc = tl_schema_parse_stored(js, &schema, eb);
    json_decref(js);
    if (rc)
        return rc == TL_ENOMEM ? rc : TL_EINTERNAL;
    json_t *data = NULL;
    rc = load_task_data(s, p, task_id, &schema, &data);
    if (!rc)
        rc = tl_schema_validate_task(&schema, result, data, eb);
    json_decref(data);
    tl_schema_release(&schema);
    if (rc)
        return rc;
    *text = json_dumps(result, JSON_COMPACT);
    return *text ? 0 : TL_ENOMEM;
}

int tl_queue_check_result(const struct tl_project *p, const json_t *result, char **text,
                          struct tl_errbuf *eb) {
    return check(NULL, p, NULL, result, text, eb);
}

int tl_queue_check_submission(struct tl_store *s, const struct tl_project *p,
                              const char *task_id, const json_t *result, char **text,
                              struct tl_errbuf *eb) {
    return check(s, p, task_id, result, text, eb);
}

int tl_queue_submit(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                    const char *task_id, const char *lease_id, const json_t *result, tl_id out_id,
                    struct tl_errbuf *eb) {
    char *text;
    int rc = tl_queue_check_submission(s, p, task_id, result, &text, eb);
    if (rc)
        return rc;
    rc = tl_store_annotation_submit(s, sc, p, task_id, lease_id, text, strlen(text), tl_clock_ms(),
                                    out_id);
    free(text);
    if (rc == TL_ECONFLICT)
        tl_errf(eb, rc, TL_QUEUE_LEASE_CONFLICT);
    return rc;
}

int tl_queue_next_async(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                        struct tl_lease *out, tl_store_done_fn done, void *cb_arg) {
    return tl_store_lease_claim_async(s, sc, p, tl_clock_ms(), out, done, cb_arg);
}

int tl_queue_submit_async(struct tl_store *s, const struct tl_scope *sc, const struct tl_project *p,
                          const char *task_id, const char *lease_id, const char *text,
                          size_t text_len, char *out_id, tl_store_done_fn done, void *cb_arg) {
    return tl_store_annotation_submit_async(s, sc, p, task_id, lease_id, text, text_len,
                                            tl_clock_ms(), out_id, done, cb_arg);
}
