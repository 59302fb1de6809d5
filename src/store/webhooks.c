/* webhooks.c: the backend-independent half of the store's webhook calls
 * (store.h): event and status names, the job release, and forwarding to
 * the backend. Kept apart from store.c so the feature stays in one place. */
#include <stdlib.h>
#include <string.h>

#include "store/backend.h"

static const struct {
    unsigned bit;
    const char *name;
} events[] = {
    {TL_HOOK_ANNOTATION_CREATED, "annotation.created"},
    {TL_HOOK_TASK_COMPLETED, "task.completed"},
    {TL_HOOK_PROJECT_COMPLETED, "project.completed"},
};

unsigned tl_hook_event_parse(const char *name) {
    for (size_t i = 0; name && i < sizeof events / sizeof events[0]; i++)
        if (!strcmp(name, events[i].name))
            return events[i].bit;
    return 0;
}

const char *tl_hook_event_name(unsigned event) {
    for (size_t i = 0; i < sizeof events / sizeof events[0]; i++)
        if (event == events[i].bit)
            return events[i].name;
    return "?";
}

const char *tl_delivery_status_name(int status) {
    switch (status) {
    case TL_DELIVERY_PENDING: return "pending";
    case TL_DELIVERY_DELIVERED: return "delivered";
    case TL_DELIVERY_FAILED: return "failed";
    default: return "?";
    }
}

void tl_webhook_job_release(struct tl_webhook_job *j) {
    free(j->payload);
    j->payload = NULL;
}

int tl_store_webhook_create(struct tl_store *s, const struct tl_scope *sc,
                            const struct tl_project *p, struct tl_webhook *h) {
    return s->vt->webhook_create(s, sc, p, h);
}

int tl_store_webhook_list(struct tl_store *s, const struct tl_project *p, struct tl_webhook **out,
                          size_t *n) {
    return s->vt->webhook_list(s, p, out, n);
}

int tl_store_webhook_delete(struct tl_store *s, const struct tl_project *p, const char *id) {
    return s->vt->webhook_delete(s, p, id);
}

int tl_store_webhook_deliveries(struct tl_store *s, const struct tl_project *p, const char *id,
                                size_t limit, struct tl_webhook_delivery **out, size_t *n) {
    return s->vt->webhook_deliveries(s, p, id, limit, out, n);
}

int tl_store_webhook_due(struct tl_store *s, int64_t now_ms, bool is_all, size_t max,
                         struct tl_webhook_job **out, size_t *n) {
    return s->vt->webhook_due(s, now_ms, is_all, max, out, n);
}

int tl_store_webhook_record(struct tl_store *s, int64_t pk, const struct tl_webhook_attempt *a) {
    return s->vt->webhook_record(s, pk, a);
}
