/* export.c: the table of export formats (export.h): one row per format,
 * each row's functions in the format's own file (export_*.c, jsonl.c). */
#include "schema/export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/export_conll.h"
#include "schema/export_csv.h"
#include "schema/export_ls.h"
#include "schema/export_pref.h"
#include "schema/export_yolo.h"

/* Per annotation and per line: ids, pseudonym (escaped), time, punctuation. */
#define LINE_OVERHEAD 512

/* One export format. bound gives the most bytes task() may append for t;
 * begin/end/seam are bounded by their own *_bound (LINE_OVERHEAD when
 * NULL). Every function but bound and task may be NULL. open checks that
 * the schema fits the format and sets up e->state. */
struct tl_export_format {
    const char *name;
    const char *content_type;
    const char *extension;
    int (*open)(struct tl_exporter *e, struct tl_errbuf *eb);
    size_t (*begin_bound)(struct tl_exporter *e);
    int (*begin)(struct tl_exporter *e, struct tl_buf *out);
    size_t (*bound)(struct tl_exporter *e, const struct tl_export_task *t);
    int (*task)(struct tl_exporter *e, struct tl_buf *out, const struct tl_export_task *t);
    int (*seam)(struct tl_exporter *e, struct tl_buf *out); /* set: two passes */
    size_t (*end_bound)(struct tl_exporter *e);
    int (*end)(struct tl_exporter *e, struct tl_buf *out);
    void (*release)(struct tl_exporter *e);
};

/* --- jsonl --- */

/* One task's line is bounded by what import accepted, so any task that was
 * imported can be exported. */
static size_t jsonl_bound(struct tl_exporter *e, const struct tl_export_task *t) {
    (void)e;
    size_t line_max = t->data_len + LINE_OVERHEAD;
    for (size_t i = 0; i < t->n_annotations; i++)
        line_max += t->annotations[i].result_len + LINE_OVERHEAD + 6 * TL_ANNOTATOR_NAME_MAX;
    /* a model name escapes to at most 6 bytes a byte */
    for (size_t i = 0; i < t->n_predictions; i++)
        line_max += t->predictions[i].result_len + 6 * TL_PREDICTION_MAX_MODEL + LINE_OVERHEAD;
    line_max += t->gold_len; /* quality (core): "gold" */
    if (t->agg_method) /* quality: the aggregate (infer helper) */
        line_max += 6 * strlen(t->agg_method) + t->agg_result_len + t->agg_confidence_len +
                    LINE_OVERHEAD;
    return line_max;
}

static int jsonl_task(struct tl_exporter *e, struct tl_buf *out, const struct tl_export_task *t) {
    return tl_jsonl_export_task(out, t, e->name, e->name_ctx);
}

/* --- csv --- */

static size_t csv_header_bound(struct tl_exporter *e) {
    return tl_csv_export_header_bound(e->schema);
}

static int csv_header(struct tl_exporter *e, struct tl_buf *out) {
    return tl_csv_export_header(out, e->schema);
}

static size_t csv_bound(struct tl_exporter *e, const struct tl_export_task *t) {
    return tl_csv_export_bound(e->schema, t);
}

static int csv_task(struct tl_exporter *e, struct tl_buf *out, const struct tl_export_task *t) {
    return tl_csv_export_task(out, e->schema, t, e->name, e->name_ctx);
}

/* --- preference --- */

static size_t pref_bound(struct tl_exporter *e, const struct tl_export_task *t) {
    return tl_pref_export_bound(e->schema, t);
}

static int pref_task(struct tl_exporter *e, struct tl_buf *out, const struct tl_export_task *t) {
    return tl_pref_export_task(out, e->schema, t);
}

/* --- labelstudio --- */

/* The conversion is the bound: bound converts the task and keeps the text
 * (or the error) for task to write. */
struct ls_state {
    struct tl_ls_export x;
    int rc;
};

static int ls_open(struct tl_exporter *e, struct tl_errbuf *eb) {
    e->state = calloc(1, sizeof(struct ls_state));
    return e->state ? 0 : TL_ENOMEM;
}

static int ls_begin(struct tl_exporter *e, struct tl_buf *out) {
    return tl_buf_puts(out, "[\n");
}

