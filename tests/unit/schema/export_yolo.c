/* Tests for src/schema/export_yolo.c, driven through the export table
 * (schema/export.h) so every write runs under the ceiling the exporter
 * sets from its own bound: the archive read back member by member
 * (checksums, alignment), data.yaml, label lines (normalisation, rotated
 * boxes, polygons), the manifest, and schemas the format cannot export. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "export_run.h"
#include "tar_read.h"

static const char SCHEMA[] =
    "{\"views\":[{\"source\":\"image\",\"kind\":\"image\"}],\"fields\":["
    "{\"name\":\"cars\",\"type\":\"boxes\",\"source\":\"image\",\"labels\":[\"car\",\"bus\"]},"
    "{\"name\":\"face\",\"type\":\"keypoints\",\"source\":\"image\",\"labels\":[\"eye\"]},"
    "{\"name\":\"lanes\",\"type\":\"polygons\",\"source\":\"image\",\"labels\":[\"lane\",\"car\"]}"
    "]}";

#define ID1 "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a51"
#define ID2 "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a52"
#define ID3 "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a53"

struct archive {
    struct tl_buf b;
    struct tar_member m[TAR_READ_MAX];
    size_t n;
};

/* Export tasks under schema and read the archive back. */
static void export_yolo(const char *schema, const struct run_task *tasks, size_t n,
                        struct archive *a) {
    run_export("yolo", schema, tasks, n, "application/x-tar", "tar", &a->b);
    a->n = tar_read(a->b.data, a->b.len, a->m);
}

/* Member `name`'s content as a string (it must exist). */
static char *member(const struct archive *a, const char *name) {
    for (size_t i = 0; i < a->n; i++)
        if (!strcmp(a->m[i].name, name))
            return strndup(a->m[i].content, a->m[i].size);
    fail_msg("no member %s", name);
    return NULL;
}

static void assert_member(const struct archive *a, const char *name, const char *want) {
    char *got = member(a, name);
    assert_string_equal(got, want);
    free(got);
}

static void test_yolo_data_yaml_classes_deduplicated(void **state) {
    struct archive a;
    export_yolo(SCHEMA, NULL, 0, &a);
    assert_int_equal(a.n, 1);
    assert_string_equal(a.m[0].name, "data.yaml");
    char *yaml = member(&a, "data.yaml");
    /* the polygons' "car" keeps the boxes' class; keypoints have none */
    assert_non_null(strstr(yaml, "\nnc: 3\nnames:\n  0: \"car\"\n  1: \"bus\"\n  2: \"lane\"\n"));
    assert_non_null(strstr(yaml, "\ntrain: images\nval: images\n"));
    assert_null(strstr(yaml, "\npath:"));
    free(yaml);
    tl_buf_release(&a.b);
}

static void test_yolo_box_and_polygon_lines(void **state) {
    const struct run_task t[] = {
        {ID1, "{\"image\":\"https://x.test/1.png\"}",
         {"{\"cars\":[{\"x\":10,\"y\":20,\"width\":30,\"height\":40,\"label\":\"bus\"}],"
          "\"face\":[{\"x\":5,\"y\":5,\"label\":\"eye\"}],"
          "\"lanes\":[{\"points\":[[0,50],[100,50],[50,100]],\"label\":\"lane\"},"
          "{\"points\":[[12.5,0],[25,0],[25,12.5]],\"label\":\"car\"}]}"}}};
    struct archive a;
    export_yolo(SCHEMA, t, 1, &a);
    assert_int_equal(a.n, 3);
    assert_string_equal(a.m[1].name, "labels/" ID1 ".txt");
    assert_string_equal(a.m[2].name, "manifest/" ID1 ".json");
    assert_member(&a, "labels/" ID1 ".txt",
                  "1 0.250000 0.400000 0.300000 0.400000\n"
                  "2 0.000000 0.500000 1.000000 0.500000 0.500000 1.000000\n"
                  "0 0.125000 0.000000 0.250000 0.000000 0.250000 0.125000\n");
    char *manifest = member(&a, "manifest/" ID1 ".json");
    json_t *j = json_loads(manifest, 0, NULL);
    assert_non_null(j);
    assert_int_equal(manifest[strlen(manifest) - 1], '\n');
    assert_string_equal(json_string_value(json_object_get(j, "task_id")), ID1);
    assert_string_equal(json_string_value(json_object_get(j, "annotation_id")), "A00");
    assert_string_equal(json_string_value(json_object_get(j, "labels")), "labels/" ID1 ".txt");
    assert_string_equal(json_string_value(json_object_get(j, "image")), "https://x.test/1.png");
    json_decref(j);
    free(manifest);
    tl_buf_release(&a.b);
}

