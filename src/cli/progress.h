/* progress.h: a one-line progress display for long CLI commands (`tally
 * import`, `tally export`) on stderr, e.g.
 *   "\r  importing: 120,000 tasks  48.2 MiB  95,310 tasks/s"
 * redrawn at most every TL_PROGRESS_INTERVAL_US, and only when enabled
 * (the caller passes isatty(2): piped or logged stderr stays quiet). The
 * clock is injected so that rendering and throttling are testable alone.
 * Nothing here allocates. */
#ifndef TL_CLI_PROGRESS_H
#define TL_CLI_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TL_PROGRESS_INTERVAL_US 100000 /* ~10 redraws a second at most */

struct tl_progress {
    const char *verb; /* "importing" (borrowed) */
    const char *unit; /* "tasks" (borrowed) */
    FILE *out;
    bool is_enabled;
    bool has_drawn;          /* a line is on screen: end it with '\n' */
    int64_t (*now_us)(void); /* monotonic microseconds */
    int64_t start_us, last_draw_us;
};

/* Set up a display of verb and unit on out, drawing only if is_enabled;
 * now_us is the clock (tl_clock_mono_us outside tests). */
void tl_progress_init(struct tl_progress *pg, const char *verb, const char *unit, FILE *out,
                      bool is_enabled, int64_t (*now_us)(void));
/* Render one line ("\r  VERB: N UNIT  SIZE  R UNIT/s", then an erase to
 * the end of the line) into buf[0..size), NUL-terminated and cut to fit;
 * the rate is left out before any time has passed. Returns the length it
 * would have (as snprintf). Pure. */
size_t tl_progress_format(char *buf, size_t size, const char *verb, const char *unit, int64_t items,
                          int64_t bytes, int64_t elapsed_us);
/* Counts so far: redraw if enabled and the last draw is at least
 * TL_PROGRESS_INTERVAL_US old. */
void tl_progress_update(struct tl_progress *pg, int64_t items, int64_t bytes);
/* The final counts: if enabled, draw them and end the line. */
void tl_progress_end(struct tl_progress *pg, int64_t items, int64_t bytes);

#endif
