/* Tests for src/schema/schema.c: schema parsing and result validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/schema.h"

static int parse(const char *text, struct tl_schema *s, struct tl_errbuf *eb) {
    json_t *j = json_loads(text, 0, NULL);
    assert_non_null(j);
    int rc = tl_schema_parse(j, s, eb);
    json_decref(j);
    return rc;
}

static int validate(const struct tl_schema *s, const char *result, struct tl_errbuf *eb) {
    json_t *j = json_loads(result, 0, NULL);
    assert_non_null(j);
    int rc = tl_schema_validate(s, j, eb);
    json_decref(j);
    return rc;
}

static const char full[] =
    "{\"fields\":[{\"name\":\"label\",\"type\":\"choice\",\"options\":[\"a\",\"b\"]},"
    "{\"name\":\"tags\",\"type\":\"multichoice\",\"options\":[\"x\",\"y\",\"z\"],"
    "\"required\":false},"
    "{\"name\":\"note\",\"type\":\"text\",\"max_length\":5,\"required\":false},"
    "{\"name\":\"score\",\"type\":\"number\",\"min\":0,\"max\":1,\"required\":false},"
    "{\"name\":\"stars\",\"type\":\"rating\",\"min\":1,\"max\":5,\"required\":false}]}";

static void test_valid_results(void **state) {
    struct tl_schema s;
    struct tl_errbuf eb;
    assert_int_equal(parse(full, &s, &eb), 0);
    assert_int_equal(s.n_fields, 5);
    assert_int_equal(validate(&s, "{\"label\":\"a\"}", &eb), 0);
    assert_int_equal(validate(&s, "{\"label\":\"b\",\"tags\":[\"x\",\"z\"],\"note\":\"hi\","
                                  "\"score\":0.5,\"stars\":5}",
                              &eb),
                     0);
    assert_int_equal(validate(&s, "{\"label\":\"a\",\"tags\":[],\"note\":null}", &eb), 0);
    /* max_length counts characters: 5 code points in 15 UTF-8 bytes fit. */
    assert_int_equal(validate(&s, "{\"label\":\"a\",\"note\":\"\u65e5\u672c\u8a9e\u306e\u6587\"}",
                              &eb),
                     0);
    tl_schema_release(&s);
}

static void test_invalid_results(void **state) {
    static const char *const bad[] = {
        "{}",                                   /* missing required */
        "{\"label\":\"c\"}",                    /* not an option */
        "{\"label\":1}",                        /* wrong type */
        "{\"label\":\"a\",\"extra\":1}",        /* unknown field */
        "{\"label\":\"a\",\"tags\":[\"x\",\"x\"]}", /* repeated option */
        "{\"label\":\"a\",\"tags\":\"x\"}",     /* not an array */
        "{\"label\":\"a\",\"note\":\"toolong\"}", /* over max_length */
        "{\"label\":\"a\",\"note\":\"\u65e5\u672c\u8a9e\u306e\u6587\u5b57\"}", /* 6 chars */
        "{\"label\":\"a\",\"score\":1.5}",      /* over max */
        "{\"label\":\"a\",\"stars\":2.5}",      /* rating not integer */
        "{\"label\":\"a\",\"stars\":0}",        /* rating under min */
        "[\"a\"]",                              /* not an object */
    };
    struct tl_schema s;
    struct tl_errbuf eb;
    assert_int_equal(parse(full, &s, &eb), 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        eb.msg[0] = '\0';
        assert_int_equal(validate(&s, bad[i], &eb), TL_EUNPROC);
        assert_true(eb.msg[0] != '\0');
    }
    tl_schema_release(&s);
}

