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

size_t tl_router_allow(const struct tl_route *routes, size_t n, const char *path, char *out,
                       size_t cap) {
    char params[TL_HTTP_MAX_PARAMS][TL_ROUTE_MAX_PARAM];
    size_t count = 0, len = 0;
    if (cap)
        out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (!match(routes[i].pattern, path, params))
            continue;
        bool is_listed = false;
        for (size_t j = 0; j < i && !is_listed; j++)
            is_listed = !strcmp(routes[j].method, routes[i].method) &&
                        match(routes[j].pattern, path, params);
        size_t add = strlen(routes[i].method) + (count ? 2 : 0);
        if (is_listed || len + add >= cap)
            continue;
        if (count)
            memcpy(out + len, ", ", 2);
        memcpy(out + len + add - strlen(routes[i].method), routes[i].method,
               strlen(routes[i].method) + 1);
        len += add;
        count++;
    }
    return count;
}

enum tl_query_verdict tl_router_query_check(const char *const *known, const char *key,
                                            const char *value, uint32_t *seen) {
    size_t i = 0;
    while (known && known[i] && strcmp(known[i], key))
        i++;
    if (!known || !known[i])
        return TL_QUERY_UNKNOWN;
    if (i < 32) {
        if (*seen & (UINT32_C(1) << i))
            return TL_QUERY_REPEATED;
        *seen |= UINT32_C(1) << i;
    }
    return value ? TL_QUERY_OK : TL_QUERY_NO_VALUE;
}
