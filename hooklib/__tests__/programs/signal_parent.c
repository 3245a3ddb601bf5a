/*
 * signal_parent.c: sends every signal a process can catch to its parent (pmd in the VM, pmm-launch on
 * the host; a shell or a harness without pmm), as a program that tells its parent something does, and
 * leaks one 17-byte block; then a child of it sends its parent the stop signals. The parent must live
 * on, unstopped, and report, and send nothing back. Says which
 * signals it started with ignored or blocked (none: those it would have without pmm) and how many came
 * back, then exits 0.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

void *volatile sink;
static volatile sig_atomic_t came_back;

static void count(int sig, siginfo_t *info, void *context)
{
	(void)sig;
	(void)context;
	/* Its own sends to its parent are not for it; a signal from anyone else is. */
	if (info->si_pid != getpid())
		came_back++;
}

/* The hex mask of a "Sig...:" line of /proc/self/status, or "?" when it cannot be read. */
static void status_mask(const char *field, char *mask, size_t len)
{
	char line[256];
	FILE *status = fopen("/proc/self/status", "r");

	snprintf(mask, len, "?");
	if (!status)
		return;
	while (fgets(line, sizeof(line), status))
		if (strncmp(line, field, strlen(field)) == 0) {
			const char *value = line + strlen(field) + strspn(line + strlen(field), " \t");

			snprintf(mask, len, "%.*s", (int)strcspn(value, "\n"), value);
			break;
		}
	fclose(status);
}

void leak_before_signals(void)
{
	sink = malloc(17);
}

int main(void)
{
	char ignored[32], blocked[32];
	struct timespec left = { 0, 300 * 1000 * 1000 };
	struct sigaction sa;
	pid_t parent = getppid(), child;

	status_mask("SigIgn:", ignored, sizeof(ignored));
	status_mask("SigBlk:", blocked, sizeof(blocked));
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = count;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	/* The C library keeps two real-time signals for itself (its sigaction refuses them). */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &sa, NULL);
	leak_before_signals();
	/* From the last: the real-time ones first, before SIGINT and the like could mask a wrong answer to them. */
	for (int sig = NSIG - 1; sig > 0; sig--)
		if (sig != SIGKILL && sig != SIGSTOP)
			kill(parent, sig);
	/* A child of the program (a script's kill -TSTP $PPID) stops its grandparent no more than it would. */
	signal(SIGCHLD, SIG_DFL);	/* its end is not a signal sent back */
	child = fork();
	if (child == 0) {
		kill(parent, SIGTSTP);
		kill(parent, SIGTTIN);
		kill(parent, SIGTTOU);
		_exit(0);
	}
	if (child > 0)
		waitpid(child, NULL, 0);
	/* Time for an answer, had the parent one to give. */
	while (nanosleep(&left, &left) != 0)
		;
	printf("signal_parent: started with ignored %s, blocked %s; %d came back; its parent %s\n", ignored, blocked,
	       (int)came_back, getppid() == parent ? "lives" : "is gone");
	return 0;
}
