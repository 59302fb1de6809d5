/* url.h: a webhook URL, parsed by libcurl's own URL parser (curl_url), so
 * the URL we check is exactly the URL curl sends to: no second parser to
 * disagree with it.
 *
 * Accepted: absolute http:// or https:// URLs of at most TL_WEBHOOK_URL_MAX
 * bytes with a host, without userinfo (credentials would be stored and
 * logged in the clear) and without an IPv6 zone id. A host written as an IP
 * address is classified at once (webhook/ssrf.h); a name is resolved only
 * when a delivery is sent. */
#ifndef TL_WEBHOOK_URL_H
#define TL_WEBHOOK_URL_H

#include <stdbool.h>

#include "core/err.h"

struct tl_webhook_url {
    char host[256];  /* without IPv6 brackets */
    char port[8];    /* decimal, the scheme's default when absent */
    bool is_literal; /* host is an IP address */
};

/* Check url as above and fill *out (may be NULL): 0, or TL_EINVAL with the
 * reason in eb (may be NULL). An IP-literal host that ssrf.h refuses (with
 * allow_private as given) is TL_EINVAL too. */
int tl_webhook_url_check(const char *url, bool allow_private, struct tl_webhook_url *out,
                         struct tl_errbuf *eb);

#endif
