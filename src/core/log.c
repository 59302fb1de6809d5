/* log.c: see log.h. One fprintf per line keeps lines whole across threads. */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>

#include "core/clock.h"

void tl_log(const char *fmt, ...) {
    char line[1024], ts[32];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s %s\n", tl_clock_rfc3339(tl_clock_ms(), ts), line);
}

char *tl_log_sample(const char *s, size_t n, char *out, size_t outsz) {
    size_t i = 0;
    for (; s && i < n && i + 1 < outsz; i++)
        out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    if (outsz)
        out[i] = '\0';
    return out;
}
