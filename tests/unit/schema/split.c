/* Tests for src/schema/split.c: the same items (and the same first error)
 * however the body is cut into pieces: whole, one byte at a time, random. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "schema/split.h"

/* Everything the splitter said, as text: "no:item\n" per item, then the
 * error code and message if any. */
static void run(const char *in, size_t n, bool is_array, size_t max_item, const size_t *cuts,
                size_t n_cuts, struct tl_buf *out) {
    struct tl_split s;
    struct tl_errbuf eb = {{0}};
    struct tl_split_item it;
    char head[64];
    int rc = 0;
    tl_split_init(&s, is_array, max_item);
    size_t pos = 0;
    for (size_t c = 0; c <= n_cuts && !rc; c++) {
        size_t end = c < n_cuts ? cuts[c] : n;
        while (pos < end && !rc) {
            size_t used;
            rc = tl_split_feed(&s, in + pos, end - pos, &used, &it, &eb);
            if (rc)
                break;
            assert_true(used > 0 || end == pos);
            pos += used;
            if (it.data) {
                snprintf(head, sizeof head, "%zu:", it.no);
                tl_buf_puts(out, head);
                tl_buf_append(out, it.data, it.len);
                tl_buf_puts(out, "\n");
            }
        }
    }
    if (!rc) {
        rc = tl_split_end(&s, &it, &eb);
        if (!rc && it.data) {
            snprintf(head, sizeof head, "%zu:", it.no);
            tl_buf_puts(out, head);
            tl_buf_append(out, it.data, it.len);
            tl_buf_puts(out, "\n");
        }
    }
    if (rc) {
        snprintf(head, sizeof head, "error %d: ", rc);
        tl_buf_puts(out, head);
        tl_buf_puts(out, eb.msg);
    }
    tl_split_release(&s);
}

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Split in one piece, byte by byte and at random; all must agree with
 * `want` (if given) and with each other. */
static void check_every_chunking(const char *in, bool is_array, size_t max_item,
                                 const char *want) {
    size_t n = strlen(in);
    struct tl_buf whole, other;
    tl_buf_init(&whole, 1u << 20);
    run(in, n, is_array, max_item, NULL, 0, &whole);
    if (want)
        assert_string_equal(whole.data ? whole.data : "", want);
    size_t cuts[4096];
    for (size_t i = 0; i + 1 < n && i < 4096; i++)
        cuts[i] = i + 1;
    tl_buf_init(&other, 1u << 20);
    run(in, n, is_array, max_item, cuts, n > 1 ? (n - 1 < 4096 ? n - 1 : 4096) : 0, &other);
    assert_string_equal(other.data ? other.data : "", whole.data ? whole.data : "");
    for (int round = 0; round < 200; round++) {
        size_t k = n ? next_rand() % 8 : 0, c[8];
        for (size_t i = 0; i < k; i++)
            c[i] = next_rand() % (n + 1);
        for (size_t i = 1; i < k; i++) /* sort: cuts must not go back */
            for (size_t j = i; j > 0 && c[j - 1] > c[j]; j--) {
                size_t t = c[j];
                c[j] = c[j - 1];
                c[j - 1] = t;
            }
        tl_buf_reset(&other);
        run(in, n, is_array, max_item, c, k, &other);
        assert_string_equal(other.data ? other.data : "", whole.data ? whole.data : "");
    }
    tl_buf_release(&whole);
    tl_buf_release(&other);
}

static void test_lines(void **state) {
    check_every_chunking("{\"a\":1}\n\r\n  \n{\"b\":\"x\\ny\"}\r\n{\"c\":3}", false, 1024,
                         "1:{\"a\":1}\n4:{\"b\":\"x\\ny\"}\r\n5:{\"c\":3}\n");
    check_every_chunking("", false, 1024, "");
    check_every_chunking("\n\n  \n", false, 1024, "");
    check_every_chunking("x\n", false, 1024, "1:x\n");
    /* lines are not parsed here: any bytes are an item */
    check_every_chunking("[1,\n{oops\n", false, 1024, "1:[1,\n2:{oops\n");
}

static void test_line_ceiling_names_the_line(void **state) {
    check_every_chunking("{\"a\":1}\n{\"b\":\"0123456789\"}\n", false, 10,
                         "1:{\"a\":1}\nerror -6: line 2: over 10 bytes");
    check_every_chunking("{\"a\":1}\n{\"b\":\"0123456789\"}", false, 10,
                         "1:{\"a\":1}\nerror -6: line 2: over 10 bytes");
}

