/* id.c: UUIDv7 generation (see id.h). */
#include "core/id.h"

#include <sodium.h>
#include <stdint.h>
#include <string.h>

#include "core/clock.h"

/* libsodium's randombytes_buf() is one getrandom() system call per call:
 * a million-task import made a million of them, and on a VM each costs
 * microseconds. Each thread draws 4 KiB at a time instead and hands out 10
 * bytes per id; the bytes are the same kernel CSPRNG output, used once (ids
 * are public, so used bytes need no wiping). */
#define ID_POOL 4000
static _Thread_local unsigned char id_pool[ID_POOL];
static _Thread_local size_t id_pool_pos = ID_POOL;

static void random10(unsigned char *dst) {
    if (id_pool_pos + 10 > ID_POOL) {
        randombytes_buf(id_pool, ID_POOL);
        id_pool_pos = 0;
    }
    memcpy(dst, id_pool + id_pool_pos, 10);
    id_pool_pos += 10;
}

void tl_id_new(tl_id out) {
    static const char hex[] = "0123456789abcdef";
    unsigned char b[16];
    uint64_t ms = (uint64_t)tl_clock_ms();
    random10(b + 6);
    for (int i = 0; i < 6; i++)
        b[i] = (unsigned char)(ms >> (40 - 8 * i));
    b[6] = (unsigned char)(0x70 | (b[6] & 0x0f)); /* version 7 */
    b[8] = (unsigned char)(0x80 | (b[8] & 0x3f)); /* RFC 4122 variant */
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 15];
    }
    out[o] = '\0';
}

bool tl_id_valid(const char *s, size_t n) {
    if (n != TL_ID_LEN)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool dash = (i == 8 || i == 13 || i == 18 || i == 23);
        if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}
