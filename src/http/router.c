/* router.c: segment-by-segment path matching (see router.h). */
#include "http/router.h"

#include <string.h>

#include "core/err.h"

static bool match(const char *pattern, const char *path,
                  char params[TL_HTTP_MAX_PARAMS][TL_ROUTE_MAX_PARAM]) {
    int np = 0;
    while (*pattern && *path) {
        if (pattern[0] == '{' && pattern[1] == '}') {
            size_t n = strcspn(path, "/");
            if (n == 0 || n >= TL_ROUTE_MAX_PARAM || np == TL_HTTP_MAX_PARAMS)
                return false;
            memcpy(params[np], path, n);
            params[np++][n] = '\0';
            path += n;
            pattern += 2;
        } else if (*pattern++ != *path++) {
            return false;
        }
    }
    return *pattern == '\0' && *path == '\0';
}

int tl_router_match(const struct tl_route *routes, size_t n, const char *method, const char *path,
                    const struct tl_route **out,
                    char params[TL_HTTP_MAX_PARAMS][TL_ROUTE_MAX_PARAM]) {
    bool is_path_known = false;
    for (size_t i = 0; i < n; i++) {
        if (!match(routes[i].pattern, path, params))
            continue;
        is_path_known = true;
        if (!strcmp(routes[i].method, method)) {
            *out = &routes[i];
            return 0;
        }
    }
    return is_path_known ? TL_ECONFLICT : TL_ENOTFOUND;
}
