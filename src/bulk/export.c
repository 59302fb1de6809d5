/* bulk/export.c: see export.h. */
#include "bulk/export.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authz/policy.h"

static int by_id(const void *a, const void *b) {
    return strcmp(((const struct tl_user *)a)->id, ((const struct tl_user *)b)->id);
}

/* An annotator's name: the email of the tenant's own staff, else the
 * pseudonym, remembered per export (the keyed hash cost 9% of a JSONL
 * export's time: bench/export). */
static void annotator_name(void *ctx, const char *user_id, char out[TL_ANNOTATOR_NAME_MAX]) {
    struct tl_bulk_export *x = ctx;
    struct tl_user key;
    snprintf(key.id, sizeof key.id, "%s", user_id);
    const struct tl_user *u =
        x->n_staff ? bsearch(&key, x->staff, x->n_staff, sizeof *x->staff, by_id) : NULL;
    if (u) {
        snprintf(out, TL_ANNOTATOR_NAME_MAX, "%s", u->email);
        return;
    }
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const char *c = user_id; *c; c++)
        h = (h ^ (unsigned char)*c) * 16777619u;
    struct tl_bulk_export_name *slot = &x->names[h % TL_BULK_EXPORT_NAMES];
    if (strcmp(slot->user_id, user_id) || !*user_id) {
        tl_pseudonym(tl_store_secret(x->store), x->p.tenant_id, user_id, slot->name);
        snprintf(slot->user_id, sizeof slot->user_id, "%s", user_id);
    }
    memcpy(out, slot->name, sizeof slot->name);
}

/* The project's tenant's users whom it sees by email, sorted by id. */
static int load_staff(struct tl_bulk_export *x) {
    struct tl_user *u;
    size_t n, kept = 0;
    int rc = tl_store_user_list(x->store, x->p.tenant_id, &u, &n);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++)
        if (tl_policy_shows_email(x->p.tenant_id, u[i].tenant_id, u[i].role))
            u[kept++] = u[i];
    if (kept)
        qsort(u, kept, sizeof *u, by_id);
    x->staff = u;
    x->n_staff = kept;
    return 0;
}

static int load_schema(const struct tl_project *p, struct tl_schema *out) {
    json_t *js = p->schema_json ? json_loads(p->schema_json, 0, NULL) : NULL;
    if (!js)
        return TL_EINTERNAL;
    struct tl_errbuf eb;
    int rc = tl_schema_parse_stored(js, out, &eb);
    json_decref(js);
    return rc == TL_ENOMEM || !rc ? rc : TL_EINTERNAL;
}

int tl_bulk_export_open(struct tl_bulk_export *x, struct tl_store *s, const struct tl_scope *sc,
                        struct tl_project *p, const char *format, struct tl_errbuf *eb) {
    memset(x, 0, sizeof *x);
    int rc = load_schema(p, &x->schema);
    if (rc)
        return rc;
    x->store = s;
    x->sc = *sc;
    x->p = *p;
    rc = tl_exporter_open(&x->ex, format, &x->schema, annotator_name, x, eb);
    if (!rc && (rc = load_staff(x)))
        tl_exporter_release(&x->ex);
    if (rc) {
        tl_schema_release(&x->schema);
        memset(x, 0, sizeof *x);
        return rc;
    }
    memset(p, 0, sizeof *p); /* its strings are ours now */
    return 0;
}

const char *tl_bulk_export_content_type(const struct tl_bulk_export *x) {
    return tl_exporter_content_type(&x->ex);
}

/* The store's page callback has no output argument: carry it here. */
struct page_ctx {
    struct tl_bulk_export *x;
    struct tl_buf *out;
};

static int page_task(void *ctx, const struct tl_export_task *t) {
    struct page_ctx *pc = ctx;
    if (!pc->x->ex.is_second_pass)
        pc->x->n_tasks++;
    return tl_exporter_task(&pc->x->ex, pc->out, t);
}

int tl_bulk_export_next(struct tl_bulk_export *x, struct tl_buf *out, bool *is_done) {
    *is_done = x->is_done;
    size_t start = out->len;
    int rc = 0;
    if (!x->is_begun) {
        x->is_begun = true;
        rc = tl_exporter_begin(&x->ex, out);
    }
    /* A page whose tasks write nothing (no pairwise answer, no region)
     * must not end the export, which empty output would: read on. Each
     * page advances the cursor, so this stops at the last task. */
    struct page_ctx pc = {x, out};
    while (!rc && !x->is_done && out->len == start) {
        bool is_pass_done = false;
        rc = tl_store_export_page(x->store, &x->sc, &x->p, &x->cursor, TL_BULK_EXPORT_PAGE_TASKS,
                                  TL_BULK_EXPORT_PAGE_BYTES, page_task, &pc, &is_pass_done);
        if (rc || !is_pass_done)
            continue;
        if (tl_exporter_next_pass(&x->ex, out, &rc)) {
            x->cursor = 0;
        } else if (!rc) {
            x->is_done = true;
            rc = tl_exporter_end(&x->ex, out);
        }
    }
    *is_done = x->is_done && out->len == start;
    return rc;
}

void tl_bulk_export_release(struct tl_bulk_export *x) {
    free(x->staff);
    tl_exporter_release(&x->ex);
    tl_schema_release(&x->schema);
    tl_project_release(&x->p);
    memset(x, 0, sizeof *x);
}
