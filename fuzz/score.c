/* Fuzz target: gold checking and scoring (src/schema/score.c) and the live
 * aggregate (src/quality/taskagg.c) against the every-field schema. The
 * input is a gold answer and a result, JSON texts separated by the first
 * newline. Invariants (the target aborts when one breaks): a score is in
 * [0, 1]; a gold that is also a valid result scores 1 against itself; an
 * aggregate's confidences are in [0, 1]. Built with clang
 * -fsanitize=fuzzer by `make fuzz TARGET=score`, or as a corpus replayer
 * (fuzz/replay.c) by `make`. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quality/taskagg.h"
#include "schema/schema.h"
#include "schema/score.h"

#include "../tests/unit/schema/every_field.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tl_schema schema;
static json_t *task_data;

static void init(void) {
    struct tl_errbuf eb;
    json_t *j = json_loads(EVERY_FIELD_SCHEMA, 0, NULL);
    if (!j || tl_schema_parse(j, &schema, &eb))
        abort();
    json_decref(j);
    task_data = json_pack("{ss}", "text", "Ada Lovelace worked with Charles Babbage.");
}

static void check_score(const json_t *gold, const json_t *result) {
    double x = -1;
    json_t *per_field = json_object();
    int rc = tl_schema_score(&schema, gold, result, &x, per_field);
    if (rc && rc != TL_ENOMEM)
        abort(); /* gold was checked: every field is known */
    if (!rc && !(x >= 0 && x <= 1))
        abort();
    json_decref(per_field);
}

static void check_aggregate(const json_t *a, const json_t *b) {
    struct tl_q_vote v[3] = {{a, -1}, {b, 0.9}, {a, 0.2}};
    struct tl_q_task_agg agg;
    if (tl_q_task_aggregate(&schema, v, 3, &agg))
        return;
    const char *key;
    json_t *p;
    json_object_foreach(agg.confidence, key, p) {
        double c = json_real_value(p);
        if (!(c >= 0 && c <= 1) || !json_object_get(agg.result, key))
            abort();
    }
    tl_q_task_agg_release(&agg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!schema.n_fields)
        init();
    const uint8_t *nl = memchr(data, '\n', size);
    if (!nl)
        return 0;
    size_t n_gold = (size_t)(nl - data);
    json_t *gold = json_loadb((const char *)data, n_gold, 0, NULL);
    json_t *result = json_loadb((const char *)nl + 1, size - n_gold - 1, 0, NULL);
    struct tl_errbuf eb;
    if (gold && tl_schema_check_gold(&schema, gold, task_data, &eb) == 0) {
        if (json_is_object(result))
            check_score(gold, result);
        if (tl_schema_validate_task(&schema, gold, task_data, &eb) == 0) {
            double self = -1;
            if (tl_schema_score(&schema, gold, gold, &self, NULL) == 0 && fabs(self - 1) > 1e-9)
                abort(); /* identical answers must score 1 */
        }
    }
    bool is_valid_result =
        json_is_object(result) && tl_schema_validate_task(&schema, result, task_data, &eb) == 0;
    if (is_valid_result)
        check_aggregate(result, gold && json_is_object(gold) ? gold : result);
    json_decref(gold);
    json_decref(result);
    return 0;
}
