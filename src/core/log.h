/* log.h: the server's log lines, to stderr, one line each.
 *
 * Untrusted bytes never reach the log raw: tl_log_sample() makes a short
 * copy first with no space, control character or non-ASCII byte in it, so a
 * hostile request can neither start a line of its own nor shift the fields
 * of its line (a path of "/x 200 42" would otherwise read as a status). */
#ifndef TL_CORE_LOG_H
#define TL_CORE_LOG_H

#include <stddef.h>

void tl_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Copy s[0..n) into out (outsz bytes with the NUL), writing every byte
 * outside '!'..'~' (space, control characters, DEL, non-ASCII) as %XX, as
 * in a URI. Truncates on a whole character or escape when out is too small.
 * s may be NULL (n is then ignored). Returns out. */
char *tl_log_sample(const char *s, size_t n, char *out, size_t outsz);

#endif