static void test_invalid_schemas(void **state) {
    static const char *const bad[] = {
        "{}",
        "{\"fields\":[]}",
        "{\"fields\":[{\"name\":\"a\",\"type\":\"nope\"}]}",
        "{\"fields\":[{\"name\":\"a\",\"type\":\"choice\"}]}",
        "{\"fields\":[{\"name\":\"a\",\"type\":\"choice\",\"options\":[\"x\",\"x\"]}]}",
        "{\"fields\":[{\"name\":\"a\",\"type\":\"rating\",\"min\":1}]}",
        "{\"fields\":[{\"name\":\"a\",\"type\":\"number\",\"min\":2,\"max\":1}]}",
        "{\"fields\":[{\"name\":\"a\",\"type\":\"text\"},{\"name\":\"a\",\"type\":\"text\"}]}",
        "{\"fields\":[{\"name\":\"\",\"type\":\"text\"}]}",
        "{\"fields\":[{\"name\":\"a\",\"type\":\"text\",\"required\":\"yes\"}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct tl_schema s;
        struct tl_errbuf eb = {{0}};
        assert_int_equal(parse(bad[i], &s, &eb), TL_EINVAL);
        assert_true(eb.msg[0] != '\0');
        assert_null(s.fields);
    }
}

/* ---- the schema language of issue 7: views and the new field types ---- */

/* JSON written with single quotes, so that tests stay readable. */
static json_t *jq(const char *text) {
    size_t n = strlen(text);
    char *t = malloc(n + 1);
    assert_non_null(t);
    for (size_t i = 0; i <= n; i++)
        t[i] = text[i] == '\'' ? '"' : text[i];
    json_t *j = json_loads(t, 0, NULL);
    free(t);
    assert_non_null(j);
    return j;
}

static void parse_ok(const char *text, struct tl_schema *s) {
    json_t *j = jq(text);
    struct tl_errbuf eb = {{0}};
    int rc = tl_schema_parse(j, s, &eb);
    json_decref(j);
    if (rc)
        fail_msg("schema refused: %s", eb.msg);
}

/* Validate result (single-quoted JSON) with task data (or NULL): the code,
 * with the message in eb. */
static int check(const struct tl_schema *s, const char *result, const char *data,
                 struct tl_errbuf *eb) {
    json_t *r = jq(result), *d = data ? jq(data) : NULL;
    eb->msg[0] = '\0';
    int rc = tl_schema_validate_task(s, r, d, eb);
    json_decref(r);
    json_decref(d);
    return rc;
}

#define OK(s, r, d)                                                                                \
    do {                                                                                           \
        struct tl_errbuf eb_;                                                                      \
        if (check(s, r, d, &eb_))                                                                  \
            fail_msg("refused %s: %s", r, eb_.msg);                                                \
    } while (0)
/* Refused with 422 and a message that contains want. */
#define BAD(s, r, d, want)                                                                         \
    do {                                                                                           \
        struct tl_errbuf eb_;                                                                      \
        int rc_ = check(s, r, d, &eb_);                                                            \
        if (rc_ != TL_EUNPROC || !strstr(eb_.msg, want))                                           \
            fail_msg("%s: rc %d, message '%s', want '%s'", r, rc_, eb_.msg, want);                 \
    } while (0)

static const char ner[] =
    "{'views':[{'source':'text','kind':'text'}],'fields':["
    "{'name':'ents','type':'spans','source':'text','labels':['PER','ORG']},"
    "{'name':'rels','type':'relations','field':'ents','labels':['works_for'],'required':false}]}";

