/* deliver.c: the sender thread and one attempt (deliver.h). */
#include "webhook/deliver.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"
#include "webhook/sign.h"
#include "webhook/ssrf.h"
#include "webhook/url.h"

#define MAX_ADDRS      8          /* resolved addresses pinned per attempt */
#define MAX_RESPONSE   (64 << 10) /* response bytes read, then the transfer ends */
#define BATCH          16         /* due rows read per poll */
#define BATCH_AT_START 256        /* every pending row, at start */

void tl_webhook_opts_default(struct tl_webhook_opts *o) {
    *o = (struct tl_webhook_opts){
        .max_attempts = 10,
        .backoff_ms = 1000,
        .backoff_cap_ms = 10 * 60 * 1000,
        .poll_ms = 250,
        .connect_timeout_ms = 5000,
        .timeout_ms = 10000,
    };
}

int64_t tl_webhook_backoff_ms(const struct tl_webhook_opts *o, int attempts) {
    int64_t wait = o->backoff_ms;
    for (int i = 1; i < attempts && wait < o->backoff_cap_ms; i++)
        wait *= 2;
    return wait < o->backoff_cap_ms ? wait : o->backoff_cap_ms;
}

/* ---- one attempt ---- */

struct attempt {
    const struct tl_webhook_opts *o;
    const atomic_bool *stop;
    size_t received;
    char refused[160]; /* set by on_open when it refused an address */
};

static void addr_text(const struct sockaddr *sa, char *out, size_t cap) {
    const void *raw = sa->sa_family == AF_INET
                          ? (const void *)&((const struct sockaddr_in *)sa)->sin_addr
                          : (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
    if (!inet_ntop(sa->sa_family, raw, out, (socklen_t)cap))
        snprintf(out, cap, "?");
}

static void refusal(char *out, size_t cap, const char *host, const struct sockaddr *sa,
                    const char *why) {
    char addr[INET6_ADDRSTRLEN];
    addr_text(sa, addr, sizeof addr);
    snprintf(out, cap, "refused: %.80s resolves to %s, a %s address", host, addr, why);
}

/* curl's socket callback: the address it is about to connect to, checked
 * again (the pinned ones passed already; this is the last word). */
static curl_socket_t on_open(void *clientp, curlsocktype purpose, struct curl_sockaddr *a) {
    struct attempt *at = clientp;
    const char *why;
    if (!tl_webhook_addr_allowed(&a->addr, at->o->allow_private, &why)) {
        refusal(at->refused, sizeof at->refused, "the destination", &a->addr, why);
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

static size_t on_body(char *data, size_t size, size_t n, void *userdata) {
    struct attempt *at = userdata;
    at->received += size * n;
    return at->received > MAX_RESPONSE ? 0 : size * n; /* 0 ends the transfer */
}

static int on_progress(void *clientp, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un) {
    struct attempt *at = clientp;
    return at->stop && atomic_load(at->stop) ? 1 : 0;
}

/* Resolve u's host and check every address: 0 with the CURLOPT_RESOLVE
 * entry pinning them in pin (empty for an IP literal), or an error in out. */
static int resolve_checked(const struct tl_webhook_opts *o, const struct tl_webhook_url *u,
                           char *pin, size_t cap, struct tl_webhook_outcome *out) {
    pin[0] = '\0';
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    int gai = getaddrinfo(u->host, u->port, &hints, &res);
    if (gai) {
        snprintf(out->error, sizeof out->error, "cannot resolve %.100s: %s", u->host,
                 gai_strerror(gai));
        return -1;
    }
    size_t len = 0;
    if (!u->is_literal)
        len = (size_t)snprintf(pin, cap, "%s:%s:", u->host, u->port);
    int n = 0;
    for (struct addrinfo *ai = res; ai && n < MAX_ADDRS; ai = ai->ai_next) {
        const char *why;
        if (!tl_webhook_addr_allowed(ai->ai_addr, o->allow_private, &why)) {
            refusal(out->error, sizeof out->error, u->host, ai->ai_addr, why);
            out->is_refused = true;
            freeaddrinfo(res);
            return -1;
        }
        char addr[INET6_ADDRSTRLEN];
        addr_text(ai->ai_addr, addr, sizeof addr);
        bool is_v6 = ai->ai_family == AF_INET6;
        if (!u->is_literal && len < cap)
            len += (size_t)snprintf(pin + len, cap - len, "%s%s%s%s", n ? "," : "",
                                    is_v6 ? "[" : "", addr, is_v6 ? "]" : "");
        n++;
    }
    freeaddrinfo(res);
    if (len >= cap) {
        snprintf(out->error, sizeof out->error, "%.100s: too many addresses", u->host);
        return -1;
    }
    return 0;
}

void tl_webhook_send(const struct tl_webhook_opts *o, const struct tl_webhook_job *j,
                     const atomic_bool *stop, struct tl_webhook_outcome *out) {
    memset(out, 0, sizeof *out);
    struct tl_webhook_url u;
    struct tl_errbuf eb = {{0}};
    if (tl_webhook_url_check(j->url, o->allow_private, &u, &eb)) {
        snprintf(out->error, sizeof out->error, "refused: %.180s", eb.msg);
        out->is_refused = true;
        return;
    }
    char pin[512];
    if (resolve_checked(o, &u, pin, sizeof pin, out))
        return;
    char sig[TL_WEBHOOK_SIG_LEN + 1], h_sig[32 + TL_WEBHOOK_SIG_LEN], h_event[64], h_id[64];
    tl_webhook_sign(j->secret, strlen(j->secret), j->payload, j->payload_len, sig);
    snprintf(h_sig, sizeof h_sig, "X-Tally-Signature: %s", sig);
    snprintf(h_event, sizeof h_event, "X-Tally-Event: %s", j->event);
    snprintf(h_id, sizeof h_id, "X-Tally-Delivery: %s", j->id);
    struct curl_slist *headers = NULL, *resolve = NULL, *tmp;
    const char *lines[] = {"Content-Type: application/json", "Expect:", h_sig, h_event, h_id};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        if (!(tmp = curl_slist_append(headers, lines[i])))
            break;
        headers = tmp;
    }
    if (pin[0] && (tmp = curl_slist_append(NULL, pin)))
        resolve = tmp;
    CURL *c = curl_easy_init();
    if (!c || !headers || (pin[0] && !resolve)) {
        snprintf(out->error, sizeof out->error, "out of memory");
        curl_easy_cleanup(c);
        curl_slist_free_all(headers);
        curl_slist_free_all(resolve);
        return;
    }
    struct attempt at = {.o = o, .stop = stop};
    char cerr[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, j->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_PROXY, ""); /* never a proxy from the environment */
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o->timeout_ms);
    if (resolve)
        curl_easy_setopt(c, CURLOPT_RESOLVE, resolve);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, on_open);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &at);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &at);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &at);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "Tally-Webhook/1");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, j->payload);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)j->payload_len);
    CURLcode res = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    out->http_status = (int)code;
    /* A 2xx counts even if we cut a long answer short (a write error). */
    if (code >= 200 && code < 300 && (res == CURLE_OK || res == CURLE_WRITE_ERROR))
        out->is_delivered = true;
    else if (at.refused[0])
        out->is_refused = true, snprintf(out->error, sizeof out->error, "%s", at.refused);
    else if (res == CURLE_OK)
        snprintf(out->error, sizeof out->error, "HTTP %ld", code);
    else
        snprintf(out->error, sizeof out->error, "%.190s", cerr[0] ? cerr : curl_easy_strerror(res));
    curl_easy_cleanup(c);
    curl_slist_free_all(headers);
    curl_slist_free_all(resolve);
}

