/*
 * pmm_transport.c: where records and the object map go. In the guest, a ring shared with pmm.ko
 * through mmap of /dev/pmm (no system call per record; the module applies what is written even if
 * the process is killed), with one PMM_RECORD_LOG ioctl per record as the fallback when the module
 * offers no ring. On a host without the module (tests), raw struct pmm_record bytes written to the
 * fd named by PMM_RECORD_FD.
 *
 * Host mode, for whoever reads the stream: each record is one write(2) of sizeof(struct pmm_record)
 * (168) bytes, in the uapi layout, native byte order. Give the hook a pipe or a file opened with
 * O_APPEND: a write of that size to either is not interleaved with other threads' writes, so the
 * stream is whole records in the order the hook saw the events. Keep a pipe's read end open until
 * the program exits, or its next write raises SIGPIPE. The object map goes to the file named by
 * PMM_MAPS_FILE, replaced whole. Only the process that started with PMM_RECORD_FD writes: the
 * variables are removed from its environment and the fd is close-on-exec, so programs it runs do
 * not write into the stream, and a forked child stops recording (pmm_transport_after_fork_child).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "pmm_internal.h"

enum pmm_sink {
	PMM_SINK_NONE = 0,	/* nowhere to send: record nothing */
	PMM_SINK_DEVICE,	/* pmm.ko through /dev/pmm */
	PMM_SINK_HOST,		/* raw records on PMM_RECORD_FD */
};

/* Set once by pmm_transport_open() (under pmm_control.c's once) before any send. */
static enum pmm_sink pmm_sink;
static int pmm_sink_fd = -1;
static char pmm_maps_path[PATH_MAX];

/* The ring, when the module gave one (PMM_SINK_DEVICE only); set before any record. */
static struct pmm_ring_header *pmm_ring_hdr;
static struct pmm_ring_entry *pmm_ring_ent;

/* Set while this thread holds a position of the ring that it has not committed yet. */
static __thread int pmm_ring_writing __attribute__((tls_model("initial-exec")));

/*
 * Set when sending can never work for this process again (the module said ESRCH: not monitored;
 * the host fd went bad). Any thread may set it; a relaxed store of the same value is enough.
 */
static int pmm_sink_dead;

static void pmm_sink_kill(void)
{
	__atomic_store_n(&pmm_sink_dead, 1, __ATOMIC_RELAXED);
}

/* PMM_RECORD_FD as an fd open for writing, or -1. */
static int pmm_host_fd_from_env(void)
{
	const char *text = getenv("PMM_RECORD_FD");
	char *end;
	long fd;
	int flags;

	if (!text || !*text)
		return -1;
	errno = 0;
	fd = strtol(text, &end, 10);
	if (errno || *end || fd < 0 || fd > INT_MAX)
		return -1;
	flags = fcntl((int)fd, F_GETFL);
	if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY)
		return -1;
	return (int)fd;
}

