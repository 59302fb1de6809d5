/* Tests for src/schema/lsxml.c: each supported Label Studio tag on a
 * hand-written config, the refusals (unsupported tag, malformed XML with its
 * line, DOCTYPE and entities, ceilings), and every real config under
 * $TALLY_TESTDATA/interop/labelstudio (skipped with a message when absent). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "core/buf.h"
#include "schema/lsxml.h"
#include "schema/schema.h"

/* Convert xml and compare with the expected schema written as JSON. */
static void expect_schema(const char *xml, const char *want_text) {
    json_t *got;
    struct tl_errbuf eb = {{0}};
    int rc = tl_lsxml_convert(xml, strlen(xml), &got, &eb);
    if (rc)
        fail_msg("convert failed (%d): %s", rc, eb.msg);
    json_error_t jerr;
    json_t *want = json_loads(want_text, 0, &jerr);
    assert_non_null(want);
    if (!json_equal(got, want)) {
        char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
        fail_msg("got %s", g);
    }
    json_decref(want);
    json_decref(got);
}

/* Convert xml, expect rc and a message containing each of the needles. */
static void expect_refused(const char *xml, size_t len, int want_rc, const char *needle) {
    json_t *got = (json_t *)1;
    struct tl_errbuf eb = {{0}};
    int rc = tl_lsxml_convert(xml, len, &got, &eb);
    if (rc != want_rc)
        fail_msg("rc %d (want %d): %s", rc, want_rc, eb.msg);
    assert_null(got);
    if (needle && !strstr(eb.msg, needle))
        fail_msg("message '%s' lacks '%s'", eb.msg, needle);
}
#define REFUSED(xml, rc, needle) expect_refused(xml, strlen(xml), rc, needle)

static void test_choices_single_and_multiple(void **state) {
    expect_schema("<View><Header value=\"Pick\"/><Text name=\"t\" value=\"$text\"/>"
                  "<View style=\"x\"><Choices name=\"sentiment\" toName=\"t\" required=\"true\">"
                  "<Choice value=\"Pos\"/><Choice value=\"Neg\"/></Choices></View>"
                  "<Choices name=\"tags\" toName=\"t\" choice=\"multiple\">"
                  "<View><Choice value=\"a\"/></View><Choice value=\"b\"/></Choices></View>",
                  "{\"views\":[{\"source\":\"text\",\"kind\":\"text\",\"name\":\"t\"}],\"fields\":["
                  "{\"name\":\"sentiment\",\"type\":\"choice\",\"options\":[\"Pos\",\"Neg\"],"
                  "\"required\":true},"
                  "{\"name\":\"tags\",\"type\":\"multichoice\",\"options\":[\"a\",\"b\"],"
                  "\"required\":false}]}");
}

/* Labels before the Text they point at: toName is resolved after reading. */
static void test_labels_on_text_are_spans_with_relations(void **state) {
    expect_schema("<View><Relations name=\"rel\"><Relation value=\"works_for\"/></Relations>"
                  "<Labels name=\"ner\" toName=\"doc\"><Label value=\"PER\"/>"
                  "<Label value=\"ORG\"/></Labels><Text name=\"doc\" value=\"$body\"/></View>",
                  "{\"views\":[{\"source\":\"body\",\"kind\":\"text\",\"name\":\"doc\"}],\"fields\":["
                  "{\"name\":\"rel\",\"type\":\"relations\",\"field\":\"ner\","
                  "\"labels\":[\"works_for\"],\"required\":false},"
                  "{\"name\":\"ner\",\"type\":\"spans\",\"source\":\"body\","
                  "\"labels\":[\"PER\",\"ORG\"],\"allow_overlap\":true,\"required\":false}]}");
    REFUSED("<View><Image name=\"i\" value=\"$i\"/><Relations name=\"r\">"
            "<Relation value=\"x\"/></Relations><Choices name=\"c\" toName=\"i\">"
            "<Choice value=\"y\"/></Choices></View>",
            TL_EINVAL, "<Relations> needs a <Labels> field");
}

