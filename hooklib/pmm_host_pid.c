/*
 * pmm_host_pid.c: pids as the run sees them, for host mode. pmm.ko names each process by its pid in
 * the guest's first namespace; on the host the hook names a process's files by its pid (pmm_host_name.c),
 * and its marks name the children it forked, spawned and reaped. A program that puts its children in
 * a pid namespace of their own (a sandbox, a container runtime: unshare(CLONE_NEWPID)) gives them
 * other pids there: getpid() in the first child is 1, and its parent, outside, reaps it by another.
 * The run then had the child twice, under both, and could not end it when the program had ended.
 *
 * /proc/self/status's NSpid lists a process's pid in each namespace from that of /proc's mount (the
 * run's, unless the program mounted a /proc of its own) down to its own. Its first is the pid the run
 * knows; a process whose list is longer lives in a nested namespace, and the pids it gets from fork(),
 * posix_spawn() and the wait family are of that namespace: a child's is found among this thread's
 * children (/proc/thread-self/children, which names them as /proc does) by its own NSpid, and kept
 * until it is reaped, when its pid in there may be another's. A program may mount a /proc of its own
 * for the namespace (unshare --mount-proc, a sandbox's): an image it then exec()s finds only its pid in
 * there, and takes the name its earlier image had, which read the run's /proc before the mount and
 * left that name for it (pmm_host_pid_leave_name). Everything here is async-signal-safe:
 * a forked child names its files in the fork handler. Outside a nested namespace nothing is read but
 * the process's own status, once.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pmm_host_ring.h"
#include "pmm_internal.h"

/* Namespaces deeper than this are taken as this deep: the kernel allows 32. */
#define PMM_NS_LEVELS	33

