/* log.h: the server's log lines, to stderr, one line each.
 *
 * Untrusted bytes never reach the log raw: tl_log_sample() makes a short,
 * printable copy first (so a hostile request cannot forge log lines). */
#ifndef TL_CORE_LOG_H
#define TL_CORE_LOG_H

#include <stddef.h>

void tl_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Copy at most outsz-1 bytes of s[0..n) into out, replacing anything that is
 * not printable ASCII with '?'. Returns out. */
char *tl_log_sample(const char *s, size_t n, char *out, size_t outsz);

#endif
