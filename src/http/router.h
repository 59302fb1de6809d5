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

#endif