static void test_spans_offsets_are_code_points(void **state) {
    struct tl_schema s;
    parse_ok(ner, &s);
    assert_true(s.needs_data);
    const char *data = "{'text':'Ann works at Acme'}"; /* 17 code points */
    OK(&s, "{'ents':[{'start':0,'end':3,'label':'PER'},{'start':13,'end':17,'label':'ORG'}]}",
       data);
    OK(&s, "{'ents':[]}", data);
    BAD(&s, "{'ents':[{'start':13,'end':18,'label':'ORG'}]}", data, "past the end");
    BAD(&s, "{'ents':[{'start':3,'end':3,'label':'PER'}]}", data, "start < end");
    BAD(&s, "{'ents':[{'start':-1,'end':3,'label':'PER'}]}", data, "start < end");
    BAD(&s, "{'ents':[{'start':0,'end':3,'label':'LOC'}]}", data, "label");
    BAD(&s, "{'ents':[{'start':0.5,'end':3,'label':'PER'}]}", data, "integers");
    BAD(&s, "{'ents':[{'start':'0','end':3,'label':'PER'}]}", data, "integers");
    BAD(&s, "{'ents':[{'start':0,'end':3,'label':'PER','txt':'Ann'}]}", data, "unknown key");
    BAD(&s, "{'ents':[{'start':0,'end':3,'label':'PER'}]}", "{'other':'x'}", "no text");
    BAD(&s, "{'ents':[{'start':0,'end':3,'label':'PER'}]}", "{'text':5}", "no text");
    BAD(&s, "{'ents':{'start':0}}", data, "array");
    /* A dry check (no task at hand) checks everything but the upper bound. */
    OK(&s, "{'ents':[{'start':13,'end':99,'label':'ORG'}]}", NULL);
    tl_schema_release(&s);
}

/* The emoji is one code point (4 UTF-8 bytes, 2 UTF-16 units): offsets in
 * bytes or UTF-16 units would accept end = 4 or 7 here. */
static void test_spans_non_bmp(void **state) {
    struct tl_schema s;
    parse_ok(ner, &s);
    const char *data = "{'text':'a\\ud83d\\ude00b'}"; /* a😀b: 3 code points */
    OK(&s, "{'ents':[{'start':1,'end':2,'label':'PER'},{'start':2,'end':3,'label':'ORG'}]}", data);
    BAD(&s, "{'ents':[{'start':0,'end':4,'label':'PER'}]}", data, "past the end");
    const char *cjk = "{'text':'\xe6\x97\xa5\xe6\x9c\xac'}"; /* 日本: 2 code points, 6 bytes */
    OK(&s, "{'ents':[{'start':0,'end':2,'label':'PER'}]}", cjk);
    BAD(&s, "{'ents':[{'start':0,'end':3,'label':'PER'}]}", cjk, "past the end");
    tl_schema_release(&s);
}

static void test_spans_overlap(void **state) {
    struct tl_schema s;
    parse_ok(ner, &s);
    const char *data = "{'text':'0123456789'}";
    OK(&s, "{'ents':[{'start':5,'end':8,'label':'PER'},{'start':0,'end':5,'label':'ORG'}]}", data);
    BAD(&s, "{'ents':[{'start':5,'end':8,'label':'PER'},{'start':0,'end':6,'label':'ORG'}]}", data,
        "overlap");
    tl_schema_release(&s);
    parse_ok("{'fields':[{'name':'e','type':'spans','source':'t','labels':['A'],"
             "'allow_overlap':true}]}",
             &s);
    OK(&s, "{'e':[{'start':0,'end':6,'label':'A'},{'start':2,'end':4,'label':'A'}]}",
       "{'t':'0123456789'}");
    tl_schema_release(&s);
}

static void test_relations(void **state) {
    struct tl_schema s;
    parse_ok(ner, &s);
    const char *data = "{'text':'Ann works at Acme'}";
    const char *two = "{'ents':[{'start':0,'end':3,'label':'PER'},{'start':13,'end':16,"
                      "'label':'ORG'}],";
    char r[512];
    snprintf(r, sizeof r, "%s'rels':[{'from':0,'to':1,'label':'works_for'}]}", two);
    OK(&s, r, data);
    snprintf(r, sizeof r, "%s'rels':[{'from':0,'to':2,'label':'works_for'}]}", two);
    BAD(&s, r, data, "must index 'ents'");
    snprintf(r, sizeof r, "%s'rels':[{'from':-1,'to':1,'label':'works_for'}]}", two);
    BAD(&s, r, data, "must index");
    snprintf(r, sizeof r, "%s'rels':[{'from':1,'to':1,'label':'works_for'}]}", two);
    BAD(&s, r, data, "two different spans");
    snprintf(r, sizeof r, "%s'rels':[{'from':0,'to':1,'label':'knows'}]}", two);
    BAD(&s, r, data, "label");
    BAD(&s, "{'ents':[],'rels':[{'from':0,'to':1,'label':'works_for'}]}", data, "must index");
    tl_schema_release(&s);
}

