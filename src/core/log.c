/* log.c: see log.h. Each line is formatted on the caller's stack and
 * handed to the kernel in one write(2): lines stay whole across threads,
 * and no thread waits on stdio's stream lock, which under load (a line per
 * request from dozens of connection threads) was a contended futex. */
#include "core/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"

void tl_log(const char *fmt, ...) {
    char line[1100], ts[32];
    size_t n = strlen(tl_clock_rfc3339(tl_clock_ms(), ts));
    memcpy(line, ts, n);
    line[n++] = ' ';
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, 1024, fmt, ap); /* 1024: the message's ceiling */
    va_end(ap);
    if (m < 0)
        m = 0;
    n += (size_t)m < 1024 ? (size_t)m : 1023;
    line[n++] = '\n';
    for (size_t off = 0; off < n;) {
        ssize_t w = write(STDERR_FILENO, line + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* nowhere to log to: nothing better to do */
        off += (size_t)w;
    }
}

char *tl_log_sample(const char *s, size_t n, char *out, size_t outsz) {
    static const char hex[] = "0123456789ABCDEF";
    if (!outsz)
        return out;
    size_t o = 0;
    for (size_t i = 0; s && i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool is_plain = c > 0x20 && c < 0x7f;
        if (o + (is_plain ? 1 : 3) >= outsz)
            break;
        if (is_plain) {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
    return out;
}
