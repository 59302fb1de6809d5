/* Tests for src/schema/export_coco.c: the COCO document the writer streams
 * (categories, images, boxes, polygons, keypoints, pixels vs percent). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "schema/export_coco.h"

static const char SCHEMA[] =
    "{\"views\":[{\"source\":\"image\",\"kind\":\"image\"}],\"fields\":["
    "{\"name\":\"cars\",\"type\":\"boxes\",\"source\":\"image\",\"labels\":[\"car\",\"bus\"]},"
    "{\"name\":\"note\",\"type\":\"text\",\"required\":false},"
    "{\"name\":\"lanes\",\"type\":\"polygons\",\"source\":\"image\",\"labels\":[\"lane\"]},"
    "{\"name\":\"face\",\"type\":\"keypoints\",\"source\":\"image\","
    "\"labels\":[\"eye\",\"nose\",\"mouth\"]}]}";

struct doc_task {
    const char *data;
    const char *results[2]; /* NULL-terminated */
};

/* Write a whole document over tasks through both passes and parse it. */
static json_t *export_doc(const struct doc_task *tasks, size_t n) {
    struct tl_schema s;
    struct tl_errbuf eb = {{0}};
    json_t *js = json_loads(SCHEMA, 0, NULL);
    assert_non_null(js);
    assert_int_equal(tl_schema_parse(js, &s, &eb), 0);
    json_decref(js);
    struct tl_coco c;
    assert_int_equal(tl_coco_init(&c, &s), 0);
    struct tl_buf b;
    tl_buf_init(&b, 1u << 20);
    assert_int_equal(tl_coco_begin(&c, &b), 0);
    assert_true(b.len <= tl_coco_head_bound(&c));
    for (int pass = 1; pass <= 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            struct tl_export_annotation an[2] = {{.id = "ann1"}, {.id = "ann2"}};
            size_t na = 0;
            while (na < 2 && tasks[i].results[na]) {
                an[na].result = tasks[i].results[na];
                an[na].result_len = strlen(tasks[i].results[na]);
                na++;
            }
            struct tl_export_task t = {.id = "task",
                                       .data = tasks[i].data,
                                       .data_len = strlen(tasks[i].data),
                                       .annotations = na ? an : NULL,
                                       .n_annotations = na};
            size_t before = b.len;
            assert_int_equal(tl_coco_export_task(&c, &b, &t), 0);
            assert_true(b.len - before <= tl_coco_task_bound(&c, &t));
        }
        if (pass == 1)
            assert_int_equal(tl_coco_next_pass(&c, &b), 0);
    }
    assert_int_equal(tl_coco_end(&c, &b), 0);
    assert_int_equal(b.data[b.len - 1], '\n');
    json_error_t err;
    json_t *doc = json_loadb(b.data, b.len, 0, &err);
    if (!doc)
        fail_msg("not JSON: %s: %s", err.text, b.data);
    tl_buf_release(&b);
    tl_schema_release(&s);
    return doc;
}

static double num_at(const json_t *a, size_t i) {
    return json_number_value(json_array_get(a, i));
}

static void assert_near(double got, double want) {
    if (fabs(got - want) > 1e-9)
        fail_msg("got %.17g, want %.17g", got, want);
}

static void test_coco_categories_in_schema_order(void **state) {
    json_t *doc = export_doc(NULL, 0);
    const json_t *cats = json_object_get(doc, "categories");
    assert_int_equal(json_array_size(cats), 4);
    static const char *const names[] = {"car", "bus", "lane", "face"};
    for (size_t i = 0; i < 4; i++) {
        const json_t *cat = json_array_get(cats, i);
        assert_int_equal(json_integer_value(json_object_get(cat, "id")), (json_int_t)i + 1);
        assert_string_equal(json_string_value(json_object_get(cat, "name")), names[i]);
    }
    const json_t *kp = json_object_get(json_array_get(cats, 3), "keypoints");
    assert_int_equal(json_array_size(kp), 3);
    assert_string_equal(json_string_value(json_array_get(kp, 1)), "nose");
    assert_int_equal(json_array_size(json_object_get(doc, "images")), 0);
    assert_int_equal(json_array_size(json_object_get(doc, "annotations")), 0);
    assert_non_null(json_object_get(json_object_get(doc, "info"), "coordinates"));
    json_decref(doc);
}

