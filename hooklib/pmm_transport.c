/*
 * pmm_transport.c: where records and the object map go. In the guest, a ring shared with pmm.ko
 * through mmap of /dev/pmm (pmm_ring.c: no system call per record; the module applies what is
 * written even if the process is killed), with one PMM_RECORD_LOG ioctl per record as the fallback
 * when the module offers no ring (or a signal handler interrupted this thread's own ring record). On a host without the module (tests), raw struct pmm_record bytes written to the
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
#include <sys/ioctl.h>
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

/*
 * Set when sending can never work for this process again (the module said ESRCH: not monitored;
 * the host fd went bad). Any thread may set it; a relaxed store of the same value is enough.
 */
static int pmm_sink_dead;

static void pmm_sink_kill(void)
{
	__atomic_store_n(&pmm_sink_dead, 1, __ATOMIC_RELAXED);
	pmm_recording_update();
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

/* Opens /dev/pmm and maps its ring (pmm_ring.c); 0 on success (even without a ring: ioctls then). */
static int pmm_device_open(void)
{
	int fd;

	fd = open(PMM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	pmm_sink_fd = fd;
	pmm_sink = PMM_SINK_DEVICE;
	pmm_ring_map(fd);
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

/* The ring is full: the module applies what is written. */
void pmm_transport_drain(void)
{
	pmm_ioctl(PMM_RING_DRAIN, NULL);
}

/* Without a ring: one ioctl, or one write in host mode, per record. */
static void pmm_transport_write(const struct pmm_record *records, unsigned int count)
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

/* The program may look at errno after malloc: the system calls here must not change it. */
void pmm_transport_send(const struct pmm_record *records, unsigned int count)
{
	int saved_errno = errno;

	pmm_transport_write(records, count);
	errno = saved_errno;
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
	pmm_ring_forget();
	close(pmm_sink_fd);
	pmm_sink_fd = -1;
	pmm_sink = PMM_SINK_NONE;
	pmm_device_open();
}