/* Label Studio turns a box about its top-left corner; YOLO gets the
 * enclosing axis-aligned box, clipped to the image. */
static void test_yolo_rotated_box_aabb(void **state) {
    const struct run_task t[] = {
        /* percent units: 90 degrees sends the box down-left of its corner */
        {ID1, "{\"image\":\"a\"}",
         {"{\"cars\":[{\"x\":50,\"y\":50,\"width\":20,\"height\":10,\"rotation\":90,"
          "\"label\":\"car\"},"
          /* 270 degrees lifts it half off the top edge: clipped */
          "{\"x\":5,\"y\":5,\"width\":10,\"height\":10,\"rotation\":270,\"label\":\"car\"},"
          /* 180 degrees about (0,0) leaves nothing on the image: skipped */
          "{\"x\":0,\"y\":0,\"width\":10,\"height\":10,\"rotation\":180,\"label\":\"bus\"}]}"}},
        /* pixels: the turn happens on the 200x100 picture */
        {ID2, "{\"image\":\"b\",\"width\":200,\"height\":100}",
         {"{\"cars\":[{\"x\":50,\"y\":50,\"width\":20,\"height\":10,\"rotation\":90,"
          "\"label\":\"car\"}]}"}}};
    struct archive a;
    export_yolo(SCHEMA, t, 2, &a);
    assert_member(&a, "labels/" ID1 ".txt",
                  "0 0.450000 0.600000 0.100000 0.200000\n"
                  "0 0.100000 0.025000 0.100000 0.050000\n");
    assert_member(&a, "labels/" ID2 ".txt", "0 0.475000 0.700000 0.050000 0.400000\n");
    tl_buf_release(&a.b);
}

/* The newest annotation (the last fed) is the one exported; tasks without
 * annotations or without an image reference write nothing; an annotation
 * without regions is an empty label file (a background image). */
static void test_yolo_which_tasks_and_annotations(void **state) {
    const struct run_task t[] = {
        {ID1, "{\"image\":\"a\"}",
         {"{\"cars\":[{\"x\":0,\"y\":0,\"width\":10,\"height\":10,\"label\":\"car\"}]}",
          "{\"cars\":[{\"x\":0,\"y\":0,\"width\":20,\"height\":20,\"label\":\"bus\"}]}"}},
        {ID2, "{\"image\":\"b\"}", {NULL}},
        {ID3, "{\"other\":\"c\"}", {"{\"cars\":[]}"}},
        {"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a54", "{\"image\":\"d\"}", {"{\"cars\":[]}"}}};
    struct archive a;
    export_yolo(SCHEMA, t, 4, &a);
    assert_int_equal(a.n, 5);
    assert_member(&a, "labels/" ID1 ".txt", "1 0.100000 0.100000 0.200000 0.200000\n");
    char *manifest = member(&a, "manifest/" ID1 ".json");
    assert_non_null(strstr(manifest, "\"annotation_id\":\"A01\""));
    free(manifest);
    assert_member(&a, "labels/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a54.txt", "");
    tl_buf_release(&a.b);
}

/* Labels are schema text: YAML gets them double-quoted with escapes that
 * a YAML reader accepts, never a raw control character or line break. */
