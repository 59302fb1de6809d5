/* clock.h: wall time for stored timestamps, monotonic time for durations. */
#ifndef TL_CORE_CLOCK_H
#define TL_CORE_CLOCK_H

#include <stdint.h>

/* Milliseconds since the Unix epoch (wall clock): stored timestamps. */
int64_t tl_clock_ms(void);
/* Microseconds from an arbitrary origin (monotonic): durations. */
int64_t tl_clock_mono_us(void);
/* Format epoch milliseconds as RFC 3339 UTC with milliseconds
 * ("2026-11-22T01:02:03.456Z") into out; returns out. */
char *tl_clock_rfc3339(int64_t ms, char out[32]);

#endif