/* Opens /dev/pmm and maps its ring; 0 on success (even without a ring: ioctls then). */
static int pmm_device_open(void)
{
	void *mem;
	int fd;

	fd = open(PMM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	pmm_sink_fd = fd;
	pmm_sink = PMM_SINK_DEVICE;
	mem = mmap(NULL, PMM_RING_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem != MAP_FAILED) {
		pmm_ring_ent = (struct pmm_ring_entry *)((char *)mem + PMM_RING_HEADER_BYTES);
		__atomic_store_n(&pmm_ring_hdr, (struct pmm_ring_header *)mem, __ATOMIC_RELEASE);
	}
	return 0;
}

void pmm_transport_open(void)
{
	const char *maps_path;
	int fd;

	if (pmm_device_open() == 0)
		return;

	fd = pmm_host_fd_from_env();
	maps_path = getenv("PMM_MAPS_FILE");
	if (fd >= 0 && maps_path && strlen(maps_path) < sizeof(pmm_maps_path))
		strcpy(pmm_maps_path, maps_path);
	/* Only this process writes into the stream: see the top of this file. */
	unsetenv("PMM_RECORD_FD");
	unsetenv("PMM_MAPS_FILE");
	if (fd < 0)
		return;
	fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
	pmm_sink_fd = fd;
	pmm_sink = PMM_SINK_HOST;
}

int pmm_transport_live(void)
{
	return pmm_sink != PMM_SINK_NONE && !__atomic_load_n(&pmm_sink_dead, __ATOMIC_RELAXED);
}

static int pmm_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int pmm_ioctl(unsigned long cmd, void *arg)
{
	int ret;

	do
		ret = ioctl(pmm_sink_fd, cmd, arg);
	while (ret < 0 && errno == EINTR);
	/* ESRCH: the module does not monitor this process (e.g. a fork nobody registered). */
	if (ret < 0 && errno == ESRCH)
		pmm_sink_kill();
	return ret;
}

int pmm_transport_has_ring(void)
{
	return pmm_ring_hdr != NULL;
}

/* Threads asleep in pmm_ring_reserve until some position is written; commit wakes them. */
static int pmm_ring_sleepers;

#define PMM_RING_NO_BLOCKER	(~(__u64)0)

/*
 * What keeps the entry that position pos needs (that of pos - PMM_RING_ENTRIES) from being freed by
 * a drain. The module applies positions in order and stops at the first one still being written,
 * so if one just before it is taken but unwritten (its thread was preempted mid-record), a drain
 * would apply nothing. Walks back over written, unapplied entries (seq == q + 1) to an applied one
 * (the module's tail is past it: a drain helps, PMM_RING_NO_BLOCKER) or to an unwritten one
 * (seq == q: returns q). The walk is as long as the queue of threads waiting on a full ring; past a
 * bound, a drain is simply tried.
 */
static __u64 pmm_ring_blocker(__u64 pos)
{
	__u64 q = pos - PMM_RING_ENTRIES;

	for (int n = 0; n < 64; n++, q--) {
		__u64 seq = __atomic_load_n(&pmm_ring_ent[q % PMM_RING_ENTRIES].seq, __ATOMIC_ACQUIRE);

		if (seq == q)
			return q;
		if (seq != q + 1 || q == 0)
			break;
	}
	return PMM_RING_NO_BLOCKER;
}

/*
 * Sleeps until position q is written (its seq leaves q). On one CPU a sched_yield() loop here spun
 * for the rest of the writer's time slice (CFS lets a yielder run again while it is owed time):
 * about 350,000 yields per million records with four threads. The futex is the low half of seq
 * (little-endian). The writer wakes sleepers after its release store; it may miss a sleeper that
 * is just going to sleep (no full fence on the writer's fast path), so the sleep is bounded.
 */
static void pmm_ring_sleep_on(__u64 q)
{
	struct pmm_ring_entry *e = &pmm_ring_ent[q % PMM_RING_ENTRIES];
	struct timespec timeout = { 0, 1000000 };	/* 1 ms */

	__atomic_fetch_add(&pmm_ring_sleepers, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&e->seq, __ATOMIC_SEQ_CST) == q)
		syscall(SYS_futex, (uint32_t *)&e->seq, FUTEX_WAIT_PRIVATE, (uint32_t)q, &timeout, NULL, 0);
	__atomic_fetch_sub(&pmm_ring_sleepers, 1, __ATOMIC_RELAXED);
}

/*
 * Takes the next position of the ring and returns its record to fill, for pmm_ring_commit. The one
 * atomic add orders the records of all threads as they happened: a thread frees a block only after
 * the thread that allocated it took its position. When the entry is still unapplied from the last
 * lap the ring is full: ask the module to drain it (one ioctl per PMM_RING_ENTRIES records), or,
 * when a thread is still writing an older position, sleep until it has written it. NULL in a
 * signal handler that interrupted this thread's own record: the drain could wait for that very
 * position, so the caller sends its record by ioctl instead.
 */