static size_t ls_bound(struct tl_exporter *e, const struct tl_export_task *t) {
    struct ls_state *st = e->state;
    st->rc = tl_ls_export_prepare(&st->x, e->schema, t, e->name, e->name_ctx);
    return tl_ls_export_bound(&st->x);
}

static int ls_task(struct tl_exporter *e, struct tl_buf *out, const struct tl_export_task *t) {
    struct ls_state *st = e->state;
    return st->rc ? st->rc : tl_ls_export_task(&st->x, out);
}

static int ls_end(struct tl_exporter *e, struct tl_buf *out) {
    return tl_buf_puts(out, "\n]\n");
}

static void ls_release(struct tl_exporter *e) {
    struct ls_state *st = e->state;
    if (st)
        tl_ls_export_release(&st->x);
    free(st);
    e->state = NULL;
}

/* --- coco --- */

static int coco_open(struct tl_exporter *e, struct tl_errbuf *eb) {
    int rc = tl_coco_init(&e->coco, e->schema);
    if (rc == TL_EINVAL)
        return tl_errf(eb, rc, "the schema has no boxes, polygons or keypoints field over an image view");
    return rc;
}

static size_t coco_head_bound(struct tl_exporter *e) {
    return tl_coco_head_bound(&e->coco);
}

static int coco_head(struct tl_exporter *e, struct tl_buf *out) {
    return tl_coco_begin(&e->coco, out);
}

static size_t coco_bound(struct tl_exporter *e, const struct tl_export_task *t) {
    return tl_coco_task_bound(&e->coco, t);
}

static int coco_task(struct tl_exporter *e, struct tl_buf *out, const struct tl_export_task *t) {
    return tl_coco_export_task(&e->coco, out, t);
}

static int coco_seam(struct tl_exporter *e, struct tl_buf *out) {
    return tl_coco_next_pass(&e->coco, out);
}

static int coco_end(struct tl_exporter *e, struct tl_buf *out) {
    return tl_coco_end(&e->coco, out);
}

/* --- yolo --- */

static int yolo_open(struct tl_exporter *e, struct tl_errbuf *eb) {
    struct tl_yolo *y = malloc(sizeof *y);
    if (!y)
        return TL_ENOMEM;
    int rc = tl_yolo_init(y, e->schema);
    if (rc) {
        free(y);
        return rc == TL_EINVAL
                   ? tl_errf(eb, rc, "the schema has no boxes or polygons field over an image view")
                   : rc;
    }
    e->state = y;
    return 0;
}

static size_t yolo_head_bound(struct tl_exporter *e) {
    return tl_yolo_head_bound(e->state);
}

static int yolo_head(struct tl_exporter *e, struct tl_buf *out) {
    return tl_yolo_begin(e->state, out);
}

static size_t yolo_bound(struct tl_exporter *e, const struct tl_export_task *t) {
    return tl_yolo_task_bound(e->state, t);
}

static int yolo_task(struct tl_exporter *e, struct tl_buf *out, const struct tl_export_task *t) {
    return tl_yolo_export_task(e->state, out, t);
}

static size_t yolo_end_bound(struct tl_exporter *e) {
    return tl_yolo_end_bound(e->state);
}

static int yolo_end(struct tl_exporter *e, struct tl_buf *out) {
    return tl_yolo_end(e->state, out);
}

static void yolo_release(struct tl_exporter *e) {
    if (e->state)
        tl_yolo_release(e->state);
    free(e->state);
}

/* --- conll --- */

static int conll_open(struct tl_exporter *e, struct tl_errbuf *eb) {
    struct tl_conll *c = malloc(sizeof *c);
    if (!c)
        return TL_ENOMEM;
    int rc = tl_conll_init(c, e->schema);
    if (rc) {
        free(c);
        return tl_errf(eb, rc, "the schema has no spans field");
    }
    e->state = c;
    return 0;
}

static size_t conll_bound(struct tl_exporter *e, const struct tl_export_task *t) {
    return tl_conll_task_bound(e->state, t);
}

static int conll_task(struct tl_exporter *e, struct tl_buf *out, const struct tl_export_task *t) {
    return tl_conll_export_task(e->state, out, t);
}

static void conll_release(struct tl_exporter *e) {
    free(e->state);
}

