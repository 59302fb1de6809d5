/* tar_read.h: a strict ustar reader for tests that write archives
 * (core/tar.c, schema/export_yolo.c): it checks every header's checksum,
 * magic, deterministic fields and 512-byte alignment, and the two zero
 * blocks at the end, failing the test on any deviation. Header-only, for
 * tests; include after <cmocka.h>. */
#ifndef TL_TESTS_TAR_READ_H
#define TL_TESTS_TAR_READ_H

#include <stdlib.h>
#include <string.h>

#define TAR_READ_MAX 64

struct tar_member {
    char name[101];
    const char *content;
    size_t size;
};

static size_t tar_octal(const char *field, size_t width) {
    size_t v = 0, i = 0;
    for (; i < width && field[i] >= '0' && field[i] <= '7'; i++)
        v = v * 8 + (size_t)(field[i] - '0');
    if (i == 0 || (i < width && field[i] != '\0' && field[i] != ' '))
        fail_msg("bad octal field %.*s", (int)width, field);
    return v;
}

static bool tar_is_zero(const char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* Parse the archive in data[0..len) into members (at most TAR_READ_MAX):
 * their count. */
static size_t tar_read(const char *data, size_t len, struct tar_member *m) {
    size_t n = 0, at = 0;
    assert_int_equal(len % 512, 0);
    while (at + 512 <= len && !tar_is_zero(data + at, 512)) {
        const char *h = data + at;
        unsigned sum = 0;
        for (size_t i = 0; i < 512; i++)
            sum += (i >= 148 && i < 156) ? ' ' : (unsigned char)h[i];
        assert_int_equal(tar_octal(h + 148, 8), sum);
        assert_memory_equal(h + 257, "ustar\0" "00", 8);
        assert_int_equal(h[156], '0');
        assert_string_equal(h + 100, "0000644");
        assert_string_equal(h + 108, "0000000");
        assert_string_equal(h + 116, "0000000");
        assert_int_equal(tar_octal(h + 136, 12), 0);
        assert_true(n < TAR_READ_MAX);
        memcpy(m[n].name, h, 100);
        m[n].name[100] = '\0';
        m[n].size = tar_octal(h + 124, 12);
        m[n].content = h + 512;
        size_t padded = (m[n].size + 511) / 512 * 512;
        assert_true(at + 512 + padded <= len);
        assert_true(tar_is_zero(h + 512 + m[n].size, padded - m[n].size));
        at += 512 + padded;
        n++;
    }
    /* the end: exactly two zero blocks */
    assert_int_equal(len - at, 1024);
    assert_true(tar_is_zero(data + at, 1024));
    return n;
}

#endif
