/* cli.h: the `tally` subcommands. Each takes argc/argv starting at its own
 * name (argv[0] is "aggregate", ...), parses them GNU getopt_long style
 * (options and operands in any order, --help on each), prints its own errors
 * to stderr and returns the process exit code: 0 ok, 1 failure, 2 usage. */
#ifndef TL_CLI_H
#define TL_CLI_H

#define TL_VERSION "0.1.0"

int tl_cmd_serve(int argc, char **argv);
int tl_cmd_init(int argc, char **argv);
int tl_cmd_tenant(int argc, char **argv);
int tl_cmd_user(int argc, char **argv);
int tl_cmd_token(int argc, char **argv);
int tl_cmd_routes(int argc, char **argv);
int tl_cmd_demo(int argc, char **argv);
int tl_cmd_import(int argc, char **argv);
int tl_cmd_export(int argc, char **argv);
int tl_cmd_aggregate(int argc, char **argv);
int tl_cmd_agreement(int argc, char **argv);
int tl_cmd_leaderboard(int argc, char **argv);

#endif