static const char driving[] =
    "{'views':[{'source':'image','kind':'image'}],'fields':["
    "{'name':'boxes','type':'boxes','source':'image','labels':['car','person'],'min_size':1},"
    "{'name':'areas','type':'polygons','source':'image','labels':['road'],'min_size':1,"
    "'required':false},"
    "{'name':'points','type':'keypoints','source':'image','labels':['light'],"
    "'required':false}]}";

static void test_boxes(void **state) {
    struct tl_schema s;
    parse_ok(driving, &s);
    assert_false(s.needs_data);
    OK(&s, "{'boxes':[{'x':10,'y':20,'width':30.5,'height':40,'label':'car'}]}", NULL);
    OK(&s, "{'boxes':[{'x':0,'y':0,'width':100,'height':100,'rotation':359.9,'label':'car',"
           "'id':'r1'}]}",
       NULL);
    BAD(&s, "{'boxes':[{'x':60,'y':0,'width':40.5,'height':10,'label':'car'}]}", NULL,
        "leaves the image");
    BAD(&s, "{'boxes':[{'x':0,'y':95,'width':10,'height':6,'label':'car'}]}", NULL,
        "leaves the image");
    BAD(&s, "{'boxes':[{'x':-1,'y':0,'width':10,'height':10,'label':'car'}]}", NULL, "0..100");
    BAD(&s, "{'boxes':[{'x':0,'y':0,'width':0,'height':10,'label':'car'}]}", NULL, "positive");
    BAD(&s, "{'boxes':[{'x':0,'y':0,'width':0.5,'height':10,'label':'car'}]}", NULL, "min_size");
    BAD(&s, "{'boxes':[{'x':1e308,'y':0,'width':10,'height':10,'label':'car'}]}", NULL, "0..100");
    BAD(&s, "{'boxes':[{'x':'1','y':0,'width':10,'height':10,'label':'car'}]}", NULL, "0..100");
    BAD(&s, "{'boxes':[{'x':null,'y':0,'width':10,'height':10,'label':'car'}]}", NULL, "0..100");
    BAD(&s, "{'boxes':[{'y':0,'width':10,'height':10,'label':'car'}]}", NULL, "0..100");
    BAD(&s, "{'boxes':[{'x':0,'y':0,'width':10,'height':10,'rotation':360,'label':'car'}]}", NULL,
        "rotation");
    BAD(&s, "{'boxes':[{'x':0,'y':0,'width':10,'height':10,'label':'bus'}]}", NULL, "label");
    BAD(&s, "{'boxes':[{'x':0,'y':0,'width':10,'height':10}]}", NULL, "label");
    BAD(&s, "{'boxes':[[0,0,10,10]]}", NULL, "object");
    BAD(&s, "{'boxes':[{'x':0,'y':0,'width':10,'height':10,'label':'car','id':''}]}", NULL, "id");
    BAD(&s, "{}", NULL, "missing required field 'boxes'");
    tl_schema_release(&s);
}

