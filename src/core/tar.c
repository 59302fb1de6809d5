/* tar.c: ustar members in a bounded buffer (see tar.h). */
#include "core/tar.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"

/* Field offsets and widths of a ustar header (POSIX.1-1988). */
#define OFF_NAME     0
#define OFF_MODE     100
#define OFF_UID      108
#define OFF_GID      116
#define OFF_SIZE     124
#define OFF_MTIME    136
#define OFF_CHKSUM   148
#define OFF_TYPEFLAG 156
#define OFF_MAGIC    257
#define OFF_VERSION  263
#define OFF_DEVMAJOR 329
#define OFF_DEVMINOR 337
#define LEN_NAME     100
#define LEN_CHKSUM   8
#define SIZE_LIMIT   ((uint64_t)1 << 33) /* 11 octal digits */

static const char zeros[TL_TAR_BLOCK];

static bool is_plain_name(const char *name, size_t len) {
    if (len == 0 || len >= LEN_NAME)
        return false;
    for (size_t i = 0; i < len; i++)
        if (name[i] < 0x21 || name[i] > 0x7e)
            return false;
    return true;
}

int tl_tar_member_begin(struct tl_buf *b, const char *name, size_t *head) {
    size_t len = strlen(name);
    if (!is_plain_name(name, len))
        return TL_EINVAL;
    char h[TL_TAR_BLOCK] = {0};
    memcpy(h + OFF_NAME, name, len);
    memcpy(h + OFF_MODE, "0000644", 8);
    memcpy(h + OFF_UID, "0000000", 8);
    memcpy(h + OFF_GID, "0000000", 8);
    memcpy(h + OFF_MTIME, "00000000000", 12);
    h[OFF_TYPEFLAG] = '0';
    memcpy(h + OFF_MAGIC, "ustar", 6);
    memcpy(h + OFF_VERSION, "00", 2);
    memcpy(h + OFF_DEVMAJOR, "0000000", 8);
    memcpy(h + OFF_DEVMINOR, "0000000", 8);
    *head = b->len;
    return tl_buf_append(b, h, sizeof h);
}

int tl_tar_member_end(struct tl_buf *b, size_t head) {
    uint64_t size = b->len - head - TL_TAR_BLOCK;
    if (size >= SIZE_LIMIT)
        return TL_ETOOBIG;
    size_t pad = (TL_TAR_BLOCK - size % TL_TAR_BLOCK) % TL_TAR_BLOCK;
    int rc = tl_buf_append(b, zeros, pad);
    if (rc)
        return rc;
    char *h = b->data + head;
    char field[16];
    snprintf(field, sizeof field, "%011llo", (unsigned long long)size);
    memcpy(h + OFF_SIZE, field, 12);
    /* the checksum counts its own field as eight spaces */
    memset(h + OFF_CHKSUM, ' ', LEN_CHKSUM);
    unsigned sum = 0;
    for (size_t i = 0; i < TL_TAR_BLOCK; i++)
        sum += (unsigned char)h[i];
    snprintf(field, sizeof field, "%06o", sum);
    memcpy(h + OFF_CHKSUM, field, 7); /* six digits, NUL, and the space kept */
    return 0;
}

int tl_tar_end(struct tl_buf *b) {
    int rc = tl_buf_append(b, zeros, TL_TAR_BLOCK);
    return rc ? rc : tl_buf_append(b, zeros, TL_TAR_BLOCK);
}
