/* router.h: match a method and path against a route table. */
#ifndef TL_HTTP_ROUTER_H
#define TL_HTTP_ROUTER_H

#include "http/http.h"

#define TL_ROUTE_MAX_PARAM 64

/* Find the route for method+path. On a match returns 0, *out set and each {}
 * segment copied into params (NUL-terminated, at most TL_ROUTE_MAX_PARAM-1
 * bytes: longer segments do not match). TL_ENOTFOUND if no pattern matches,
 * TL_ECONFLICT if a pattern matches but not with this method (405). */
int tl_router_match(const struct tl_route *routes, size_t n, const char *method, const char *path,
                    const struct tl_route **out,
                    char params[TL_HTTP_MAX_PARAMS][TL_ROUTE_MAX_PARAM]);

/* The methods the routes matching path take, for a 405's Allow header:
 * written to out as "GET, PATCH, DELETE" (table order, each once, always
 * NUL-terminated; a method that would not fit in cap is left out). Returns
 * how many were written: 0 when no pattern matches path. */
size_t tl_router_allow(const struct tl_route *routes, size_t n, const char *path, char *out,
                       size_t cap);

/* What is wrong with one query parameter of a request to a route whose
 * parameters are known (NULL-terminated; NULL: the route takes none). */
enum tl_query_verdict {
    TL_QUERY_OK,
    TL_QUERY_UNKNOWN,  /* not in known */
    TL_QUERY_REPEATED, /* a second key=value of the same name */
    TL_QUERY_NO_VALUE, /* "?format" without "=": a value was expected */
};
/* Check key (value NULL for a bare "?key") against known. *seen carries a
 * bit per entry of known across the calls for one request (0 before the
 * first); repeats are caught for the first 32 entries. */
enum tl_query_verdict tl_router_query_check(const char *const *known, const char *key,
                                            const char *value, uint32_t *seen);

#endif