static void test_hypertext_and_paragraphs_views(void **state) {
    expect_schema("<View><HyperText name=\"h\" value=\"$html\"/>"
                  "<Paragraphs name=\"chat\" value=\"$dialogue\" layout=\"dialogue\"/>"
                  "<Paragraphs name=\"p\" value=\"$paras\"/>"
                  "<Labels name=\"l\" toName=\"chat\"><Label value=\"Q\"/></Labels></View>",
                  "{\"views\":[{\"source\":\"html\",\"kind\":\"markdown\",\"name\":\"h\"},"
                  "{\"source\":\"dialogue\",\"kind\":\"chat\",\"name\":\"chat\"},"
                  "{\"source\":\"paras\",\"kind\":\"text\",\"name\":\"p\"}],\"fields\":["
                  "{\"name\":\"l\",\"type\":\"spans\",\"source\":\"dialogue\","
                  "\"labels\":[\"Q\"],\"allow_overlap\":true,\"required\":false}]}");
}

static void test_image_boxes_polygons_keypoints(void **state) {
    expect_schema("<View><Image name=\"img\" value=\"$image\"/>"
                  "<RectangleLabels name=\"box\" toName=\"img\"><Label value=\"Car\"/>"
                  "</RectangleLabels><PolygonLabels name=\"poly\" toName=\"img\">"
                  "<Label value=\"Road\"/></PolygonLabels>"
                  "<KeyPointLabels name=\"kp\" toName=\"img\"><Label value=\"Nose\"/>"
                  "</KeyPointLabels></View>",
                  "{\"views\":[{\"source\":\"image\",\"kind\":\"image\",\"name\":\"img\"}],\"fields\":["
                  "{\"name\":\"box\",\"type\":\"boxes\",\"source\":\"image\","
                  "\"labels\":[\"Car\"],\"required\":false},"
                  "{\"name\":\"poly\",\"type\":\"polygons\",\"source\":\"image\","
                  "\"labels\":[\"Road\"],\"required\":false},"
                  "{\"name\":\"kp\",\"type\":\"keypoints\",\"source\":\"image\","
                  "\"labels\":[\"Nose\"],\"required\":false}]}");
    REFUSED("<View><Text name=\"t\" value=\"$t\"/><RectangleLabels name=\"b\" toName=\"t\">"
            "<Label value=\"x\"/></RectangleLabels></View>",
            TL_EINVAL, "<RectangleLabels> cannot work on <Text>");
}

/* A per-region TextArea on labelled audio is each segment's "text". */
static void test_labels_on_audio_are_segments(void **state) {
    expect_schema("<View><Labels name=\"seg\" toName=\"a\"><Label value=\"Speech\"/></Labels>"
                  "<Audio name=\"a\" value=\"$audio\"/>"
                  "<TextArea name=\"tr\" toName=\"a\" perRegion=\"true\"/></View>",
                  "{\"views\":[{\"source\":\"audio\",\"kind\":\"audio\",\"name\":\"a\"}],\"fields\":["
                  "{\"name\":\"seg\",\"type\":\"segments\",\"source\":\"audio\","
                  "\"labels\":[\"Speech\"],\"text_name\":\"tr\",\"required\":false}]}");
    REFUSED("<View><Text name=\"t\" value=\"$t\"/>"
            "<TextArea name=\"tr\" toName=\"t\" perRegion=\"true\"/></View>",
            TL_EINVAL, "per-region");
}

