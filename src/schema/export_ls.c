/* export_ls.c: see export_ls.h. */
#include "schema/export_ls.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "schema/lsjson.h"

/* Parse a stored result and convert it: a new reference or NULL. */
static json_t *ls_result(const struct tl_schema *s, const char *text, size_t len,
                         const json_t *data, int *rc) {
    json_t *result = json_loadb(text, len, 0, NULL), *items = NULL;
    struct tl_errbuf eb = {{0}};
    *rc = result ? tl_lsjson_from_result(s, result, data, &items, &eb) : TL_EINTERNAL;
    if (*rc == TL_EINVAL)
        *rc = TL_EINTERNAL; /* it was valid when stored */
    json_decref(result);
    return items;
}

static int add_annotations(json_t *list, const struct tl_schema *s, const json_t *data,
                           const struct tl_export_task *t, tl_annotator_name_fn name, void *ctx) {
    for (size_t i = 0; i < t->n_annotations; i++) {
        const struct tl_export_annotation *a = &t->annotations[i];
        int rc;
        json_t *items = ls_result(s, a->result, a->result_len, data, &rc);
        if (!items)
            return rc;
        char when[32], who[TL_ANNOTATOR_NAME_MAX] = "";
        if (!a->source)
            name(ctx, a->annotator_id, who);
        json_t *an = json_pack("{s:s,s:s,s:s?,s:o}", "id", a->id, "created_at",
                               tl_clock_rfc3339(a->created_at_ms, when), "annotator",
                               a->source ? NULL : who, "result", items);
        if (!an || json_array_append_new(list, an))
            return TL_ENOMEM;
    }
    return 0;
}

static int add_predictions(json_t *list, const struct tl_schema *s, const json_t *data,
                           const struct tl_export_task *t) {
    for (size_t i = 0; i < t->n_predictions; i++) {
        const struct tl_prediction *p = &t->predictions[i];
        int rc;
        json_t *items = ls_result(s, p->result, p->result_len, data, &rc);
        if (!items)
            return rc;
        json_t *pr = json_pack("{s:s}", "model_version", p->model);
        if (pr && p->has_score && json_object_set_new(pr, "score", json_real(p->score)))
            rc = TL_ENOMEM;
        if (!pr || rc || json_object_set_new(pr, "result", items) ||
            json_array_append_new(list, pr)) {
            json_decref(pr);
            return TL_ENOMEM;
        }
    }
    return 0;
}

int tl_ls_export_prepare(struct tl_ls_export *x, const struct tl_schema *s,
                         const struct tl_export_task *t, tl_annotator_name_fn name, void *ctx) {
    free(x->text);
    x->text = NULL;
    x->len = 0;
    json_t *data = json_loadb(t->data, t->data_len, 0, NULL);
    json_t *annots = json_array(), *preds = json_array();
    int rc = !data ? TL_EINTERNAL : annots && preds ? 0 : TL_ENOMEM;
    rc = rc ? rc : add_annotations(annots, s, data, t, name, ctx);
    rc = rc ? rc : add_predictions(preds, s, data, t);
    json_t *task = rc ? NULL
                      : json_pack("{s:s,s:O,s:O,s:O}", "id", t->id, "data", data, "annotations",
                                  annots, "predictions", preds);
    if (!rc && !task)
        rc = TL_ENOMEM;
    if (!rc) {
        x->text = json_dumps(task, JSON_COMPACT | JSON_PRESERVE_ORDER);
        rc = x->text ? 0 : TL_ENOMEM;
        x->len = x->text ? strlen(x->text) : 0;
    }
    json_decref(task);
    json_decref(data);
    json_decref(annots);
    json_decref(preds);
    return rc;
}

size_t tl_ls_export_bound(const struct tl_ls_export *x) {
    return x->len + 2;
}

int tl_ls_export_task(struct tl_ls_export *x, struct tl_buf *out) {
    int rc = x->n_written ? tl_buf_append(out, ",\n", 2) : 0;
    rc = rc ? rc : tl_buf_append(out, x->text, x->len);
    free(x->text);
    x->text = NULL;
    x->len = 0;
    if (!rc)
        x->n_written++;
    return rc;
}

void tl_ls_export_release(struct tl_ls_export *x) {
    free(x->text);
    memset(x, 0, sizeof *x);
}