static void test_polygons_and_keypoints(void **state) {
    struct tl_schema s;
    parse_ok(driving, &s);
    OK(&s, "{'boxes':[],'areas':[{'points':[[0,0],[100,0],[50,100]],'label':'road'}]}", NULL);
    BAD(&s, "{'boxes':[],'areas':[{'points':[[0,0],[100,0]],'label':'road'}]}", NULL,
        "points must be 3..");
    BAD(&s, "{'boxes':[],'areas':[{'points':[[0,0],[100,0],[50]],'label':'road'}]}", NULL,
        "point 2");
    BAD(&s, "{'boxes':[],'areas':[{'points':[[0,0],[100.01,0],[50,5]],'label':'road'}]}", NULL,
        "point 1");
    BAD(&s, "{'boxes':[],'areas':[{'points':[[0,0],[0.5,0],[0,0.5]],'label':'road'}]}", NULL,
        "min_size");
    BAD(&s, "{'boxes':[],'areas':[{'points':'0,0 1,1 2,2','label':'road'}]}", NULL, "points");
    OK(&s, "{'boxes':[],'points':[{'x':50,'y':50,'label':'light'}]}", NULL);
    BAD(&s, "{'boxes':[],'points':[{'x':50,'y':-0.1,'label':'light'}]}", NULL, "0..100");
    /* JSON has no NaN or infinity and jansson refuses an overflowing
     * literal (1e999) at parse time, so the extremes that reach us are
     * huge finite numbers and non-numbers. */
    assert_null(json_loads("{\"y\":1e999}", 0, NULL));
    BAD(&s, "{'boxes':[],'points':[{'x':50,'y':-1.7e308,'label':'light'}]}", NULL, "0..100");
    BAD(&s, "{'boxes':[],'points':[{'x':true,'y':1,'label':'light'}]}", NULL, "0..100");
    tl_schema_release(&s);
}

static void test_huge_arrays(void **state) {
    struct tl_schema s;
    parse_ok(driving, &s);
    json_t *boxes = json_array(), *r = json_object();
    for (int i = 0; i <= TL_SCHEMA_MAX_ITEMS; i++)
        json_array_append_new(boxes, json_pack("{s:i,s:i,s:i,s:i,s:s}", "x", 1, "y", 1, "width",
                                               2, "height", 2, "label", "car"));
    json_object_set_new(r, "boxes", boxes);
    struct tl_errbuf eb;
    assert_int_equal(tl_schema_validate(&s, r, &eb), TL_EUNPROC);
    assert_non_null(strstr(eb.msg, "more than"));
    json_array_remove(boxes, 0);
    assert_int_equal(tl_schema_validate(&s, r, &eb), 0);
    json_decref(r);
    json_t *pts = json_array();
    for (int i = 0; i <= TL_SCHEMA_MAX_POINTS; i++)
        json_array_append_new(pts, json_pack("[i,i]", i % 100, (i * 7) % 100));
    r = json_pack("{s:[],s:[{s:o,s:s}]}", "boxes", "areas", "points", pts, "label", "road");
    assert_int_equal(tl_schema_validate(&s, r, &eb), TL_EUNPROC);
    json_decref(r);
    tl_schema_release(&s);
}

static void test_segments(void **state) {
    struct tl_schema s;
    parse_ok("{'views':[{'source':'audio','kind':'audio'}],'fields':[{'name':'segs','type':"
             "'segments','source':'audio','labels':['speech','noise']}]}",
             &s);
    OK(&s, "{'segs':[{'start':0,'end':1.25,'label':'speech','text':'hello'},"
           "{'start':1.25,'end':2,'label':'noise'}]}",
       NULL);
    BAD(&s, "{'segs':[{'start':2,'end':2,'label':'speech'}]}", NULL, "start < end");
    BAD(&s, "{'segs':[{'start':-0.5,'end':2,'label':'speech'}]}", NULL, "start < end");
    BAD(&s, "{'segs':[{'start':'0','end':2,'label':'speech'}]}", NULL, "seconds");
    BAD(&s, "{'segs':[{'start':0,'end':2,'label':'speech','text':3}]}", NULL, "text");
    tl_schema_release(&s);
}

static const char llm[] =
    "{'views':[{'source':'prompt','kind':'chat'},{'source':'a','kind':'markdown'},"
    "{'source':'b','kind':'markdown'},{'source':'c','kind':'markdown'}],'fields':["
    "{'name':'pref','type':'pairwise','sources':['a','b'],'hotkeys':{'a':'1','b':'2','tie':'3'}},"
    "{'name':'order','type':'ranking','sources':['a','b','c'],'required':false},"
    "{'name':'quality','type':'rubric','criteria':[{'name':'helpful','min':1,'max':5},"
    "{'name':'harmless','min':0,'max':1}],'required':false}]}";

