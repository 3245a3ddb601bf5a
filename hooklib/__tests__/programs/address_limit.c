/*
 * address_limit.c: lowers its address-space limit (RLIMIT_AS) to its size now less 1 MiB (the hook's
 * ring is part of that size), forks a child that leaks 20 bytes, then execs itself, and that image leaks
 * 24. Neither the child nor the new image has room for a ring of the hook's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

void *volatile sink;

static long vm_kib(void)
{
	FILE *status = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;

	while (status && fgets(line, sizeof(line), status))
		if (sscanf(line, "VmSize: %ld", &kib) == 1)
			break;
	if (status)
		fclose(status);
	return kib;
}

void leak_in_child(void)
{
	sink = malloc(20);
}

void leak_after_exec(void)
{
	sink = malloc(24);
}

int main(int argc, char **argv)
{
	struct rlimit limit;
	long kib;
	pid_t child;
	int status;

	if (argc > 1 && strcmp(argv[1], "exec-ed") == 0) {
		leak_after_exec();
		write(1, "address_limit: done\n", 20);
		return 0;
	}
	kib = vm_kib() - 1024;
	limit.rlim_cur = limit.rlim_max = (rlim_t)kib * 1024;
	if (kib <= 0 || setrlimit(RLIMIT_AS, &limit) < 0)
		return 2;
	sink = malloc(10);
	child = fork();
	if (child == 0) {
		leak_in_child();
		_exit(0);
	}
	if (child < 0 || waitpid(child, &status, 0) != child || status != 0)
		return 3;
	execl("/proc/self/exe", argv[0], "exec-ed", (char *)NULL);
	return 4;
}
