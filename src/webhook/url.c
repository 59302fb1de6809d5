/* url.c: webhook URL validation through curl_url (url.h). */
#include "webhook/url.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "store/store.h"
#include "webhook/ssrf.h"

/* The part of h, or NULL when it is absent; curl_free the result. */
static char *part(CURLU *h, CURLUPart what, unsigned flags) {
    char *v = NULL;
    return curl_url_get(h, what, &v, flags) == CURLUE_OK ? v : NULL;
}

static int check_literal(const char *host, bool allow_private, bool *is_literal,
                         struct tl_errbuf *eb) {
    struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
    struct sockaddr_in in4 = {.sin_family = AF_INET};
    const struct sockaddr *sa = NULL;
    if (inet_pton(AF_INET, host, &in4.sin_addr) == 1)
        sa = (const struct sockaddr *)&in4;
    else if (inet_pton(AF_INET6, host, &in6.sin6_addr) == 1)
        sa = (const struct sockaddr *)&in6;
    *is_literal = sa != NULL;
    const char *why;
    if (sa && !tl_webhook_addr_allowed(sa, allow_private, &why))
        return tl_errf(eb, TL_EINVAL, "url: %s is a %s address, which webhooks may not reach", host,
                       why);
    return 0;
}

int tl_webhook_url_check(const char *url, bool allow_private, struct tl_webhook_url *out,
                         struct tl_errbuf *eb) {
    if (strlen(url) > TL_WEBHOOK_URL_MAX)
        return tl_errf(eb, TL_EINVAL, "url must be at most %d bytes", TL_WEBHOOK_URL_MAX);
    CURLU *h = curl_url();
    if (!h)
        return TL_ENOMEM;
    char *scheme = NULL, *user = NULL, *password = NULL, *host = NULL, *port = NULL, *zone = NULL;
    int rc = 0;
    if (curl_url_set(h, CURLUPART_URL, url, 0) != CURLUE_OK) {
        rc = tl_errf(eb, TL_EINVAL, "url is not a valid absolute URL");
    } else {
        scheme = part(h, CURLUPART_SCHEME, 0);
        user = part(h, CURLUPART_USER, 0);
        password = part(h, CURLUPART_PASSWORD, 0);
        host = part(h, CURLUPART_HOST, 0);
        port = part(h, CURLUPART_PORT, CURLU_DEFAULT_PORT);
        zone = part(h, CURLUPART_ZONEID, 0);
    }
    if (rc)
        ;
    else if (!scheme || (strcmp(scheme, "http") && strcmp(scheme, "https")))
        rc = tl_errf(eb, TL_EINVAL, "url must be http:// or https://");
    else if (user || password)
        rc = tl_errf(eb, TL_EINVAL, "url must not contain a user name or password");
    else if (zone)
        rc = tl_errf(eb, TL_EINVAL, "url must not contain an IPv6 zone id");
    else if (!host || !*host || !port)
        rc = tl_errf(eb, TL_EINVAL, "url must name a host");
    if (!rc) {
        size_t n = strlen(host);
        const char *bare = host;
        if (n >= 2 && host[0] == '[' && host[n - 1] == ']')
            bare = host + 1, n -= 2;
        struct tl_webhook_url tmp;
        memset(&tmp, 0, sizeof tmp);
        if (n >= sizeof tmp.host || strlen(port) >= sizeof tmp.port) {
            rc = tl_errf(eb, TL_EINVAL, "url: host name too long");
        } else {
            memcpy(tmp.host, bare, n);
            snprintf(tmp.port, sizeof tmp.port, "%s", port);
            rc = check_literal(tmp.host, allow_private, &tmp.is_literal, eb);
        }
        if (!rc && out)
            *out = tmp;
    }
    curl_free(scheme);
    curl_free(user);
    curl_free(password);
    curl_free(host);
    curl_free(port);
    curl_free(zone);
    curl_url_cleanup(h);
    return rc;
}