static void test_array(void **state) {
    check_every_chunking(" [ {\"a\":[1,{\"b\":2}]} ,\n{\"s\":\"],}{[\\\"\\\\\"},3,\"x\" ]\n", true,
                         1024,
                         "1:{\"a\":[1,{\"b\":2}]} \n2:{\"s\":\"],}{[\\\"\\\\\"}\n3:3\n4:\"x\" \n");
    check_every_chunking("[]", true, 1024, "");
    check_every_chunking("  ", true, 1024, "");
    check_every_chunking("[{}]", true, 1024, "1:{}\n");
    /* a stray '}' stays in its item for the parser to refuse */
    check_every_chunking("[{}},1]", true, 1024, "1:{}}\n2:1\n");
}

static void test_array_errors(void **state) {
    check_every_chunking("{\"a\":1}", true, 1024,
                         "error -2: expected a JSON array of tasks");
    check_every_chunking("[{},]", true, 1024, "1:{}\nerror -2: item 2: expected a value");
    check_every_chunking("[,]", true, 1024, "error -2: item 1: expected a value");
    check_every_chunking("[{}] x", true, 1024,
                         "1:{}\nerror -2: unexpected data after the array");
    check_every_chunking("[{}, {\"a\":", true, 1024,
                         "1:{}\nerror -2: item 2: the body ends inside this item");
    check_every_chunking("[{},", true, 1024,
                         "1:{}\nerror -2: the body ends before the array is closed");
    check_every_chunking("[{\"a\":\"\\\"]\"}", true, 1024,
                         "error -2: item 1: the body ends inside this item");
    check_every_chunking("[1, \"0123456789abc\"]", true, 10,
                         "1:1\nerror -6: item 2: over 10 bytes");
}

static void test_array_depth_ceiling(void **state) {
    char deep[2 * TL_SPLIT_MAX_DEPTH + 16];
    size_t n = 0;
    deep[n++] = '[';
    for (int i = 0; i < TL_SPLIT_MAX_DEPTH + 1; i++)
        deep[n++] = '[';
    deep[n] = '\0';
    check_every_chunking(deep, true, 1u << 20, "error -2: item 1: nested too deeply");
    /* exactly at the ceiling is fine */
    n = 0;
    deep[n++] = '[';
    for (int i = 0; i < TL_SPLIT_MAX_DEPTH; i++)
        deep[n++] = '[';
    for (int i = 0; i < TL_SPLIT_MAX_DEPTH; i++)
        deep[n++] = ']';
    deep[n++] = ']';
    deep[n] = '\0';
    struct tl_buf out;
    tl_buf_init(&out, 1u << 20);
    run(deep, n, true, 1u << 20, NULL, 0, &out);
    assert_memory_equal(out.data, "1:[[", 4);
    assert_null(strstr(out.data, "error"));
    tl_buf_release(&out);
}

/* An item that spans pieces is copied once; one inside a piece is not. */
static void test_zero_copy_inside_a_piece(void **state) {
    static const char in[] = "{\"a\":1}\n{\"b\":2}\n";
    struct tl_split s;
    struct tl_split_item it;
    size_t used;
    tl_split_init(&s, false, 1024);
    assert_int_equal(tl_split_feed(&s, in, sizeof in - 1, &used, &it, NULL), 0);
    assert_ptr_equal(it.data, in);
    assert_int_equal(used, 8);
    assert_int_equal(tl_split_feed(&s, in + used, 3, &used, &it, NULL), 0);
    assert_null(it.data);
    assert_int_equal(tl_split_feed(&s, in + 11, 5, &used, &it, NULL), 0);
    assert_non_null(it.data);
    assert_ptr_not_equal(it.data, in + 8);
    assert_memory_equal(it.data, "{\"b\":2}", 7);
    tl_split_release(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_line_ceiling_names_the_line),
        cmocka_unit_test(test_array),
        cmocka_unit_test(test_array_errors),
        cmocka_unit_test(test_array_depth_ceiling),
        cmocka_unit_test(test_zero_copy_inside_a_piece),
    };
    return cmocka_run_group_tests_name("split", tests, NULL, NULL);
}
