/*
 * cmd_list.c — `tricolor list`: the workloads with a one-line description.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "registry.h"

int cmd_list(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            printf("usage: tricolor list\n\nLists the workloads that bench (and view) can run.\n");
            return 0;
        }
        cli_fail("list", "unexpected argument '%s' (list takes no arguments)", argv[i]);
    }
    for (size_t i = 0; i < wl_count; i++) printf("%-14s %s\n", wl_table[i].name, wl_table[i].description);
    return 0;
}
