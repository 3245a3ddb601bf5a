/*
 * pmm_transport.c: where records and the object map go. In the guest, a ring shared with pmm.ko
 * through mmap of /dev/pmm (pmm_ring.c: no system call per record; the module applies what is
 * written even if the process is killed), with one PMM_RECORD_LOG ioctl per record as the fallback
 * when the module offers no ring (or a signal handler interrupted this thread's own ring record).
 * On a host without the module (host mode: tests, `pmm run --host`), raw struct pmm_record bytes
 * written to files.
 *
 * Host mode, for whoever reads the records: records are struct pmm_record, 168 bytes each, in the
 * uapi layout, native byte order. Two ways to name the files:
 *
 * - PMM_RECORD_DIR=<absolute dir>: every process the hook starts in writes its own, as pmm.ko keeps
 *   one monitor per process. <dir>/<pid>.ring is its ring (pmm_host_ring.c: no system call per
 *   record), drained a batch at a time into <dir>/<pid>.records, which is whole up to the ring's
 *   last commit; what is still in the ring at the end is read from there. An exec-ed image
 *   continues its pid's files, as its monitor does in the guest. A record that finds no place in
 *   the ring (a signal handler that interrupted its own thread's record while the ring was full)
 *   is appended to <dir>/<pid>.late, one write each; the reader takes those last. The object map
 *   goes to <dir>/<pid>.maps, replaced whole (written beside it and renamed, so a reader never sees
 *   half of one). The variable stays in the environment, so the programs it runs are followed, and
 *   a forked child opens its own files (pmm_transport_after_fork_child): never two processes in
 *   one file. Without a ring (it could not be made), each record is appended to <pid>.records.
 * - PMM_RECORD_FD=<n> (and PMM_MAPS_FILE=<path> for the map): one process only, and every event:
 *   no ring, each record one write(2) to the fd (open it with O_APPEND, or give a pipe: a write of
 *   that size is not interleaved with other threads'), in the order the hook saw the events. The
 *   variables are removed from its environment and the fd is close-on-exec, so programs it runs do
 *   not write into the stream, and a forked child stops recording. For tests that look at each
 *   event and for a pipe; keep a pipe's read end open until the program exits, or its next write
 *   raises SIGPIPE.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pmm_host_ring.h"
#include "pmm_internal.h"

enum pmm_sink {
	PMM_SINK_NONE = 0,	/* nowhere to send: record nothing */
	PMM_SINK_DEVICE,	/* pmm.ko through /dev/pmm */
	PMM_SINK_HOST,		/* raw records on a file: PMM_RECORD_DIR's or PMM_RECORD_FD */
};

/*
 * Set by pmm_transport_open() (under pmm_control.c's once) before any send, and again in a forked
 * child, which has one thread then.
 */
static enum pmm_sink pmm_sink;
/* /dev/pmm (checked before each use: pmm_device_fd), or PMM_RECORD_FD's; -1 with PMM_RECORD_DIR. */
static int pmm_sink_fd = -1;
/* The device number of /dev/pmm, to tell the hook's fd from a file the program put at its number. */
static dev_t pmm_device_rdev;
static char pmm_maps_path[PATH_MAX];
/* PMM_RECORD_DIR's maps are written here, then renamed to pmm_maps_path. */
static char pmm_maps_new_path[PATH_MAX];
/* PMM_RECORD_DIR, kept for a forked child's own files; empty in the PMM_RECORD_FD mode. */
static char pmm_record_dir[PATH_MAX];
/* PMM_RECORD_DIR's <pid>.records and <pid>.late (see the top of this file). */
static char pmm_records_path[PATH_MAX];
static char pmm_late_path[PATH_MAX];
/* PMM_RECORD_DIR's <pid>.failed: made, empty, when records could not be written (a full disk). */
static char pmm_failed_path[PATH_MAX];
/*
 * PMM_RECORD_DIR's <pid>.spawned: a line per image a child of this process runs that may never write
 * files of its own (pmm_transport_send_exec).
 */
static char pmm_spawned_path[PATH_MAX];

