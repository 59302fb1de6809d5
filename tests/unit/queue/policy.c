/* Tests for src/queue/policy.c: the lease policy's decision for one `next`
 * (refusals, qualification, gold rate), and src/queue/schemas.c: a
 * project's schema is parsed once, not per submission. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sodium.h>
#include <string.h>

#include "queue/policy.h"
#include "queue/schemas.h"

static struct tl_lease_decision decide(const struct tl_quality_settings *q,
                                       const struct tl_worker *w, uint32_t roll) {
    struct tl_lease_policy pol = {.decide = tl_queue_policy_decide, .q = q, .roll = roll};
    struct tl_lease_decision d;
    pol.decide(&pol, w, &d);
    return d;
}

static void test_suspended_is_refused_first(void **state) {
    struct tl_quality_settings q = {.gold_rate = 1, .qual_tasks = 3, .qual_pass = 0.5};
    struct tl_worker w = {.is_known = true, .is_suspended = true, .n_gold = 0, .skill = -1};
    struct tl_lease_decision d = decide(&q, &w, 0);
    assert_string_equal(d.refusal, TL_QUEUE_SUSPENDED);
    assert_non_null(strstr(d.message, "suspended"));
}

static void test_qualification_pending_is_gold_only(void **state) {
    struct tl_quality_settings q = {.qual_tasks = 3, .qual_pass = 0.5};
    struct tl_worker w = {.n_gold = 2, .gold_sum = 0, .skill = -1};
    struct tl_lease_decision d = decide(&q, &w, TL_LEASE_ROLL_MAX - 1);
    assert_null(d.refusal);
    assert_int_equal(d.gold, TL_LEASE_GOLD_ONLY);
    /* the message a claim uses when no gold is left names the count */
    assert_non_null(strstr(d.message, "2 of the 3"));
}

static void test_qualification_failed_names_score_and_mark(void **state) {
    struct tl_quality_settings q = {.qual_tasks = 2, .qual_pass = 0.75};
    struct tl_worker w = {.is_known = true, .n_gold = 2, .gold_sum = 1, .skill = -1};
    struct tl_lease_decision d = decide(&q, &w, 0);
    assert_string_equal(d.refusal, TL_QUEUE_NOT_QUALIFIED);
    assert_non_null(strstr(d.message, "0.50"));
    assert_non_null(strstr(d.message, "0.75"));
}

static void test_qualification_passed_serves_work(void **state) {
    struct tl_quality_settings q = {.qual_tasks = 2, .qual_pass = 0.75};
    struct tl_worker w = {.is_known = true, .n_gold = 2, .gold_sum = 1.5, .skill = -1};
    struct tl_lease_decision d = decide(&q, &w, 0);
    assert_null(d.refusal);
    assert_int_equal(d.gold, TL_LEASE_ORDINARY); /* gold_rate 0 */
}

static void test_gold_rate_is_the_share_of_rolls(void **state) {
    struct tl_quality_settings q = {.gold_rate = 0.25};
    struct tl_worker w = {.skill = -1};
    assert_int_equal(decide(&q, &w, 0).gold, TL_LEASE_GOLD_FIRST);
    assert_int_equal(decide(&q, &w, TL_LEASE_ROLL_MAX / 4 - 1).gold, TL_LEASE_GOLD_FIRST);
    assert_int_equal(decide(&q, &w, TL_LEASE_ROLL_MAX / 4).gold, TL_LEASE_ORDINARY);
    q.gold_rate = 1;
    assert_int_equal(decide(&q, &w, TL_LEASE_ROLL_MAX - 1).gold, TL_LEASE_GOLD_FIRST);
    q.gold_rate = 0;
    assert_int_equal(decide(&q, &w, 0).gold, TL_LEASE_ORDINARY);
    /* the real roll: about a quarter over many draws */
    struct tl_project p = {.q = {.gold_rate = 0.25}};
    int n_gold = 0;
    for (int i = 0; i < 4000; i++) {
        struct tl_lease_policy pol;
        tl_queue_policy_init(&pol, &p);
        struct tl_lease_decision d;
        pol.decide(&pol, &w, &d);
        n_gold += d.gold == TL_LEASE_GOLD_FIRST;
    }
    assert_in_range(n_gold, 850, 1150);
}

static void test_refusal_code_for_exhausted_gold(void **state) {
    struct tl_lease_policy pol = {.is_gold_exhausted = true};
    assert_string_equal(tl_queue_policy_refusal(&pol), TL_QUEUE_NOT_QUALIFIED);
}

static void test_schema_parsed_once_per_project(void **state) {
    tl_queue_schema_clear();
    struct tl_project p = {.pk = 7, .schema_json = "{\"fields\":[{\"name\":\"l\",\"type\":"
                                                   "\"choice\",\"options\":[\"a\",\"b\"]}]}"};
    struct tl_errbuf eb = {{0}};
    unsigned long before = tl_queue_schema_parses();
    struct tl_queue_schema *a, *b;
    assert_int_equal(tl_queue_schema_get(&p, &a, &eb), 0);
    assert_int_equal(tl_queue_schema_get(&p, &b, &eb), 0);
    assert_ptr_equal(a, b);
    assert_int_equal(tl_queue_schema_parses(), before + 1);
    assert_int_equal(a->schema.n_fields, 1);
    /* another schema under the same pk (a reused pk) is parsed anew, and
     * the reference held to the old one stays valid */
    struct tl_project q = p;
    q.schema_json = "{\"fields\":[{\"name\":\"m\",\"type\":\"text\"},"
                    "{\"name\":\"n\",\"type\":\"text\"}]}";
    struct tl_queue_schema *c;
    assert_int_equal(tl_queue_schema_get(&q, &c, &eb), 0);
    assert_ptr_not_equal(c, a);
    assert_int_equal(c->schema.n_fields, 2);
    assert_string_equal(a->schema.fields[0].name, "l");
    tl_queue_schema_put(a);
    tl_queue_schema_put(b);
    tl_queue_schema_put(c);
    struct tl_project bad = {.pk = 8, .schema_json = "{"};
    struct tl_queue_schema *d = NULL;
    assert_int_equal(tl_queue_schema_get(&bad, &d, &eb), TL_EINTERNAL);
    tl_queue_schema_clear();
}

int main(void) {
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_suspended_is_refused_first),
        cmocka_unit_test(test_qualification_pending_is_gold_only),
        cmocka_unit_test(test_qualification_failed_names_score_and_mark),
        cmocka_unit_test(test_qualification_passed_serves_work),
        cmocka_unit_test(test_gold_rate_is_the_share_of_rolls),
        cmocka_unit_test(test_refusal_code_for_exhausted_gold),
        cmocka_unit_test(test_schema_parsed_once_per_project),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
