/* Tests for src/core/tar.c: ustar members written into a bounded buffer
 * read back by a strict reader (checksums, alignment, the end). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/err.h"
#include "core/tar.h"
#include "tar_read.h"

static void add(struct tl_buf *b, const char *name, const char *content, size_t len) {
    size_t head;
    assert_int_equal(tl_tar_member_begin(b, name, &head), 0);
    assert_int_equal(tl_buf_append(b, content, len), 0);
    assert_int_equal(tl_tar_member_end(b, head), 0);
}

static void test_tar_members_read_back(void **state) {
    struct tl_buf b;
    tl_buf_init(&b, 1u << 20);
    char big[1300];
    memset(big, 'x', sizeof big);
    add(&b, "a.txt", "hello\n", 6);
    add(&b, "dir/empty", "", 0);
    add(&b, "dir/block", big, 512);
    add(&b, "dir/big", big, sizeof big);
    assert_int_equal(tl_tar_end(&b), 0);
    struct tar_member m[TAR_READ_MAX];
    assert_int_equal(tar_read(b.data, b.len, m), 4);
    assert_string_equal(m[0].name, "a.txt");
    assert_int_equal(m[0].size, 6);
    assert_memory_equal(m[0].content, "hello\n", 6);
    assert_int_equal(m[1].size, 0);
    assert_int_equal(m[2].size, 512);
    assert_string_equal(m[3].name, "dir/big");
    assert_int_equal(m[3].size, sizeof big);
    /* header + 1 block + header + header + 1 + header + 3 blocks + end */
    assert_int_equal(b.len, 512 * (2 + 1 + 2 + 4 + 2));
    tl_buf_release(&b);
}

static void test_tar_refuses_bad_names(void **state) {
    struct tl_buf b;
    tl_buf_init(&b, 1u << 20);
    size_t head;
    char longname[101];
    memset(longname, 'n', 100);
    longname[100] = '\0';
    assert_int_equal(tl_tar_member_begin(&b, "", &head), TL_EINVAL);
    assert_int_equal(tl_tar_member_begin(&b, longname, &head), TL_EINVAL);
    assert_int_equal(tl_tar_member_begin(&b, "a b", &head), TL_EINVAL);
    assert_int_equal(tl_tar_member_begin(&b, "caf\xc3\xa9", &head), TL_EINVAL);
    longname[99] = '\0';
    assert_int_equal(tl_tar_member_begin(&b, longname, &head), 0);
    tl_buf_release(&b);
}

/* A member and its padding stay within what the caller's bound allows. */
static void test_tar_overhead_is_a_ceiling(void **state) {
    for (size_t len = 0; len < 1100; len += 97) {
        struct tl_buf b;
        tl_buf_init(&b, len + TL_TAR_MEMBER_OVERHEAD);
        char content[1100] = {0};
        size_t head;
        assert_int_equal(tl_tar_member_begin(&b, "m", &head), 0);
        assert_int_equal(tl_buf_append(&b, content, len), 0);
        assert_int_equal(tl_tar_member_end(&b, head), 0);
        assert_int_equal(b.len % 512, 0);
        tl_buf_release(&b);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tar_members_read_back),
        cmocka_unit_test(test_tar_refuses_bad_names),
        cmocka_unit_test(test_tar_overhead_is_a_ceiling),
    };
    return cmocka_run_group_tests_name("tar", tests, NULL, NULL);
}