static void test_textarea_number_rating(void **state) {
    expect_schema("<View><Text name=\"t\" value=\"$t\"/>"
                  "<TextArea name=\"summary\" toName=\"t\"/>"
                  "<Number name=\"age\" toName=\"t\" min=\"0\" max=\"120.5\"/>"
                  "<Number name=\"any\" toName=\"t\"/>"
                  "<Rating name=\"stars\" toName=\"t\" maxRating=\"10\"/>"
                  "<Rating name=\"dflt\" toName=\"t\"/></View>",
                  "{\"views\":[{\"source\":\"t\",\"kind\":\"text\"}],\"fields\":["
                  "{\"name\":\"summary\",\"type\":\"text\",\"required\":false},"
                  "{\"name\":\"age\",\"type\":\"number\",\"min\":0,\"max\":120.5,"
                  "\"required\":false},"
                  "{\"name\":\"any\",\"type\":\"number\",\"required\":false},"
                  "{\"name\":\"stars\",\"type\":\"rating\",\"min\":1,\"max\":10,"
                  "\"required\":false},"
                  "{\"name\":\"dflt\",\"type\":\"rating\",\"min\":1,\"max\":5,"
                  "\"required\":false}]}");
    REFUSED("<View><Number name=\"n\" min=\"5\" max=\"1\"/></View>", TL_EINVAL, "min > max");
    REFUSED("<View><Number name=\"n\" min=\"nan\"/></View>", TL_EINVAL, "not a number");
    REFUSED("<View><Number name=\"n\" max=\"1e999\"/></View>", TL_EINVAL, "not a number");
    REFUSED("<View><Rating name=\"r\" maxRating=\"0\"/></View>", TL_EINVAL, "maxRating");
    REFUSED("<View><Rating name=\"r\" maxRating=\"5x\"/></View>", TL_EINVAL, "maxRating");
}

static void test_pairwise_and_ranker_sources(void **state) {
    expect_schema(
        "<View><Text name=\"a\" value=\"$left\"/><Text name=\"b\" value=\"$right\"/>"
        "<Text name=\"c\" value=\"$third\"/>"
        "<Pairwise name=\"pref\" toName=\"a, b\"/>"
        "<Ranker name=\"rank\" toName=\"a,b,c\"/></View>",
        "{\"views\":[{\"source\":\"left\",\"kind\":\"text\",\"name\":\"a\"},"
        "{\"source\":\"right\",\"kind\":\"text\",\"name\":\"b\"},{\"source\":\"third\",\"kind\":\"text\",\"name\":\"c\"}],"
        "\"fields\":[{\"name\":\"pref\",\"type\":\"pairwise\","
        "\"sources\":[\"left\",\"right\"],\"required\":false},"
        "{\"name\":\"rank\",\"type\":\"ranking\",\"sources\":[\"left\",\"right\",\"third\"],"
        "\"required\":false}]}");
    REFUSED("<View><Text name=\"a\" value=\"$a\"/><Pairwise name=\"p\" toName=\"a\"/></View>",
            TL_EINVAL, "two objects");
    REFUSED("<View><Text name=\"a\" value=\"literal\"/><Text name=\"b\" value=\"$b\"/>"
            "<Pairwise name=\"p\" toName=\"a,b\"/></View>",
            TL_EINVAL, "value=\"$key\"");
}

static void test_unsupported_tag_is_named(void **state) {
    REFUSED("<View>\n<Video name=\"v\" value=\"$v\"/>\n</View>", TL_EINVAL,
            "line 2: unsupported tag <Video>");
    REFUSED("<Choices name=\"c\"/>", TL_EINVAL, "root element must be <View>");
    REFUSED("<View><Label value=\"x\"/></View>", TL_EINVAL, "outside the control");
    REFUSED("<View><Choices name=\"c\" toName=\"nope\"><Choice value=\"x\"/></Choices></View>",
            TL_EINVAL, "names no object");
    REFUSED("<View><Text name=\"t\" value=\"$t\"/><Choices toName=\"t\"><Choice value=\"x\"/>"
            "</Choices></View>",
            TL_EINVAL, "needs a name");
    REFUSED("<View><Text name=\"t\" value=\"$t\"/><TextArea name=\"x\"/><TextArea name=\"x\"/>"
            "</View>",
            TL_EINVAL, "duplicate name");
    REFUSED("<View><Text name=\"t\" value=\"$t\"/><Choices name=\"c\" toName=\"t\"/></View>",
            TL_EINVAL, "has no options");
    REFUSED("<View><Text name=\"t\" value=\"$t\"/></View>", TL_EINVAL, "no control tag");
}

