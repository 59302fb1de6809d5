/* cmd_serve.c: `tally serve`: open the store, start HTTP, wait for
 * SIGINT/SIGTERM, drain in-flight requests, flush the store, exit 0. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "core/log.h"

enum { OPT_DATA = 1000, OPT_LISTEN, OPT_MAX_BODY, OPT_MAX_IMPORT, OPT_READERS, OPT_HELP };

static const char usage[] =
    "usage: tally serve [--data DIR] [--listen HOST:PORT] [--max-body BYTES]\n"
    "                   [--max-import-body BYTES] [--readers N]\n"
    "Serve the API in the foreground; SIGINT/SIGTERM drain and exit.\n"
    "  --data DIR              data directory (default ./tally-data)\n"
    "  --listen HOST:PORT      IPv4 address and port (default 127.0.0.1:8080; port 0: any)\n"
    "  --max-body BYTES        request body ceiling (default 1 MiB)\n"
    "  --max-import-body BYTES task import body ceiling (default 64 MiB)\n"
    "  --readers N             pooled read connections (default 8)\n";

/* A whole decimal number in [lo, hi]: 0 or -1. */
static int parse_size(const char *s, unsigned long long lo, unsigned long long hi,
                      unsigned long long *out) {
    if (!s || !*s || *s == '-')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int parse_listen(const char *s, char *host, size_t hostsz, uint16_t *port) {
    const char *colon = strrchr(s, ':');
    unsigned long long p;
    if (!colon || colon == s || (size_t)(colon - s) >= hostsz ||
        parse_size(colon + 1, 0, 65535, &p))
        return -1;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    *port = (uint16_t)p;
    return 0;
}

int tl_cmd_serve(int argc, char **argv) {
    static const struct option opts[] = {
        {"data", required_argument, NULL, OPT_DATA},
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"max-body", required_argument, NULL, OPT_MAX_BODY},
        {"max-import-body", required_argument, NULL, OPT_MAX_IMPORT},
        {"readers", required_argument, NULL, OPT_READERS},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    const char *data = TL_DEFAULT_DATA, *listen = "127.0.0.1:8080";
    unsigned long long max_body = 1u << 20, max_import = 64u << 20, readers = 8;
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case OPT_DATA: data = optarg; break;
        case OPT_LISTEN: listen = optarg; break;
        case OPT_MAX_BODY: bad = parse_size(optarg, 1024, 1ull << 32, &max_body); break;
        case OPT_MAX_IMPORT: bad = parse_size(optarg, 1024, 1ull << 34, &max_import); break;
        case OPT_READERS: bad = parse_size(optarg, 1, 256, &readers); break;
        case OPT_HELP: printf("%s", usage); return 0;
        default: fprintf(stderr, "%s", usage); return 2;
        }
        if (bad) {
            fprintf(stderr, "tally: bad value '%s'\n%s", optarg, usage);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "tally: unexpected argument '%s'\n%s", argv[optind], usage);
        return 2;
    }
    char host[64];
    uint16_t port;
    if (parse_listen(listen, host, sizeof host, &port)) {
        fprintf(stderr, "tally: --listen wants HOST:PORT, got '%s'\n", listen);
        return 2;
    }

    /* Block the stop signals before any thread starts, so every thread
     * inherits the mask and only sigwait() below receives them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct tl_errbuf eb = {{0}};
    struct tl_store *store;
    struct tl_store_opts sopts = {.readers = (int)readers};
    if (tl_crypto_init()) {
        fprintf(stderr, "tally: libsodium failed to initialise\n");
        return 1;
    }
    int rc = tl_store_open_sqlite(data, &sopts, &store, &eb);
    if (rc) {
        fprintf(stderr, "tally: cannot open store in %s: %s\n", data,
                eb.msg[0] ? eb.msg : tl_strerror(rc));
        return 1;
    }
    struct tl_api api;
    if ((rc = tl_api_init(&api, store))) {
        fprintf(stderr, "tally: %s\n", rc == TL_ENOMEM ? "out of memory"
                                                      : "a route has no valid access policy");
        tl_store_close(store);
        return 1;
    }
    struct tl_http_opts hopts = {
        .host = host,
        .port = port,
        .max_body = max_body,
        .max_import_body = max_import,
        .routes = tl_api_routes,
        .n_routes = tl_api_n_routes,
        .app = &api,
        .authorize = tl_api_authorize,
    };
    struct tl_http_server *http;
    rc = tl_http_start(&hopts, &http);
    if (rc) {
        fprintf(stderr, "tally: cannot listen on %s (%s)\n", listen,
                rc == TL_EINVAL ? "not an IPv4 address" : "address in use or not permitted");
        tl_api_release(&api);
        tl_store_close(store);
        return 1;
    }
    tl_log("tally %s serving http://%s:%u data=%s", TL_VERSION, host, (unsigned)tl_http_port(http),
           data);

    int sig = 0;
    sigwait(&stop, &sig);
    tl_log("signal %d: draining", sig);
    tl_http_stop(http, 10000);
    tl_api_release(&api);
    tl_store_close(store);
    tl_log("stopped");
    return 0;
}
