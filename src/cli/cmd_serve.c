/* cmd_serve.c: `tally serve`: open the store, start HTTP, wait for
 * SIGINT/SIGTERM, drain in-flight requests, flush the store, exit 0. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "api/api.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "core/log.h"
#include "queue/reinfer_sched.h"
#include "webhook/deliver.h"
#include "queue/detect_run.h"

enum { OPT_DATA = 1000, OPT_LISTEN, OPT_MAX_BODY, OPT_MAX_IMPORT, OPT_READERS, OPT_HELP,
       OPT_SECRET_FILE, OPT_MAX_FILE };
enum { OPT_MAX_CONN = 1100, OPT_MAX_PER_ADDR, OPT_THREADS, OPT_HEADER_TIMEOUT, OPT_IDLE_TIMEOUT };
enum { OPT_HOOK_PRIVATE = 1200, OPT_SECURE_COOKIES };
enum { OPT_REINFER_SECONDS = 1300 }; /* quality: re-inference (infer helper) */
enum { OPT_QUALITY_SECONDS = 1310 }; /* quality: workers (detect_run.h) */

static const char usage[] =
    "usage: tally serve [--data DIR] [--listen HOST:PORT] [--max-body BYTES]\n"
    "                   [--max-import-body BYTES] [--max-file-body BYTES]\n"
    "                   [--readers N] [--secret-file PATH]\n"
    "                   [--max-connections N] [--max-connections-per-address N]\n"
    "                   [--threads N] [--header-timeout S] [--idle-timeout S]\n"
    "                   [--webhook-allow-private] [--secure-cookies]\n"
    "                   [--reinfer-seconds S]\n"
    "                   [--quality-seconds S]\n"
    "Serve the API in the foreground; SIGINT/SIGTERM drain and exit.\n"
    "  --data DIR              data directory (default $TALLY_DATA, else ./tally-data)\n"
    "  --listen HOST:PORT      address and port: 127.0.0.1:8080 (default, or\n"
    "                          $TALLY_LISTEN), [::1]:8080, localhost:8080 (first address\n"
    "                          that binds; the URL logged names it); port 0: any\n"
    "  --max-body BYTES        request body ceiling (default 1 MiB)\n"
    "  --max-import-body BYTES task import body ceiling (default 64 MiB)\n"
    "  --max-file-body BYTES   media upload ceiling (default 256 MiB)\n"
    "  --readers N             pooled read connections (default 8)\n"
    "  --secret-file PATH      the installation secret (default DIR/secret)\n"
    "  --max-connections N     open connections in all (default 16384, held below\n"
    "                          the file-descriptor limit, which is raised to its maximum)\n"
    "  --max-connections-per-address N\n"
    "                          open connections from one client address (default 64)\n"
    "  --threads N             event-loop threads (default 2 per core)\n"
    "  --header-timeout S      a request's headers must arrive within S s (default 10)\n"
    "  --idle-timeout S        idle keep-alive connections close after S s (default 60)\n"
    "  --webhook-allow-private webhooks may reach loopback and private addresses\n"
    "                          (self-hosted receivers); never link-local or metadata\n"
    "  --secure-cookies        mark the web UI's session cookie Secure: set it when\n"
    "                          Tally is served over TLS by a proxy (browsers then\n"
    "                          send the cookie over https only)\n"
    "  --reinfer-seconds S     re-infer projects with new labels every S s (default 60)\n"
    "  --quality-seconds S     run the cheat detectors on projects with new labels\n"
    "                          every S s (default 60)\n";

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

/* HOST:PORT, where HOST is an IPv4 address, a name, or an IPv6 address in
 * brackets ("[::1]:8080"). */
static int parse_listen(const char *s, char *host, size_t hostsz, uint16_t *port) {
    const char *colon = strrchr(s, ':');
    const char *h = s, *h_end = colon;
    unsigned long long p;
    if (s[0] == '[') {
        h = s + 1;
        h_end = strchr(h, ']');
        if (!h_end || h_end[1] != ':')
            return -1;
        colon = h_end + 1;
    } else if (colon && memchr(s, ':', (size_t)(colon - s))) {
        return -1; /* a bare IPv6 address: the port would be ambiguous */
    }
    if (!colon || h_end == h || (size_t)(h_end - h) >= hostsz ||
        parse_size(colon + 1, 0, 65535, &p))
        return -1;
    memcpy(host, h, (size_t)(h_end - h));
    host[h_end - h] = '\0';
    *port = (uint16_t)p;
    return 0;
}

