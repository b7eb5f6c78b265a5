#ifndef REGIE_CLI_H
#define REGIE_CLI_H
int rg_cli_main(int argc, char **argv);
#endif
