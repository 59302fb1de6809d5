/* common.h: helpers shared by the admin subcommands. */
#ifndef TL_CLI_COMMON_H
#define TL_CLI_COMMON_H

#include "store/store.h"

#define TL_DEFAULT_DATA "./tally-data"

/* Open the store in dir for a short admin command; prints the error and
 * returns non-zero on failure. */
int tl_cli_open(const char *dir, struct tl_store **out);
/* Create an API token for email and print nothing; 0 or an error code.
 * token receives the plain token (shown once); scope, if not NULL, what it
 * resolves to. */
int tl_cli_token_for(struct tl_store *s, const char *email, int64_t expires_at_ms,
                     char token[TL_TOKEN_LEN + 1], struct tl_scope *scope);

#endif
