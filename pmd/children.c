/* children: collecting the monitors of the processes a run's program forked (see children.h). */
#include "children.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* How long pmd waits for a killed descendant to finish exiting. */
#define CHILDREN_EXIT_WAIT_MS 2000

/*
 * A pidfd turns readable when the process has exited, zombie or not: by then its files, its record
 * ring among them, are released. waitpid could not tell it: pmd, the guest's pid 1, is the parent only
 * of the processes orphaned to it, and reaps those on its own (init.c).
 */
static int children_end(pid_t pid)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), sent;
	struct pollfd p;

	if (pidfd < 0)
		return 0;	/* ESRCH: gone and reaped already */
	p.fd = pidfd;
	p.events = POLLIN;
	/*
	 * Exited on its own, a zombie that pmd (pid 1) has not reaped yet: not ended by the run. One that
	 * exits between this look and the kill keeps the status it had, and the host looks at both.
	 */
	if (poll(&p, 1, 0) == 1) {
		close(pidfd);
		return 0;
	}
	sent = kill(pid, SIGKILL) == 0;
	while (poll(&p, 1, CHILDREN_EXIT_WAIT_MS) < 0 && errno == EINTR)
		;
	close(pidfd);
	return sent;
}

int children_each(int fd, pid_t leader, const struct group_members *ended,
		  int (*each)(const struct child_collection *child, void *arg, char *err, size_t errlen),
		  void *arg, size_t *count, char *err, size_t errlen)
{
	struct pmm_pid_info *pids;
	size_t npids, i;
	int ret = 0;

	*count = 0;
	if (monitor_pids(fd, &pids, &npids, err, errlen))
		return -1;
	for (i = 0; i < npids && !ret; i++) {
		struct child_collection child = { .pid = pids[i].pid };
		pid_t handle = pids[i].handle;

		if (handle == leader)
			continue;
		/*
		 * pmd itself, which a program (root in the guest) can have pmm.ko monitor through
		 * /proc/pmm/cfg's START_PID: no process of the run, and not to be killed as one.
		 */
		if (pids[i].pid == getpid()) {
			ret = monitor_stop(fd, handle, err, errlen);
			continue;
		}
		/*
		 * A monitor named by another number than its pid is of a process long reaped,
		 * whose pid a later one has: that one is not to be killed for it.
		 */
		if (handle == pids[i].pid)
			child.ended_by_run = children_end(handle) || group_members_has(ended, handle);
		if (monitor_collect(fd, handle, &child.mon, err, errlen)) {
			ret = -1;
			break;
		}
		ret = monitor_stop(fd, handle, err, errlen);
		if (!ret)
			ret = each(&child, arg, err, errlen);
		if (!ret)
			(*count)++;
		monitor_collection_free(&child.mon);
	}
	free(pids);
	return ret ? -1 : 0;
}
