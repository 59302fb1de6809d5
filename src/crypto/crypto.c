/* crypto.c: see crypto.h. */
#include "crypto/crypto.h"

#include <sodium.h>
#include <string.h>

#include "core/err.h"

int tl_crypto_init(void) {
    return sodium_init() < 0 ? TL_EINTERNAL : 0;
}

int tl_password_hash(const char *password, char out[TL_PWHASH_LEN]) {
    /* INTERACTIVE limits (64 MiB, 2 passes): a login costs ~50 ms, which is
     * what the argon2 authors suggest for online authentication. */
    if (crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return TL_ENOMEM;
    return 0;
}

int tl_password_verify(const char *hash, const char *password) {
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0 ? 0 : TL_EAUTH;
}

/* The argon2id hash of a random password that was thrown away, made with the
 * parameters tl_password_hash() uses (a unit test keeps them in step). */
const char tl_password_dummy[TL_PWHASH_LEN] =
    "$argon2id$v=19$m=65536,t=2,p=1$M3xlwpkhLMTAKKt4+IhR8A$"
    "svrEwmPrxlzeGUXuRv8qpZHb8Yl/5iL39dH/5/9vTNM";

int tl_password_verify_none(const char *password) {
    (void)tl_password_verify(tl_password_dummy, password);
    return TL_EAUTH;
}

void tl_token_new(char out[TL_TOKEN_LEN + 1]) {
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    memcpy(out, "tly_", 4);
    sodium_bin2hex(out + 4, 65, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
}

void tl_token_hash(const char *token, size_t n, char out[TL_TOKEN_HASH_LEN + 1]) {
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)token, n, NULL, 0);
    sodium_bin2hex(out, TL_TOKEN_HASH_LEN + 1, h, sizeof h);
}

void tl_pseudonym(const unsigned char secret[TL_SECRET_LEN], const char *tenant_id,
                  const char *user_id, char out[TL_PSEUDONYM_LEN + 1]) {
    crypto_generichash_state st;
    unsigned char h[8];
    crypto_generichash_init(&st, secret, TL_SECRET_LEN, sizeof h);
    crypto_generichash_update(&st, (const unsigned char *)tenant_id, strlen(tenant_id) + 1);
    crypto_generichash_update(&st, (const unsigned char *)user_id, strlen(user_id));
    crypto_generichash_final(&st, h, sizeof h);
    memcpy(out, "anon-", 5);
    sodium_bin2hex(out + 5, 17, h, sizeof h);
}

void tl_csrf_value(const unsigned char secret[TL_SECRET_LEN], const char *token, size_t n,
                   char out[TL_CSRF_LEN + 1]) {
    static const char purpose[] = "tally csrf v1";
    unsigned char key[crypto_generichash_KEYBYTES], h[32];
    crypto_generichash(key, sizeof key, (const unsigned char *)purpose, sizeof purpose - 1, secret,
                       TL_SECRET_LEN);
    crypto_generichash(h, sizeof h, (const unsigned char *)token, n, key, sizeof key);
    sodium_bin2hex(out, TL_CSRF_LEN + 1, h, sizeof h);
    sodium_memzero(key, sizeof key);
}
