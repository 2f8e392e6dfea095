/*
 * cli/main.c - the strata command: global options and the command table.
 */
#include <stdio.h>

int main(int argc, char **argv)
{
	(void)argc; (void)argv;
	puts("strata " STRATA_VERSION);
	return 0;
}
