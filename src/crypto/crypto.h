/* crypto.h: Tally's uses of libsodium, in one place.
 *
 * - Passwords: argon2id (crypto_pwhash_str), verified in constant time.
 * - API tokens: 32 random bytes shown once as "tly_" + hex; the store keeps
 *   only BLAKE2b-256(token) in hex, so a copy of the database grants nothing.
 * - Pseudonyms: annotators appear to a tenant as a keyed BLAKE2b of
 *   (tenant, user) under the installation's secret: stable within a tenant,
 *   unlinkable across tenants, irreversible without the secret.
 * - CSRF values of browser sessions: a keyed BLAKE2b of the session token
 *   under a key derived from the installation's secret (never stored: the
 *   server derives it again for each request).
 * Call tl_crypto_init() once before anything else (it is idempotent). */
#ifndef TL_CRYPTO_H
#define TL_CRYPTO_H

#include <stddef.h>

#define TL_TOKEN_LEN      (4 + 64) /* "tly_" + 32 bytes hex */
#define TL_TOKEN_HASH_LEN 64       /* BLAKE2b-256 hex */
#define TL_PWHASH_LEN     128      /* crypto_pwhash_STRBYTES */
#define TL_SECRET_LEN     32
#define TL_PSEUDONYM_LEN  (5 + 16) /* "anon-" + 8 bytes hex */
#define TL_CSRF_LEN       64       /* 32 bytes hex */

int tl_crypto_init(void);

/* Hash a password with argon2id into out (NUL-terminated): 0 or TL_ENOMEM. */
int tl_password_hash(const char *password, char out[TL_PWHASH_LEN]);
/* 0 if password matches hash, TL_EAUTH if not. */
int tl_password_verify(const char *hash, const char *password);
/* Spend what tl_password_verify() costs and return TL_EAUTH: for a login
 * whose email has no password, so that response time does not tell which
 * emails exist. tl_password_dummy is the hash it checks against. */
int tl_password_verify_none(const char *password);
extern const char tl_password_dummy[TL_PWHASH_LEN];

/* A new random token into out (NUL-terminated). */
void tl_token_new(char out[TL_TOKEN_LEN + 1]);
/* The stored form of a token: hex BLAKE2b-256 of its n bytes. */
void tl_token_hash(const char *token, size_t n, char out[TL_TOKEN_HASH_LEN + 1]);

/* The pseudonym of user_id as seen by tenant_id. */
void tl_pseudonym(const unsigned char secret[TL_SECRET_LEN], const char *tenant_id,
                  const char *user_id, char out[TL_PSEUDONYM_LEN + 1]);

/* The CSRF value of the session token's n bytes: hex BLAKE2b-256 keyed by
 * BLAKE2b-256("tally csrf v1") under secret, so it is unlinkable to the
 * pseudonyms made with the same secret, and useless without the token. */
void tl_csrf_value(const unsigned char secret[TL_SECRET_LEN], const char *token, size_t n,
                   char out[TL_CSRF_LEN + 1]);

#endif
