/*
 * commands.h — the subcommands of `tricolor`, each a function that takes
 * its own argv (argv[0] is the command's name) and returns the exit
 * status: 0 done, 1 a run failed, 2 bad input (cli.h). main.c's command
 * table names them.
 */
#ifndef TRICOLOR_COMMANDS_H
#define TRICOLOR_COMMANDS_H

int cmd_view(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_tune(int argc, char **argv);

#endif
