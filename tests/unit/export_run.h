/* export_run.h: run an export format of the table (schema/export.h) over
 * test tasks the way the HTTP export does, so every write happens under the
 * ceiling the exporter sets from its own bound (a wrong bound fails the
 * test with TL_ETOOBIG). Header-only, for tests; include after <cmocka.h>. */
#ifndef TL_TESTS_EXPORT_RUN_H
#define TL_TESTS_EXPORT_RUN_H

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "schema/export.h"

/* A schema no format but jsonl and csv can export. */
#define RUN_CHOICE_ONLY "{\"fields\":[{\"name\":\"c\",\"type\":\"choice\",\"options\":[\"a\"]}]}"

/* A task to export: annotation j of task i gets the id "A<i><j>". */
struct run_task {
    const char *id;
    const char *data;
    const char *results[3]; /* NULL-terminated, oldest first */
};

static void run_parse_schema(const char *text, struct tl_schema *s) {
    struct tl_errbuf eb = {{0}};
    json_t *js = json_loads(text, 0, NULL);
    assert_non_null(js);
    if (tl_schema_parse(js, s, &eb))
        fail_msg("schema: %s", eb.msg);
    json_decref(js);
}

/* Export tasks in format under schema (JSON text) into out (the caller
 * releases it); the format's content type and extension must be these. */
static void run_export(const char *format, const char *schema, const struct run_task *tasks,
                       size_t n, const char *content_type, const char *extension,
                       struct tl_buf *out) {
    struct tl_schema s;
    run_parse_schema(schema, &s);
    struct tl_exporter e;
    struct tl_errbuf eb = {{0}};
    if (tl_exporter_open(&e, format, &s, NULL, NULL, &eb))
        fail_msg("open: %s", eb.msg);
    assert_string_equal(tl_exporter_content_type(&e), content_type);
    assert_string_equal(tl_exporter_extension(&e), extension);
    tl_buf_init(out, 0);
    assert_int_equal(tl_exporter_begin(&e, out), 0);
    for (size_t i = 0; i < n; i++) {
        struct tl_export_annotation an[3] = {{.id = ""}};
        size_t na = 0;
        while (na < 3 && tasks[i].results[na]) {
            snprintf(an[na].id, sizeof an[na].id, "A%zu%zu", i, na);
            an[na].result = tasks[i].results[na];
            an[na].result_len = strlen(tasks[i].results[na]);
            na++;
        }
        struct tl_export_task t = {.data = tasks[i].data,
                                   .data_len = strlen(tasks[i].data),
                                   .annotations = na ? an : NULL,
                                   .n_annotations = na};
        snprintf(t.id, sizeof t.id, "%s", tasks[i].id);
        assert_int_equal(tl_exporter_task(&e, out, &t), 0);
    }
    int rc;
    assert_false(tl_exporter_next_pass(&e, out, &rc));
    assert_int_equal(rc, 0);
    assert_int_equal(tl_exporter_end(&e, out), 0);
    tl_exporter_release(&e);
    tl_schema_release(&s);
}

/* format refuses schema at open with TL_EINVAL and a message saying why. */
static void run_assert_unfit(const char *format, const char *schema, const char *why) {
    struct tl_schema s;
    run_parse_schema(schema, &s);
    struct tl_exporter e;
    struct tl_errbuf eb = {{0}};
    assert_int_equal(tl_exporter_open(&e, format, &s, NULL, NULL, &eb), TL_EINVAL);
    if (!strstr(eb.msg, why))
        fail_msg("message '%s' does not say '%s'", eb.msg, why);
    tl_schema_release(&s);
}

#endif