static void test_pairwise_ranking_rubric(void **state) {
    struct tl_schema s;
    parse_ok(llm, &s);
    OK(&s, "{'pref':'a'}", NULL);
    OK(&s, "{'pref':'tie','order':['c','a','b'],'quality':{'helpful':5,'harmless':0}}", NULL);
    BAD(&s, "{'pref':'A'}", NULL, "\"a\", \"b\" or \"tie\"");
    BAD(&s, "{'pref':0}", NULL, "\"tie\"");
    BAD(&s, "{'pref':'a','order':['a','b']}", NULL, "all 3 sources");
    BAD(&s, "{'pref':'a','order':['a','a','b']}", NULL, "permutation");
    BAD(&s, "{'pref':'a','order':['a','b','d']}", NULL, "permutation");
    BAD(&s, "{'pref':'a','quality':{'helpful':6,'harmless':0}}", NULL, "1..5");
    BAD(&s, "{'pref':'a','quality':{'helpful':4.5,'harmless':0}}", NULL, "integer");
    BAD(&s, "{'pref':'a','quality':{'helpful':4}}", NULL, "every criterion");
    BAD(&s, "{'pref':'a','quality':{'helpful':4,'harmless':0,'funny':1}}", NULL, "unknown");
    BAD(&s, "{'pref':'a','quality':{'helpful':1e300,'harmless':0}}", NULL, "integer");
    tl_schema_release(&s);
}

static void test_show_if_hidden_fields_must_be_absent(void **state) {
    struct tl_schema s;
    parse_ok("{'fields':[{'name':'toxic','type':'choice','options':['yes','no']},"
             "{'name':'kind','type':'multichoice','options':['slur','threat'],"
             "'show_if':{'field':'toxic','equals':'yes'}},"
             "{'name':'severity','type':'rating','min':1,'max':3,"
             "'show_if':{'field':'kind','equals':'threat'}}]}",
             &s);
    OK(&s, "{'toxic':'no'}", NULL);
    OK(&s, "{'toxic':'no','kind':null}", NULL);
    BAD(&s, "{'toxic':'no','kind':['slur']}", NULL, "hidden");
    BAD(&s, "{'toxic':'yes'}", NULL, "missing required field 'kind'");
    OK(&s, "{'toxic':'yes','kind':['slur']}", NULL);
    BAD(&s, "{'toxic':'yes','kind':['threat']}", NULL, "missing required field 'severity'");
    OK(&s, "{'toxic':'yes','kind':['slur','threat'],'severity':2}", NULL);
    /* Hidden because its condition's field is hidden, whatever it holds. */
    BAD(&s, "{'toxic':'no','severity':2}", NULL, "hidden");
    tl_schema_release(&s);
}

static void test_views_and_hotkeys(void **state) {
    struct tl_schema s;
    parse_ok("{'views':[{'source':'code','kind':'code','language':'python'},"
             "{'source':'meta','kind':'json'}],'fields':[{'name':'bugs','type':'spans',"
             "'source':'code','labels':['bug','style'],'hotkeys':{'bug':'b'},"
             "'description':'Mark each problem'}]}",
             &s);
    assert_int_equal(s.n_views, 2);
    assert_string_equal(s.views[0].language, "python");
    assert_string_equal(s.fields[0].description, "Mark each problem");
    OK(&s, "{'bugs':[{'start':0,'end':3,'label':'bug'}]}", "{'code':'def f(): pass'}");
    tl_schema_release(&s);
}

