/* main.c: `tally` entry point: dispatches to one subcommand (cli.h). */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

struct cmd {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct cmd cmds[] = {
    {"serve", tl_cmd_serve, "run the HTTP server"},
    {"demo", tl_cmd_demo, "create a demo tenant, users and project if absent"},
    {"tenant", tl_cmd_tenant, "manage tenants (create)"},
    {"user", tl_cmd_user, "manage users (create)"},
    {"token", tl_cmd_token, "manage API tokens (create)"},
    {"aggregate", tl_cmd_aggregate, "infer true labels from crowd labels (CSV)"},
    {"agreement", tl_cmd_agreement, "inter-rater agreement of labels (CSV)"},
    {"leaderboard", tl_cmd_leaderboard, "rank models from pairwise battles (CSV)"},
};

static void usage(FILE *f) {
    fprintf(f, "usage: tally COMMAND [OPTIONS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        fprintf(f, "  %-12s %s\n", cmds[i].name, cmds[i].summary);
    fprintf(f, "\n`tally COMMAND --help` describes one command; `tally --version`.\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("tally %s\n", TL_VERSION);
        return 0;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (!strcmp(argv[1], cmds[i].name))
            return cmds[i].run(argc - 1, argv + 1);
    fprintf(stderr, "tally: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
