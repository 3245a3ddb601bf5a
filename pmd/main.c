/* main: pmd's command line, which picks the serve mode or one of the seed's daemon commands. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "init.h"
#include "serve.h"

static const char usage[] =
	"usage: pmd serve [--root DIR] [--port PATH | --stdio]\n"
	"       pmd config            the module's configuration (PMM_GET_CONFIG)\n"
	"       pmd pids              the monitored processes (PMM_MONITORED_PIDS)\n"
	"       pmd start PID         start monitoring PID\n"
	"       pmd stop PID          stop monitoring PID and drop its records\n"
	"       pmd logs PID          PID's unmatched records\n";

static int main_usage(const char *problem)
{
	if (problem)
		fprintf(stderr, "pmd: %s\n", problem);
	fputs(usage, stderr);
	return 2;
}

static int main_serve(int argc, char **argv)
{
	struct serve_options opt = { NULL, NULL, 0 };
	int i;

	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--stdio") == 0) {
			opt.use_stdio = 1;
		} else if (strcmp(argv[i], "--root") == 0 && i + 1 < argc) {
			opt.root = argv[++i];
		} else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
			opt.port = argv[++i];
		} else {
			fprintf(stderr, "pmd: serve: unknown or incomplete option \"%s\"\n", argv[i]);
			return main_usage(NULL);
		}
	}
	if (opt.use_stdio && opt.port)
		return main_usage("serve: --port and --stdio exclude each other");
	return serve(&opt);
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd)
		return main_usage(NULL);
	if (strcmp(cmd, "serve") == 0) {
		int status = main_serve(argc, argv);

		if (init_is_pid1())
			init_power_off(status);
		return status;
	}
	if ((strcmp(cmd, "config") == 0 || strcmp(cmd, "pids") == 0) && argc != 2)
		return main_usage("this command takes no arguments");
	if (strcmp(cmd, "config") == 0)
		return command_config();
	if (strcmp(cmd, "pids") == 0)
		return command_pids();
	if (strcmp(cmd, "start") == 0 || strcmp(cmd, "stop") == 0 || strcmp(cmd, "logs") == 0) {
		if (argc != 3)
			return main_usage("this command takes one PID");
		if (strcmp(cmd, "start") == 0)
			return command_start(argv[2]);
		if (strcmp(cmd, "stop") == 0)
			return command_stop(argv[2]);
		return command_logs(argv[2]);
	}
	fprintf(stderr, "pmd: unknown command \"%s\"\n", cmd);
	return main_usage(NULL);
}