/* Each bad schema with a piece of the message that must name the reason. */
static void test_new_invalid_schemas(void **state) {
    static const char *const bad[][2] = {
        {"{'fields':[{'name':'a','type':'spans','labels':['X']}]}", "'a': source"},
        {"{'fields':[{'name':'a','type':'spans','source':'t'}]}", "'a': labels"},
        {"{'fields':[{'name':'a','type':'spans','source':'t','labels':[]}]}", "labels"},
        {"{'fields':[{'name':'a','type':'boxes','source':'t','labels':['X','X']}]}", "duplicate"},
        {"{'views':[{'source':'t','kind':'text'}],'fields':[{'name':'a','type':'boxes',"
         "'source':'t','labels':['X']}]}",
         "cannot label a text view"},
        {"{'views':[{'source':'t','kind':'text'}],'fields':[{'name':'a','type':'spans',"
         "'source':'u','labels':['X']}]}",
         "'u' is not a view"},
        {"{'views':[{'source':'t','kind':'picture'}],'fields':[{'name':'a','type':'text'}]}",
         "kind"},
        {"{'views':[{'source':'t','kind':'text'},{'source':'t','kind':'code'}],'fields':"
         "[{'name':'a','type':'text'}]}",
         "duplicate source"},
        {"{'views':[{'source':'t','kind':'text','language':'c'}],'fields':[{'name':'a',"
         "'type':'text'}]}",
         "language"},
        {"{'views':[{'source':'t','kind':'text','colour':'red'}],'fields':[{'name':'a',"
         "'type':'text'}]}",
         "unknown key 'colour'"},
        {"{'fields':[{'name':'a','type':'spans','source':'t','lables':['X']}]}",
         "unknown key 'lables'"},
        {"{'fields':[{'name':'a','type':'text','options':['x']}]}", "unknown key 'options'"},
        {"{'fields':[{'name':'a','type':'text'}],'extra':1}", "unknown key 'extra'"},
        {"{'fields':[{'name':'a','type':'relations','labels':['r']}]}", "spans field"},
        {"{'fields':[{'name':'a','type':'text'},{'name':'r','type':'relations','field':'a',"
         "'labels':['r']}]}",
         "not a spans field"},
        {"{'fields':[{'name':'a','type':'relations','field':'zz','labels':['r']}]}",
         "not a spans field"},
        {"{'fields':[{'name':'a','type':'pairwise','sources':['x']}]}", "[A,B]"},
        {"{'fields':[{'name':'a','type':'pairwise','sources':['x','x']}]}", "duplicate"},
        {"{'fields':[{'name':'a','type':'ranking','sources':['x']}]}", "at least 2"},
        {"{'fields':[{'name':'a','type':'rubric','criteria':[]}]}", "criteria"},
        {"{'fields':[{'name':'a','type':'rubric','criteria':[{'name':'c','min':5,'max':1}]}]}",
         "min above max"},
        {"{'fields':[{'name':'a','type':'rubric','criteria':[{'name':'c','min':0.5,'max':1}]}]}",
         "integer"},
        {"{'fields':[{'name':'a','type':'rubric','criteria':[{'name':'c','min':0,'max':1},"
         "{'name':'c','min':0,'max':1}]}]}",
         "duplicate criterion"},
        {"{'fields':[{'name':'a','type':'text','show_if':{'field':'a','equals':'x'}}]}",
         "itself"},
        {"{'fields':[{'name':'a','type':'text','show_if':{'field':'b','equals':'x'}},"
         "{'name':'b','type':'text'}]}",
         "not an earlier field"},
        {"{'fields':[{'name':'b','type':'text'},{'name':'a','type':'text','show_if':"
         "{'field':'b','equals':['x']}}]}",
         "show_if"},
        {"{'fields':[{'name':'a','type':'choice','options':['x'],'hotkeys':{'y':'1'}}]}",
         "unknown value 'y'"},
        {"{'fields':[{'name':'a','type':'choice','options':['x','y'],'hotkeys':{'x':'1',"
         "'y':'1'}}]}",
         "used twice"},
        {"{'fields':[{'name':'a','type':'text','hotkeys':{'x':'1'}}]}", "need options"},
        {"{'fields':[{'name':'a','type':'boxes','source':'i','labels':['X'],'min_size':101}]}",
         "min_size"},
        {"{'fields':[{'name':'a','type':'text','description':5}]}", "description"},
        {"{'fields':[{'name':'a','type':'text'}],'views':{'source':'t'}}", "views"},
        {"{'fields':[{'name':'a','type':'text'}],'views':[[[[[[[[[[1]]]]]]]]]]}", "nests deeper"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct tl_schema s;
        struct tl_errbuf eb = {{0}};
        json_t *j = jq(bad[i][0]);
        int rc = tl_schema_parse(j, &s, &eb);
        json_decref(j);
        if (rc != TL_EINVAL || !strstr(eb.msg, bad[i][1]))
            fail_msg("%s: rc %d, message '%s', want '%s'", bad[i][0], rc, eb.msg, bad[i][1]);
        assert_null(s.fields);
    }
}

static void test_schema_ceilings(void **state) {
    json_t *fields = json_array();
    for (int i = 0; i <= TL_SCHEMA_MAX_FIELDS; i++) {
        char name[16];
        snprintf(name, sizeof name, "f%d", i);
        json_array_append_new(fields, json_pack("{s:s,s:s}", "name", name, "type", "text"));
    }
    json_t *j = json_pack("{s:o}", "fields", fields);
    struct tl_schema s;
    struct tl_errbuf eb;
    assert_int_equal(tl_schema_parse(j, &s, &eb), TL_EINVAL);
    json_decref(j);
    json_t *labels = json_array();
    for (int i = 0; i <= TL_SCHEMA_MAX_OPTIONS; i++)
        json_array_append_new(labels, json_sprintf("l%d", i));
    j = json_pack("{s:[{s:s,s:s,s:s,s:o}]}", "fields", "name", "a", "type", "spans", "source",
                  "t", "labels", labels);
    assert_int_equal(tl_schema_parse(j, &s, &eb), TL_EINVAL);
    json_decref(j);
    char longname[TL_SCHEMA_MAX_NAME + 2];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    j = json_pack("{s:[{s:s,s:s}]}", "fields", "name", longname, "type", "text");
    assert_int_equal(tl_schema_parse(j, &s, &eb), TL_EINVAL);
    json_decref(j);
}

/* Schemas stored before keys were checked may carry keys that version
 * ignored: reading them back must still work, creating one must not. */
static void test_stored_schema_with_old_unknown_keys(void **state) {
    json_t *j = json_loads("{\"fields\":[{\"name\":\"l\",\"type\":\"choice\","
                           "\"options\":[\"a\",\"b\"],\"colour\":\"red\"}],\"v\":1}",
                           0, NULL);
    assert_non_null(j);
    struct tl_schema sc;
    struct tl_errbuf eb = {{0}};
    assert_int_equal(tl_schema_parse(j, &sc, &eb), TL_EINVAL);
    assert_int_equal(tl_schema_parse_stored(j, &sc, &eb), 0);
    assert_int_equal(sc.n_fields, 1);
    tl_schema_release(&sc);
    /* and the leniency ends with the call */
    assert_int_equal(tl_schema_parse(j, &sc, &eb), TL_EINVAL);
    json_decref(j);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_results),
        cmocka_unit_test(test_invalid_results),
        cmocka_unit_test(test_invalid_schemas),
        cmocka_unit_test(test_spans_offsets_are_code_points),
        cmocka_unit_test(test_spans_non_bmp),
        cmocka_unit_test(test_spans_overlap),
        cmocka_unit_test(test_relations),
        cmocka_unit_test(test_boxes),
        cmocka_unit_test(test_polygons_and_keypoints),
        cmocka_unit_test(test_huge_arrays),
        cmocka_unit_test(test_segments),
        cmocka_unit_test(test_pairwise_ranking_rubric),
        cmocka_unit_test(test_show_if_hidden_fields_must_be_absent),
        cmocka_unit_test(test_views_and_hotkeys),
        cmocka_unit_test(test_new_invalid_schemas),
        cmocka_unit_test(test_schema_ceilings),
        cmocka_unit_test(test_stored_schema_with_old_unknown_keys),
    };
    return cmocka_run_group_tests_name("schema", tests, NULL, NULL);
}
