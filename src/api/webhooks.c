/* webhooks.c: a project's webhooks (docs/webhooks.md):
 * POST/GET /api/v1/projects/{id}/webhooks,
 * DELETE /api/v1/projects/{id}/webhooks/{hook},
 * GET /api/v1/projects/{id}/webhooks/{hook}/deliveries?limit=N.
 *
 * The policy (routes.c) has fetched the project through the caller's scope
 * and checked `manage`; the hook id (second {}) is looked up inside that
 * project only, so another project's or tenant's hook is 404. The secret is
 * answered once, by the create; no other route reads it. Like project
 * creation, these rare writes wait for the group commit on the event loop. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/clock.h"
#include "core/log.h"
#include "webhook/sign.h"
#include "webhook/url.h"

#define LOG_LIMIT_DEFAULT 50
#define LOG_LIMIT_MAX     200

/* The events array as a bit set: 0 or TL_EINVAL with the reason in eb. */
static int parse_events(const json_t *arr, unsigned *events, struct tl_errbuf *eb) {
    static const char options[] = "annotation.created, task.completed, project.completed";
    if (!json_is_array(arr) || json_array_size(arr) == 0)
        return tl_errf(eb, TL_EINVAL, "events must be a non-empty array of: %s", options);
    size_t i;
    const json_t *v;
    *events = 0;
    json_array_foreach(arr, i, v) {
        unsigned ev = tl_hook_event_parse(json_string_value(v));
        if (!ev)
            return tl_errf(eb, TL_EINVAL, "events[%zu] must be one of: %s", i, options);
        *events |= ev;
    }
    return 0;
}

static json_t *events_json(unsigned events) {
    json_t *arr = json_array();
    for (unsigned ev = 1; arr && ev <= TL_HOOK_PROJECT_COMPLETED; ev <<= 1)
        if (events & ev)
            json_array_append_new(arr, json_string(tl_hook_event_name(ev)));
    return arr;
}

void tl_api_webhooks_create(void *app, struct tl_http_req *r) {
    static const char *const keys[] = {"url", "events", NULL};
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    json_t *body = tl_api_body_strict(r, keys);
    if (!body)
        return;
    struct tl_webhook *h = calloc(1, sizeof *h);
    struct tl_errbuf eb = {{0}};
    const json_t *url = json_object_get(body, "url");
    int rc = h ? 0 : TL_ENOMEM;
    if (!rc && !json_is_string(url))
        rc = tl_errf(&eb, TL_EINVAL, "url must be a string");
    if (!rc)
        rc = tl_webhook_url_check(json_string_value(url), a->webhook_allow_private, NULL, &eb);
    if (!rc)
        rc = parse_events(json_object_get(body, "events"), &h->events, &eb);
    if (!rc) {
        memcpy(h->url, json_string_value(url), strlen(json_string_value(url)) + 1);
        tl_webhook_secret_new(h->secret);
        rc = tl_store_webhook_create(a->store, &c->sc, &c->p, h);
        if (rc == TL_ECONFLICT)
            tl_errf(&eb, rc, "a project has at most %d webhooks", TL_WEBHOOK_MAX_PER_PROJECT);
    }
    if (rc) {
        tl_api_fail(r, rc, eb.msg);
    } else {
        tl_log("webhook created: tenant=%s project=%s by=%s webhook=%s", c->p.tenant_id, c->p.id,
               c->sc.user_id, h->id);
        tl_http_respond_json(r, 201, json_pack("{s:s,s:s}", "id", h->id, "secret", h->secret));
    }
    if (h)
        memset(h->secret, 0, sizeof h->secret);
    free(h);
    json_decref(body);
}

void tl_api_webhooks_list(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    struct tl_webhook *hooks;
    size_t n;
    int rc = tl_store_webhook_list(a->store, &tl_api_call(r)->p, &hooks, &n);
    if (rc) {
        tl_api_fail(r, rc, NULL);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        char created[32];
        if (json_array_append_new(
                arr, json_pack("{s:s,s:s,s:o,s:s}", "id", hooks[i].id, "url", hooks[i].url,
                               "events", events_json(hooks[i].events), "created_at",
                               tl_clock_rfc3339(hooks[i].created_at_ms, created)))) {
            json_decref(arr);
            arr = NULL;
        }
    }
    free(hooks);
    tl_http_respond_json(r, 200, arr ? json_pack("{s:o}", "webhooks", arr) : NULL);
}

void tl_api_webhooks_delete(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    struct tl_api_call *c = tl_api_call(r);
    int rc = tl_store_webhook_delete(a->store, &c->p, tl_http_param(r, 1));
    if (rc) {
        tl_api_fail(r, rc, rc == TL_ENOTFOUND ? "no such webhook" : NULL);
        return;
    }
    tl_log("webhook deleted: tenant=%s project=%s by=%s webhook=%s", c->p.tenant_id, c->p.id,
           c->sc.user_id, tl_http_param(r, 1));
    tl_http_respond_empty(r, 204);
}

static json_t *delivery_json(const struct tl_webhook_delivery *d) {
    return json_pack("{s:s,s:s,s:s,s:i,s:o,s:o,s:o,s:o,s:o}", "id", d->id, "event", d->event,
                     "status", tl_delivery_status_name(d->status), "attempts", d->attempts,
                     "last_status",
                     d->last_http_status ? json_integer(d->last_http_status) : json_null(),
                     "last_error", d->last_error[0] ? json_string(d->last_error) : json_null(),
                     "created_at", tl_api_time_or_null(d->created_at_ms), "delivered_at",
                     tl_api_time_or_null(d->delivered_at_ms), "next_attempt_at",
                     tl_api_time_or_null(d->status == TL_DELIVERY_PENDING ? d->next_attempt_at_ms : 0));
}

void tl_api_webhooks_deliveries(void *app, struct tl_http_req *r) {
    struct tl_api *a = app;
    const char *q = tl_http_query(r, "limit");
    long limit = LOG_LIMIT_DEFAULT;
    if (q) {
        char *end;
        limit = strtol(q, &end, 10);
        if (*q < '0' || *q > '9' || *end || limit < 1 || limit > LOG_LIMIT_MAX) {
            tl_http_respond_error(r, 400, "invalid", "limit must be an integer in 1..%d",
                                  LOG_LIMIT_MAX);
            return;
        }
    }
    struct tl_webhook_delivery *ds;
    size_t n;
    int rc = tl_store_webhook_deliveries(a->store, &tl_api_call(r)->p, tl_http_param(r, 1),
                                         (size_t)limit, &ds, &n);
    if (rc) {
        tl_api_fail(r, rc, rc == TL_ENOTFOUND ? "no such webhook" : NULL);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        if (json_array_append_new(arr, delivery_json(&ds[i]))) {
            json_decref(arr);
            arr = NULL;
        }
    }
    free(ds);
    tl_http_respond_json(r, 200, arr ? json_pack("{s:o}", "deliveries", arr) : NULL);
}
