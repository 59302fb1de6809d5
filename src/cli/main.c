/* main.c: `tally` entry point: dispatches to one subcommand (cli.h). */
#include "cli/cli.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct cmd {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
    bool huge_heap; /* fills tens of MB of fresh heap: see use_huge_pages() */
};

static const struct cmd cmds[] = {
    {"serve", tl_cmd_serve, "run the HTTP server", false},
    {"init", tl_cmd_init, "make an empty store in a data directory", false},
    {"demo", tl_cmd_demo, "create a demo tenant, users and project if absent", false},
    {"tenant", tl_cmd_tenant, "manage tenants (create, list)", false},
    {"user", tl_cmd_user, "manage users (create, list)", false},
    {"token", tl_cmd_token, "manage API tokens (create, revoke)", false},
    {"import", tl_cmd_import, "import tasks into a project from a file (JSONL, JSON, CSV)", false},
    {"export", tl_cmd_export, "export a project's tasks and labels in a format", false},
    {"routes", tl_cmd_routes, "list API routes and who may call them (JSON)", false},
    {"aggregate", tl_cmd_aggregate, "infer true labels from crowd labels (CSV)", true},
    {"agreement", tl_cmd_agreement, "inter-rater agreement of labels (CSV)", true},
    {"leaderboard", tl_cmd_leaderboard, "rank models from pairwise battles (CSV)", true},
};

#define HUGE_TUNABLE "glibc.malloc.hugetlb"

/* The quality commands read a large CSV into fresh heap (about 60 MB for a
 * million labels). On a virtual machine every first touch of a 4 KiB page
 * is a costly fault: on the 2-core VM it was a third of `aggregate --method
 * mv` over 1M labels (14,500 faults; 0.54 s, 0.32 s with huge pages). glibc
 * backs its large chunks with transparent huge pages only when the tunable
 * glibc.malloc.hugetlb=1 is set before it starts, so these commands
 * re-execute themselves once with it added. A caller who set the tunable
 * (to anything) is left alone, and if anything fails the command just runs
 * as it is. */
static void use_huge_pages(char **argv) {
    const char *cur = getenv("GLIBC_TUNABLES");
    if (cur && strstr(cur, HUGE_TUNABLE))
        return;
    char self[PATH_MAX], tunables[1024];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return;
    self[n] = '\0';
    int len = cur && *cur ? snprintf(tunables, sizeof tunables, "%s:" HUGE_TUNABLE "=1", cur)
                          : snprintf(tunables, sizeof tunables, HUGE_TUNABLE "=1");
    if (len < 0 || (size_t)len >= sizeof tunables)
        return;
    char *saved = cur ? strdup(cur) : NULL;
    if (cur && !saved)
        return;
    if (setenv("GLIBC_TUNABLES", tunables, 1) == 0) {
        execv(self, argv);
        /* Still here: exec failed. Put the environment back and carry on. */
        if (saved)
            setenv("GLIBC_TUNABLES", saved, 1);
        else
            unsetenv("GLIBC_TUNABLES");
    }
    free(saved);
}

static void usage(FILE *f) {
    fprintf(f, "usage: tally COMMAND [OPTIONS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        fprintf(f, "  %-12s %s\n", cmds[i].name, cmds[i].summary);
    fprintf(f, "\n`tally COMMAND --help` describes one command; `tally --version`.\n");
}

int main(int argc, char **argv) {
    /* Everything Tally writes (the database, its -wal and -shm, the
     * installation secret, CSV results) is for its owner alone, whatever
     * umask the shell had: a 022 umask left tenant data readable by every
     * local user. */
    umask(077);
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
        if (!strcmp(argv[1], cmds[i].name)) {
            if (cmds[i].huge_heap)
                use_huge_pages(argv);
            return cmds[i].run(argc - 1, argv + 1);
        }
    fprintf(stderr, "tally: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
