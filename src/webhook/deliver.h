/* deliver.h: the webhook sender: one thread that sends the store's outbox.
 *
 * The labeling path only writes outbox rows (store.h); this thread polls
 * for due ones, POSTs each with its signature (sign.h) through libcurl, and
 * records the attempt: delivered on a 2xx answer; otherwise pending again
 * after an exponential backoff (backoff_ms, doubled per attempt, capped at
 * backoff_cap_ms) until max_attempts, then failed. A destination that
 * ssrf.h refuses fails at once (retrying cannot change our policy). A
 * server that starts sends every pending row at once, whatever its backoff:
 * a restart is when a receiver is most likely back.
 *
 * Each attempt: the URL is parsed by curl_url (url.h); the host is
 * resolved here and every address checked; curl is pinned to those
 * addresses (CURLOPT_RESOLVE) so a second DNS answer cannot swap them, and
 * its socket callback checks the address it connects to again. No proxy
 * from the environment, no redirects, http/https only, short timeouts, the
 * response body read at most 64 KiB and discarded. Deliveries go one at a
 * time, oldest due first: one slow receiver delays the others by at most
 * timeout_ms per attempt. One sender per database (one server node). */
#ifndef TL_WEBHOOK_DELIVER_H
#define TL_WEBHOOK_DELIVER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

struct tl_webhook_opts {
    bool allow_private;      /* --webhook-allow-private (ssrf.h) */
    int max_attempts;        /* then failed (default 10) */
    int64_t backoff_ms;      /* after the first failure (default 1000) */
    int64_t backoff_cap_ms;  /* the longest wait (default 10 min) */
    int poll_ms;             /* how often the outbox is read (default 250) */
    long connect_timeout_ms; /* default 5000 */
    long timeout_ms;         /* a whole attempt (default 10000) */
};
void tl_webhook_opts_default(struct tl_webhook_opts *o);

/* The wait after the attempts-th failed attempt (1: backoff_ms). */
int64_t tl_webhook_backoff_ms(const struct tl_webhook_opts *o, int attempts);

/* The result of one attempt. */
struct tl_webhook_outcome {
    bool is_delivered;
    bool is_refused; /* the policy refused the destination: do not retry */
    int http_status; /* 0: no answer */
    char error[200];
};
/* Send job j once (blocking, at most o->timeout_ms); stop (may be NULL) is
 * polled during the transfer and aborts it when it becomes true. */
void tl_webhook_send(const struct tl_webhook_opts *o, const struct tl_webhook_job *j,
                     const atomic_bool *stop, struct tl_webhook_outcome *out);

struct tl_webhook_sender;
/* Start the sender thread over store s (borrowed: stop the sender before
 * closing it): 0 and *out, or TL_ENOMEM. */
int tl_webhook_start(struct tl_store *s, const struct tl_webhook_opts *o,
                     struct tl_webhook_sender **out);
/* Stop the thread (an attempt in flight is cut short and stays pending) and
 * free it. NULL is fine. */
void tl_webhook_stop(struct tl_webhook_sender *d);

#endif