/* ---- the thread ---- */

struct tl_webhook_sender {
    struct tl_store *store;
    struct tl_webhook_opts o;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* stop */
    atomic_bool stop;
};

static void record(struct tl_webhook_sender *d, const struct tl_webhook_job *j,
                   const struct tl_webhook_outcome *oc) {
    int64_t now = tl_clock_ms();
    struct tl_webhook_attempt a = {.attempts = j->attempts + 1,
                                   .http_status = oc->http_status,
                                   .error = oc->error,
                                   .next_at_ms = now};
    if (oc->is_delivered) {
        a.status = TL_DELIVERY_DELIVERED;
        a.delivered_at_ms = now;
        a.error = NULL;
    } else if (oc->is_refused || a.attempts >= d->o.max_attempts) {
        a.status = TL_DELIVERY_FAILED;
    } else {
        a.status = TL_DELIVERY_PENDING;
        a.next_at_ms = now + tl_webhook_backoff_ms(&d->o, a.attempts);
    }
    if (!oc->is_delivered)
        tl_log("webhook: delivery %s attempt %d: %s%s", j->id, a.attempts, oc->error,
               a.status == TL_DELIVERY_FAILED ? " (failed)" : "");
    int rc = tl_store_webhook_record(d->store, j->pk, &a);
    if (rc)
        tl_log("webhook: cannot record delivery %s: %s", j->id, tl_strerror(rc));
}

/* Wait up to ms or until stop; with d->mu held. */
static void nap(struct tl_webhook_sender *d, int ms) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    if (!atomic_load(&d->stop))
        pthread_cond_timedwait(&d->cv, &d->mu, &ts);
}

static void *sender_main(void *arg) {
    struct tl_webhook_sender *d = arg;
    bool is_start = true;
    while (!atomic_load(&d->stop)) {
        struct tl_webhook_job *jobs = NULL;
        size_t n = 0;
        int rc = tl_store_webhook_due(d->store, tl_clock_ms(), is_start,
                                      is_start ? BATCH_AT_START : BATCH, &jobs, &n);
        if (!rc)
            is_start = false;
        for (size_t i = 0; i < n; i++) {
            if (!atomic_load(&d->stop)) {
                struct tl_webhook_outcome oc;
                tl_webhook_send(&d->o, &jobs[i], &d->stop, &oc);
                if (!atomic_load(&d->stop)) /* a cut-short attempt stays as it was */
                    record(d, &jobs[i], &oc);
            }
            tl_webhook_job_release(&jobs[i]);
        }
        free(jobs);
        if (rc || n < BATCH) {
            pthread_mutex_lock(&d->mu);
            nap(d, d->o.poll_ms);
            pthread_mutex_unlock(&d->mu);
        }
    }
    return NULL;
}

int tl_webhook_start(struct tl_store *s, const struct tl_webhook_opts *o,
                     struct tl_webhook_sender **out) {
    *out = NULL;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return TL_EINTERNAL;
    struct tl_webhook_sender *d = calloc(1, sizeof *d);
    if (!d) {
        curl_global_cleanup();
        return TL_ENOMEM;
    }
    d->store = s;
    d->o = *o;
    atomic_init(&d->stop, false);
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->cv, NULL);
    if (pthread_create(&d->thread, NULL, sender_main, d) != 0) {
        pthread_mutex_destroy(&d->mu);
        pthread_cond_destroy(&d->cv);
        free(d);
        curl_global_cleanup();
        return TL_ENOMEM;
    }
    *out = d;
    return 0;
}

void tl_webhook_stop(struct tl_webhook_sender *d) {
    if (!d)
        return;
    pthread_mutex_lock(&d->mu);
    atomic_store(&d->stop, true);
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
    pthread_join(d->thread, NULL);
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->cv);
    free(d);
    curl_global_cleanup();
}