/* Thousands of idle keep-alive connections need as many descriptors: take
 * the hard limit (the server holds its connection cap below it). */
static void raise_fd_limit(void) {
    struct rlimit rl;
    if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int tl_cmd_serve(int argc, char **argv) {
    static const struct option opts[] = {
        {"data", required_argument, NULL, OPT_DATA},
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"max-body", required_argument, NULL, OPT_MAX_BODY},
        {"max-import-body", required_argument, NULL, OPT_MAX_IMPORT},
        {"max-file-body", required_argument, NULL, OPT_MAX_FILE},
        {"readers", required_argument, NULL, OPT_READERS},
        {"max-connections", required_argument, NULL, OPT_MAX_CONN},
        {"max-connections-per-address", required_argument, NULL, OPT_MAX_PER_ADDR},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"header-timeout", required_argument, NULL, OPT_HEADER_TIMEOUT},
        {"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
        {"help", no_argument, NULL, OPT_HELP},
        {"secret-file", required_argument, NULL, OPT_SECRET_FILE},
        {"webhook-allow-private", no_argument, NULL, OPT_HOOK_PRIVATE},
        {"secure-cookies", no_argument, NULL, OPT_SECURE_COOKIES},
        {"reinfer-seconds", required_argument, NULL, OPT_REINFER_SECONDS},
        {"quality-seconds", required_argument, NULL, OPT_QUALITY_SECONDS},
        {NULL, 0, NULL, 0},
    };
    /* The environment sets defaults (containers, `make run`); flags win. */
    const char *data = getenv("TALLY_DATA"), *listen = getenv("TALLY_LISTEN");
    if (!data || !*data)
        data = TL_DEFAULT_DATA;
    if (!listen || !*listen)
        listen = "127.0.0.1:8080";
    const char *secret_file = NULL;
    bool secure_cookies = false;
    struct tl_webhook_opts wopts;
    tl_webhook_opts_default(&wopts);
    unsigned long long max_body = 1u << 20, max_import = 64u << 20, readers = 8;
    unsigned long long max_file = TL_HTTP_MAX_FILE_BODY;
    unsigned long long max_conn = 16384, max_per_addr = 64, threads = 0, header_s = 10,
                       idle_s = 60;
    unsigned long long reinfer_s = 60; /* quality: re-inference (infer helper) */
    unsigned long long quality_s = 60; /* quality: workers */
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case OPT_DATA: data = optarg; break;
        case OPT_LISTEN: listen = optarg; break;
        case OPT_MAX_BODY: bad = parse_size(optarg, 1024, 1ull << 32, &max_body); break;
        case OPT_MAX_IMPORT: bad = parse_size(optarg, 1024, 1ull << 34, &max_import); break;
        case OPT_MAX_FILE: bad = parse_size(optarg, 1024, 1ull << 40, &max_file); break;
        case OPT_READERS: bad = parse_size(optarg, 1, 256, &readers); break;
        case OPT_MAX_CONN: bad = parse_size(optarg, 1, 1u << 20, &max_conn); break;
        case OPT_MAX_PER_ADDR: bad = parse_size(optarg, 1, 1u << 20, &max_per_addr); break;
        case OPT_THREADS: bad = parse_size(optarg, 1, 256, &threads); break;
        case OPT_HEADER_TIMEOUT: bad = parse_size(optarg, 1, 3600, &header_s); break;
        case OPT_IDLE_TIMEOUT: bad = parse_size(optarg, 1, 86400, &idle_s); break;
        case OPT_HELP: printf("%s", usage); return 0;
        case OPT_SECRET_FILE: secret_file = optarg; break;
        case OPT_HOOK_PRIVATE: wopts.allow_private = true; break;
        case OPT_SECURE_COOKIES: secure_cookies = true; break;
        case OPT_REINFER_SECONDS: bad = parse_size(optarg, 1, 86400, &reinfer_s); break;
        case OPT_QUALITY_SECONDS: bad = parse_size(optarg, 1, 86400, &quality_s); break;
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
    char host[256];
    uint16_t port;
    if (parse_listen(listen, host, sizeof host, &port)) {
        fprintf(stderr, "tally: --listen wants HOST:PORT or [IPV6]:PORT, got '%s'\n", listen);
        return 2;
    }
    raise_fd_limit();

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
    struct tl_store_opts sopts = {.readers = (int)readers, .secret_path = secret_file};
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
    api.webhook_allow_private = wopts.allow_private;
    api.secure_cookies = secure_cookies;
    struct tl_webhook_sender *sender = NULL;
    if ((rc = tl_webhook_start(store, &wopts, &sender))) {
        fprintf(stderr, "tally: cannot start the webhook sender: %s\n", tl_strerror(rc));
        tl_api_release(&api);
        tl_store_close(store);
        return 1;
    }
    /* quality: the background re-inference (infer helper) */
    struct tl_reinferer *reinferer = NULL;
    if ((rc = tl_queue_reinferer_start(store, (int)reinfer_s, &reinferer))) {
        fprintf(stderr, "tally: cannot start re-inference: %s\n", tl_strerror(rc));
        tl_webhook_stop(sender);
        tl_api_release(&api);
        tl_store_close(store);
        return 1;
    }
    api.reinferer = reinferer;
    if ((rc = tl_files_open(data, &api.files))) {
        tl_queue_reinferer_stop(reinferer);
        tl_webhook_stop(sender);
        fprintf(stderr, "tally: cannot open %s/files: %s\n", data, tl_strerror(rc));
        tl_api_release(&api);
        tl_store_close(store);
        return 1;
    }
    struct tl_http_opts hopts = {
        .host = host,
        .port = port,
        .max_body = max_body,
        .max_import_body = max_import,
        .max_file_body = max_file,
        .max_connections = (unsigned)max_conn,
        .max_per_address = (unsigned)max_per_addr,
        .threads = (unsigned)threads,
        .header_timeout_s = (unsigned)header_s,
        .idle_timeout_s = (unsigned)idle_s,
        .routes = tl_api_routes,
        .n_routes = tl_api_n_routes,
        .app = &api,
        .authorize = tl_api_authorize,
    };
    struct tl_http_server *http;
    rc = tl_http_start(&hopts, &http);
    if (rc) {
        fprintf(stderr, "tally: cannot listen on %s (%s)\n", listen,
                rc == TL_ENOTFOUND ? "no such host" : "address in use or not permitted");
        tl_files_free(api.files);
        tl_queue_reinferer_stop(reinferer);
        tl_webhook_stop(sender);
        tl_api_release(&api);
        tl_store_close(store);
        return 1;
    }
    /* quality: workers: the detectors' periodic run (queue/detect_run.h);
     * without it the detectors still run on request */
    struct tl_detect_scheduler *detectors = NULL;
    if (tl_detect_scheduler_start(store, (int)quality_s, &detectors))
        tl_log("quality: cannot start the detectors' scheduler");
    char url[INET6_ADDRSTRLEN + 32] = "http://?";
    tl_http_url(http, url, sizeof url);
    tl_log("tally %s serving %s data=%s max-connections=%u", TL_VERSION, url, data,
           tl_http_max_connections(http));

    if (wopts.allow_private)
        tl_log("webhooks may reach loopback and private addresses (--webhook-allow-private)");
    int sig = 0;
    sigwait(&stop, &sig);
    tl_log("signal %d: draining", sig);
    tl_http_stop(http, 10000);
    tl_detect_scheduler_stop(detectors); /* quality: before the store it reads */
    tl_api_release(&api); /* first: its slow pool may still finish an upload */
    tl_files_free(api.files);
    tl_queue_reinferer_stop(reinferer); /* before the store it reads */
    tl_webhook_stop(sender); /* before the store it reads */
    tl_store_close(store);
    tl_log("stopped");
    return 0;
}
