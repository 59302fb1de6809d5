/* sign.h: webhook secrets and signatures (libsodium).
 *
 * A secret is 32 random bytes shown as 64 hex characters; the HMAC key is
 * that hex text itself (its 64 ASCII bytes), which is what a receiver holds
 * and passes to its HMAC function. A delivery carries
 * `X-Tally-Signature: sha256=HEX`, HEX being HMAC-SHA256(key, exact body). */
#ifndef TL_WEBHOOK_SIGN_H
#define TL_WEBHOOK_SIGN_H

#include <stddef.h>

#include "store/store.h"

#define TL_WEBHOOK_SIG_LEN (7 + 64) /* "sha256=" + 32 bytes hex */

/* A new random secret into out (NUL-terminated). */
void tl_webhook_secret_new(char out[TL_WEBHOOK_SECRET_LEN + 1]);
/* "sha256=" + hex HMAC-SHA256 of body[0..len) under key[0..key_len). */
void tl_webhook_sign(const char *key, size_t key_len, const void *body, size_t len,
                     char out[TL_WEBHOOK_SIG_LEN + 1]);

#endif
