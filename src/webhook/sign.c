/* sign.c: webhook secrets and HMAC-SHA256 signatures (sign.h). */
#include "webhook/sign.h"

#include <sodium.h>
#include <string.h>

void tl_webhook_secret_new(char out[TL_WEBHOOK_SECRET_LEN + 1]) {
    unsigned char raw[TL_WEBHOOK_SECRET_LEN / 2];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(out, TL_WEBHOOK_SECRET_LEN + 1, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
}

void tl_webhook_sign(const char *key, size_t key_len, const void *body, size_t len,
                     char out[TL_WEBHOOK_SIG_LEN + 1]) {
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, key_len);
    crypto_auth_hmacsha256_update(&st, body, len);
    crypto_auth_hmacsha256_final(&st, mac);
    memcpy(out, "sha256=", 7);
    sodium_bin2hex(out + 7, TL_WEBHOOK_SIG_LEN + 1 - 7, mac, sizeof mac);
    sodium_memzero(&st, sizeof st);
}