/* The NSpid line of /proc/<pid>/status ("self" for pid 0): up to max pids, their number, or -1. */
static int pmm_host_nspids(pid_t pid, pid_t *pids, int max)
{
	char path[48] = "/proc/self/status", text[4096], *at, *end;
	ssize_t len;
	int fd, n = 0;

	if (pid > 0) {
		memcpy(path, "/proc/", 6);
		memcpy(path + 6 + pmm_host_decimal(path + 6, (unsigned int)pid), "/status", 8);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	len = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (len <= 0)
		return -1;
	text[len] = '\0';
	at = strstr(text, "\nNSpid:");
	if (!at)
		return -1;
	for (at += 7; n < max && *at != '\n'; at = end) {
		long value = strtol(at, &end, 10);

		if (end == at || value <= 0)
			break;
		pids[n++] = (pid_t)value;
	}
	return n > 0 ? n : -1;
}

/*
 * The children of a nested process, by their pid in its namespace, each with the run's pid: slots
 * claimed in turn, the oldest given up when all are taken (a child reaped after 64 younger ones were
 * made is then not marked: its entry says how it ended only by its own exit status). One word each,
 * so that a reader on another thread never finds half of one.
 */
#define PMM_NESTED_CHILDREN	64

static __u64 pmm_nested_children[PMM_NESTED_CHILDREN];
static unsigned int pmm_nested_next;

static __u64 pmm_nested_entry(pid_t inner, pid_t run)
{
	return (__u64)(unsigned int)inner << 32 | (unsigned int)run;
}

/* How deep below the run's namespace this process lives (0: in it); set by pmm_host_pid_self. */
static int pmm_host_pid_depth;

pid_t pmm_host_pid_self(int remember)
{
	pid_t pids[PMM_NS_LEVELS];
	int n = pmm_host_nspids(0, pids, PMM_NS_LEVELS);

	/* No /proc (a chroot): the pid the process has, as before there were namespaces to tell. */
	if (n < 0)
		return pmm_getpid();
	if (remember) {
		pmm_host_pid_depth = n - 1;
		/* A forked child's copy of its parent's: its own children are yet to come. */
		memset(pmm_nested_children, 0, sizeof(pmm_nested_children));
		pmm_nested_next = 0;
	}
	return pids[0];
}

int pmm_thread_children(pid_t *pids)
{
	char text[PMM_CHILDREN_MAX * 8];
	int fd, n = 0;
	ssize_t len;
	char *at, *end;

	/* Not task/<gettid()>: in a nested namespace that is another thread's number, or none, to /proc. */
	fd = open("/proc/thread-self/children", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	len = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (len < 0 || len == (ssize_t)sizeof(text) - 1)
		return -1;
	text[len] = '\0';
	for (at = text; n < PMM_CHILDREN_MAX; at = end) {
		long pid = strtol(at, &end, 10);

		if (end == at)
			break;
		pids[n++] = (pid_t)pid;
	}
	return n;
}

pid_t pmm_host_pid_child(pid_t pid)
{
	pid_t children[PMM_CHILDREN_MAX], pids[PMM_NS_LEVELS];
	int n;

	if (pmm_host_pid_depth == 0 || pid <= 0)
		return pid;
	n = pmm_thread_children(children);
	for (int i = 0; i < n; i++) {
		int levels = pmm_host_nspids(children[i], pids, PMM_NS_LEVELS);

		/* Its pid in this process's namespace: its own, or (a child in a namespace it made) one above. */
		if (levels > pmm_host_pid_depth && pids[pmm_host_pid_depth] == pid) {
			unsigned int slot = __atomic_fetch_add(&pmm_nested_next, 1, __ATOMIC_RELAXED);

			__atomic_store_n(&pmm_nested_children[slot % PMM_NESTED_CHILDREN],
					 pmm_nested_entry(pid, children[i]), __ATOMIC_RELAXED);
			return children[i];
		}
	}
	return 0;
}

pid_t pmm_host_pid_reaped(pid_t pid)
{
	if (pmm_host_pid_depth == 0 || pid <= 0)
		return pid;
	for (int i = 0; i < PMM_NESTED_CHILDREN; i++) {
		__u64 entry = __atomic_load_n(&pmm_nested_children[i], __ATOMIC_RELAXED);

		/* Taken once: the pid in here may go to another child now. */
		if ((pid_t)(entry >> 32) == pid &&
		    __atomic_compare_exchange_n(&pmm_nested_children[i], &entry, 0, 0, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED))
			return (pid_t)(__u32)entry;
	}
	return 0;
}

/* <dir>/<pid>@<start time>.self: an image's name, kept for the next image of the process. */
static int pmm_host_self_path(char *path, size_t size, const char *dir, pid_t pid)
{
	unsigned long long start = pmm_host_start_time();
	char digits[24];
	size_t len = 0, at = strlen(dir);

	do
		digits[len++] = (char)('0' + start % 10);
	while ((start /= 10) != 0);
	if (at + 1 + 10 + 1 + len + sizeof(".self") > size)
		return -1;
	memcpy(path, dir, at);
	path[at++] = '/';
	at += pmm_host_decimal(path + at, (unsigned int)pid);
	path[at++] = '@';
	while (len > 0)
		path[at++] = digits[--len];
	memcpy(path + at, ".self", sizeof(".self"));
	return 0;
}

void pmm_host_pid_leave_name(const char *dir, pid_t name)
{
	char path[PATH_MAX], text[16];
	size_t len = pmm_host_decimal(text, (unsigned int)name);
	int fd;

	if (pmm_host_self_path(path, sizeof(path), dir, pmm_getpid()) < 0)
		return;
	fd = pmm_host_name_open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return;
	pmm_write_all(fd, text, len, 0);
	close(fd);
}

pid_t pmm_host_pid_left_name(const char *dir, pid_t pid)
{
	char path[PATH_MAX], text[16], *end;
	ssize_t len;
	long name;
	int fd;

	if (pmm_host_self_path(path, sizeof(path), dir, pid) < 0)
		return pid;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pid;
	len = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (len <= 0)
		return pid;
	text[len] = '\0';
	name = strtol(text, &end, 10);
	return end != text && *end == '\0' && name > 0 && name <= INT_MAX ? (pid_t)name : pid;
}