struct pmm_record *pmm_ring_reserve(__u64 *pos_out)
{
	struct pmm_ring_entry *e;
	__u64 pos;

	if (pmm_ring_writing)
		return NULL;
	pmm_ring_writing = 1;
	pos = __atomic_fetch_add(&pmm_ring_hdr->head, 1, __ATOMIC_RELAXED);
	e = &pmm_ring_ent[pos % PMM_RING_ENTRIES];
	while (__atomic_load_n(&e->seq, __ATOMIC_ACQUIRE) != pos) {
		__u64 blocker = pmm_ring_blocker(pos);

		if (blocker != PMM_RING_NO_BLOCKER) {
			pmm_ring_sleep_on(blocker);
			continue;
		}
		pmm_ioctl(PMM_RING_DRAIN, NULL);
		if (__atomic_load_n(&e->seq, __ATOMIC_ACQUIRE) != pos)
			sched_yield();
	}
	*pos_out = pos;
	return &e->rec;
}

void pmm_ring_commit(__u64 pos)
{
	struct pmm_ring_entry *e = &pmm_ring_ent[pos % PMM_RING_ENTRIES];

	__atomic_store_n(&e->seq, pos + 1, __ATOMIC_RELEASE);
	pmm_ring_writing = 0;
	/* Rare: only while the ring is full and some thread waits for this very write. */
	if (__builtin_expect(__atomic_load_n(&pmm_ring_sleepers, __ATOMIC_RELAXED) != 0, 0))
		syscall(SYS_futex, (uint32_t *)&e->seq, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

/* Without a ring: one ioctl, or one write in host mode, per record. */
void pmm_transport_send(const struct pmm_record *records, unsigned int count)
{
	struct pmm_record_log log;

	if (!pmm_transport_live() || count == 0)
		return;
	if (pmm_sink == PMM_SINK_HOST) {
		/* One write per record: the unit that the stream's readers can count on being whole. */
		for (unsigned int i = 0; i < count; i++)
			if (pmm_write_all(pmm_sink_fd, &records[i], sizeof(records[i])) < 0) {
				pmm_sink_kill();
				return;
			}
		return;
	}
	log.records = (uintptr_t)records;
	log.count = count;
	log.pad = 0;
	pmm_ioctl(PMM_RECORD_LOG, &log);
}

void pmm_transport_send_maps(const char *text, size_t len)
{
	struct pmm_maps maps;
	int fd;

	if (!pmm_transport_live())
		return;
	if (pmm_sink == PMM_SINK_HOST) {
		if (!pmm_maps_path[0])
			return;
		fd = open(pmm_maps_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			return;
		pmm_write_all(fd, text, len);
		close(fd);
		return;
	}
	maps.pid = 0;
	maps.len = (__u32)len;
	maps.buf = (uintptr_t)text;
	pmm_ioctl(PMM_RECORD_MAPS, &maps);
}

/*
 * In a forked child, which is a new process. The parent's ring is not mapped here (the module marks
 * it not to be copied), so the child opens /dev/pmm again and maps a ring of its own; mapping it
 * makes the module monitor the child of a monitored parent. The host stream is the parent's, so
 * there the child stops recording rather than mix its blocks into it.
 */
void pmm_transport_after_fork_child(void)
{
	pmm_sink_dead = 0;
	if (pmm_sink == PMM_SINK_HOST) {
		pmm_sink = PMM_SINK_NONE;
		return;
	}
	if (pmm_sink != PMM_SINK_DEVICE)
		return;
	pmm_ring_hdr = NULL;
	pmm_ring_ent = NULL;
	close(pmm_sink_fd);
	pmm_sink_fd = -1;
	pmm_sink = PMM_SINK_NONE;
	pmm_device_open();
}