static void test_malformed_xml_names_line(void **state) {
    REFUSED("<View>\n<Text name=\"t\" value=\"$t\"/>\n<Choices name=\"c\">\n</View>", TL_EINVAL,
            "line 4: mismatched tag");
    REFUSED("", TL_EINVAL, "line 1");
    REFUSED("<View><Text name=\"t\" value=\"$t\" value=\"$u\"/></View>", TL_EINVAL,
            "duplicate attribute");
    REFUSED("<View>&undefined;</View>", TL_EINVAL, "undefined entity");
}

/* Billion laughs: entities declared in a DOCTYPE are never expanded. */
static void test_doctype_entities_refused(void **state) {
    REFUSED("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n"
            "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
            "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n]>\n"
            "<View><Header value=\"&lol3;\"/></View>",
            TL_EINVAL, "line 2: DOCTYPE is not allowed");
    REFUSED("<!DOCTYPE View SYSTEM \"file:///etc/passwd\"><View>&x;</View>", TL_EINVAL,
            "DOCTYPE is not allowed");
    REFUSED("<!DOCTYPE View [<!ENTITY % p SYSTEM \"http://127.0.0.1/x\"> %p;]><View/>", TL_EINVAL,
            "DOCTYPE is not allowed");
}

static void test_ceilings(void **state) {
    struct tl_buf b;
    tl_buf_init(&b, 4u << 20);
    for (int i = 0; i <= TL_LSXML_MAX_DEPTH; i++)
        assert_int_equal(tl_buf_puts(&b, "<View>"), 0);
    expect_refused(b.data, b.len, TL_ETOOBIG, "nested deeper");
    tl_buf_release(&b);

    tl_buf_init(&b, 4u << 20);
    assert_int_equal(tl_buf_puts(&b, "<View>"), 0);
    for (int i = 0; i < TL_LSXML_MAX_ELEMENTS; i++)
        assert_int_equal(tl_buf_puts(&b, "<View/>"), 0);
    assert_int_equal(tl_buf_puts(&b, "</View>"), 0);
    expect_refused(b.data, b.len, TL_ETOOBIG, "elements");
    tl_buf_release(&b);

    tl_buf_init(&b, 4u << 20);
    assert_int_equal(tl_buf_puts(&b, "<View"), 0);
    char attr[32];
    for (int i = 0; i <= TL_LSXML_MAX_ATTRS; i++) {
        int n = snprintf(attr, sizeof attr, " a%d=\"x\"", i);
        assert_int_equal(tl_buf_append(&b, attr, (size_t)n), 0);
    }
    assert_int_equal(tl_buf_puts(&b, "/>"), 0);
    expect_refused(b.data, b.len, TL_ETOOBIG, "attributes");
    tl_buf_release(&b);

    tl_buf_init(&b, 4u << 20);
    assert_int_equal(tl_buf_puts(&b, "<View style=\""), 0);
    for (int i = 0; i <= TL_LSXML_MAX_ATTR_LEN; i++)
        assert_int_equal(tl_buf_puts(&b, "x"), 0);
    assert_int_equal(tl_buf_puts(&b, "\"/>"), 0);
    expect_refused(b.data, b.len, TL_ETOOBIG, "longer than");
    tl_buf_release(&b);

    /* more controls than a schema holds: refused before any per-control walk */
    tl_buf_init(&b, 4u << 20);
    assert_int_equal(tl_buf_puts(&b, "<View><Text name=\"t\" value=\"$t\"/>"), 0);
    for (int i = 0; i <= TL_SCHEMA_MAX_FIELDS; i++) {
        int n = snprintf(attr, sizeof attr, "<TextArea name=\"f%d\"/>", i);
        assert_int_equal(tl_buf_append(&b, attr, (size_t)n), 0);
    }
    assert_int_equal(tl_buf_puts(&b, "</View>"), 0);
    expect_refused(b.data, b.len, TL_ETOOBIG, "control tags");
    tl_buf_release(&b);

    static char big[TL_LSXML_MAX_BYTES + 1];
    memset(big, ' ', sizeof big);
    expect_refused(big, sizeof big, TL_ETOOBIG, "larger than");
}

