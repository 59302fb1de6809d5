/* common.h: helpers shared by the subcommands. */
#ifndef TL_CLI_COMMON_H
#define TL_CLI_COMMON_H

#include <stdbool.h>
#include <stdio.h>

#include "store/store.h"

#define TL_DEFAULT_DATA "./tally-data"

/* Open the store in dir for a short admin command, with the installation
 * secret at secret_file (NULL: DIR/secret); prints the error and returns
 * non-zero on failure, also when dir holds no store: a mistyped --data must
 * not quietly start an empty one. */
int tl_cli_open(const char *dir, const char *secret_file, struct tl_store **out);
/* The same, making the store if dir holds none: for the commands that begin
 * a set-up (init, demo, tenant create). */
int tl_cli_create(const char *dir, const char *secret_file, struct tl_store **out);
/* Create an API token for email and print nothing; 0 or an error code.
 * token receives the plain token (shown once); scope, if not NULL, what it
 * resolves to. */
int tl_cli_token_for(struct tl_store *s, const char *email, int64_t expires_at_ms,
                     char token[TL_TOKEN_LEN + 1], struct tl_scope *scope);

/* The options `tally import` and `tally export` share: --data,
 * --secret-file, --project, --format, --help; export (is_export) also takes
 * --out and no operand, import takes one operand (FILE). */
struct tl_cli_project_args {
    const char *data, *secret_file, *project, *format, *out, *operand;
};
/* Parse argv into *a: 0; -1 after printing usage to stdout for --help; 2
 * after printing the error and usage to stderr (an unknown option, a
 * missing value, no --project, more than one operand). */
int tl_cli_project_args(const char *cmd, int argc, char **argv, bool is_export,
                        void (*usage)(FILE *), struct tl_cli_project_args *a);
/* Open the store in a->data and find project a->project in any tenant
 * (tl_store_project_get_admin): 0 with *s, *p and *sc set (close and
 * release them); 1 after printing why not. */
int tl_cli_open_project(const char *cmd, const struct tl_cli_project_args *a, struct tl_store **s,
                        struct tl_project *p, struct tl_scope *sc);

/* Option and operand checks for commands parsed with getopt_long (with a
 * leading ':' in the option string). Each prints "tally CMD: ..." and, where
 * it says so, the command's usage to stderr. */

/* arg as an integer in [min, max] into *out: 0, or 2 (the usage-error exit
 * code) after saying what OPT wants. */
int tl_cli_long(const char *cmd, const char *opt, const char *arg, long min, long max, long *out);
/* getopt_long returned ':' (a value is missing) or '?' (unknown option):
 * say which, print usage, and return 2. */
int tl_cli_bad_option(const char *cmd, int c, char **argv, void (*usage)(FILE *));
/* The single operand left after the options (what names it, e.g.
 * "LABELS.csv"), or NULL after saying it is missing or repeated and
 * printing usage. */
const char *tl_cli_one_operand(const char *cmd, int argc, char **argv, const char *what,
                               void (*usage)(FILE *));

#endif
