/*
 * main.c — the `tricolor` binary: one program, several subcommands, found
 * in a command table (name, one-line summary, function), in the manner of
 * tmux's command entries. The usage text is made from the table, so a
 * command cannot be missing from it.
 *
 * Each subcommand parses its own flags and answers --help. Bad input
 * exits with status 2 and a message naming what was wrong.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "feed.h"

typedef struct command {
    const char *name;
    const char *summary; /* NULL: internal, not listed */
    int (*run)(int argc, char **argv);
} command;

static const command commands[] = {
    {"view", "open the window: the collector at work, pauses plotted live against Boehm", cmd_view},
    {"list", "list the workloads", cmd_list},
    {"bench", "run workloads on both collectors and compare pause times and CPU cost", cmd_bench},
    {"record", "render what view shows into a video (.mp4, .gif, .y4m, PNGs), no display needed", cmd_record},
    {"tune", "sweep the collector's knobs for a pause target and recommend a configuration", cmd_tune},
    {"_boehm-feed", NULL, feed_child_main}, /* the Boehm side of view, in a child (feed.h) */
};
enum { NCOMMANDS = sizeof commands / sizeof commands[0] };

static void usage(FILE *f) {
    fprintf(f, "usage: tricolor COMMAND [options]\n\n"
               "An incremental tricolor garbage collector, compared live with the Boehm GC.\n\ncommands:\n");
    for (int i = 0; i < NCOMMANDS; i++)
        if (commands[i].summary) fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'tricolor COMMAND --help' describes each command.\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
        usage(stdout);
        return 0;
    }
    for (int i = 0; i < NCOMMANDS; i++)
        if (!strcmp(name, commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "tricolor: unknown command '%s' (valid:", name);
    for (int i = 0, first = 1; i < NCOMMANDS; i++)
        if (commands[i].summary) fprintf(stderr, "%s %s", first ? "" : ",", commands[i].name), first = 0;
    fprintf(stderr, ")\n");
    usage(stderr);
    return 2;
}
