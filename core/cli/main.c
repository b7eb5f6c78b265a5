/* main.c - the regie command. */
#include "cli.h"

int main(int argc, char **argv)
{
    return rg_cli_main(argc, argv);
}
