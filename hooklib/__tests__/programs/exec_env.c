/*
 * exec_env.c: a program that runs itself again in seventeen ways that each hand the new image an
 * environment without the hook (an environment of its own, also after a chdir, a NULL one, one of
 * 10,000 variables, environ after clearenv or unsetenv, an empty LD_PRELOAD), from a forked child, by
 * posix_spawn, or through the shell of system() and popen(). Each new image leaks one block of 22 bytes
 * and says which way it came, and whether the program's own variable EXEC_ENV_KEPT arrived. Under pmm
 * each of those blocks must be reported: the hook follows every image, as valgrind's
 * --trace-children=yes does. Run it by an absolute path: one way changes directory first.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
void *volatile sink;

static char kept[] = "EXEC_ENV_KEPT=yes";
static char empty_preload[] = "LD_PRELOAD=";
static char *own_env[] = { kept, NULL };
static char *own_env_empty_preload[] = { kept, empty_preload, NULL };

static const char *const modes[] = {
	"execve", "execle", "execvpe", "fexecve", "execveat", "clearenv-execv", "unsetenv-execl",
	"unsetenv-execlp", "unsetenv-execvp", "empty-preload", "posix_spawn", "posix_spawnp",
	"clearenv-system", "clearenv-popen", "null-env", "huge-env", "chdir-execve",
};

/* More variables than the hook rebuilds an environment for on the stack (16 KiB of pointers). */
#define HUGE_ENV_COUNT	10000

void leak_in_new_image(void)
{
	sink = malloc(22);
}

/* Only in a forked child: replaces it with "self second MODE", or returns on failure. */
static void run_again(const char *self, const char *mode)
{
	char *argv[] = { (char *)self, (char *)"second", (char *)mode, NULL };

	if (strcmp(mode, "execve") == 0) {
		execve(self, argv, own_env);
	} else if (strcmp(mode, "execle") == 0) {
		execle(self, self, "second", mode, (char *)NULL, own_env);
	} else if (strcmp(mode, "execvpe") == 0) {
		execvpe(self, argv, own_env);
	} else if (strcmp(mode, "fexecve") == 0) {
		int fd = open(self, O_RDONLY | O_CLOEXEC);

		if (fd >= 0)
			fexecve(fd, argv, own_env);
	} else if (strcmp(mode, "execveat") == 0) {
		execveat(AT_FDCWD, self, argv, own_env, 0);
	} else if (strcmp(mode, "clearenv-execv") == 0) {
		clearenv();
		putenv(kept);
		execv(self, argv);
	} else if (strcmp(mode, "unsetenv-execl") == 0) {
		unsetenv("LD_PRELOAD");
		putenv(kept);
		execl(self, self, "second", mode, (char *)NULL);
	} else if (strcmp(mode, "unsetenv-execlp") == 0) {
		unsetenv("LD_PRELOAD");
		putenv(kept);
		execlp(self, self, "second", mode, (char *)NULL);
	} else if (strcmp(mode, "unsetenv-execvp") == 0) {
		unsetenv("LD_PRELOAD");
		putenv(kept);
		execvp(self, argv);
	} else if (strcmp(mode, "chdir-execve") == 0) {
		/* The hook's LD_PRELOAD entry must not be relative to where the program started. */
		if (chdir("/") == 0)
			execve(self, argv, own_env);
	} else if (strcmp(mode, "empty-preload") == 0) {
		execve(self, argv, own_env_empty_preload);
	} else if (strcmp(mode, "null-env") == 0) {
		/* Linux takes a NULL environment as an empty one. */
		execve(self, argv, NULL);
	} else if (strcmp(mode, "huge-env") == 0) {
		char **env = calloc(HUGE_ENV_COUNT + 2, sizeof(*env));

		for (int i = 0; env && i < HUGE_ENV_COUNT; i++) {
			env[i] = malloc(24);
			if (!env[i])
				return;
			snprintf(env[i], 24, "EXEC_ENV_FILL%d=%d", i, i);
		}
		if (env) {
			env[HUGE_ENV_COUNT] = kept;
			execve(self, argv, env);
		}
	} else if (strncmp(mode, "clearenv-", 9) == 0) {
		char command[4096], line[256];
		FILE *out;

		snprintf(command, sizeof(command), "%s second %s", self, mode);
		clearenv();
		putenv(kept);
		if (strcmp(mode, "clearenv-system") == 0) {
			int status = system(command);

			_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
		}
		out = popen(command, "r");
		while (out && fgets(line, sizeof(line), out))
			fputs(line, stdout);
		fflush(stdout);
		_exit(out && pclose(out) == 0 ? 0 : 1);
	}
}

static int spawn_again(const char *self, const char *mode, pid_t *pid)
{
	char *argv[] = { (char *)self, (char *)"second", (char *)mode, NULL };

	if (strcmp(mode, "posix_spawn") == 0)
		return posix_spawn(pid, self, NULL, NULL, argv, own_env);
	return posix_spawnp(pid, self, NULL, NULL, argv, own_env);
}

int main(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[1], "second") == 0) {
		const char *value = getenv("EXEC_ENV_KEPT");

		leak_in_new_image();
		printf("%s: EXEC_ENV_KEPT %s\n", argv[2], value && strcmp(value, "yes") == 0 ? "kept" : "unset");
		return 0;
	}
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		int status;
		pid_t pid;

		fflush(stdout);
		if (strncmp(modes[i], "posix_spawn", 11) == 0) {
			if (spawn_again(argv[0], modes[i], &pid) != 0)
				return 1;
		} else {
			pid = fork();
			if (pid == 0) {
				run_again(argv[0], modes[i]);
				_exit(127);
			}
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			return 1;
	}
	printf("exec_env: done\n");
	return 0;
}
