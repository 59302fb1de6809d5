/* framing.h: refuse requests whose body framing two HTTP parsers could read
 * differently (request smuggling behind a proxy, weakness 10).
 *
 * libmicrohttpd 0.9.75 is lenient here: with two Content-Length headers the
 * first wins; a header line "Transfer-Encoding : chunked" is stored under the
 * name "Transfer-Encoding " and so ignored (its check for whitespace before
 * the colon only runs in its most *tolerant* mode, strict_for_client -1);
 * with both Transfer-Encoding and Content-Length it uses the former. A proxy
 * in front may decide the other way, and the bytes it took for a body become
 * our next request. So the server feeds every request header through
 * tl_framing_add() and refuses the request (400, connection closed) when
 * tl_framing_verdict() names a problem. Pure: no allocation, no I/O. */
#ifndef TL_HTTP_FRAMING_H
#define TL_HTTP_FRAMING_H

#include <stdbool.h>

struct tl_framing {
    unsigned n_content_length, n_transfer_encoding, n_host;
    bool is_name_bad;        /* a header name that is not an RFC 9110 token */
    bool is_coding_unknown;  /* a Transfer-Encoding other than exactly "chunked" */
};

/* Start a check (all counts zero). */
void tl_framing_init(struct tl_framing *f);
/* Account one request header (name and value as parsed, NUL-terminated;
 * value may be NULL). */
void tl_framing_add(struct tl_framing *f, const char *name, const char *value);
/* NULL if the headers frame the request unambiguously, else a short static
 * reason for the 400's message. */
const char *tl_framing_verdict(const struct tl_framing *f);

#endif