/*
 * Set when sending can never work for this process again (the module said ESRCH: not monitored;
 * the host fd went bad). Any thread may set it; a relaxed store of the same value is enough.
 */
static int pmm_sink_dead;

/*
 * The process the transport is for: its ring, its monitor, PMM_RECORD_DIR's files. A vfork child
 * runs on all of them, and is another process.
 */
static pid_t pmm_sink_pid;

/* Host mode: the pid this process's files are named by, the run's (pmm_host_pid.c). */
static pid_t pmm_host_self;

/* Whether this process is the one the transport is for (not a vfork child of it). */
int pmm_transport_owner(void)
{
	return pmm_getpid() == pmm_sink_pid;
}

/*
 * The same, but a process that cannot tell is taken for the owner: a seccomp filter of the program's
 * that denies getpid makes it return -1 (-EPERM). Only for ending recording when nothing can drain
 * the ring: without it every thread waited for ever on the full ring, the program never ended.
 */
static int pmm_transport_maybe_owner(void)
{
	pid_t pid = pmm_getpid();

	return pid == pmm_sink_pid || pid <= 0;
}

static void pmm_sink_kill(void)
{
	__atomic_store_n(&pmm_sink_dead, 1, __ATOMIC_RELAXED);
	pmm_recording_update();
}

/*
 * Host mode could not write a record out (the file system is full, a file size limit): from here
 * on nothing is recorded, and the reader must not take what was for all of it. An empty file says
 * so; it needs no room of the disk's but an inode. Only PMM_RECORD_DIR's files: with PMM_RECORD_FD
 * the stream's reader sees the write fail itself.
 */
static void pmm_host_write_failed(void)
{
	int fd;

	pmm_sink_kill();
	pmm_host_ring_failed();
	if (!pmm_failed_path[0])
		return;
	fd = pmm_host_name_open(pmm_failed_path, O_WRONLY);
	if (fd >= 0)
		close(fd);
}

/* A host-mode drain failed: the program wrote over its ring (which the ring file says), or the write. */
static void pmm_host_drain_failed(void)
{
	if (pmm_ring_overwritten())
		pmm_sink_kill();
	else
		pmm_host_write_failed();
}

