/* cookie.h: one value out of a Cookie request header (RFC 6265 section
 * 5.4's cookie-string), for the browser session cookie (api/auth.c).
 *
 * Grammar accepted: pairs NAME "=" VALUE separated by ";" with optional
 * spaces or tabs around each pair. Only the wanted name is held to the
 * strict grammar: its VALUE must be cookie-octets (%x21 / %x23-2B /
 * %x2D-3A / %x3C-5B / %x5D-7E), optionally in one pair of double quotes,
 * and shorter than the caller's buffer. Other pairs are skipped up to the
 * next ";" whatever they hold (another application's cookies on the same
 * host are not ours to judge). The wanted name appearing twice is refused:
 * a second cookie of the same name can be planted by a sibling subdomain
 * (cookie tossing), and the browser's order does not say which is ours.
 *
 * The header is read once, left to right, never past its NUL nor past
 * TL_COOKIE_MAX_HEADER bytes (a longer header is refused whole). */
#ifndef TL_HTTP_COOKIE_H
#define TL_HTTP_COOKIE_H

#include <stddef.h>

#define TL_COOKIE_MAX_HEADER 8192

/* Copy the value of cookie name from header (NUL-terminated; NULL for
 * none) into out (cap bytes, NUL-terminated). 0 when found;
 * TL_ENOTFOUND when absent; TL_EINVAL when it is present but malformed,
 * empty, repeated or does not fit, or the header is over
 * TL_COOKIE_MAX_HEADER. out is "" unless 0 is returned. */
int tl_http_cookie_get(const char *header, const char *name, char *out, size_t cap);

#endif
