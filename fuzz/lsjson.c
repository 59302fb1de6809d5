/* Fuzz target: Label Studio results (src/schema/lsjson.c) and the task
 * import that reads them (src/schema/jsonl.c), under one schema with every
 * field type. The input is a task {"data":{...},"result":[...]} (or any
 * bytes). Besides memory errors it checks the converter's contract: a
 * result read and accepted by the schema exports and reads back to itself.
 * Built with clang -fsanitize=fuzzer by `make fuzz TARGET=lsjson`, or as a
 * corpus replayer (fuzz/replay.c) that `make test` runs. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "schema/jsonl.h"
#include "schema/lsjson.h"
#include "schema/schema.h"

#include "../tests/unit/schema/every_field.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SCHEMA EVERY_FIELD_SCHEMA

static struct tl_schema schema;
static int is_ready;

static void setup(void) {
    json_t *j = json_loads(SCHEMA, 0, NULL);
    struct tl_errbuf eb;
    if (!j || tl_schema_parse(j, &schema, &eb))
        abort();
    json_decref(j);
    is_ready = 1;
}

/* read -> (valid) -> write -> read gives the same result */
static void round_trip(const json_t *task) {
    const json_t *data = json_object_get(task, "data");
    struct tl_errbuf eb;
    json_t *result, *items, *again;
    if (tl_lsjson_to_result(&schema, json_object_get(task, "result"), data, &result, &eb))
        return;
    if (tl_schema_validate_imported(&schema, result, data, &eb) == 0) {
        if (tl_lsjson_from_result(&schema, result, data, &items, &eb))
            abort();
        if (tl_lsjson_to_result(&schema, items, data, &again, &eb) || !json_equal(again, result))
            abort();
        json_decref(again);
        json_decref(items);
    }
    json_decref(result);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!is_ready)
        setup();
    json_t *task = json_loadb((const char *)data, size, 0, NULL);
    if (task) {
        round_trip(task);
        json_decref(task);
    }
    /* the same bytes as an import body: tasks with annotations and
     * predictions in either form */
    for (int is_array = 0; is_array < 2; is_array++) {
        struct tl_import im;
        struct tl_errbuf eb;
        size_t used;
        tl_import_init(&im, is_array, size, 1u << 20, 64);
        tl_import_set_schema(&im, &schema);
        int rc = 0;
        size_t off = 0;
        while (!rc && off < size) {
            rc = tl_import_feed(&im, (const char *)data + off, size - off, &used, &eb);
            off += used;
            if (!rc && tl_import_is_full(&im))
                tl_import_batch_reset(&im);
            else if (!rc && used == 0)
                break;
        }
        if (!rc)
            rc = tl_import_end(&im, &eb);
        if (!rc)
            rc = tl_import_batch(&im);
        tl_import_release(&im);
    }
    return 0;
}