/* PMM_RECORD_FD as an fd open for writing, or -1. */
static int pmm_host_fd_from_env(void)
{
	const char *text = pmm_getenv("PMM_RECORD_FD");
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

/*
 * fd moved as high as it can go, out of the program's way, as valgrind keeps its own: from
 * PMM_FD_MIN, or under a lower RLIMIT_NOFILE the highest number free below it. A program that closes
 * every descriptor and opens /dev/null expects 0, 1 and 2 back (the hook's file at 0 made its stderr
 * the records file), and one that opens a file first expects 3.
 */
#define PMM_FD_MIN	512

int pmm_fd_high(int fd)
{
	struct rlimit limit;
	int high = fcntl(fd, F_DUPFD_CLOEXEC, PMM_FD_MIN);

	if (high < 0 && getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur <= PMM_FD_MIN) {
		for (int min = (int)limit.rlim_cur - 1; high < 0 && min > fd; min--)
			high = fcntl(fd, F_DUPFD_CLOEXEC, min);
	}
	if (high < 0)
		return fd;
	close(fd);
	return high;
}

/* Opens /dev/pmm and maps its ring (pmm_ring.c); 0 on success (even without a ring: ioctls then). */
static int pmm_device_open(void)
{
	struct stat st;
	int fd;

	fd = open(PMM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	fd = pmm_fd_high(fd);
	if (fstat(fd, &st) < 0) {
		close(fd);
		return -1;
	}
	pmm_device_rdev = st.st_rdev;
	pmm_sink_fd = fd;
	pmm_sink_pid = pmm_getpid();
	pmm_sink = PMM_SINK_DEVICE;
	pmm_ring_map(fd);
	return 0;
}

/* Whether fd is still the hook's /dev/pmm. */
static int pmm_device_fd_ours(int fd)
{
	struct stat st;

	return fd >= 0 && fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == pmm_device_rdev;
}

/*
 * The hook's /dev/pmm fd. A program may close it (a daemon closes every fd) and give its number to a
 * file of its own, where an ioctl of ours must not land: each use checks that the fd is still the
 * device, and opens the device again if not. pmm.ko drains the ring of the process that asks, through
 * any of its files. -1 if the device cannot be opened.
 */
static int pmm_device_fd(void)
{
	int fd = __atomic_load_n(&pmm_sink_fd, __ATOMIC_ACQUIRE), fresh;

	if (pmm_device_fd_ours(fd))
		return fd;
	fresh = open(PMM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fresh < 0)
		return -1;
	fresh = pmm_fd_high(fresh);
	/* Two threads may both find it gone: one fd is kept. */
	if (!__atomic_compare_exchange_n(&pmm_sink_fd, &fd, fresh, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		close(fresh);
		return fd;
	}
	return fresh;
}

/*
 * This process's files in PMM_RECORD_DIR (pmm_host_name.c); 0 on success. Nothing is truncated: an
 * exec-ed image continues the records its earlier image wrote. A directory that is missing or
 * unwritable fails here, and the process records nothing. Only the drains' records file is kept open
 * (pmm_host_ring.c says how it is told from a program's file at the same number); the other writes
 * open their file each time (pmm_write_file).
 */
static int pmm_host_dir_open(void)
{
	const char *dir = pmm_record_dir;
	char ring_path[PATH_MAX];
	/* The files are named as the run knows the process, which its own namespace may not (pmm_host_pid.c). */
	pid_t pid = pmm_host_pid_self(1), left;
	unsigned int gen;
	size_t maps_len;
	const char *maps = pmm_maps_inherited(&maps_len);

	pmm_sink_pid = pmm_getpid();
	/* Taken whether or not it is needed: /proc may show this image what its earlier one saw. */
	left = pmm_host_pid_left_name(dir, pmm_sink_pid);
	if (pid == pmm_sink_pid)
		pid = left;
	pmm_host_self = pid;
	if (pmm_host_name_choose(dir, pid, maps, maps_len, &gen) ||
	    pmm_host_name_path(pmm_records_path, sizeof(pmm_records_path), dir, pid, gen, ".records") ||
	    pmm_host_name_path(ring_path, sizeof(ring_path), dir, pid, gen, ".ring") ||
	    pmm_host_name_path(pmm_late_path, sizeof(pmm_late_path), dir, pid, gen, ".late") ||
	    pmm_host_name_path(pmm_failed_path, sizeof(pmm_failed_path), dir, pid, gen, ".failed") ||
	    pmm_host_name_path(pmm_maps_path, sizeof(pmm_maps_path), dir, pid, gen, ".maps") ||
	    pmm_host_name_path(pmm_maps_new_path, sizeof(pmm_maps_new_path), dir, pid, gen, ".maps.new") ||
	    pmm_host_name_path(pmm_spawned_path, sizeof(pmm_spawned_path), dir, pid, gen, ".spawned"))
		return -1;
	pmm_sink_fd = -1;
	pmm_sink = PMM_SINK_HOST;
	/* Without a ring each record is appended to the records file (pmm_transport_write). */
	pmm_host_ring_open(ring_path, pmm_records_path, pmm_maps_path);
	/* A forked child's inherited map, which pmm_host_name_choose writes first, could not be written. */
	if (maps_len > 0 && access(pmm_maps_path, F_OK) < 0)
		pmm_host_write_failed();
	return 0;
}

void pmm_transport_open(void)
{
	const char *dir, *maps_path;
	int fd;

	if (pmm_device_open() == 0)
		return;

	/*
	 * Absolute only: the program may change directory before it forks. Kept in the environment: the
	 * programs this one runs write their own files beside ours.
	 */
	dir = pmm_getenv("PMM_RECORD_DIR");
	if (dir && *dir) {
		if (dir[0] == '/' && strlen(dir) < sizeof(pmm_record_dir)) {
			strcpy(pmm_record_dir, dir);
			pmm_host_dir_open();
		}
		return;
	}

	fd = pmm_host_fd_from_env();
	maps_path = pmm_getenv("PMM_MAPS_FILE");
	if (fd >= 0 && maps_path && strlen(maps_path) < sizeof(pmm_maps_path))
		strcpy(pmm_maps_path, maps_path);
	/* Only this process writes into the stream: see the top of this file. */
	unsetenv("PMM_RECORD_FD");
	unsetenv("PMM_MAPS_FILE");
	if (fd < 0)
		return;
	fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
	pmm_sink_fd = fd;
	pmm_sink_pid = pmm_getpid();
	pmm_sink = PMM_SINK_HOST;
}

int pmm_transport_live(void)
{
	return pmm_sink != PMM_SINK_NONE && !__atomic_load_n(&pmm_sink_dead, __ATOMIC_RELAXED);
}

/*
 * RLIMIT_FSIZE, the most bytes a file may hold after a write (RLIM_INFINITY: no limit). A write past it
 * raises SIGXFSZ, which kills by default: the hook's own files must stop short of it and say that they
 * could not be written, for the program set the limit for its own writes (which still raise it). Read
 * at each write, as the program may lower it whenever it likes: once per drain in host mode.
 */
static rlim_t pmm_file_size_limit(void)
{
	struct rlimit limit;

	return getrlimit(RLIMIT_FSIZE, &limit) < 0 ? RLIM_INFINITY : limit.rlim_cur;
}

int pmm_file_may_reach(__u64 end)
{
	rlim_t limit = pmm_file_size_limit();

	return limit == RLIM_INFINITY || end <= limit;
}

/* Whether len bytes at off (off < 0: where fd writes next) stay within the file size limit. */
static int pmm_write_fits(int fd, size_t len, off_t off)
{
	rlim_t limit = pmm_file_size_limit();
	struct stat st;
	int flags;

	if (limit == RLIM_INFINITY)
		return 1;
	/* The limit holds only for regular files: a pipe, a socket or a device takes what it is given. */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return 1;
	if (off < 0) {
		flags = fcntl(fd, F_GETFL);
		off = flags >= 0 && (flags & O_APPEND) ? st.st_size : lseek(fd, 0, SEEK_CUR);
		if (off < 0)
			return 1;
	}
	return (__u64)off + len <= limit;
}

/*
 * All of buf to fd, at offset off, or (off < 0) where the fd is; 0, or -1 if it cannot be written
 * (EFBIG, written nothing: it would go past the file size limit).
 */
int pmm_write_all(int fd, const void *buf, size_t len, off_t off)
{
	const char *p = buf;

	if (!pmm_write_fits(fd, len, off)) {
		errno = EFBIG;
		return -1;
	}
	while (len > 0) {
		ssize_t n = off < 0 ? write(fd, p, len) : pwrite(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
		if (off >= 0)
			off += n;
	}
	return 0;
}

/*
 * All of buf to the file at path, at offset off, or appended (off < 0, created if missing); 0, or -1.
 * Opened and closed around the write: see pmm_host_dir_open.
 */
int pmm_write_file(const char *path, const void *buf, size_t len, off_t off)
{
	int fd = off < 0 ? pmm_host_name_open(path, O_WRONLY | O_APPEND) : open(path, O_WRONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -1;
	ret = pmm_write_all(fd, buf, len, off);
	close(fd);
	return ret;
}

static int pmm_ioctl(unsigned long cmd, void *arg)
{
	int fd = pmm_device_fd(), ret;

	if (fd < 0)
		return -1;
	do
		ret = ioctl(fd, cmd, arg);
	while (ret < 0 && errno == EINTR);
	/*
	 * ESRCH: the module does not monitor this process (e.g. a fork nobody registered). Not said by a
	 * vfork child (not monitored before its exec), whose parent's transport this is.
	 */
	if (ret < 0 && errno == ESRCH && pmm_transport_owner())
		pmm_sink_kill();
	return ret;
}

/*
 * The ring is full: the module applies what is written, or in host mode this process writes it out.
 * Where the device cannot be reached (the program closed the hook's descriptor and left none free to
 * open it again), an msync of the ring drains it (pmm.ko's fsync), which needs no descriptor: before,
 * such a program waited for ever on its full ring. A drain that fails either way ends recording,
 * rather than leave threads waiting on a ring that nothing empties (ESRCH: the module does not
 * monitor this process).
 */
void pmm_transport_drain(void)
{
	int saved_errno = errno, cancel = pmm_cancel_off();

	if (pmm_sink == PMM_SINK_HOST) {
		if (pmm_host_ring_drain() < 0)
			pmm_host_drain_failed();
	} else if (pmm_ioctl(PMM_RING_DRAIN, NULL) < 0 && errno != ESRCH && pmm_ring_msync() < 0 &&
		   pmm_transport_maybe_owner()) {
		/* What the ring holds is not all: pmm.ko says so of the process rather than count it. */
		pmm_ring_mark_stopped();
		pmm_sink_kill();
	}
	pmm_cancel_restore(cancel);
	errno = saved_errno;
}

/*
 * A host-mode record that is not in the ring, appended whole (the unit that readers can count on):
 * with PMM_RECORD_DIR to <pid>.late beside a ring (perhaps from a signal handler: open is
 * async-signal-safe), else to the records file; with PMM_RECORD_FD to that fd.
 */
static int pmm_host_write(const struct pmm_record *rec)
{
	if (!pmm_record_dir[0])
		return pmm_write_all(pmm_sink_fd, rec, sizeof(*rec), -1);
	return pmm_write_file(pmm_host_ring_active() ? pmm_late_path : pmm_records_path, rec, sizeof(*rec), -1);
}

/* Without a ring place: one ioctl, or one write in host mode, per record. */
static void pmm_transport_write(const struct pmm_record *records, unsigned int count)
{
	struct pmm_record_log log;

	if (!pmm_transport_live() || count == 0)
		return;
	if (pmm_sink == PMM_SINK_HOST) {
		for (unsigned int i = 0; i < count; i++)
			if (pmm_host_write(&records[i]) < 0) {
				pmm_host_write_failed();
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
	int saved_errno = errno, cancel = pmm_cancel_off();

	pmm_transport_write(records, count);
	pmm_cancel_restore(cancel);
	errno = saved_errno;
}

/* The object map text to pmm.ko: the caller's (pid 0), or a child's it just spawned (pmm_ioctl_record_maps). */
static void pmm_device_send_maps(pid_t pid, const char *text, size_t len)
{
	struct pmm_maps maps = { .pid = pid, .len = (__u32)len, .buf = (uintptr_t)text };

	pmm_ioctl(PMM_RECORD_MAPS, &maps);
}

void pmm_transport_send_maps(const char *text, size_t len)
{
	int fd;

	if (!pmm_transport_live())
		return;
	if (pmm_sink == PMM_SINK_HOST) {
		if (!pmm_maps_path[0])
			return;
		/*
		 * Ours are replaced whole; PMM_MAPS_FILE is the caller's own file, written in place. Without
		 * its map the process's records name nothing (a file size limit below the map's size, a
		 * full disk): the reader is told, as of a record that could not be written.
		 */
		if (pmm_maps_new_path[0]) {
			if (pmm_host_name_replace(pmm_maps_path, pmm_maps_new_path, text, len) < 0)
				pmm_host_write_failed();
			return;
		}
		fd = open(pmm_maps_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			return;
		pmm_write_all(fd, text, len, -1);
		close(fd);
		return;
	}
	pmm_device_send_maps(0, text, len);
}

static int pmm_host_marks(void);

/*
 * Host mode: a line of <pid>.spawned, "PID PATH" for an image that child runs, "PID -" when its exec
 * failed, or "PID" (path NULL) for a child fork() made. One write of a file opened for appending:
 * whole, whichever process or thread writes it. A fork's line that cannot be written is marked in the
 * records instead (PMM_HOST_KIND_UNFOLLOWED).
 */
static void pmm_host_spawned(pid_t pid, const char *path)
{
	size_t len = path ? strlen(path) : 0;
	char line[32 + PATH_MAX];
	size_t n = pmm_host_decimal(line, (unsigned int)pid);

	if (!pmm_spawned_path[0] || n + 2 + len > sizeof(line))
		return;
	if (path) {
		line[n++] = ' ';
		memcpy(line + n, path, len);
		n += len;
	}
	line[n++] = '\n';
	if (pmm_write_file(pmm_spawned_path, line, n, -1) < 0 && !path && pmm_host_marks())
		pmm_record_mark(PMM_HOST_KIND_UNFOLLOWED, (__u64)(unsigned int)pid);
}

/*
 * The image a process of the run runs or is about to run, path (NULL: its exec failed), which the
 * host names when that image never takes the hook. For the caller (pid 0) text is its object map with
 * the image's line after it (pmm_maps.c). A vfork child before its exec and a child just spawned
 * (pid) ran none of the hook's code of their own: pmm.ko takes them in as its monitored children
 * with the text; host mode writes their line in this process's <pid>.spawned. Keeps errno.
 */
void pmm_transport_send_exec(pid_t pid, const char *path, const char *text, size_t len)
{
	int saved_errno = errno;

	if (!pmm_transport_live())
		goto out;
	if (pmm_sink == PMM_SINK_HOST) {
		if (!pmm_record_dir[0])
			goto out;
		if (pid == 0 && pmm_transport_owner())
			pmm_transport_send_maps(text, len);
		else if ((pid = pid ? pmm_host_pid_child(pid) : pmm_host_pid_vforked()) > 0)
			pmm_host_spawned(pid, path ? path : "-");
		goto out;
	}
	pmm_device_send_maps(pid, text, len);
out:
	errno = saved_errno;
}

/* At exit, from the hook's last destructor: host mode's ring is written out and emptied if it can be. */
void pmm_transport_finish(void)
{
	if (pmm_sink == PMM_SINK_HOST && pmm_host_ring_active())
		pmm_host_ring_finish();
}

/*
 * Host mode's marks of what pmm.ko sees for itself: an exec() call and its failure, an exit and its
 * status, a child reaped and its wait status (pmm_host_ring.h). Not from a vfork child, which runs on
 * its parent's memory and ring: its exec replaces no image of the parent's, and its exit is not the
 * parent's.
 */
static int pmm_host_marks(void)
{
	return pmm_sink == PMM_SINK_HOST && pmm_record_dir[0] && pmm_transport_live() && pmm_transport_owner();
}

int pmm_transport_host_marking(void)
{
	return pmm_host_marks();
}

/*
 * Just before an exec() call: its mark, and the ring's records handed over to the records file, which
 * the next image finds whole should it have no room to map the ring (pmm_host_ring.c).
 */
void pmm_transport_before_exec(void)
{
	int saved_errno = errno, cancel;

	pmm_transport_host_mark(PMM_HOST_KIND_EXEC_TRY, 0);
	if (!pmm_host_marks())
		return;
	/* A /proc the program mounts for its pid namespace would not tell the next image its name. */
	if (pmm_host_self != pmm_getpid())
		pmm_host_pid_leave_name(pmm_record_dir, pmm_host_self);
	if (pmm_host_ring_active()) {
		cancel = pmm_cancel_off();
		if (pmm_host_ring_hand_over() < 0)
			pmm_host_drain_failed();
		pmm_cancel_restore(cancel);
	}
	errno = saved_errno;
}

/* An exec() call came back: its mark, and the name left for its image taken back. Keeps errno. */
void pmm_transport_exec_failed(void)
{
	int saved_errno = errno;

	pmm_transport_host_mark(PMM_HOST_KIND_EXEC_FAILED, 0);
	if (pmm_host_marks() && pmm_host_self != pmm_getpid())
		pmm_host_pid_forget_name(pmm_record_dir);
	errno = saved_errno;
}

void pmm_transport_host_mark(__u32 kind, __u64 value)
{
	int saved_errno = errno;

	if (pmm_host_marks())
		pmm_record_mark(kind, value);
	errno = saved_errno;
}

/*
 * A child reaped: which process of the run it was is the latest to have its pid (a pid is given
 * again only once its last process is reaped). Only the low 16 bits of the status mean anything.
 */
void pmm_transport_host_reaped(pid_t pid, int status)
{
	int saved_errno = errno;

	if (pmm_host_marks())
		pmm_record_mark(PMM_HOST_KIND_REAPED, (__u64)(unsigned int)pid << 32 |
				(__u64)pmm_host_name_newest(pmm_record_dir, pid) << 16 |
				((unsigned int)status & 0xffff));
	errno = saved_errno;
}

/*
 * In the parent, just after fork() gave it the child's pid (pmm_fork.c): pmm.ko monitors the child
 * from now, before it runs. Not pmm_ioctl, whose ESRCH ends this process's recording: here it says
 * only that the child was not taken in. On the host the run finds its processes by their files, which
 * a child makes only once it runs: its line in <pid>.spawned names it before, so that a run whose
 * program has ended ends it too. Keeps errno.
 */
void pmm_transport_forked(pid_t pid)
{
	int saved_errno = errno, fd;
	__s32 child = pid;

	if (!pmm_transport_live() || !pmm_transport_owner())
		goto out;
	if (pmm_sink == PMM_SINK_HOST) {
		if (pmm_record_dir[0] && (pid = pmm_host_pid_child(pid)) > 0)
			pmm_host_spawned(pid, NULL);
		goto out;
	}
	if (pmm_sink != PMM_SINK_DEVICE)
		goto out;
	fd = pmm_device_fd();
	if (fd >= 0) {
		while (ioctl(fd, PMM_FORKED, &child) < 0 && errno == EINTR)
			;
	} else {
		/* No descriptor left (closefrom, then a chroot or RLIMIT_NOFILE): named through the ring. */
		pmm_ring_name_child(pid);
	}
out:
	errno = saved_errno;
}

/*
 * In a forked child, which is a new process. The parent's ring is not mapped here (the module marks
 * it not to be copied), so the child opens /dev/pmm again and maps a ring of its own; mapping it
 * makes the module monitor the child of a monitored parent. On the host the inherited fd is the
 * parent's stream: with PMM_RECORD_DIR the child opens files of its own, which start empty as its
 * monitor does in the guest (its frees of the blocks it inherited match nothing); with PMM_RECORD_FD
 * it stops recording rather than mix its blocks into the parent's.
 */
void pmm_transport_after_fork_child(void)
{
	int inherited;

	pmm_sink_dead = 0;
	if (pmm_sink == PMM_SINK_HOST) {
		pmm_sink = PMM_SINK_NONE;
		/* PMM_RECORD_FD's fd is the caller's: left open, as the child was given it. */
		if (!pmm_record_dir[0])
			return;
		pmm_host_ring_forget();
		pmm_host_dir_open();
		return;
	}
	if (pmm_sink != PMM_SINK_DEVICE)
		return;
	pmm_ring_forget();
	/* Unless the program has put a file of its own at that number since. */
	inherited = pmm_device_fd_ours(pmm_sink_fd) ? pmm_sink_fd : -1;
	pmm_sink_fd = -1;
	pmm_sink = PMM_SINK_NONE;
	if (pmm_device_open() == 0 || inherited < 0) {
		if (inherited >= 0)
			close(inherited);
		return;
	}
	/*
	 * No descriptor free (the parent lowered RLIMIT_NOFILE, or used them all): the parent's file, mapped
	 * here, gives the child a ring of its own all the same (pmm.ko puts it on a file of its own, which
	 * takes no descriptor). Then it is closed, for it would keep the parent's ring from being applied
	 * when the parent ends. Without a descriptor, the ring drains by msync, and the module gives the
	 * child its parent's object map.
	 */
	if (pmm_ring_map(inherited)) {
		close(inherited);
		return;
	}
	close(inherited);
	pmm_sink_pid = pmm_getpid();
	pmm_sink = PMM_SINK_DEVICE;
}
