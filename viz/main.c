/*
 * main.c — the `tricolor` binary: one program, several subcommands.
 *
 *   tricolor view     the window: the collector at work, plots against Boehm
 *   tricolor list     the workloads, one line each
 *   tricolor bench    run workloads on Tricolor and Boehm, compare pauses
 *   tricolor record   the window's picture rendered headlessly into a video
 *   tricolor tune     sweep the knobs for a pause target, recommend a configuration
 *   tricolor _boehm-feed   internal: the Boehm side of `view`
 *
 * Each subcommand parses its own flags and answers --help. Bad input
 * exits with status 2 and a message naming what was wrong.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f) {
    fprintf(f,
            "usage: tricolor COMMAND [options]\n"
            "\n"
            "An incremental tricolor garbage collector, compared live with the Boehm GC.\n"
            "\n"
            "commands:\n"
            "  view     open the window: the collector at work, pauses plotted live against Boehm\n"
            "  list     list the workloads\n"
            "  bench    run workloads on both collectors and compare pause times and CPU cost\n"
            "  record   render what view shows into a video (.mp4, .gif, .y4m, PNGs), no display needed\n"
            "  tune     sweep the collector's knobs for a pause target and recommend a configuration\n"
            "\n"
            "'tricolor COMMAND --help' describes each command.\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "view") == 0) return cmd_view(argc - 1, argv + 1);
    if (strcmp(cmd, "_boehm-feed") == 0) return cmd_boehm_feed(argc - 1, argv + 1);
    if (strcmp(cmd, "list") == 0) return cmd_list(argc - 1, argv + 1);
    if (strcmp(cmd, "bench") == 0) return cmd_bench(argc - 1, argv + 1);
    if (strcmp(cmd, "record") == 0) return cmd_record(argc - 1, argv + 1);
    if (strcmp(cmd, "tune") == 0) return cmd_tune(argc - 1, argv + 1);
    fprintf(stderr, "tricolor: unknown command '%s' (valid: view, list, bench, tune, record)\n", cmd);
    usage(stderr);
    return 2;
}
