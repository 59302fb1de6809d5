/* Fuzz target: the incremental CSV task reader (src/schema/csvtasks.c) and
 * the CSV import on top of it (src/schema/jsonl.c). The first byte picks
 * how the rest is cut into pieces; the rows (as task JSON, with their line
 * numbers) and the first error must be the same as for the body in one
 * piece, and every row must be a JSON object with one string per column,
 * or the target aborts. Built with clang -fsanitize=fuzzer by `make fuzz
 * TARGET=csvtasks`, or as a corpus replayer (fuzz/replay.c) by `make`. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "schema/csvtasks.h"
#include "schema/jsonl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t mix(uint64_t h, const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

/* A row must be valid JSON: an object of n_columns strings. */
static void check_row(const struct tl_csvt *c, struct tl_buf *json) {
    tl_buf_reset(json);
    if (tl_csvt_row_json(c, json))
        abort();
    json_t *j = json_loadb(json->data, json->len, 0, NULL);
    if (!json_is_object(j) || json_object_size(j) != c->n_columns)
        abort();
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v) {
        if (!json_is_string(v))
            abort();
    }
    json_decref(j);
}

static uint64_t read_all(const char *in, size_t n, unsigned cut_seed) {
    struct tl_csvt c;
    struct tl_buf json;
    struct tl_errbuf eb = {{0}};
    uint64_t h = 14695981039346656037ull;
    int rc = 0;
    bool has_row;
    tl_csvt_init(&c, 512);
    tl_buf_init(&json, 1u << 16);
    size_t pos = 0;
    while (!rc && pos < n) {
        size_t piece = n - pos;
        if (cut_seed) {
            cut_seed = cut_seed * 1103515245u + 12345u;
            piece = 1 + (cut_seed >> 8) % 13;
            if (piece > n - pos)
                piece = n - pos;
        }
        size_t end = pos + piece;
        while (!rc && pos < end) {
            size_t used;
            rc = tl_csvt_feed(&c, in + pos, end - pos, &used, &has_row, &eb);
            if (!rc && used == 0)
                abort(); /* no progress: the caller would loop for ever */
            pos += used;
            if (!rc && has_row) {
                check_row(&c, &json);
                size_t line = tl_csvt_row_line(&c);
                h = mix(h, &line, sizeof line);
                h = mix(h, json.data, json.len);
            }
        }
    }
    if (!rc) {
        rc = tl_csvt_end(&c, &has_row, &eb);
        if (!rc && has_row) {
            check_row(&c, &json);
            h = mix(h, json.data, json.len);
        }
    }
    h = mix(h, &rc, sizeof rc);
    if (rc)
        h = mix(h, eb.msg, strlen(eb.msg));
    tl_buf_release(&json);
    tl_csvt_release(&c);
    return h;
}

/* The importer with tiny batches, fed in pieces: must not crash or leak. */
static void import_all(const char *in, size_t n) {
    struct tl_import im;
    struct tl_errbuf eb;
    tl_import_init_csv(&im, 256, 64, 4);
    size_t pos = 0;
    int rc = 0;
    while (!rc && pos < n) {
        size_t used;
        rc = tl_import_feed(&im, in + pos, n - pos > 7 ? 7 : n - pos, &used, &eb);
        pos += used;
        if (!rc && tl_import_is_full(&im)) {
            rc = tl_import_batch(&im);
            tl_import_batch_reset(&im);
        }
    }
    if (!rc)
        tl_import_end(&im, &eb);
    tl_import_release(&im);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1)
        return 0;
    unsigned seed = data[0] | 1u;
    const char *body = (const char *)data + 1;
    size_t n = size - 1;
    uint64_t whole = read_all(body, n, 0);
    if (read_all(body, n, seed) != whole)
        abort();
    if (read_all(body, n, seed * 7919u) != whole)
        abort();
    import_all(body, n);
    return 0;
}