static void test_coco_boxes_in_pixels(void **state) {
    const struct doc_task t[] = {
        {"{\"image\":\"a.png\",\"width\":640,\"height\":480}",
         {"{\"cars\":[{\"x\":10,\"y\":20,\"width\":50,\"height\":25,\"label\":\"bus\"}]}"}}};
    json_t *doc = export_doc(t, 1);
    const json_t *img = json_array_get(json_object_get(doc, "images"), 0);
    assert_string_equal(json_string_value(json_object_get(img, "file_name")), "a.png");
    assert_int_equal(json_number_value(json_object_get(img, "width")), 640);
    assert_string_equal(json_string_value(json_object_get(img, "tally_units")), "pixels");
    const json_t *anns = json_object_get(doc, "annotations");
    assert_int_equal(json_array_size(anns), 1);
    const json_t *a = json_array_get(anns, 0);
    assert_int_equal(json_integer_value(json_object_get(a, "category_id")), 2);
    assert_int_equal(json_integer_value(json_object_get(a, "image_id")), 1);
    assert_string_equal(json_string_value(json_object_get(a, "tally_annotation_id")), "ann1");
    const json_t *bbox = json_object_get(a, "bbox");
    assert_near(num_at(bbox, 0), 64);
    assert_near(num_at(bbox, 1), 96);
    assert_near(num_at(bbox, 2), 320);
    assert_near(num_at(bbox, 3), 120);
    assert_near(json_number_value(json_object_get(a, "area")), 320 * 120);
    const json_t *seg = json_array_get(json_object_get(a, "segmentation"), 0);
    assert_int_equal(json_array_size(seg), 8);
    assert_near(num_at(seg, 4), 384); /* bottom-right corner */
    assert_near(num_at(seg, 5), 216);
    json_decref(doc);
}

static void test_coco_percent_without_size(void **state) {
    const struct doc_task t[] = {
        {"{\"image\":\"b.png\"}",
         {"{\"cars\":[{\"x\":10,\"y\":20,\"width\":50,\"height\":25,\"label\":\"car\"}]}"}},
        /* a size that is not two positive numbers counts as none */
        {"{\"image\":\"c.png\",\"width\":\"640\",\"height\":0}", {NULL}}};
    json_t *doc = export_doc(t, 2);
    for (size_t i = 0; i < 2; i++) {
        const json_t *img = json_array_get(json_object_get(doc, "images"), i);
        assert_string_equal(json_string_value(json_object_get(img, "tally_units")), "percent");
        assert_int_equal(json_number_value(json_object_get(img, "width")), 100);
    }
    const json_t *bbox = json_object_get(json_array_get(json_object_get(doc, "annotations"), 0),
                                         "bbox");
    assert_near(num_at(bbox, 0), 10);
    assert_near(num_at(bbox, 2), 50);
    json_decref(doc);
}

static void test_coco_rotated_box_bbox_encloses_corners(void **state) {
    const struct doc_task t[] = {
        {"{\"image\":\"a.png\",\"width\":100,\"height\":100}",
         {"{\"cars\":[{\"x\":10,\"y\":10,\"width\":20,\"height\":10,\"rotation\":90,"
          "\"label\":\"car\"}]}"}}};
    json_t *doc = export_doc(t, 1);
    const json_t *a = json_array_get(json_object_get(doc, "annotations"), 0);
    const json_t *bbox = json_object_get(a, "bbox");
    /* turned 90 degrees about (10,10): x from 0 to 10, y from 10 to 30 */
    assert_near(num_at(bbox, 0), 0);
    assert_near(num_at(bbox, 1), 10);
    assert_near(num_at(bbox, 2), 10);
    assert_near(num_at(bbox, 3), 20);
    assert_near(json_number_value(json_object_get(a, "rotation")), 90);
    assert_near(json_number_value(json_object_get(a, "area")), 200);
    json_decref(doc);
}

static void test_coco_polygon_segmentation_bbox_area(void **state) {
    const struct doc_task t[] = {
        {"{\"image\":\"p.png\",\"width\":200,\"height\":100}",
         {"{\"lanes\":[{\"points\":[[10,10],[60,10],[60,50],[10,50]],\"label\":\"lane\"}]}"}}};
    json_t *doc = export_doc(t, 1);
    const json_t *a = json_array_get(json_object_get(doc, "annotations"), 0);
    assert_int_equal(json_integer_value(json_object_get(a, "category_id")), 3);
    const json_t *seg = json_array_get(json_object_get(a, "segmentation"), 0);
    assert_int_equal(json_array_size(seg), 8);
    assert_near(num_at(seg, 0), 20);
    assert_near(num_at(seg, 2), 120);
    assert_near(num_at(seg, 5), 50);
    const json_t *bbox = json_object_get(a, "bbox");
    assert_near(num_at(bbox, 0), 20);
    assert_near(num_at(bbox, 1), 10);
    assert_near(num_at(bbox, 2), 100);
    assert_near(num_at(bbox, 3), 40);
    assert_near(json_number_value(json_object_get(a, "area")), 4000);
    json_decref(doc);
}

