/* Fuzz target: the incremental import splitter (src/schema/split.c) and the
 * batch importer on top of it (src/schema/jsonl.c). The first byte picks
 * lines or array and how the rest is cut into pieces; the items (and the
 * first error) must be the same as for the body in one piece, or the
 * target aborts. Built with clang -fsanitize=fuzzer by `make fuzz
 * TARGET=split`, or as a corpus replayer (fuzz/replay.c) by `make`. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "schema/jsonl.h"
#include "schema/split.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A running digest of what the splitter said (items, numbers, error). */
static uint64_t mix(uint64_t h, const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

static uint64_t split_all(const char *in, size_t n, bool is_array, unsigned cut_seed) {
    struct tl_split s;
    struct tl_split_item it;
    struct tl_errbuf eb = {{0}};
    uint64_t h = 14695981039346656037ull;
    int rc = 0;
    tl_split_init(&s, is_array, 256);
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
            rc = tl_split_feed(&s, in + pos, end - pos, &used, &it, &eb);
            if (!rc && used == 0 && !it.data)
                abort(); /* no progress: the caller would loop for ever */
            pos += used;
            if (!rc && it.data) {
                h = mix(h, &it.no, sizeof it.no);
                h = mix(h, it.data, it.len);
            }
        }
    }
    if (!rc) {
        rc = tl_split_end(&s, &it, &eb);
        if (!rc && it.data) {
            h = mix(h, &it.no, sizeof it.no);
            h = mix(h, it.data, it.len);
        }
    }
    h = mix(h, &rc, sizeof rc);
    if (rc)
        h = mix(h, eb.msg, strlen(eb.msg));
    tl_split_release(&s);
    return h;
}

/* The importer with tiny batches, fed in pieces: must not crash or leak. */
static void import_all(const char *in, size_t n, bool is_array) {
    struct tl_import im;
    struct tl_errbuf eb;
    tl_import_init(&im, is_array, 256, 64, 4);
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
    bool is_array = data[0] & 1;
    unsigned seed = data[0] | 1u;
    const char *body = (const char *)data + 1;
    size_t n = size - 1;
    uint64_t whole = split_all(body, n, is_array, 0);
    if (split_all(body, n, is_array, seed) != whole)
        abort();
    if (split_all(body, n, is_array, seed * 7919u) != whole)
        abort();
    import_all(body, n, is_array);
    return 0;
}
