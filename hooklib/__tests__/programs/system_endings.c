/*
 * system_endings.c: system() and popen() as a program sees them, and how each shell they ran ended, the
 * C library reaping each where no wait of the program's sees it. In order: system(NULL)
 * (a shell that exits 0), a shell that sends this program SIGINT and exits 4 (system() ignores SIGINT
 * in the caller meanwhile, so the program's handler does not run), a shell that kills itself with
 * SIGINT (the program's handler is not the shell's), and a shell that execs this program with --crash,
 * which leaks 66 bytes and dies of SIGSEGV. A raised SIGINT afterwards reaches the handler again. Then
 * popen() of a shell that prints a line and execs this program with --crash, read to its end, and
 * pclose()'s status. Last, a thread in system() of a shell that tells this program it is up (SIGUSR1)
 * and execs sleep is cancelled: the C library kills and reaps the shell (SIGKILL), leaves no child
 * behind and gives SIGINT its handler back. The program itself leaks one block of 10 bytes.
 * Each result is printed, so that a run under the hook can be compared with a plain one.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

void *volatile sink;
static volatile sig_atomic_t interrupts;

static void on_interrupt(int sig)
{
	(void)sig;
	interrupts++;
}

static void *system_sleep(void *unused)
{
	(void)unused;
	system("kill -USR1 $PPID; exec sleep 60");
	return NULL;
}

/* The thread in system() is cancelled once its shell is up. */
static void cancel_in_system(void)
{
	struct sigaction now;
	sigset_t usr1;
	pthread_t thread;
	void *result;
	int sig;

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	pthread_create(&thread, NULL, system_sleep, NULL);
	sigwait(&usr1, &sig);
	pthread_cancel(thread);
	pthread_join(thread, &result);
	printf("cancelled in system(): %s\n", result == PTHREAD_CANCELED ? "yes" : "no");
	printf("children left: %s\n", waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD ? "none" : "some");
	sigaction(SIGINT, NULL, &now);
	printf("interrupt handler back: %s\n", now.sa_handler == on_interrupt ? "yes" : "no");
}

static void describe(const char *what, int status)
{
	if (status == -1)
		printf("%s: -1\n", what);
	else if (WIFEXITED(status))
		printf("%s: exit %d\n", what, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		printf("%s: signal %s\n", what, strsignal(WTERMSIG(status)));
	else
		printf("%s: status %#x\n", what, status);
}

int main(int argc, char **argv)
{
	char command[4096], line[256];
	FILE *pipe;

	if (argc == 2 && strcmp(argv[1], "--crash") == 0) {
		sink = malloc(66);
		raise(SIGSEGV);
		return 1;
	}
	sink = malloc(10);
	signal(SIGINT, on_interrupt);
	printf("shell available: %s\n", system(NULL) ? "yes" : "no");
	describe("kill -INT $PPID; exit 4", system("kill -INT $PPID; exit 4"));
	printf("interrupts during system(): %d\n", (int)interrupts);
	describe("kill -INT $$", system("kill -INT $$"));
	snprintf(command, sizeof(command), "exec '%s' --crash", argv[0]);
	describe("exec --crash", system(command));
	raise(SIGINT);
	printf("interrupts after: %d\n", (int)interrupts);

	snprintf(command, sizeof(command), "echo from the pipe; exec '%s' --crash", argv[0]);
	fflush(stdout);
	pipe = popen(command, "r");
	if (!pipe)
		return 1;
	while (fgets(line, sizeof(line), pipe))
		printf("read: %s", line);
	describe("popen exec --crash", pclose(pipe));
	fflush(stdout);
	cancel_in_system();
	return 0;
}