static void test_coco_keypoints_triples_in_label_order(void **state) {
    const struct doc_task t[] = {
        {"{\"image\":\"k.png\",\"width\":200,\"height\":100}",
         {"{\"face\":[{\"x\":50,\"y\":40,\"label\":\"mouth\"},{\"x\":10,\"y\":20,"
          "\"label\":\"eye\"},{\"x\":90,\"y\":90,\"label\":\"eye\"}]}"}}};
    json_t *doc = export_doc(t, 1);
    const json_t *anns = json_object_get(doc, "annotations");
    assert_int_equal(json_array_size(anns), 1);
    const json_t *a = json_array_get(anns, 0);
    assert_int_equal(json_integer_value(json_object_get(a, "category_id")), 4);
    const json_t *kp = json_object_get(a, "keypoints");
    assert_int_equal(json_array_size(kp), 9);
    const double want[] = {20, 20, 2, 0, 0, 0, 100, 40, 2}; /* first eye kept */
    for (size_t i = 0; i < 9; i++)
        assert_near(num_at(kp, i), want[i]);
    assert_int_equal(json_integer_value(json_object_get(a, "num_keypoints")), 2);
    const json_t *bbox = json_object_get(a, "bbox");
    assert_near(num_at(bbox, 0), 20);
    assert_near(num_at(bbox, 2), 80);
    assert_near(num_at(bbox, 3), 20);
    json_decref(doc);
}

static void test_coco_task_without_annotations(void **state) {
    const struct doc_task t[] = {
        {"{\"image\":\"a.png\"}", {NULL}},
        {"{\"other\":1}", {"{\"note\":\"x\",\"cars\":[]}"}},
        {"{\"image\":\"c.png\"}",
         {"{\"cars\":[{\"x\":1,\"y\":1,\"width\":1,\"height\":1,\"label\":\"car\"}]}",
          "{\"cars\":[{\"x\":2,\"y\":2,\"width\":1,\"height\":1,\"label\":\"car\"}]}"}}};
    json_t *doc = export_doc(t, 3);
    const json_t *imgs = json_object_get(doc, "images");
    assert_int_equal(json_array_size(imgs), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(imgs, 1), "file_name")),
                        "");
    const json_t *anns = json_object_get(doc, "annotations");
    assert_int_equal(json_array_size(anns), 2);
    for (size_t i = 0; i < 2; i++) {
        const json_t *a = json_array_get(anns, i);
        assert_int_equal(json_integer_value(json_object_get(a, "id")), (json_int_t)i + 1);
        assert_int_equal(json_integer_value(json_object_get(a, "image_id")), 3);
    }
    json_decref(doc);
}

/* Categories repeat their field's name per label: the head's ceiling must
 * count it for each, or a schema of many short labels cannot be exported. */
static void test_coco_head_bound_many_short_labels(void **state) {
    json_t *labels = json_array();
    char label[16];
    for (int i = 0; i < TL_SCHEMA_MAX_OPTIONS; i++) {
        snprintf(label, sizeof label, "%d", i);
        json_array_append_new(labels, json_string(label));
    }
    char name[TL_SCHEMA_MAX_NAME + 1];
    memset(name, '\x01', TL_SCHEMA_MAX_NAME); /* escapes to 6 bytes a byte */
    name[TL_SCHEMA_MAX_NAME] = 0;
    json_t *js = json_pack("{s:[{s:s,s:s}],s:[{s:s,s:s,s:s,s:o}]}", "views", "source", "i",
                           "kind", "image", "fields", "name", name, "type", "boxes", "source",
                           "i", "labels", labels);
    assert_non_null(js);
    struct tl_schema s;
    struct tl_errbuf eb = {{0}};
    if (tl_schema_parse(js, &s, &eb))
        fail_msg("%s", eb.msg);
    json_decref(js);
    struct tl_coco c;
    assert_int_equal(tl_coco_init(&c, &s), 0);
    struct tl_buf b;
    tl_buf_init(&b, tl_coco_head_bound(&c));
    assert_int_equal(tl_coco_begin(&c, &b), 0);
    tl_buf_release(&b);
    tl_schema_release(&s);
}

static void test_coco_needs_a_region_field(void **state) {
    json_t *js = json_loads("{\"fields\":[{\"name\":\"c\",\"type\":\"choice\",\"options\":[\"a\"]}]}",
                            0, NULL);
    struct tl_schema s;
    struct tl_errbuf eb;
    assert_int_equal(tl_schema_parse(js, &s, &eb), 0);
    json_decref(js);
    struct tl_coco c;
    assert_int_equal(tl_coco_init(&c, &s), TL_EINVAL);
    tl_schema_release(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_coco_categories_in_schema_order),
        cmocka_unit_test(test_coco_boxes_in_pixels),
        cmocka_unit_test(test_coco_percent_without_size),
        cmocka_unit_test(test_coco_rotated_box_bbox_encloses_corners),
        cmocka_unit_test(test_coco_polygon_segmentation_bbox_area),
        cmocka_unit_test(test_coco_keypoints_triples_in_label_order),
        cmocka_unit_test(test_coco_task_without_annotations),
        cmocka_unit_test(test_coco_head_bound_many_short_labels),
        cmocka_unit_test(test_coco_needs_a_region_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