/* The formats: one row each. */
static const struct tl_export_format formats[] = {
    {.name = "jsonl", .content_type = "application/x-ndjson", .extension = "jsonl",
     .bound = jsonl_bound, .task = jsonl_task},
    {.name = "csv", .content_type = "text/csv; charset=utf-8", .extension = "csv",
     .begin_bound = csv_header_bound, .begin = csv_header, .bound = csv_bound, .task = csv_task},
    {.name = "preference", .content_type = "application/x-ndjson", .extension = "jsonl",
     .bound = pref_bound, .task = pref_task},
    {.name = "labelstudio", .content_type = "application/json", .extension = "json",
     .open = ls_open, .begin = ls_begin, .bound = ls_bound, .task = ls_task, .end = ls_end,
     .release = ls_release},
    {.name = "coco", .content_type = "application/json", .extension = "json", .open = coco_open,
     .begin_bound = coco_head_bound, .begin = coco_head, .bound = coco_bound, .task = coco_task,
     .seam = coco_seam, .end = coco_end},
    {.name = "yolo", .content_type = "application/x-tar", .extension = "tar", .open = yolo_open,
     .begin_bound = yolo_head_bound, .begin = yolo_head, .bound = yolo_bound, .task = yolo_task,
     .end_bound = yolo_end_bound, .end = yolo_end, .release = yolo_release},
    {.name = "conll", .content_type = "text/plain; charset=utf-8", .extension = "conll",
     .open = conll_open, .bound = conll_bound, .task = conll_task, .release = conll_release},
};
#define N_FORMATS (sizeof formats / sizeof formats[0])

void tl_exporter_names(char *buf, size_t size) {
    size_t len = 0;
    if (size)
        buf[0] = '\0';
    for (size_t i = 0; i < N_FORMATS && len < size; i++) {
        int n = snprintf(buf + len, size - len, "%s%s", i ? ", " : "", formats[i].name);
        if (n < 0)
            break;
        len += (size_t)n;
    }
}

int tl_exporter_open(struct tl_exporter *e, const char *format, const struct tl_schema *schema,
                     tl_annotator_name_fn name, void *name_ctx, struct tl_errbuf *eb) {
    memset(e, 0, sizeof *e);
    for (size_t i = 0; i < N_FORMATS; i++)
        if (!strcmp(formats[i].name, format))
            e->fmt = &formats[i];
    if (!e->fmt) {
        char names[256];
        tl_exporter_names(names, sizeof names);
        return tl_errf(eb, TL_EINVAL, "format must be one of: %s", names);
    }
    e->schema = schema;
    e->name = name;
    e->name_ctx = name_ctx;
    int rc = e->fmt->open ? e->fmt->open(e, eb) : 0;
    if (rc)
        memset(e, 0, sizeof *e);
    return rc;
}

const char *tl_exporter_content_type(const struct tl_exporter *e) {
    return e->fmt->content_type;
}

const char *tl_exporter_extension(const struct tl_exporter *e) {
    return e->fmt->extension;
}

/* Run write with out's ceiling at its bound past what out holds. */
static int bounded(struct tl_exporter *e, struct tl_buf *out, size_t (*bound)(struct tl_exporter *),
                   int (*write)(struct tl_exporter *, struct tl_buf *)) {
    if (!write)
        return 0;
    out->max = out->len + (bound ? bound(e) : LINE_OVERHEAD);
    return write(e, out);
}

int tl_exporter_begin(struct tl_exporter *e, struct tl_buf *out) {
    return bounded(e, out, e->fmt->begin_bound, e->fmt->begin);
}

int tl_exporter_task(struct tl_exporter *e, struct tl_buf *out, const struct tl_export_task *t) {
    out->max = out->len + e->fmt->bound(e, t);
    return e->fmt->task(e, out, t);
}

bool tl_exporter_next_pass(struct tl_exporter *e, struct tl_buf *out, int *rc) {
    *rc = 0;
    if (!e->fmt->seam || e->is_second_pass)
        return false;
    e->is_second_pass = true;
    *rc = bounded(e, out, NULL, e->fmt->seam);
    return true;
}

int tl_exporter_end(struct tl_exporter *e, struct tl_buf *out) {
    return bounded(e, out, e->fmt->end_bound, e->fmt->end);
}

void tl_exporter_release(struct tl_exporter *e) {
    if (e->fmt && e->fmt->release)
        e->fmt->release(e);
    e->state = NULL;
    e->fmt = NULL;
}