static void test_yolo_yaml_escapes_names(void **state) {
    const char *schema = "{\"fields\":[{\"name\":\"b\",\"type\":\"boxes\",\"source\":\"i\","
                         "\"labels\":[\"a \\\"q\\\" \\\\ b\",\"tab\\there\",\"ls\\u2028x\","
                         "\"caf\\u00e9 \\ud83d\\ude00\",\"c1\\u0085\"]}]}";
    struct archive a;
    export_yolo(schema, NULL, 0, &a);
    char *yaml = member(&a, "data.yaml");
    assert_non_null(strstr(yaml, "  0: \"a \\\"q\\\" \\\\ b\"\n"
                                 "  1: \"tab\\x09here\"\n"
                                 "  2: \"ls\\u2028x\"\n"
                                 "  3: \"caf\xc3\xa9 \xf0\x9f\x98\x80\"\n"
                                 "  4: \"c1\\x85\"\n"));
    free(yaml);
    tl_buf_release(&a.b);
}

/* The bound is the ceiling the exporter writes under: the densest output
 * per result byte (1000-point polygons of one-digit numbers, the highest
 * class index, the longest names) must fit it. */
static void test_yolo_bound_holds_for_dense_results(void **state) {
    json_t *labels = json_array();
    for (int i = 0; i < TL_SCHEMA_MAX_OPTIONS - 1; i++) {
        char label[TL_SCHEMA_MAX_OPTION_LEN + 1];
        memset(label, '\x01', TL_SCHEMA_MAX_OPTION_LEN); /* escapes to 4 bytes a byte */
        snprintf(label, sizeof label, "%d", i);
        label[strlen(label)] = '\x01';
        label[TL_SCHEMA_MAX_OPTION_LEN] = '\0';
        json_array_append_new(labels, json_string(label));
    }
    json_array_append_new(labels, json_string("z")); /* a short result, a long index */
    json_t *js = json_pack("{s:[{s:s,s:s,s:s,s:o}]}", "fields", "name", "p", "type", "polygons",
                           "source", "i", "labels", labels);
    char *schema = json_dumps(js, JSON_COMPACT);
    json_t *points = json_array();
    for (int i = 0; i < TL_SCHEMA_MAX_POINTS; i++)
        json_array_append_new(points, json_pack("[i,i]", i % 10, 0));
    json_t *items = json_array();
    json_t *last = json_array_get(labels, TL_SCHEMA_MAX_OPTIONS - 1);
    for (int i = 0; i < 20; i++)
        json_array_append_new(items, json_pack("{s:O,s:O}", "points", points, "label", last));
    json_t *res = json_pack("{s:o}", "p", items);
    char *result = json_dumps(res, JSON_COMPACT);
    const struct run_task t[] = {{ID1, "{\"i\":\"\\u0001\\u0001\"}", {result}}};
    struct archive a;
    export_yolo(schema, t, 1, &a);
    assert_int_equal(a.n, 3);
    char *lines = member(&a, "labels/" ID1 ".txt");
    assert_int_equal(strncmp(lines, "999 0.000000 0.000000 0.010000 0.000000", 39), 0);
    free(lines);
    tl_buf_release(&a.b);
    free(result);
    free(schema);
    json_decref(res);
    json_decref(points);
    json_decref(js);
}

static void test_yolo_needs_boxes_or_polygons(void **state) {
    run_assert_unfit("yolo", RUN_CHOICE_ONLY, "boxes or polygons");
    run_assert_unfit("yolo",
                     "{\"views\":[{\"source\":\"i\",\"kind\":\"image\"}],\"fields\":["
                     "{\"name\":\"k\",\"type\":\"keypoints\",\"source\":\"i\","
                     "\"labels\":[\"eye\"]}]}",
                     "boxes or polygons");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yolo_data_yaml_classes_deduplicated),
        cmocka_unit_test(test_yolo_box_and_polygon_lines),
        cmocka_unit_test(test_yolo_rotated_box_aabb),
        cmocka_unit_test(test_yolo_which_tasks_and_annotations),
        cmocka_unit_test(test_yolo_yaml_escapes_names),
        cmocka_unit_test(test_yolo_bound_holds_for_dense_results),
        cmocka_unit_test(test_yolo_needs_boxes_or_polygons),
    };
    return cmocka_run_group_tests_name("export_yolo", tests, NULL, NULL);
}
