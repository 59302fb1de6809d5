/* range.h: the Range request header (RFC 9110 section 14.2), reduced to what
 * serving one stored file needs: a single byte range.
 *
 * Grammar accepted (case-insensitive unit, optional spaces or tabs around
 * the range): "bytes=" FIRST "-" [LAST] | "bytes=" "-" SUFFIX, numbers of
 * at most TL_RANGE_MAX_DIGITS decimal digits. Anything else (another unit,
 * several ranges, LAST < FIRST, junk) is TL_RANGE_IGNORE: the RFC lets a
 * server ignore a Range it does not like and send the whole file (200),
 * which is always safe. Multiple ranges are ignored on purpose: a
 * multipart/byteranges answer to "0-,0-,0-,..." multiplies the bytes sent. */
#ifndef TL_HTTP_RANGE_H
#define TL_HTTP_RANGE_H

#include <stdint.h>

/* A number with more digits is past any file we store: treated as huge. */
#define TL_RANGE_MAX_DIGITS 19
/* Longest header value looked at; a longer one is ignored (whole file). */
#define TL_RANGE_MAX_LEN 200

enum tl_range_verdict {
    TL_RANGE_IGNORE,        /* no usable Range: send the whole file (200) */
    TL_RANGE_OK,            /* send [*first, *first + *count) (206) */
    TL_RANGE_UNSATISFIABLE, /* well-formed but outside the file (416) */
};

/* Decide the Range header value (NUL-terminated; NULL for none) against a
 * file of size bytes. Sets *first and *count only for TL_RANGE_OK (count is
 * then >= 1 and first + count <= size). Never reads past the NUL or past
 * TL_RANGE_MAX_LEN bytes. */
enum tl_range_verdict tl_http_range_parse(const char *value, uint64_t size, uint64_t *first,
                                          uint64_t *count);

#endif
