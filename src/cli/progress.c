/* progress.c: see progress.h. */
#include "cli/progress.h"

#include <inttypes.h>

/* n with a comma every three digits ("120,000") into out. */
static const char *grouped(int64_t n, char out[32]) {
    char digits[24];
    int len = snprintf(digits, sizeof digits, "%" PRId64, n < 0 ? 0 : n);
    int o = 0;
    for (int i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    return out;
}

/* bytes as "512 B", "1.5 KiB", "48.2 MiB", "3.0 GiB" into out. */
static const char *sized(int64_t bytes, char out[32]) {
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
    if (bytes < 1024) {
        snprintf(out, 32, "%" PRId64 " B", bytes < 0 ? 0 : bytes);
        return out;
    }
    double v = (double)bytes / 1024;
    size_t u = 0;
    while (v >= 1024 && u + 1 < sizeof units / sizeof units[0]) {
        v /= 1024;
        u++;
    }
    snprintf(out, 32, "%.1f %s", v, units[u]);
    return out;
}

size_t tl_progress_format(char *buf, size_t size, const char *verb, const char *unit, int64_t items,
                          int64_t bytes, int64_t elapsed_us) {
    char n[32], b[32], r[32];
    int len;
    if (elapsed_us > 0) {
        int64_t rate = (int64_t)((double)items * 1e6 / (double)elapsed_us + 0.5);
        len = snprintf(buf, size, "\r  %s: %s %s  %s  %s %s/s\033[K", verb, grouped(items, n), unit,
                       sized(bytes, b), grouped(rate, r), unit);
    } else {
        len = snprintf(buf, size, "\r  %s: %s %s  %s\033[K", verb, grouped(items, n), unit,
                       sized(bytes, b));
    }
    return len < 0 ? 0 : (size_t)len;
}

void tl_progress_init(struct tl_progress *pg, const char *verb, const char *unit, FILE *out,
                      bool is_enabled, int64_t (*now_us)(void)) {
    *pg = (struct tl_progress){
        .verb = verb, .unit = unit, .out = out, .is_enabled = is_enabled, .now_us = now_us};
    pg->start_us = now_us();
}

static void draw(struct tl_progress *pg, int64_t now, int64_t items, int64_t bytes) {
    char line[256];
    tl_progress_format(line, sizeof line, pg->verb, pg->unit, items, bytes, now - pg->start_us);
    fputs(line, pg->out);
    fflush(pg->out);
    pg->has_drawn = true;
    pg->last_draw_us = now;
}

void tl_progress_update(struct tl_progress *pg, int64_t items, int64_t bytes) {
    if (!pg->is_enabled)
        return;
    /* The first line waits one interval too: a quick command draws only
     * its final line. */
    int64_t now = pg->now_us();
    int64_t since = pg->has_drawn ? pg->last_draw_us : pg->start_us;
    if (now - since >= TL_PROGRESS_INTERVAL_US)
        draw(pg, now, items, bytes);
}

void tl_progress_end(struct tl_progress *pg, int64_t items, int64_t bytes) {
    if (!pg->is_enabled)
        return;
    draw(pg, pg->now_us(), items, bytes);
    fputc('\n', pg->out);
    fflush(pg->out);
}