static void test_media_types(void **state) {
    assert_int_equal(tl_lsxml_media_type("application/xml"), 0);
    assert_int_equal(tl_lsxml_media_type("text/xml; charset=utf-8"), 0);
    assert_int_equal(tl_lsxml_media_type("Application/XML"), 0);
    assert_int_equal(tl_lsxml_media_type(NULL), TL_EINVAL);
    assert_int_equal(tl_lsxml_media_type("application/json"), TL_EINVAL);
    assert_int_equal(tl_lsxml_media_type("application/xml-dtd"), TL_EINVAL);
    assert_int_equal(tl_lsxml_media_type("application/xhtml+xml"), TL_EINVAL);
}

/* The type of the first field each real config must make. */
static const struct {
    const char *file, *type;
} REAL[] = {
    {"asr-segments.xml", "segments"},
    {"keypoints.xml", "keypoints"},
    {"named-entity-recognition.xml", "spans"},
    {"object-detection-bounding-boxes.xml", "boxes"},
    {"pairwise-classification.xml", "pairwise"},
    {"text-classification.xml", "choice"},
};

static char *read_small(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(TL_LSXML_MAX_BYTES + 1);
    assert_non_null(buf);
    *len = fread(buf, 1, TL_LSXML_MAX_BYTES + 1, f);
    fclose(f);
    return buf;
}

/* Every config written by the Label Studio project converts. */
static void test_label_studio_configs_convert(void **state) {
    const char *root = getenv("TALLY_TESTDATA");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/interop/labelstudio/configs",
             root && *root ? root : "../shared/data");
    DIR *d = opendir(dir);
    if (!d) {
        print_message("skipping: Label Studio configs '%s' not found (set TALLY_TESTDATA)\n", dir);
        skip();
    }
    size_t n_files = 0, n_known = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t nl = strlen(e->d_name);
        if (nl < 5 || strcmp(e->d_name + nl - 4, ".xml"))
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t len;
        char *xml = read_small(path, &len);
        json_t *s;
        struct tl_errbuf eb = {{0}};
        int rc = tl_lsxml_convert(xml, len, &s, &eb);
        if (rc)
            fail_msg("%s: %s", e->d_name, eb.msg);
        const char *first = json_string_value(
            json_object_get(json_array_get(json_object_get(s, "fields"), 0), "type"));
        for (size_t i = 0; i < sizeof REAL / sizeof REAL[0]; i++) {
            if (strcmp(REAL[i].file, e->d_name))
                continue;
            n_known++;
            if (!first || strcmp(first, REAL[i].type))
                fail_msg("%s: first field is %s, want %s", e->d_name, first ? first : "none",
                         REAL[i].type);
        }
        json_decref(s);
        free(xml);
        n_files++;
    }
    closedir(d);
    assert_true(n_files >= 1);
    assert_int_equal(n_known, sizeof REAL / sizeof REAL[0]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_choices_single_and_multiple),
        cmocka_unit_test(test_labels_on_text_are_spans_with_relations),
        cmocka_unit_test(test_hypertext_and_paragraphs_views),
        cmocka_unit_test(test_image_boxes_polygons_keypoints),
        cmocka_unit_test(test_labels_on_audio_are_segments),
        cmocka_unit_test(test_textarea_number_rating),
        cmocka_unit_test(test_pairwise_and_ranker_sources),
        cmocka_unit_test(test_unsupported_tag_is_named),
        cmocka_unit_test(test_malformed_xml_names_line),
        cmocka_unit_test(test_doctype_entities_refused),
        cmocka_unit_test(test_ceilings),
        cmocka_unit_test(test_media_types),
        cmocka_unit_test(test_label_studio_configs_convert),
    };
    return cmocka_run_group_tests_name("lsxml", tests, NULL, NULL);
}
