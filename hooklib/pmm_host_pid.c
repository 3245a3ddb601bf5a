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
 * vfork(), posix_spawn() and the wait family are of that namespace: a child's is found among this
 * thread's children (/proc/thread-self/children, which names them as /proc does) by its own NSpid, and
 * kept until it is reaped, when its pid in there may be another's. An exec()ed image finds the children
 * its process had so.
 *
 * A program may mount a /proc of its own for the namespace (unshare --mount-proc, a sandbox's): an image
 * it then exec()s finds only its pid in there, and takes the name its earlier image had, which read the
 * run's /proc before the mount and left that name for it (pmm_host_pid_leave_name). What such an image
 * makes is named by its pids in there, as it names them itself.
 *
 * Everything here is async-signal-safe: a forked child names its files in the fork handler. Outside a
 * nested namespace a process reads its own status, and looks for a name left for it, once.
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

/*
 * The numbers on the line of fd's text that starts with key (NULL: every number of the text), each
 * passed to fn until it returns non-zero; read in pieces, for /proc/<pid>/status's Groups line can be
 * hundreds of KiB. The number of numbers, or -1 when fd could not be read.
 */
static int pmm_host_numbers(int fd, const char *key, int (*fn)(long n, void *arg), void *arg)
{
	size_t key_len = key ? strlen(key) : 0, line_at = 0;
	/* matching: the line so far is key's; number: one is being read, n. */
	int matching = 1, number = 0, count = 0, done = 0;
	char chunk[512];
	ssize_t len = 0;
	long n = 0;

	while (!done && (len = read(fd, chunk, sizeof(chunk))) > 0) {
		for (ssize_t i = 0; i < len && !done; i++) {
			char c = chunk[i];

			if (number && (c < '0' || c > '9')) {
				number = 0;
				if (n <= INT_MAX) {
					count++;
					done = fn(n, arg);
				}
			}
			if (c == '\n') {
				done |= key && matching && line_at >= key_len;
				line_at = 0;
				matching = 1;
				continue;
			}
			if (line_at < key_len) {
				matching = matching && c == key[line_at++];
				continue;
			}
			line_at++;
			if (matching && c >= '0' && c <= '9') {
				/* Past INT_MAX it is no pid: kept there, and not taken. */
				n = number ? (n > INT_MAX ? n : n * 10 + (c - '0')) : c - '0';
				number = 1;
			}
		}
	}
	if (number && !done && n <= INT_MAX) {
		count++;
		fn(n, arg);
	}
	return len < 0 && count == 0 ? -1 : count;
}

struct pmm_nspids {
	pid_t pids[PMM_NS_LEVELS];
	int n;
};

static int pmm_host_nspid_add(long n, void *arg)
{
	struct pmm_nspids *list = arg;

	if (list->n < PMM_NS_LEVELS)
		list->pids[list->n++] = (pid_t)n;
	return 0;
}

/* The NSpid line of /proc/<pid>/status (pid 0: the caller's): into list; its length, or -1. */
static int pmm_host_nspids(pid_t pid, struct pmm_nspids *list)
{
	char path[48] = "/proc/self/status";
	int fd;

	/* "/proc/" is there already. */
	if (pid > 0)
		memcpy(path + 6 + pmm_host_decimal(path + 6, (unsigned int)pid), "/status", 8);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	list->n = 0;
	pmm_host_numbers(fd, "NSpid:", pmm_host_nspid_add, list);
	close(fd);
	return list->n > 0 ? list->n : -1;
}

/* Each child of the calling thread, as /proc names it, to fn; their number, or -1. */
static int pmm_host_children(int (*fn)(long n, void *arg), void *arg)
{
	/* Not task/<gettid()>: in a nested namespace that is another thread's number, or none, to /proc. */
	int fd = open("/proc/thread-self/children", O_RDONLY | O_CLOEXEC), n;

	if (fd < 0)
		return -1;
	n = pmm_host_numbers(fd, NULL, fn, arg);
	close(fd);
	return n;
}

struct pmm_children_list {
	pid_t *pids;
	int n;
};

static int pmm_host_child_add(long n, void *arg)
{
	struct pmm_children_list *list = arg;

	if (list->n < PMM_CHILDREN_MAX)
		list->pids[list->n] = (pid_t)n;
	list->n++;
	return 0;
}

int pmm_thread_children(pid_t *pids)
{
	struct pmm_children_list list = { pids, 0 };

	if (pmm_host_children(pmm_host_child_add, &list) < 0 || list.n > PMM_CHILDREN_MAX)
		return -1;
	return list.n;
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

/* The entry of inner's, replaced by with (0: taken out): what it was, or 0 when there is none. */
static __u64 pmm_nested_swap(pid_t inner, __u64 with)
{
	for (int i = 0; i < PMM_NESTED_CHILDREN; i++) {
		__u64 entry = __atomic_load_n(&pmm_nested_children[i], __ATOMIC_RELAXED);

		if ((pid_t)(entry >> 32) == inner &&
		    __atomic_compare_exchange_n(&pmm_nested_children[i], &entry, with, 0, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED))
			return entry;
	}
	return 0;
}

static void pmm_nested_keep(pid_t inner, pid_t run)
{
	__u64 entry = (__u64)(unsigned int)inner << 32 | (unsigned int)run;
	unsigned int slot;

	/* Once each: a vfork child keeps itself at each exec it tries, and a stale copy would outlive its reap. */
	if (pmm_nested_swap(inner, entry))
		return;
	slot = __atomic_fetch_add(&pmm_nested_next, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&pmm_nested_children[slot % PMM_NESTED_CHILDREN], entry, __ATOMIC_RELAXED);
}

/* How deep below the run's namespace this process lives (0: in it); set by pmm_host_pid_self. */
static int pmm_host_pid_depth;

/*
 * The pid in this process's namespace of a process that /proc names run, 0 if none:
 * a child's own, or (a child in a namespace this one made) the one above it.
 */
static pid_t pmm_host_pid_here(pid_t run)
{
	struct pmm_nspids list;

	return pmm_host_nspids(run, &list) > pmm_host_pid_depth ? list.pids[pmm_host_pid_depth] : 0;
}

/* A child that /proc names run: its pid in this process's namespace kept, with run's (pmm_nested_keep). */
static int pmm_host_child_kept(long run, void *arg)
{
	pid_t here = pmm_host_pid_here((pid_t)run);

	(void)arg;
	if (here > 0)
		pmm_nested_keep(here, (pid_t)run);
	return 0;
}

pid_t pmm_host_pid_self(int remember)
{
	struct pmm_nspids list;

	/* No /proc (a chroot): the pid the process has, as before there were namespaces to tell. */
	if (pmm_host_nspids(0, &list) < 0)
		return pmm_getpid();
	if (remember) {
		pmm_host_pid_depth = list.n - 1;
		/* A forked child's copy of its parent's: its own children are yet to come. */
		memset(pmm_nested_children, 0, sizeof(pmm_nested_children));
		pmm_nested_next = 0;
		/* An exec()ed image's process may have children already. */
		if (pmm_host_pid_depth > 0)
			pmm_host_children(pmm_host_child_kept, NULL);
	}
	return list.pids[0];
}

struct pmm_child_search {
	pid_t inner, run;
};

static int pmm_host_child_match(long run, void *arg)
{
	struct pmm_child_search *search = arg;

	if (pmm_host_pid_here((pid_t)run) != search->inner)
		return 0;
	search->run = (pid_t)run;
	return 1;
}

pid_t pmm_host_pid_child(pid_t pid)
{
	struct pmm_child_search search = { pid, 0 };

	if (pmm_host_pid_depth == 0 || pid <= 0)
		return pid;
	pmm_host_children(pmm_host_child_match, &search);
	/*
	 * Not found: /proc is no longer the run's (the program mounted its own since), where the child
	 * names itself by the pid it has in there, which is this one.
	 */
	if (search.run == 0)
		search.run = pid;
	pmm_nested_keep(pid, search.run);
	return search.run;
}

pid_t pmm_host_pid_vforked(void)
{
	struct pmm_nspids list;

	if (pmm_host_nspids(0, &list) < 0)
		return pmm_getpid();
	/* Into its parent's memory, by its pid in the parent's namespace: the parent reaps it by that. */
	if (pmm_host_pid_depth > 0 && list.n > pmm_host_pid_depth)
		pmm_nested_keep(list.pids[pmm_host_pid_depth], list.pids[0]);
	return list.pids[0];
}

pid_t pmm_host_pid_reaped(pid_t pid)
{
	if (pmm_host_pid_depth == 0 || pid <= 0)
		return pid;
	/* Taken once: the pid in here may go to another child now. */
	return (pid_t)(__u32)pmm_nested_swap(pid, 0);
}

/*
 * <dir>/<pid>@<pid namespace>.self: an image's name, kept for the next image of the process, which
 * has the same pid in the same namespace (and no other process has both meanwhile). -1 when the
 * namespace cannot be told (no /proc) or the path does not fit.
 */
static int pmm_host_self_path(char *path, size_t size, const char *dir, pid_t pid)
{
	unsigned long long ns = pmm_host_pid_ns();
	size_t at = strlen(dir);

	if (ns == 0 || at + 1 + 10 + 1 + 20 + sizeof(".self.new") > size)
		return -1;
	memcpy(path, dir, at);
	path[at++] = '/';
	at += pmm_host_decimal(path + at, (unsigned int)pid);
	path[at++] = '@';
	at += pmm_host_decimal(path + at, ns);
	memcpy(path + at, ".self", sizeof(".self"));
	return 0;
}

void pmm_host_pid_leave_name(const char *dir, pid_t name)
{
	char path[PATH_MAX], new_path[PATH_MAX], text[16];

	if (pmm_host_self_path(path, sizeof(path), dir, pmm_getpid()) < 0)
		return;
	strcpy(stpcpy(new_path, path), ".new");
	/* Whole or not there: the next image may be another thread's exec, at any moment. */
	pmm_host_name_replace(path, new_path, text, pmm_host_decimal(text, (unsigned int)name));
}

void pmm_host_pid_forget_name(const char *dir)
{
	char path[PATH_MAX];

	if (pmm_host_self_path(path, sizeof(path), dir, pmm_getpid()) == 0)
		unlink(path);
}

static int pmm_host_first_number(long n, void *arg)
{
	*(long *)arg = n;
	return 1;
}

pid_t pmm_host_pid_left_name(const char *dir, pid_t pid)
{
	char path[PATH_MAX];
	long name = 0;
	int fd;

	if (pmm_host_self_path(path, sizeof(path), dir, pid) < 0)
		return pid;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pid;
	pmm_host_numbers(fd, NULL, pmm_host_first_number, &name);
	close(fd);
	/* Taken: a later process with this pid in there is another. */
	unlink(path);
	return name > 0 ? (pid_t)name : pid;
}
