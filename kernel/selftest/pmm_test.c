// SPDX-License-Identifier: GPL-2.0
/*
 * Selftest for pmm.ko: every /dev/pmm command and /proc/pmm file, the
 * errno of each invalid input, a monitored child killed with its records
 * read back, and the checks that keep unprivileged users out.
 *
 * Run as root with pmm.ko loaded: pmm_test, or "pmm_test limits" when the
 * module was loaded with a small max_records.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/userfaultfd.h>

#include "uapi/pmm.h"

#define CFG_PATH	"/proc/pmm/cfg"
#define PID_PATH	"/proc/pmm/pid"
#define NOBODY		65534
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Shared, so that checks made in forked children count too. */
static struct { int passed, failed; } *counts;
static int pmm_fd;

static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	__atomic_add_fetch(ok ? &counts->passed : &counts->failed, 1,
			   __ATOMIC_SEQ_CST);
}

/* 0 on success, else the errno: what every call below is checked by. */
static int pmm_ioctl(unsigned long cmd, void *arg)
{
	return ioctl(pmm_fd, cmd, arg) ? errno : 0;
}

static void check_errno(int got, int want, const char *what)
{
	check(got == want, "%s -> %s (got %s)", what,
	      want ? strerror(want) : "0", got ? strerror(got) : "0");
}

static int set_config(__u32 op, int32_t pid, __u32 value)
{
	struct pmm_set_config sc = { .op = op, .pid = pid, .value = value };

	return pmm_ioctl(PMM_SET_CONFIG, &sc);
}

static struct pmm_record make_rec(__u32 kind, __u64 ptr,
				  __u64 prev_ptr, __u64 size)
{
	struct pmm_record rec;
	struct timespec ts;

	memset(&rec, 0, sizeof(rec));
	clock_gettime(CLOCK_REALTIME, &ts);
	rec.kind = kind;
	rec.ptr = ptr;
	rec.prev_ptr = prev_ptr;
	rec.size = size;
	rec.time_ns = (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	rec.nframes = 2;
	rec.frames[0] = 0x400000 + ptr;
	rec.frames[1] = 0x500000;
	/* Past nframes: the module must not hand this back. */
	rec.frames[2] = 0xdeadbeef;
	return rec;
}

static int record_log(struct pmm_record *recs, __u32 count)
{
	struct pmm_record_log rl = {
		.records = (uintptr_t)recs,
		.count = count,
	};

	return pmm_ioctl(PMM_RECORD_LOG, &rl);
}

static int record_one(__u32 kind, __u64 ptr, __u64 prev,
		      __u64 size)
{
	struct pmm_record rec = make_rec(kind, ptr, prev, size);

	return record_log(&rec, 1);
}

/* pid's entry of PMM_MONITORED_PIDS; -1 if it is not monitored. */
static int get_info(pid_t pid, struct pmm_pid_info *out)
{
	struct pmm_pid_info infos[64];
	struct pmm_monitored_pids mp = {
		.pids = (uintptr_t)infos,
		.max = 64,
	};
	unsigned int i;

	memset(infos, 0xcc, sizeof(infos));
	if (pmm_ioctl(PMM_MONITORED_PIDS, &mp))
		return -1;
	for (i = 0; i < mp.count && i < 64; i++) {
		if (infos[i].pid == pid) {
			*out = infos[i];
			return 0;
		}
	}
	return -1;
}

/* All of pid's records, paged max at a time; count or -errno. */
static long read_all_logs(pid_t pid, struct pmm_record *out, long room,
			  __u32 page)
{
	struct pmm_read_logs rl;
	__u64 cursor = 0;
	long n = 0;
	int err;

	for (;;) {
		memset(&rl, 0xcc, sizeof(rl));
		rl.pid = pid;
		rl.max = page;
		rl.cursor = cursor;
		rl.records = (uintptr_t)(out + n);
		rl.pad = 0;
		if (n + page > room)
			return -ENOSPC;
		err = pmm_ioctl(PMM_READ_LOGS, &rl);
		if (err)
			return -err;
		if (!rl.count)
			return n;
		if (rl.cursor <= cursor || rl.count > page)
			return -EPROTO;
		cursor = rl.cursor;
		n += rl.count;
	}
}

static char *read_file(const char *path)
{
	size_t len = 0, size = 4096;
	char *buf = malloc(size);
	int fd = open(path, O_RDONLY);
	ssize_t r;

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	/* Small reads, so the seq_file has to stop and resume many times. */
	while ((r = read(fd, buf + len, 1000)) > 0) {
		len += r;
		if (size - len < 1001) {
			size *= 2;
			buf = realloc(buf, size);
		}
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

/* 0 or the errno of writing len bytes to /proc/pmm/cfg in one write(). */
static int write_cfg_bytes(const char *s, size_t len)
{
	int fd = open(CFG_PATH, O_WRONLY);
	int err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, s, len) < 0)
		err = errno;
	close(fd);
	return err;
}

static int write_cfg(const char *s)
{
	return write_cfg_bytes(s, strlen(s));
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void format_record(char *line, size_t size, const struct pmm_record *r)
{
	time_t secs = r->time_ns / 1000000000ull;
	const char *kind = r->kind == PMM_KIND_MALLOC ? "MALLOC" :
			   r->kind == PMM_KIND_CALLOC ? "CALLOC" : "REALLOC";
	char prev[64] = "";
	struct tm tm;

	gmtime_r(&secs, &tm);
	if (r->kind == PMM_KIND_REALLOC)
		snprintf(prev, sizeof(prev), "Prev Pointer: 0x%llx ",
			 (unsigned long long)r->prev_ptr);
	snprintf(line, size,
		 "{%s @%02d:%02d:%02d} Sz: %lluB %sPointer: 0x%llx Caller: 0x%llx\n",
		 kind, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned long long)r->size, prev, (unsigned long long)r->ptr,
		 (unsigned long long)r->frames[0]);
}

static void test_device(void)
{
	struct stat st;

	check(stat(PMM_DEVICE_PATH, &st) == 0 && S_ISCHR(st.st_mode) &&
	      (st.st_mode & 0777) == 0666, "/dev/pmm is a char device, 0666");
}

static void test_bad_commands(void)
{
	char junk[64];

	memset(junk, 0, sizeof(junk));
	check_errno(pmm_ioctl(_IO(PMM_IOC_MAGIC, 99), junk), ENOTTY,
		    "unknown command nr 99");
	check_errno(pmm_ioctl(_IOW('x', 1, struct pmm_record_log), junk),
		    ENOTTY, "foreign magic");
	check_errno(pmm_ioctl(_IOC(_IOC_WRITE, PMM_IOC_MAGIC, 1, 8), junk),
		    ENOTTY, "RECORD_LOG with wrong struct size");
	check_errno(pmm_ioctl(_IOC(_IOC_READ, PMM_IOC_MAGIC, 3, 64), junk),
		    ENOTTY, "GET_CONFIG with wrong struct size");
	check_errno(pmm_ioctl(_IOR(PMM_IOC_MAGIC, 1, struct pmm_record_log),
			      junk), ENOTTY, "RECORD_LOG with wrong direction");

	check_errno(pmm_ioctl(PMM_GET_CONFIG, NULL), EFAULT,
		    "GET_CONFIG to NULL");
	check_errno(pmm_ioctl(PMM_GET_CONFIG, (void *)8), EFAULT,
		    "GET_CONFIG to a bad pointer");
	check_errno(pmm_ioctl(PMM_SET_CONFIG, NULL), EFAULT,
		    "SET_CONFIG from NULL");
	check_errno(pmm_ioctl(PMM_RECORD_LOG, NULL), EFAULT,
		    "RECORD_LOG from NULL");
	check_errno(pmm_ioctl(PMM_MONITORED_PIDS, NULL), EFAULT,
		    "MONITORED_PIDS from NULL");
	check_errno(pmm_ioctl(PMM_READ_LOGS, NULL), EFAULT,
		    "READ_LOGS from NULL");
	check_errno(pmm_ioctl(PMM_RECORD_MAPS, NULL), EFAULT,
		    "RECORD_MAPS from NULL");
	check_errno(pmm_ioctl(PMM_READ_MAPS, NULL), EFAULT,
		    "READ_MAPS from NULL");
	check_errno(pmm_ioctl(PMM_READ_SAMPLES, NULL), EFAULT,
		    "READ_SAMPLES from NULL");
	check_errno(pmm_ioctl(PMM_GET_STATS, NULL), EFAULT,
		    "GET_STATS to NULL");
	check_errno(pmm_ioctl(PMM_READ_MISMATCHES, NULL), EFAULT,
		    "READ_MISMATCHES from NULL");
	check_errno(pmm_ioctl(PMM_FORKED, NULL), EFAULT, "FORKED from NULL");
	check_errno(pmm_ioctl(_IOC(_IOC_READ | _IOC_WRITE, PMM_IOC_MAGIC, 11,
				   32), junk),
		    ENOTTY, "READ_MISMATCHES with wrong struct size");
	check_errno(pmm_ioctl(_IOC(_IOC_READ | _IOC_WRITE, PMM_IOC_MAGIC, 8,
				   16), junk),
		    ENOTTY, "READ_SAMPLES with wrong struct size");
}

static void test_get_config_defaults(void)
{
	struct pmm_get_config gc;
	int err;

	memset(&gc, 0xcc, sizeof(gc));
	err = pmm_ioctl(PMM_GET_CONFIG, &gc);
	check_errno(err, 0, "GET_CONFIG");
	check(gc.interval_ms == 10000 && gc.scan == 1 && gc.pad == 0 &&
	      gc.nr_monitored == 0 && gc.total_records == 0 &&
	      gc.last_start_pid == 0 && gc.last_stop_pid == 0,
	      "GET_CONFIG after load: interval %u scan %u pad %u monitored %u records %llu start %d stop %d",
	      gc.interval_ms, gc.scan, gc.pad, gc.nr_monitored,
	      (unsigned long long)gc.total_records, gc.last_start_pid,
	      gc.last_stop_pid);
}

static pid_t unused_pid(void)
{
	pid_t pid = 4000000;

	while (kill(pid, 0) == 0 || errno != ESRCH)
		pid--;
	return pid;
}

static void test_set_config(void)
{
	struct pmm_set_config sc;
	struct pmm_get_config gc;

	check_errno(record_one(PMM_KIND_MALLOC, 0x1000, 0, 1), ESRCH,
		    "RECORD_LOG while not monitored");
	check_errno(set_config(PMM_CFG_START_PID, unused_pid(), 0), ESRCH,
		    "START_PID of a pid that does not exist");
	check_errno(set_config(PMM_CFG_START_PID, 0, 0), EINVAL,
		    "START_PID 0");
	check_errno(set_config(PMM_CFG_START_PID, -5, 0), EINVAL,
		    "START_PID -5");
	/* kthreadd: a kernel thread has no user memory, and no hook to record it. */
	check_errno(set_config(PMM_CFG_START_PID, 2, 0), EINVAL,
		    "START_PID of a kernel thread");
	check_errno(set_config(PMM_CFG_STOP_PID, getpid(), 0), ESRCH,
		    "STOP_PID of an unmonitored pid");
	check_errno(set_config(0, getpid(), 0), EINVAL, "op 0");
	check_errno(set_config(99, getpid(), 0), EINVAL, "op 99");

	memset(&sc, 0, sizeof(sc));
	sc.op = PMM_CFG_START_PID;
	sc.pid = getpid();
	sc.pad = 1;
	check_errno(pmm_ioctl(PMM_SET_CONFIG, &sc), EINVAL,
		    "SET_CONFIG with non-zero pad");
	/* A field the operation does not use must be 0, as pad must. */
	check_errno(set_config(PMM_CFG_START_PID, getpid(), 7), EINVAL,
		    "START_PID with a value");
	check_errno(set_config(PMM_CFG_STOP_PID, getpid(), 7), EINVAL,
		    "STOP_PID with a value");
	check_errno(set_config(PMM_CFG_SCAN, getpid(), 1), EINVAL,
		    "SCAN with a pid");
	check_errno(set_config(PMM_CFG_INTERVAL, getpid(), 5000), EINVAL,
		    "INTERVAL with a pid");

	check_errno(set_config(PMM_CFG_INTERVAL, 0, 99), EINVAL,
		    "INTERVAL 99");
	check_errno(set_config(PMM_CFG_INTERVAL, 0, 3600001), EINVAL,
		    "INTERVAL 3600001");
	check_errno(set_config(PMM_CFG_SCAN, 0, 2), EINVAL, "SCAN 2");
	check_errno(set_config(PMM_CFG_INTERVAL, 0, 5000), 0, "INTERVAL 5000");
	check_errno(set_config(PMM_CFG_SCAN, 0, 0), 0, "SCAN 0");
	memset(&gc, 0xcc, sizeof(gc));
	pmm_ioctl(PMM_GET_CONFIG, &gc);
	check(gc.interval_ms == 5000 && gc.scan == 0,
	      "GET_CONFIG shows interval %u scan %u", gc.interval_ms, gc.scan);
	check_errno(set_config(PMM_CFG_SCAN, 0, 1), 0, "SCAN 1");
	check_errno(set_config(PMM_CFG_INTERVAL, 0, 10000), 0,
		    "INTERVAL 10000");

	check_errno(set_config(PMM_CFG_START_PID, getpid(), 0), 0,
		    "START_PID self");
	check_errno(set_config(PMM_CFG_START_PID, getpid(), 0), EEXIST,
		    "START_PID self again");
	memset(&gc, 0xcc, sizeof(gc));
	pmm_ioctl(PMM_GET_CONFIG, &gc);
	check(gc.last_start_pid == getpid() && gc.nr_monitored == 1,
	      "GET_CONFIG: last_start_pid %d nr_monitored %u",
	      gc.last_start_pid, gc.nr_monitored);
}

static void test_record_log_invalid(void)
{
	struct pmm_record recs[64];
	struct pmm_record_log rl;
	struct pmm_pid_info before, after;
	int i;

	get_info(getpid(), &before);

	memset(&rl, 0, sizeof(rl));
	rl.records = (uintptr_t)recs;
	recs[0] = make_rec(PMM_KIND_MALLOC, 0x1000, 0, 1);
	rl.count = 0;
	check_errno(pmm_ioctl(PMM_RECORD_LOG, &rl), EINVAL, "RECORD_LOG count 0");
	rl.count = PMM_MAX_BATCH + 1;
	check_errno(pmm_ioctl(PMM_RECORD_LOG, &rl), EINVAL,
		    "RECORD_LOG count PMM_MAX_BATCH + 1");
	rl.count = 1;
	rl.pad = 1;
	check_errno(pmm_ioctl(PMM_RECORD_LOG, &rl), EINVAL,
		    "RECORD_LOG non-zero pad");
	rl.pad = 0;
	rl.records = 0;
	check_errno(pmm_ioctl(PMM_RECORD_LOG, &rl), EFAULT,
		    "RECORD_LOG records NULL");
	rl.records = (uintptr_t)recs;

	recs[0].kind = 0;
	check_errno(record_log(recs, 1), EINVAL, "record kind 0");
	recs[0].kind = PMM_KIND_LAST + 1;
	check_errno(record_log(recs, 1), EINVAL, "record kind past the last");
	recs[0] = make_rec(PMM_KIND_MALLOC, 0x1000, 0, 1);
	recs[0].nframes = PMM_MAX_FRAMES + 1;
	check_errno(record_log(recs, 1), EINVAL, "record nframes 17");
	/* No allocator returns a block past PTRDIFF_MAX: the totals wrapped. */
	recs[0] = make_rec(PMM_KIND_MALLOC, 0x1000, 0, 1ULL << 63);
	check_errno(record_log(recs, 1), EINVAL, "record size 2^63");
	recs[0] = make_rec(PMM_KIND_REALLOC, 0x1000, 0x2000, ~0ULL);
	check_errno(record_log(recs, 1), EINVAL, "realloc record size ~0");
	/* A failed one may have asked for anything (realloc(p, SIZE_MAX)). */
	recs[0] = make_rec(PMM_KIND_REALLOC, 0, 0x2000, ~0ULL);
	check_errno(record_log(recs, 1), 0, "failed realloc record size ~0");

	/* A bad record late in a multi-chunk batch spoils all of it. */
	for (i = 0; i < 64; i++)
		recs[i] = make_rec(PMM_KIND_MALLOC, 0x900000 + 16 * i, 0, 8);
	recs[50].kind = 77;
	check_errno(record_log(recs, 64), EINVAL,
		    "batch of 64 with a bad 51st record");
	get_info(getpid(), &after);
	check(after.log_count == before.log_count,
	      "  ... and none of it was kept (%llu -> %llu)",
	      (unsigned long long)before.log_count,
	      (unsigned long long)after.log_count);
}

static void test_record_matching(void)
{
	struct pmm_record recs[8], out[16];
	struct pmm_pid_info info;
	long n, i;

	recs[0] = make_rec(PMM_KIND_MALLOC, 0xa000, 0, 100);
	recs[1] = make_rec(PMM_KIND_CALLOC, 0xb000, 0, 50);
	recs[2] = make_rec(PMM_KIND_MALLOC, 0xc000, 0, 300);
	recs[3] = make_rec(PMM_KIND_FREE, 0xb000, 0, 0);
	recs[4] = make_rec(PMM_KIND_REALLOC, 0xd000, 0xa000, 200);
	recs[5] = make_rec(PMM_KIND_FREE, 0xeeee, 0, 0);	/* never seen */
	recs[6] = make_rec(PMM_KIND_FREE, 0, 0, 0);		/* free(NULL) */
	recs[7] = make_rec(PMM_KIND_CALLOC, 0xf000, 0, 7);
	check_errno(record_log(recs, 8), 0, "RECORD_LOG of 8 events");
	/* A realloc in place, then a realloc(p, 0) that freed p. */
	check_errno(record_one(PMM_KIND_REALLOC, 0xc000, 0xc000, 400), 0,
		    "realloc in place");
	check_errno(record_one(PMM_KIND_REALLOC, 0, 0xf000, 0), 0,
		    "realloc(p, 0)");
	/* A failed realloc returns NULL and leaves p alone. */
	check_errno(record_one(PMM_KIND_REALLOC, 0, 0xd000, 4096), 0,
		    "failed realloc");

	memset(&info, 0xcc, sizeof(info));
	check(get_info(getpid(), &info) == 0, "MONITORED_PIDS lists self");
	check(info.log_count == 2 && info.log_bytes == 600 &&
	      info.unmatched_frees == 1 && info.dropped == 0 &&
	      info.state == PMM_STATE_RUNNING && info.stopped == 0,
	      "counts: log_count %llu log_bytes %llu unmatched_frees %llu dropped %llu state %u",
	      (unsigned long long)info.log_count,
	      (unsigned long long)info.log_bytes,
	      (unsigned long long)info.unmatched_frees,
	      (unsigned long long)info.dropped, info.state);

	memset(out, 0xcc, sizeof(out));
	n = read_all_logs(getpid(), out, 16, 1);
	check(n == 2, "READ_LOGS page by page: %ld records", n);
	/* Insertion order: the realloc to 0xd000 came before 0xc000's. */
	check(n == 2 && out[0].kind == PMM_KIND_REALLOC &&
	      out[0].ptr == 0xd000 && out[0].prev_ptr == 0xa000 &&
	      out[0].size == 200 && out[1].ptr == 0xc000 &&
	      out[1].size == 400 && out[1].prev_ptr == 0xc000,
	      "READ_LOGS: what is left, oldest first");
	check(n == 2 && out[0].nframes == 2 && out[0].frames[0] == 0x40d000 &&
	      out[0].frames[1] == 0x500000 && out[0].frames[2] == 0 &&
	      out[0].frames[PMM_MAX_FRAMES - 1] == 0,
	      "READ_LOGS: frames kept, none past nframes");

	/* Clean up so later counts start from zero. */
	recs[0] = make_rec(PMM_KIND_FREE, 0xc000, 0, 0);
	recs[1] = make_rec(PMM_KIND_FREE, 0xd000, 0, 0);
	check_errno(record_log(recs, 2), 0, "free what is left");
	get_info(getpid(), &info);
	check(info.log_count == 0 && info.log_bytes == 0,
	      "nothing left: %llu records, %llu bytes",
	      (unsigned long long)info.log_count,
	      (unsigned long long)info.log_bytes);

	/*
	 * A realloc whose prev_ptr is marked shown only releases nothing: its
	 * old block's release is another record's. It keeps the mark, which
	 * readers take off for the log's Prev Pointer.
	 */
	check_errno(record_one(PMM_KIND_MALLOC, 0x7000, 0, 8), 0,
		    "malloc before a realloc with prev_ptr shown only");
	check_errno(record_one(PMM_KIND_REALLOC, 0x8000,
			       0x7000 | PMM_PREV_SHOWN_ONLY, 16), 0,
		    "realloc with prev_ptr shown only");
	get_info(getpid(), &info);
	check(info.log_count == 2 && info.log_bytes == 24 &&
	      info.unmatched_frees == 1,
	      "shown only: %llu records, %llu bytes, %llu unmatched frees",
	      (unsigned long long)info.log_count,
	      (unsigned long long)info.log_bytes,
	      (unsigned long long)info.unmatched_frees);
	n = read_all_logs(getpid(), out, 16, 4);
	for (i = 0; i < n && out[i].kind != PMM_KIND_REALLOC; i++)
		;
	check(n == 2 && i < n && out[i].ptr == 0x8000 &&
	      out[i].prev_ptr == (0x7000 | PMM_PREV_SHOWN_ONLY),
	      "READ_LOGS: the realloc's prev_ptr, marked (%ld records)", n);
	recs[0] = make_rec(PMM_KIND_FREE, 0x7000, 0, 0);
	recs[1] = make_rec(PMM_KIND_FREE, 0x8000, 0, 0);
	check_errno(record_log(recs, 2), 0, "free both");
}

static void test_read_logs_invalid(void)
{
	struct pmm_record out[4];
	struct pmm_read_logs rl;

	memset(&rl, 0, sizeof(rl));
	rl.pid = getpid();
	rl.max = 4;
	rl.records = (uintptr_t)out;
	rl.pad = 1;
	check_errno(pmm_ioctl(PMM_READ_LOGS, &rl), EINVAL,
		    "READ_LOGS non-zero pad");
	rl.pad = 0;
	rl.max = 0;
	check_errno(pmm_ioctl(PMM_READ_LOGS, &rl), EINVAL, "READ_LOGS max 0");
	rl.max = PMM_MAX_BATCH + 1;
	check_errno(pmm_ioctl(PMM_READ_LOGS, &rl), EINVAL,
		    "READ_LOGS max PMM_MAX_BATCH + 1");
	rl.max = 4;
	rl.pid = 0;
	check_errno(pmm_ioctl(PMM_READ_LOGS, &rl), EINVAL, "READ_LOGS pid 0");
	rl.pid = unused_pid();
	check_errno(pmm_ioctl(PMM_READ_LOGS, &rl), ESRCH,
		    "READ_LOGS of an unmonitored pid");
	rl.pid = getpid();
	check_errno(record_one(PMM_KIND_MALLOC, 0x7000, 0, 1), 0, "malloc one");
	rl.records = 8;
	check_errno(pmm_ioctl(PMM_READ_LOGS, &rl), EFAULT,
		    "READ_LOGS into a bad pointer");
	check_errno(record_one(PMM_KIND_FREE, 0x7000, 0, 0), 0, "free it");
}

static void test_big_batches(void)
{
	static struct pmm_record recs[PMM_MAX_BATCH], out[2 * PMM_MAX_BATCH];
	struct pmm_pid_info info;
	long n, i, bad = 0;

	for (i = 0; i < PMM_MAX_BATCH; i++)
		recs[i] = make_rec(PMM_KIND_MALLOC, 0x10000000 + 32 * i, 0,
				   i + 1);
	check_errno(record_log(recs, PMM_MAX_BATCH), 0,
		    "RECORD_LOG of PMM_MAX_BATCH mallocs");
	get_info(getpid(), &info);
	check(info.log_count == PMM_MAX_BATCH,
	      "log_count %llu", (unsigned long long)info.log_count);

	memset(out, 0xcc, sizeof(out));
	n = read_all_logs(getpid(), out, 2 * PMM_MAX_BATCH, 7);
	for (i = 0; i < n; i++)
		bad += out[i].ptr != recs[i].ptr || out[i].size != recs[i].size;
	check(n == PMM_MAX_BATCH && !bad,
	      "READ_LOGS 7 at a time: %ld records, %ld out of order", n, bad);

	memset(out, 0xcc, sizeof(out));
	n = read_all_logs(getpid(), out, 2 * PMM_MAX_BATCH, PMM_MAX_BATCH);
	check(n == PMM_MAX_BATCH, "READ_LOGS PMM_MAX_BATCH at once: %ld", n);
}

static void test_big_batches_free(void)
{
	static struct pmm_record recs[PMM_MAX_BATCH];
	struct pmm_pid_info info;
	long i;

	for (i = 0; i < PMM_MAX_BATCH; i++)
		recs[i] = make_rec(PMM_KIND_FREE, 0x10000000 + 32 * i, 0, 0);
	check_errno(record_log(recs, PMM_MAX_BATCH), 0,
		    "RECORD_LOG of PMM_MAX_BATCH frees");
	get_info(getpid(), &info);
	check(info.log_count == 0 && info.unmatched_frees == 1,
	      "all matched: log_count %llu unmatched_frees %llu",
	      (unsigned long long)info.log_count,
	      (unsigned long long)info.unmatched_frees);
}

static void test_monitored_pids(void)
{
	struct pmm_pid_info infos[4];
	struct pmm_monitored_pids mp;
	struct pmm_pid_info info;

	memset(&mp, 0xcc, sizeof(mp));
	mp.pids = (uintptr_t)infos;
	mp.max = 0;
	memset(infos, 0xcc, sizeof(infos));
	check_errno(pmm_ioctl(PMM_MONITORED_PIDS, &mp), 0,
		    "MONITORED_PIDS max 0");
	check(mp.count == 1 && ((unsigned char *)infos)[0] == 0xcc,
	      "  ... counts %u, writes nothing", mp.count);

	mp.max = 1;
	mp.pids = 0;
	check_errno(pmm_ioctl(PMM_MONITORED_PIDS, &mp), EFAULT,
		    "MONITORED_PIDS into NULL");

	memset(&info, 0xcc, sizeof(info));
	get_info(getpid(), &info);
	check(info.pid == getpid() && info.ppid == getppid() &&
	      !strcmp(info.comm, "pmm_test") && info.stopped == 0,
	      "self: pid %d ppid %d comm '%.16s'", info.pid, info.ppid,
	      info.comm);
}

static void test_maps(void)
{
	char *text = read_file("/proc/self/maps");
	static char big[PMM_MAX_MAPS + 1];
	char buf[8];
	char *back;
	struct pmm_maps m;
	size_t len = text ? strlen(text) : 0;

	memset(&m, 0, sizeof(m));
	m.buf = (uintptr_t)big;
	m.len = 0;
	check_errno(pmm_ioctl(PMM_RECORD_MAPS, &m), EINVAL,
		    "RECORD_MAPS len 0");
	m.len = PMM_MAX_MAPS + 1;
	check_errno(pmm_ioctl(PMM_RECORD_MAPS, &m), EINVAL,
		    "RECORD_MAPS len PMM_MAX_MAPS + 1");
	m.len = 16;
	m.buf = 0;
	check_errno(pmm_ioctl(PMM_RECORD_MAPS, &m), EFAULT,
		    "RECORD_MAPS from NULL");
	m.buf = (uintptr_t)big;
	m.image = 1;
	check_errno(pmm_ioctl(PMM_RECORD_MAPS, &m), EINVAL,
		    "RECORD_MAPS of an image (only a reader names one)");
	m.image = 0;
	m.pid = -7;
	check_errno(pmm_ioctl(PMM_RECORD_MAPS, &m), EINVAL,
		    "RECORD_MAPS pid -7 (0 is the caller)");
	m.pid = 0;

	memset(&m, 0xcc, sizeof(m));
	m.image = 0;
	m.pid = getpid();
	m.len = 0;
	m.buf = 0;
	check_errno(pmm_ioctl(PMM_READ_MAPS, &m), 0,
		    "READ_MAPS before any was recorded");
	check(m.len == 0, "  ... len %u", m.len);

	m.pid = 0;
	check_errno(pmm_ioctl(PMM_READ_MAPS, &m), EINVAL, "READ_MAPS pid 0");
	m.pid = unused_pid();
	check_errno(pmm_ioctl(PMM_READ_MAPS, &m), ESRCH,
		    "READ_MAPS of an unmonitored pid");

	memset(&m, 0, sizeof(m));
	m.buf = (uintptr_t)text;
	m.len = len;
	check_errno(pmm_ioctl(PMM_RECORD_MAPS, &m), 0,
		    "RECORD_MAPS of /proc/self/maps");

	memset(&m, 0xcc, sizeof(m));
	m.image = 0;
	m.pid = getpid();
	m.buf = (uintptr_t)buf;
	m.len = sizeof(buf);
	check_errno(pmm_ioctl(PMM_READ_MAPS, &m), ENOSPC,
		    "READ_MAPS into 8 bytes");
	check(m.len == len, "  ... len says %u needed (text is %zu)", m.len,
	      len);

	back = malloc(len + 1);
	memset(back, 0xcc, len + 1);
	m.buf = (uintptr_t)back;
	m.len = len + 1;
	check_errno(pmm_ioctl(PMM_READ_MAPS, &m), 0, "READ_MAPS");
	check(m.len == len && !memcmp(back, text, len),
	      "  ... the same %u bytes back", m.len);

	m.buf = 8;
	check_errno(pmm_ioctl(PMM_READ_MAPS, &m), EFAULT,
		    "READ_MAPS into a bad pointer");
	m.buf = (uintptr_t)back;
	m.len = len + 1;
	m.image = 1;
	check_errno(pmm_ioctl(PMM_READ_MAPS, &m), ENOENT,
		    "READ_MAPS of an earlier image, with none left");
	m.image = 0;

	memset(big, 'x', PMM_MAX_MAPS);
	memset(&m, 0, sizeof(m));
	m.buf = (uintptr_t)big;
	m.len = PMM_MAX_MAPS;
	check_errno(pmm_ioctl(PMM_RECORD_MAPS, &m), 0,
		    "RECORD_MAPS of PMM_MAX_MAPS bytes");
	m.buf = (uintptr_t)"short";
	m.len = 5;
	check_errno(pmm_ioctl(PMM_RECORD_MAPS, &m), 0,
		    "RECORD_MAPS replacing it");
	memset(&m, 0xcc, sizeof(m));
	m.image = 0;
	memset(back, 0, len + 1);
	m.pid = getpid();
	m.buf = (uintptr_t)back;
	m.len = len + 1;
	check(pmm_ioctl(PMM_READ_MAPS, &m) == 0 && m.len == 5 &&
	      !memcmp(back, "short", 5), "READ_MAPS gives the new text");
	free(back);
	free(text);
}

static void expect_cfg(const char *what, unsigned int interval,
		       unsigned int scan, int start, int stop)
{
	char want[512];
	char *got = read_file(CFG_PATH);

	snprintf(want, sizeof(want),
		 "Configs:\n"
		 "[\"INTERVAL\" (Scan Interval) :=%u]\n"
		 "[\"SCAN\" (Scan on:1/off:0) := %u]\n"
		 "[\"START_PID\" (Start a monitor):=%d]\n"
		 "[\"STOP_PID\" (Stop a monitor) := %d]\n",
		 interval, scan, start, stop);
	check(got && !strcmp(got, want), "%s: %s reads as expected", what,
	      CFG_PATH);
	if (got && strcmp(got, want))
		printf("--- got:\n%s--- want:\n%s", got, want);
	free(got);
}

static pid_t spawn_sleeper(void)
{
	pid_t pid = fork();

	if (!pid) {
		pause();
		_exit(0);
	}
	return pid;
}

/*
 * A forked child that waits until release_held() lets it go on, then runs
 * then (NULL: nothing) and exits 0. Its pid (or -1), *go the pipe's end
 * that lets it go.
 */
static pid_t fork_held(int *go, void (*then)(void))
{
	int fds[2];
	pid_t child;
	char c;

	if (pipe(fds))
		return -1;
	child = fork();
	if (!child) {
		close(fds[1]);
		if (read(fds[0], &c, 1) != 1)
			_exit(1);
		if (then)
			then();
		_exit(0);
	}
	close(fds[0]);
	*go = fds[1];
	return child;
}

static void release_held(int go)
{
	if (write(go, "g", 1) != 1)
		check(0, "let the held child go on");
	close(go);
}

/* The text of pid's maps, into buf (NUL-terminated); its length, or -1. */
static long read_maps(pid_t pid, char *buf, size_t size)
{
	struct pmm_maps m = { .pid = pid, .buf = (uintptr_t)buf,
			      .len = (__u32)size - 1 };

	if (pmm_ioctl(PMM_READ_MAPS, &m))
		return -1;
	buf[m.len] = '\0';
	return m.len;
}

/*
 * RECORD_MAPS for a process that ran none of the hook's code: a vfork
 * child, before the exec its text names, or a child the caller has just
 * spawned. Each is taken in as the caller's monitored child; one whose
 * image maps no ring is unhooked. Another process's is refused.
 */
static void test_maps_children(void)
{
	static const char text[] = "x\nexec /bin/true\n";
	struct pmm_maps m = { .buf = (uintptr_t)text, .len = sizeof(text) - 1 };
	static const char * const argv[] = { "true", NULL };
	static const char * const envp[] = { NULL };
	struct pmm_pid_info info;
	int go, status;
	char back[64];
	pid_t child;

	m.pid = getppid();
	check_errno(pmm_ioctl(PMM_RECORD_MAPS, &m), ESRCH,
		    "RECORD_MAPS for a process that is not the caller's child");
	m.pid = unused_pid();
	check_errno(pmm_ioctl(PMM_RECORD_MAPS, &m), ESRCH,
		    "RECORD_MAPS for no process");

	/* As a vfork child does: it names its image, then execs it. */
	child = fork();
	if (!child) {
		m.pid = 0;
		if (pmm_ioctl(PMM_RECORD_MAPS, &m))
			_exit(1);
		execve("/bin/true", (char * const *)argv, (char * const *)envp);
		_exit(2);
	}
	waitpid(child, &status, 0);
	memset(&info, 0xcc, sizeof(info));
	check(WIFEXITED(status) && !WEXITSTATUS(status) &&
	      get_info(child, &info) == 0 && info.ppid == getpid() &&
	      info.unhooked == 1,
	      "a child that named its image and exec()ed it: monitored, unhooked (%u)",
	      info.unhooked);
	check(read_maps(child, back, sizeof(back)) == (long)sizeof(text) - 1 &&
	      !strcmp(back, text), "  ... its text is the one it sent");
	set_config(PMM_CFG_STOP_PID, child, 0);

	/* As posix_spawn's caller does: it names the image its child runs. */
	child = fork_held(&go, NULL);
	if (child < 0)
		return;
	m.pid = child;
	check_errno(pmm_ioctl(PMM_RECORD_MAPS, &m), 0,
		    "RECORD_MAPS for a child the caller spawned");
	memset(&info, 0xcc, sizeof(info));
	check(get_info(child, &info) == 0 && info.ppid == getpid() &&
	      info.state == PMM_STATE_RUNNING && info.unhooked == 1,
	      "  ... it is monitored, unhooked until it maps a ring (%u)",
	      info.unhooked);
	check(read_maps(child, back, sizeof(back)) > 0 && !strcmp(back, text),
	      "  ... with the text its parent sent");
	release_held(go);
	waitpid(child, NULL, 0);
	set_config(PMM_CFG_STOP_PID, child, 0);
}

static void test_proc_cfg(void)
{
	static const char * const garbage[] = {
		"", "\n", "FOO 1", "INTERVAL", "INTERVAL ", "INTERVAL abc",
		"INTERVAL 99", "INTERVAL 3600001", "INTERVAL 5000 6000",
		"INTERVAL  5000", "interval 5000", "SCAN 2", "SCAN -1",
		"SCAN 1\n\n", "START_PID x", "START_PID 0", "STOP_PID",
		"START_PID +1", "INTERVAL +5000", "SCAN +1",
		"INTERVAL 5000 but this line is far too long to be a setting at all, really",
	};
	pid_t me = getpid(), sleeper;
	unsigned int i;
	char line[64];

	expect_cfg("before", 10000, 1, me, 0);
	check_errno(write_cfg("INTERVAL 5000"), 0, "cfg: INTERVAL 5000");
	expect_cfg("after INTERVAL 5000", 5000, 1, me, 0);
	check_errno(write_cfg("SCAN 0\n"), 0, "cfg: SCAN 0\\n");
	expect_cfg("after SCAN 0", 5000, 0, me, 0);

	for (i = 0; i < ARRAY_SIZE(garbage); i++) {
		char what[128];

		snprintf(what, sizeof(what), "cfg: garbage \"%.40s\"",
			 garbage[i]);
		/* write() of 0 bytes never reaches the module. */
		if (!*garbage[i])
			continue;
		check_errno(write_cfg(garbage[i]), EINVAL, what);
	}
	/* A NUL inside the write hides what follows it from a string parse. */
	check_errno(write_cfg_bytes("SCAN 1\0garbage", 14), EINVAL,
		    "cfg: SCAN 1 with an embedded NUL and more");
	/* One that ends it, a C string's, is no more than the end. */
	check_errno(write_cfg_bytes("SCAN 0\0", 7), 0,
		    "cfg: SCAN 0 with its terminating NUL");
	expect_cfg("after the garbage, nothing changed", 5000, 0, me, 0);

	check_errno(write_cfg("SCAN 1"), 0, "cfg: SCAN 1");
	check_errno(write_cfg("INTERVAL 10000\n"), 0, "cfg: INTERVAL 10000");

	sleeper = spawn_sleeper();
	snprintf(line, sizeof(line), "START_PID %d\n", sleeper);
	check_errno(write_cfg(line), 0, "cfg: START_PID of a child");
	check_errno(write_cfg(line), EEXIST, "cfg: START_PID of it again");
	expect_cfg("after START_PID", 10000, 1, sleeper, 0);
	snprintf(line, sizeof(line), "STOP_PID %d", sleeper);
	check_errno(write_cfg(line), 0, "cfg: STOP_PID of the child");
	check_errno(write_cfg(line), ESRCH, "cfg: STOP_PID of it again");
	expect_cfg("after STOP_PID", 10000, 1, sleeper, sleeper);
	snprintf(line, sizeof(line), "START_PID %d", unused_pid());
	check_errno(write_cfg(line), ESRCH, "cfg: START_PID of no process");
	kill(sleeper, SIGKILL);
	waitpid(sleeper, NULL, 0);
}

static void test_proc_pid(void)
{
	struct pmm_record recs[3];
	struct pmm_pid_info info;
	char header[256], want[256];
	char *text, *at;
	int ok;

	recs[0] = make_rec(PMM_KIND_MALLOC, 0x10012008, 0, 100);
	recs[1] = make_rec(PMM_KIND_CALLOC, 0x20000010, 0, 64);
	recs[2] = make_rec(PMM_KIND_REALLOC, 0x30000020, 0x10012008, 200);
	/* 1970-01-01 06:57:21 UTC, the article's time of day. */
	recs[2].time_ns = (6 * 3600 + 57 * 60 + 21) * 1000000000ull + 5;
	check_errno(record_log(recs, 3), 0, "RECORD_LOG for /proc/pmm/pid");
	get_info(getpid(), &info);

	text = read_file(PID_PATH);
	check(!!text, "%s can be read", PID_PATH);
	if (!text)
		return;
	snprintf(header, sizeof(header),
		 "] PID: %d, Comp: pmm_test, PPID: %d, State: 1, Log count: %llu\n",
		 getpid(), getppid(), (unsigned long long)info.log_count);
	at = strstr(text, header);
	check(at && at[-2] == '[' && (at == text + 2 || at[-3] == '\n'),
	      "%s: header line [n]%s", PID_PATH, strtok(strdup(header), "\n"));

	/* For the log: what the file looks like. */
	if (count_lines(text) <= 12) {
		char *line, *copy = strdup(text);

		for (line = strtok(copy, "\n"); line; line = strtok(NULL, "\n"))
			printf("# %s\n", line);
		free(copy);
	}
	format_record(want, sizeof(want), &recs[1]);
	ok = at && strstr(at, want);
	check(ok, "%s: CALLOC line %s", PID_PATH, strtok(want, "\n"));
	format_record(want, sizeof(want), &recs[2]);
	check(at && strstr(at, want) && strstr(want, "@06:57:21"),
	      "%s: REALLOC line %s", PID_PATH, strtok(want, "\n"));
	free(text);

	/* The realloc already took 0x10012008's record. */
	recs[0] = make_rec(PMM_KIND_FREE, 0x20000010, 0, 0);
	recs[1] = make_rec(PMM_KIND_FREE, 0x30000020, 0, 0);
	record_log(recs, 2);
}

/* A long listing: the seq_file must stop and resume in the middle. */
static void test_proc_pid_long(void)
{
	static struct pmm_record recs[PMM_MAX_BATCH];
	struct pmm_pid_info info;
	char *text;
	long i;

	for (i = 0; i < PMM_MAX_BATCH; i++)
		recs[i] = make_rec(PMM_KIND_MALLOC, 0x60000000 + 64 * i, 0, 5);
	record_log(recs, PMM_MAX_BATCH);
	get_info(getpid(), &info);
	text = read_file(PID_PATH);
	/* Only this process is monitored now: a header and its records. */
	check(text && count_lines(text) == 1 + (long)info.log_count &&
	      info.log_count == PMM_MAX_BATCH,
	      "%s lists all %llu records, read 1000 bytes at a time (%d lines)",
	      PID_PATH, (unsigned long long)info.log_count,
	      text ? count_lines(text) : -1);
	free(text);
	for (i = 0; i < PMM_MAX_BATCH; i++)
		recs[i].kind = PMM_KIND_FREE;
	record_log(recs, PMM_MAX_BATCH);
}

static int wait_exited(pid_t pid, struct pmm_pid_info *info)
{
	int i;

	/* pmthread runs every 100 ms now; give TCG plenty of slack. */
	for (i = 0; i < 100; i++) {
		memset(info, 0xcc, sizeof(*info));
		if (get_info(pid, info))
			return -1;
		if (info->state == PMM_STATE_EXITED)
			return 0;
		usleep(100000);
	}
	return -1;
}

/* The monitored child records, tells the parent and waits to die. */
static pid_t spawn_recording_child(int selfexit)
{
	int ready[2];
	pid_t pid;
	char c;

	if (pipe(ready))
		return -1;
	pid = fork();
	if (!pid) {
		struct pmm_record recs[4];
		struct pmm_maps m = { .buf = (uintptr_t)"child maps", .len = 10 };
		int err;

		close(ready[0]);
		err = set_config(PMM_CFG_START_PID, getpid(), 0);
		recs[0] = make_rec(PMM_KIND_MALLOC, 0x1100, 0, 11);
		recs[1] = make_rec(PMM_KIND_MALLOC, 0x2200, 0, 22);
		recs[2] = make_rec(PMM_KIND_MALLOC, 0x3300, 0, 33);
		recs[3] = make_rec(PMM_KIND_FREE, 0x2200, 0, 0);
		err = err ?: record_log(recs, 4);
		err = err ?: pmm_ioctl(PMM_RECORD_MAPS, &m);
		c = err ? 'E' : 'R';
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		if (selfexit)
			_exit(0);
		for (;;)
			pause();
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1 || c != 'R')
		pid = -pid;
	close(ready[0]);
	return pid;
}

static void check_child_records(pid_t child, const char *how)
{
	struct pmm_record out[8];
	struct pmm_maps m;
	char maps[32];
	long n;

	memset(out, 0xcc, sizeof(out));
	n = read_all_logs(child, out, 8, 2);
	check(n == 2 && out[0].ptr == 0x1100 && out[0].size == 11 &&
	      out[1].ptr == 0x3300 && out[1].size == 33,
	      "%s child's leaks survive: %ld records", how, n);
	memset(&m, 0xcc, sizeof(m));
	m.pid = child;
	m.buf = (uintptr_t)maps;
	m.len = sizeof(maps);
	m.image = 0;
	check(pmm_ioctl(PMM_READ_MAPS, &m) == 0 && m.len == 10 &&
	      !memcmp(maps, "child maps", 10),
	      "%s child's maps survive", how);
	/* It exec()ed nothing: there is no earlier image's text. */
	m.len = sizeof(maps);
	m.image = 1;
	check(pmm_ioctl(PMM_READ_MAPS, &m) == ENOENT,
	      "%s child: READ_MAPS of an image it never left is ENOENT", how);
}

static void test_killed_child(void)
{
	struct pmm_record out[1];
	struct pmm_pid_info info;
	char state_line[128];
	pid_t child;
	char *text;

	check_errno(set_config(PMM_CFG_INTERVAL, 0, 100), 0, "INTERVAL 100");

	child = spawn_recording_child(0);
	check(child > 0, "child %d monitored itself and recorded", child);
	if (child <= 0)
		return;
	check(get_info(child, &info) == 0 && info.state == PMM_STATE_RUNNING &&
	      info.ppid == getpid() && info.log_count == 2,
	      "child is running with 2 records");
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	check(wait_exited(child, &info) == 0,
	      "pmthread marked the SIGKILLed child exited");
	check(info.log_count == 2 && !strcmp(info.comm, "pmm_test") &&
	      info.ppid == getpid(),
	      "  ... comm and ppid kept: '%.16s' %d", info.comm, info.ppid);
	check_child_records(child, "SIGKILLed");

	text = read_file(PID_PATH);
	snprintf(state_line, sizeof(state_line),
		 "PID: %d, Comp: pmm_test, PPID: %d, State: 2, Log count: 2\n",
		 child, getpid());
	check(text && strstr(text, state_line), "%s shows it exited",
	      PID_PATH);
	free(text);

	check_errno(set_config(PMM_CFG_STOP_PID, child, 0), 0,
		    "STOP_PID of the dead child");
	check(read_all_logs(child, out, 1, 1) == -ESRCH,
	      "its records are gone after STOP_PID");

	/* A zombie counts as exited: its parent has not reaped it yet. */
	child = spawn_recording_child(1);
	check(child > 0, "second child %d recorded and exits", child);
	if (child <= 0)
		return;
	check(wait_exited(child, &info) == 0,
	      "pmthread marked the unreaped (zombie) child exited");
	waitpid(child, NULL, 0);
	check_child_records(child, "exited");
	check_errno(set_config(PMM_CFG_STOP_PID, child, 0), 0,
		    "STOP_PID of the second child");
	check_errno(set_config(PMM_CFG_INTERVAL, 0, 10000), 0,
		    "INTERVAL 10000");
}

/* Checks run as nobody; the parent (root) stays monitored meanwhile. */
static void test_unprivileged(void)
{
	pid_t parent = getpid(), child;
	int status;

	record_one(PMM_KIND_MALLOC, 0x4444, 0, 4);
	child = fork();
	if (!child) {
		/* Opened while root, to reach the module's own check. */
		int cfg_fd = open(CFG_PATH, O_WRONLY);
		struct pmm_record out[2];
		struct pmm_read_logs rl;
		struct pmm_maps m;
		char buf[8];

		if (cfg_fd < 0 || setgid(NOBODY) || setuid(NOBODY)) {
			check(0, "become nobody");
			_exit(1);
		}
		check_errno(set_config(PMM_CFG_START_PID, parent, 0), EPERM,
			    "nobody: START_PID of root's process");
		check_errno(set_config(PMM_CFG_STOP_PID, parent, 0), EPERM,
			    "nobody: STOP_PID of root's process");
		check_errno(set_config(PMM_CFG_INTERVAL, 0, 1000), EPERM,
			    "nobody: INTERVAL 1000");
		check_errno(set_config(PMM_CFG_SCAN, 0, 0), EPERM,
			    "nobody: SCAN 0");
		check_errno(write(cfg_fd, "SCAN 0", 6) < 0 ? errno : 0, EPERM,
			    "nobody: write to /proc/pmm/cfg (fd opened as root)");
		check_errno(write_cfg("SCAN 0"), EACCES,
			    "nobody: open /proc/pmm/cfg for writing");
		memset(&rl, 0, sizeof(rl));
		rl.pid = parent;
		rl.max = 2;
		rl.records = (uintptr_t)out;
		check_errno(pmm_ioctl(PMM_READ_LOGS, &rl), EPERM,
			    "nobody: READ_LOGS of root's process");
		memset(&m, 0, sizeof(m));
		m.pid = parent;
		m.buf = (uintptr_t)buf;
		m.len = sizeof(buf);
		check_errno(pmm_ioctl(PMM_READ_MAPS, &m), EPERM,
			    "nobody: READ_MAPS of root's process");
		{
			struct pmm_read_samples rs = { .pid = parent, .max = 1 };
			struct pmm_sample sample;

			rs.samples = (uintptr_t)&sample;
			check_errno(pmm_ioctl(PMM_READ_SAMPLES, &rs), EPERM,
				    "nobody: READ_SAMPLES of root's process");
		}
		{
			struct pmm_read_mismatches rm = { .pid = parent, .max = 1 };
			struct pmm_mismatch mismatch;

			rm.mismatches = (uintptr_t)&mismatch;
			check_errno(pmm_ioctl(PMM_READ_MISMATCHES, &rm), EPERM,
				    "nobody: READ_MISMATCHES of root's process");
		}
		check_errno(set_config(PMM_CFG_START_PID, getpid(), 0), 0,
			    "nobody: START_PID of itself");
		check_errno(record_one(PMM_KIND_MALLOC, 0x5555, 0, 5), 0,
			    "nobody: RECORD_LOG of its own");
		memset(&rl, 0, sizeof(rl));
		rl.pid = getpid();
		rl.max = 2;
		rl.records = (uintptr_t)out;
		check(pmm_ioctl(PMM_READ_LOGS, &rl) == 0 && rl.count == 1,
		      "nobody: READ_LOGS of its own");
		check_errno(set_config(PMM_CFG_STOP_PID, getpid(), 0), 0,
			    "nobody: STOP_PID of itself");
		_exit(0);
	}
	waitpid(child, &status, 0);
	check(WIFEXITED(status) && !WEXITSTATUS(status),
	      "unprivileged child finished");
	expect_cfg("after nobody's tries", 10000, 1, child, child);
	record_one(PMM_KIND_FREE, 0x4444, 0, 0);
}

static void test_stop_self(void)
{
	struct pmm_get_config gc;

	record_one(PMM_KIND_MALLOC, 0x8888, 0, 8);
	check_errno(set_config(PMM_CFG_STOP_PID, getpid(), 0), 0,
		    "STOP_PID self");
	check_errno(record_one(PMM_KIND_MALLOC, 0x9999, 0, 9), ESRCH,
		    "RECORD_LOG after STOP_PID");
	check_errno(pmm_ioctl(PMM_RECORD_MAPS, &(struct pmm_maps){
			.buf = (uintptr_t)"x", .len = 1 }), ESRCH,
		    "RECORD_MAPS while not monitored");
	memset(&gc, 0xcc, sizeof(gc));
	pmm_ioctl(PMM_GET_CONFIG, &gc);
	check(gc.nr_monitored == 0 && gc.total_records == 0 &&
	      gc.last_stop_pid == getpid(),
	      "GET_CONFIG at the end: %u monitored, %llu records",
	      gc.nr_monitored, (unsigned long long)gc.total_records);
}

#define STRESS_CHILDREN		3
#define STRESS_ROUNDS		500
#define STRESS_BATCH		64

/*
 * Children record in parallel while the parent reads everything there is
 * to read, and starts and stops another child's monitor under its feet.
 * What each child keeps is known, so the counts check the locking too.
 */
static void stress_child(int id, int *done)
{
	struct pmm_record recs[STRESS_BATCH];
	int round, i;

	if (set_config(PMM_CFG_START_PID, getpid(), 0))
		_exit(1);
	for (round = 0; round < STRESS_ROUNDS; round++) {
		__u64 base = ((__u64)id << 40) + (__u64)round * 0x10000;

		for (i = 0; i < STRESS_BATCH; i++)
			recs[i] = make_rec(PMM_KIND_MALLOC, base + 16 * i, 0, 3);
		if (record_log(recs, STRESS_BATCH))
			_exit(2);
		/* Free every other block again: half of each round stays. */
		for (i = 0; i < STRESS_BATCH / 2; i++)
			recs[i] = make_rec(PMM_KIND_FREE, base + 32 * i, 0, 0);
		if (record_log(recs, STRESS_BATCH / 2))
			_exit(3);
	}
	__atomic_add_fetch(done, 1, __ATOMIC_SEQ_CST);
	for (;;)
		pause();
}

/* Records whatever happens: the parent keeps stopping its monitor. */
static void stress_victim(void)
{
	struct pmm_record rec;
	__u64 n = 0;

	for (;;) {
		rec = make_rec(n & 1 ? PMM_KIND_FREE : PMM_KIND_MALLOC,
			       0x1000 + 16 * (n / 2), 0, 1);
		record_log(&rec, 1);
		n++;
	}
}

static int stress_done(int *done)
{
	return __atomic_load_n(done, __ATOMIC_SEQ_CST);
}

static void test_stress(void)
{
	int *done = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	static struct pmm_record out[2 * PMM_MAX_BATCH];
	const long kept = STRESS_ROUNDS * STRESS_BATCH / 2;
	pid_t kids[STRESS_CHILDREN], victim;
	struct pmm_record *all;
	struct pmm_pid_info info;
	int i, spins = 0, errors = 0, restarts = 0, bad = 0;
	struct pmm_read_logs rl;
	char *text;

	*done = 0;
	for (i = 0; i < STRESS_CHILDREN; i++) {
		kids[i] = fork();
		if (!kids[i])
			stress_child(i + 1, done);
	}
	victim = fork();
	if (!victim)
		stress_victim();

	while (stress_done(done) < STRESS_CHILDREN && spins < 100000) {
		text = read_file(PID_PATH);
		errors += !text;
		free(text);
		for (i = 0; i < STRESS_CHILDREN; i++) {
			memset(&rl, 0, sizeof(rl));
			rl.pid = kids[i];
			rl.max = 256;
			rl.records = (uintptr_t)out;
			/* ESRCH only before the child's START_PID. */
			if (pmm_ioctl(PMM_READ_LOGS, &rl) &&
			    errno != ESRCH)
				errors++;
		}
		if (!set_config(PMM_CFG_START_PID, victim, 0))
			restarts++;
		set_config(PMM_CFG_INTERVAL, 0, 100 + spins % 2);
		sched_yield();
		set_config(PMM_CFG_STOP_PID, victim, 0);
		spins++;
	}
	check(stress_done(done) == STRESS_CHILDREN && !errors,
	      "stress: %d children recorded while the parent read %d times (%d errors) and restarted a monitor %d times",
	      stress_done(done), spins, errors, restarts);

	all = calloc(kept + 1000, sizeof(*all));
	for (i = 0; i < STRESS_CHILDREN; i++) {
		long n;

		memset(&info, 0xcc, sizeof(info));
		get_info(kids[i], &info);
		n = read_all_logs(kids[i], all, kept + 1000, 1000);
		bad += info.log_count != kept || info.unmatched_frees ||
		       info.dropped || n != kept;
	}
	free(all);
	check(!bad, "stress: each child kept exactly %ld records", kept);

	kill(victim, SIGKILL);
	waitpid(victim, NULL, 0);
	set_config(PMM_CFG_STOP_PID, victim, 0);
	for (i = 0; i < STRESS_CHILDREN; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
		check_errno(set_config(PMM_CFG_STOP_PID, kids[i], 0), 0,
			    "stress: STOP_PID of a child");
	}
	set_config(PMM_CFG_INTERVAL, 0, 10000);
}

static int get_stats(struct pmm_stats *st)
{
	memset(st, 0xcc, sizeof(*st));
	return pmm_ioctl(PMM_GET_STATS, st);
}

/* Records from three call sites: the module keeps each stack once. */
static void test_stacks(void)
{
	enum { N = 999, SITES = 3 };
	static struct pmm_record recs[N], out[N + 100];
	struct pmm_stats before, mid, after;
	struct pmm_get_config gc;
	long n, i, bad = 0;

	check_errno(get_stats(&before), 0, "GET_STATS");
	check(before.max_records == 1000000 &&
	      before.max_total_records == 2000000,
	      "GET_STATS: limits %llu per process, %llu in all",
	      (unsigned long long)before.max_records,
	      (unsigned long long)before.max_total_records);
	pmm_ioctl(PMM_GET_CONFIG, &gc);
	check(before.total_records == gc.total_records,
	      "GET_STATS and GET_CONFIG agree: %llu records",
	      (unsigned long long)before.total_records);

	for (i = 0; i < N; i++) {
		recs[i] = make_rec(i % 2 ? PMM_KIND_MALLOC : PMM_KIND_NEW,
				   0x7000000 + 32 * i, 0, 10);
		recs[i].nframes = 3;
		recs[i].frames[0] = 0x1000 + i % SITES;
		recs[i].frames[1] = 0x2000;
		recs[i].frames[2] = 0x3000;
	}
	check_errno(record_log(recs, N), 0, "RECORD_LOG 999 from 3 stacks");
	get_stats(&mid);
	check(mid.nr_stacks == before.nr_stacks + SITES &&
	      mid.total_records == before.total_records + N,
	      "3 distinct stacks stored (%llu -> %llu), 999 records",
	      (unsigned long long)before.nr_stacks,
	      (unsigned long long)mid.nr_stacks);
	n = read_all_logs(getpid(), out, N + 100, 100);
	for (i = 0; i < n && i < N; i++)
		bad += out[i].nframes != 3 ||
		       out[i].frames[0] != 0x1000 + (__u64)(i % SITES) ||
		       out[i].frames[2] != 0x3000 || out[i].frames[3] != 0 ||
		       out[i].kind != recs[i].kind;
	check(n == N && !bad, "each record reads back its own stack (%ld, %ld bad)",
	      n, bad);

	for (i = 0; i < N; i++)
		recs[i] = make_rec(i % 2 ? PMM_KIND_FREE : PMM_KIND_DELETE,
				   0x7000000 + 32 * i, 0, 0);
	check_errno(record_log(recs, N), 0, "free and delete all 999");
	get_stats(&after);
	check(after.nr_stacks == before.nr_stacks &&
	      after.total_records == before.total_records,
	      "the last record of a stack takes the stack with it (%llu stacks)",
	      (unsigned long long)after.nr_stacks);
}

static int write_param(const char *name, unsigned long value)
{
	char path[128];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/sys/module/pmm/parameters/%s", name);
	f = fopen(path, "w");
	if (!f)
		return errno;
	ok = fprintf(f, "%lu", value) > 0;
	ok &= fclose(f) == 0;
	return ok ? 0 : EIO;
}

/* The caps, lowered at run time; dropped records are counted. */
static void test_caps(void)
{
	enum { PER = 100, EXTRA = 10 };
	static struct pmm_record recs[PER + EXTRA];
	struct pmm_stats before, after;
	struct pmm_pid_info start, info;
	int i;

	/* Earlier tests (the ring's garbage records) dropped some already. */
	get_info(getpid(), &start);
	get_stats(&before);
	check_errno(write_param("max_records", PER), 0, "max_records = 100");
	for (i = 0; i < PER + EXTRA; i++)
		recs[i] = make_rec(PMM_KIND_MALLOC, 0x100 * (i + 1), 0, 1);
	check_errno(record_log(recs, PER + EXTRA), 0, "RECORD_LOG 110");
	get_info(getpid(), &info);
	check(info.log_count == PER && info.dropped - start.dropped == EXTRA,
	      "per-process cap: kept %llu, dropped %llu",
	      (unsigned long long)info.log_count,
	      (unsigned long long)(info.dropped - start.dropped));
	check_errno(record_one(PMM_KIND_FREE, 0x100, 0, 0), 0, "free one");
	check_errno(record_one(PMM_KIND_MALLOC, 0x42, 0, 1), 0, "malloc one");
	get_info(getpid(), &info);
	check(info.log_count == PER && info.dropped - start.dropped == EXTRA,
	      "room for one again: kept %llu, dropped %llu",
	      (unsigned long long)info.log_count,
	      (unsigned long long)(info.dropped - start.dropped));
	check_errno(write_param("max_records", 1000000), 0,
		    "max_records back to 1000000");

	/* The total cap counts every process's records. */
	check_errno(write_param("max_total_records", before.total_records + PER + 5),
		    0, "max_total_records = held + 105");
	for (i = 0; i < EXTRA; i++)
		recs[i] = make_rec(PMM_KIND_MALLOC, 0x90000 + 16 * i, 0, 1);
	check_errno(record_log(recs, EXTRA), 0, "RECORD_LOG 10 more");
	get_info(getpid(), &info);
	/* 100 held, room for 5 more under the cap: 5 of the 10 dropped. */
	check(info.log_count == PER + 5 && info.dropped - start.dropped == 2 * EXTRA - 5,
	      "total cap: kept %llu, dropped %llu",
	      (unsigned long long)info.log_count,
	      (unsigned long long)(info.dropped - start.dropped));
	get_stats(&after);
	check(after.total_dropped == before.total_dropped + 2 * EXTRA - 5 &&
	      after.max_total_records == before.total_records + PER + 5,
	      "GET_STATS: %llu dropped since load, cap %llu",
	      (unsigned long long)after.total_dropped,
	      (unsigned long long)after.max_total_records);
	check_errno(write_param("max_total_records", 2000000), 0,
		    "max_total_records back to 2000000");
}

/* 1 MiB more every 60 ms, 24 times. */
static void grow(void)
{
	for (int i = 0; i < 24; i++) {
		char *p = malloc(1 << 20);

		memset(p, i + 1, 1 << 20);
		usleep(60000);
	}
}

/* A child that grows by 1 MiB every 60 ms, with pmthread at 100 ms. */
static void test_samples(void)
{
	struct pmm_sample samples[PMM_MAX_SAMPLES];
	struct pmm_read_samples rs;
	struct pmm_pid_info info;
	int i, count, monotonic = 1, go, status;
	pid_t child;

	check_errno(set_config(PMM_CFG_INTERVAL, 0, 100), 0, "INTERVAL 100");
	child = fork_held(&go, grow);
	if (child < 0)
		return;
	check_errno(set_config(PMM_CFG_START_PID, child, 0), 0,
		    "START_PID of a growing child");
	release_held(go);
	waitpid(child, &status, 0);
	wait_exited(child, &info);

	memset(&rs, 0xcc, sizeof(rs));
	memset(samples, 0xcc, sizeof(samples));
	rs.pid = child;
	rs.max = PMM_MAX_SAMPLES;
	rs.cursor = 0;
	rs.samples = (uintptr_t)samples;
	rs.pad = 0;
	check_errno(pmm_ioctl(PMM_READ_SAMPLES, &rs), 0, "READ_SAMPLES");
	count = rs.count;
	for (i = 1; i < count; i++)
		monotonic &= samples[i].time_ns > samples[i - 1].time_ns &&
			     samples[i].rss_bytes >= samples[i - 1].rss_bytes &&
			     samples[i].vm_bytes >= samples[i].rss_bytes;
	printf("# %d samples, RSS %llu -> %llu KiB, VM %llu -> %llu KiB\n",
	       count, count ? (unsigned long long)samples[0].rss_bytes >> 10 : 0,
	       count ? (unsigned long long)samples[count - 1].rss_bytes >> 10 : 0,
	       count ? (unsigned long long)samples[0].vm_bytes >> 10 : 0,
	       count ? (unsigned long long)samples[count - 1].vm_bytes >> 10 : 0);
	check(count >= 5 && rs.cursor == (__u64)count && rs.pad == 0,
	      "samples taken every INTERVAL: %d, cursor %llu", count,
	      (unsigned long long)rs.cursor);
	check(monotonic && count >= 5 &&
	      samples[count - 1].rss_bytes >= samples[0].rss_bytes + (8 << 20),
	      "a growing process's RSS samples grow");
	check(samples[count < PMM_MAX_SAMPLES ? count : 0].time_ns ==
	      0xccccccccccccccccull || count == PMM_MAX_SAMPLES,
	      "nothing written past count");

	rs.max = 2;
	rs.cursor = 1;
	check(!pmm_ioctl(PMM_READ_SAMPLES, &rs) && rs.count == 2 &&
	      rs.cursor == 3, "READ_SAMPLES paged: 2 from cursor 1");
	rs.cursor = count;
	check(!pmm_ioctl(PMM_READ_SAMPLES, &rs) && rs.count == 0 &&
	      rs.cursor == (__u64)count, "READ_SAMPLES at the end: none");
	rs.cursor = 0;
	rs.max = 0;
	check_errno(pmm_ioctl(PMM_READ_SAMPLES, &rs), EINVAL, "READ_SAMPLES max 0");
	rs.max = PMM_MAX_SAMPLES + 1;
	check_errno(pmm_ioctl(PMM_READ_SAMPLES, &rs), EINVAL,
		    "READ_SAMPLES max PMM_MAX_SAMPLES + 1");
	rs.max = 1;
	rs.pad = 1;
	check_errno(pmm_ioctl(PMM_READ_SAMPLES, &rs), EINVAL, "READ_SAMPLES pad");
	rs.pad = 0;
	rs.samples = 0;
	check_errno(pmm_ioctl(PMM_READ_SAMPLES, &rs), EFAULT,
		    "READ_SAMPLES to NULL samples");
	rs.samples = (uintptr_t)samples;
	rs.pid = 0;
	check_errno(pmm_ioctl(PMM_READ_SAMPLES, &rs), EINVAL, "READ_SAMPLES pid 0");
	rs.pid = unused_pid();
	check_errno(pmm_ioctl(PMM_READ_SAMPLES, &rs), ESRCH,
		    "READ_SAMPLES of an unmonitored pid");

	check_errno(set_config(PMM_CFG_STOP_PID, child, 0), 0, "STOP_PID child");
	check_errno(set_config(PMM_CFG_INTERVAL, 0, 10000), 0, "INTERVAL 10000");
}

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/*
 * Address 8, in the page mmap_min_addr keeps unmapped; worked out at run
 * time, so that the compiler does not flag reads and writes through it.
 */
static void *bad_address(void)
{
	return (void *)(uintptr_t)(page_size() / 512);
}

/* A struct at the very end of this page runs into an unmapped one. */
static char *page_before_hole(void)
{
	char *p = mmap(NULL, 2 * page_size(), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	/* PROT_NONE, not unmapped: no later mmap can land in the hole. */
	mprotect(p + page_size(), page_size(), PROT_NONE);
	return p;
}

/* Input each command accepts from the caller (monitored, uid 0). */
static void fill_valid(unsigned long cmd, void *arg, void *buf, size_t len)
{
	memset(arg, 0, _IOC_SIZE(cmd));
	switch (cmd) {
	case PMM_READ_LOGS:
		((struct pmm_read_logs *)arg)->pid = getpid();
		((struct pmm_read_logs *)arg)->max = 1;
		((struct pmm_read_logs *)arg)->records = (uintptr_t)buf;
		break;
	case PMM_READ_MAPS:
		((struct pmm_maps *)arg)->pid = getpid();
		((struct pmm_maps *)arg)->len = len;
		((struct pmm_maps *)arg)->buf = (uintptr_t)buf;
		break;
	case PMM_READ_SAMPLES:
		((struct pmm_read_samples *)arg)->pid = getpid();
		((struct pmm_read_samples *)arg)->max = 1;
		((struct pmm_read_samples *)arg)->samples = (uintptr_t)buf;
		break;
	case PMM_READ_MISMATCHES:
		((struct pmm_read_mismatches *)arg)->pid = getpid();
		((struct pmm_read_mismatches *)arg)->max = 1;
		((struct pmm_read_mismatches *)arg)->mismatches =
			(uintptr_t)buf;
		break;
	}
}

/*
 * Each command's struct half past the end of mapped memory, and each
 * command that writes back, its valid input in read-only memory: the copy
 * in and the copy out fail alike, with EFAULT, and nothing is taken.
 */
static void test_bad_pointers(void)
{
	static const struct { unsigned long cmd; const char *name; int out; }
	cmds[] = {
		{ PMM_RECORD_LOG, "RECORD_LOG", 0 },
		{ PMM_SET_CONFIG, "SET_CONFIG", 0 },
		{ PMM_GET_CONFIG, "GET_CONFIG", 1 },
		{ PMM_MONITORED_PIDS, "MONITORED_PIDS", 1 },
		{ PMM_READ_LOGS, "READ_LOGS", 1 },
		{ PMM_RECORD_MAPS, "RECORD_MAPS", 0 },
		{ PMM_READ_MAPS, "READ_MAPS", 1 },
		{ PMM_READ_SAMPLES, "READ_SAMPLES", 1 },
		{ PMM_GET_STATS, "GET_STATS", 1 },
		{ PMM_READ_MISMATCHES, "READ_MISMATCHES", 1 },
		{ PMM_FORKED, "FORKED", 0 },
	};
	static char buf[PMM_MAX_MAPS + sizeof(struct pmm_record)];
	char *hole = page_before_hole();
	char *ro = mmap(NULL, page_size(), PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned int i;
	char what[96];
	int fd;

	check(hole && ro != MAP_FAILED, "a page before a hole, a spare page");
	if (!hole || ro == MAP_FAILED)
		return;
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		size_t size = _IOC_SIZE(cmds[i].cmd);

		/* Zeroes in the mapped half: only the missing half is wrong. */
		memset(hole + page_size() - size, 0, size);
		snprintf(what, sizeof(what), "%s with its struct half unmapped",
			 cmds[i].name);
		check_errno(pmm_ioctl(cmds[i].cmd,
				      hole + page_size() - size / 2),
			    EFAULT, what);
		if (!cmds[i].out)
			continue;
		fill_valid(cmds[i].cmd, ro, buf, sizeof(buf));
		mprotect(ro, page_size(), PROT_READ);
		snprintf(what, sizeof(what),
			 "%s with valid input in read-only memory",
			 cmds[i].name);
		check_errno(pmm_ioctl(cmds[i].cmd, ro), EFAULT, what);
		mprotect(ro, page_size(), PROT_READ | PROT_WRITE);
		fill_valid(cmds[i].cmd, ro, buf, sizeof(buf));
		snprintf(what, sizeof(what), "  ... and writable, it works");
		check_errno(pmm_ioctl(cmds[i].cmd, ro), 0, what);
	}
	check_errno(pmm_ioctl(PMM_GET_STATS, (void *)8), EFAULT,
		    "GET_STATS to address 8");
	check_errno(pmm_ioctl(PMM_READ_SAMPLES, (void *)8), EFAULT,
		    "READ_SAMPLES from address 8");
	check_errno(pmm_ioctl(PMM_MONITORED_PIDS, (void *)8), EFAULT,
		    "MONITORED_PIDS from address 8");
	check(PMM_RING_DRAIN == 0xB70A, "PMM_RING_DRAIN is _IO(0xB7, 10)");
	check_errno(pmm_ioctl(_IOW(PMM_IOC_MAGIC, 10, int), what), ENOTTY,
		    "RING_DRAIN encoded with a size");
	check_errno(pmm_ioctl(_IOC(_IOC_READ, PMM_IOC_MAGIC, 9, 8), what),
		    ENOTTY, "GET_STATS with wrong struct size");
	check(PMM_READ_MISMATCHES == 0xC028B70B,
	      "PMM_READ_MISMATCHES is _IOWR(0xB7, 11, 40 bytes)");
	check(sizeof(struct pmm_read_mismatches) == 40 &&
	      sizeof(struct pmm_mismatch) == 288,
	      "struct pmm_read_mismatches is 40 bytes, pmm_mismatch 288");
	check(PMM_FORKED == 0x4004B70C, "PMM_FORKED is _IOW(0xB7, 12, 4 bytes)");
	check_errno(pmm_ioctl(_IO(PMM_IOC_MAGIC, 12), what), ENOTTY,
		    "FORKED encoded without its size");
	check_errno(pmm_ioctl(_IO(PMM_IOC_MAGIC, 13), what), ENOTTY,
		    "command nr 13, one past the last");

	fd = open(CFG_PATH, O_WRONLY);
	check_errno(write(fd, bad_address(), 6) < 0 ? errno : 0, EFAULT,
		    "cfg: write from address 8");
	check_errno(write(fd, hole + page_size() - 3, 6) < 0 ? errno : 0,
		    EFAULT, "cfg: write running into a hole");
	close(fd);
	fd = open(PID_PATH, O_RDONLY);
	check_errno(read(fd, bad_address(), 100) < 0 ? errno : 0, EFAULT,
		    "pid: read into address 8");
	close(fd);
	munmap(hole, 2 * page_size());
	munmap(ro, page_size());
}

/* new and new[] stay as leaks; delete and delete[] undo them by address. */
static void test_cxx_kinds(void)
{
	struct pmm_record recs[8], out[64];
	struct pmm_pid_info before, info;
	char want[256];
	char *text;
	long n;

	get_info(getpid(), &before);
	recs[0] = make_rec(PMM_KIND_NEW, 0xc100, 0, 24);
	recs[1] = make_rec(PMM_KIND_NEW_ARRAY, 0xc200, 0, 240);
	recs[2] = make_rec(PMM_KIND_NEW, 0xc300, 0, 8);
	recs[3] = make_rec(PMM_KIND_NEW_ARRAY, 0xc400, 0, 80);
	recs[4] = make_rec(PMM_KIND_DELETE, 0xc300, 0, 0);
	recs[5] = make_rec(PMM_KIND_DELETE_ARRAY, 0xc400, 0, 0);
	recs[6] = make_rec(PMM_KIND_DELETE, 0, 0, 0);	/* delete nullptr */
	recs[7] = make_rec(PMM_KIND_DELETE_ARRAY, 0xcfff, 0, 0);	/* never new'd */
	check_errno(record_log(recs, 8), 0, "RECORD_LOG of new, new[], delete, delete[]");
	memset(&info, 0xcc, sizeof(info));
	get_info(getpid(), &info);
	check(info.log_count == before.log_count + 2 &&
	      info.log_bytes == before.log_bytes + 264 &&
	      info.unmatched_frees == before.unmatched_frees + 1,
	      "new and new[] kept, delete and delete[] matched: %llu records, %llu bytes, %llu unmatched",
	      (unsigned long long)info.log_count,
	      (unsigned long long)info.log_bytes,
	      (unsigned long long)info.unmatched_frees);
	memset(out, 0xcc, sizeof(out));
	n = read_all_logs(getpid(), out, 64, 8);
	check(n == (long)info.log_count && n >= 2 &&
	      out[n - 2].kind == PMM_KIND_NEW && out[n - 2].ptr == 0xc100 &&
	      out[n - 2].size == 24 && out[n - 1].kind == PMM_KIND_NEW_ARRAY &&
	      out[n - 1].ptr == 0xc200 && out[n - 1].size == 240,
	      "READ_LOGS gives their kinds back");

	/* The kernel's /proc view spells them as pmd's logs do. */
	text = read_file(PID_PATH);
	snprintf(want, sizeof(want), "{NEW @");
	check(text && strstr(text, "} Sz: 24B Pointer: 0xc100 Caller: 0x40c100\n") &&
	      strstr(text, want) &&
	      strstr(text, "{NEW[] @") &&
	      strstr(text, "} Sz: 240B Pointer: 0xc200 Caller: 0x40c200\n") &&
	      !strstr(text, "{FREE"),
	      "%s shows NEW and NEW[] lines", PID_PATH);
	if (text && !strstr(text, "{NEW[] @"))
		printf("# %s", text);
	free(text);

	/* Matched by address alone: a delete undoes a new[] too. */
	recs[0] = make_rec(PMM_KIND_DELETE, 0xc200, 0, 0);
	recs[1] = make_rec(PMM_KIND_DELETE_ARRAY, 0xc100, 0, 0);
	check_errno(record_log(recs, 2), 0, "delete of the new[], delete[] of the new");
	get_info(getpid(), &info);
	check(info.log_count == before.log_count &&
	      info.log_bytes == before.log_bytes &&
	      info.unmatched_frees == before.unmatched_frees + 1,
	      "  ... both matched: %llu records left",
	      (unsigned long long)info.log_count);
	check(info.mismatched_frees == before.mismatched_frees + 2,
	      "  ... and both reported as mismatched: %llu",
	      (unsigned long long)info.mismatched_frees);
}

/*
 * The aligned allocators' kinds are malloc's family: free undoes them, and
 * delete is a mismatch. What is left keeps its kind, which /proc names.
 */
static void test_aligned_kinds(void)
{
	static const struct {
		__u32 kind;
		const char *name;
	} aligned[] = {
		{ PMM_KIND_POSIX_MEMALIGN, "POSIX_MEMALIGN" },
		{ PMM_KIND_ALIGNED_ALLOC, "ALIGNED_ALLOC" },
		{ PMM_KIND_MEMALIGN, "MEMALIGN" },
		{ PMM_KIND_VALLOC, "VALLOC" },
		{ PMM_KIND_PVALLOC, "PVALLOC" },
	};
	struct pmm_record recs[10], out[64];
	struct pmm_pid_info before, info;
	char want[64];
	char *text;
	long n;
	int i;

	get_info(getpid(), &before);
	for (i = 0; i < 5; i++) {
		recs[i] = make_rec(aligned[i].kind, 0xd100 + 0x100 * i, 0, 64 + i);
		recs[5 + i] = make_rec(PMM_KIND_FREE, 0xd100 + 0x100 * i, 0, 0);
	}
	/* The first two are released by free and by delete; three stay. */
	recs[6].kind = PMM_KIND_DELETE;
	check_errno(record_log(recs, 7), 0, "RECORD_LOG of the aligned kinds, a free and a delete");
	get_info(getpid(), &info);
	check(info.log_count == before.log_count + 3 &&
	      info.log_bytes == before.log_bytes + 66 + 67 + 68 &&
	      info.mismatched_frees == before.mismatched_frees + 1,
	      "aligned kinds kept, free and delete matched, the delete a mismatch: %llu records, %llu mismatched",
	      (unsigned long long)info.log_count,
	      (unsigned long long)info.mismatched_frees);
	n = read_all_logs(getpid(), out, 64, 8);
	check(n >= 3 && out[n - 3].kind == PMM_KIND_MEMALIGN &&
	      out[n - 2].kind == PMM_KIND_VALLOC &&
	      out[n - 1].kind == PMM_KIND_PVALLOC && out[n - 1].size == 68,
	      "READ_LOGS gives the aligned kinds back");
	text = read_file(PID_PATH);
	for (i = 2; i < 5; i++) {
		snprintf(want, sizeof(want), "{%s @", aligned[i].name);
		check(text && strstr(text, want), "%s names %s", PID_PATH, aligned[i].name);
	}
	free(text);
	check_errno(record_log(recs + 7, 3), 0, "free what is left");
}

/* Stacks the kept mismatches of every monitored process may hold. */
static __u64 mismatch_stacks(void)
{
	struct pmm_pid_info infos[64];
	struct pmm_monitored_pids mp = {
		.pids = (uintptr_t)infos,
		.max = 64,
	};
	__u64 n = 0;
	unsigned int i;

	if (pmm_ioctl(PMM_MONITORED_PIDS, &mp))
		return 0;
	for (i = 0; i < mp.count && i < 64; i++)
		n += 2 * (infos[i].mismatched_frees < PMM_MAX_MISMATCHES ?
			  infos[i].mismatched_frees : PMM_MAX_MISMATCHES);
	return n;
}

static void check_stats_sane(const struct pmm_stats *st, const char *when)
{
	struct pmm_get_config gc;

	memset(&gc, 0xcc, sizeof(gc));
	pmm_ioctl(PMM_GET_CONFIG, &gc);
	check(st->max_records == 1000000 && st->max_total_records == 2000000 &&
	      st->total_records == gc.total_records &&
	      st->nr_stacks <= st->total_records + mismatch_stacks() &&
	      st->total_dropped != 0xccccccccccccccccull,
	      "GET_STATS %s: limits %llu/%llu, %llu records (GET_CONFIG %llu), %llu stacks, %llu dropped",
	      when, (unsigned long long)st->max_records,
	      (unsigned long long)st->max_total_records,
	      (unsigned long long)st->total_records,
	      (unsigned long long)gc.total_records,
	      (unsigned long long)st->nr_stacks,
	      (unsigned long long)st->total_dropped);
}

/*
 * GET_STATS counts every process's records and stacks: a stack two
 * processes share is stored once, a record without frames needs none,
 * and STOP_PID gives both back.
 */
static void test_stats(void)
{
	struct pmm_stats before, mid, after;
	struct pmm_record recs[3];
	int ready[2], status;
	pid_t child;
	char c;

	check_errno(get_stats(&before), 0, "GET_STATS");
	check_stats_sane(&before, "before");

	recs[0] = make_rec(PMM_KIND_MALLOC, 0xd100, 0, 1);
	recs[0].frames[0] = 0x123456;
	recs[1] = make_rec(PMM_KIND_MALLOC, 0xd200, 0, 1);
	recs[1].nframes = 0;
	check_errno(record_log(recs, 2), 0, "a record with a stack, one without");
	get_stats(&mid);
	check(mid.total_records == before.total_records + 2 &&
	      mid.nr_stacks == before.nr_stacks + 1,
	      "GET_STATS: +2 records, +1 stack (%llu -> %llu)",
	      (unsigned long long)before.nr_stacks,
	      (unsigned long long)mid.nr_stacks);

	if (pipe(ready))
		return;
	child = fork();
	if (!child) {
		struct pmm_record r = make_rec(PMM_KIND_MALLOC, 0xd300, 0, 1);

		/* The parent's stack, in another process. */
		r.frames[0] = 0x123456;
		c = set_config(PMM_CFG_START_PID, getpid(), 0) ||
		    record_log(&r, 1) ? 'E' : 'R';
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	check(read(ready[0], &c, 1) == 1 && c == 'R',
	      "a child recorded the same stack");
	close(ready[0]);
	waitpid(child, &status, 0);
	get_stats(&mid);
	check(mid.total_records == before.total_records + 3 &&
	      mid.nr_stacks == before.nr_stacks + 1,
	      "  ... stored once: %llu stacks for %llu records",
	      (unsigned long long)mid.nr_stacks,
	      (unsigned long long)mid.total_records);
	check_stats_sane(&mid, "with a second monitor");

	check_errno(set_config(PMM_CFG_STOP_PID, child, 0), 0,
		    "STOP_PID of the child");
	get_stats(&mid);
	check(mid.total_records == before.total_records + 2 &&
	      mid.nr_stacks == before.nr_stacks + 1,
	      "  ... its record went, the stack the parent uses stayed");
	recs[0] = make_rec(PMM_KIND_FREE, 0xd100, 0, 0);
	recs[1] = make_rec(PMM_KIND_FREE, 0xd200, 0, 0);
	check_errno(record_log(recs, 2), 0, "free both");
	get_stats(&after);
	check(after.total_records == before.total_records &&
	      after.nr_stacks == before.nr_stacks &&
	      after.total_dropped == before.total_dropped,
	      "GET_STATS back where it was: %llu records, %llu stacks",
	      (unsigned long long)after.total_records,
	      (unsigned long long)after.nr_stacks);
}

/* The ring as the hook uses it: its own file, mapped read and write. */
struct ring {
	int fd;
	void *mem;
	struct pmm_ring_header *hdr;
	struct pmm_ring_entry *ent;
};

static size_t ring_map_bytes(void)
{
	return (PMM_RING_BYTES + page_size() - 1) & ~(page_size() - 1);
}

/* 0 or the errno of opening /dev/pmm and mapping a ring from it. */
static int ring_open(struct ring *r)
{
	r->fd = open(PMM_DEVICE_PATH, O_RDWR);
	if (r->fd < 0)
		return errno;
	r->mem = mmap(NULL, ring_map_bytes(), PROT_READ | PROT_WRITE,
		      MAP_SHARED, r->fd, 0);
	if (r->mem == MAP_FAILED) {
		int err = errno;

		close(r->fd);
		return err;
	}
	r->hdr = r->mem;
	r->ent = (void *)((char *)r->mem + PMM_RING_HEADER_BYTES);
	return 0;
}

static void ring_close(struct ring *r)
{
	munmap(r->mem, ring_map_bytes());
	close(r->fd);
}

static int ring_drain(struct ring *r)
{
	return ioctl(r->fd, PMM_RING_DRAIN) ? errno : 0;
}

static __u64 ring_seq(struct ring *r, __u64 pos)
{
	return __atomic_load_n(&r->ent[pos % PMM_RING_ENTRIES].seq,
			       __ATOMIC_ACQUIRE);
}

/*
 * The first position the module has not applied: every earlier one's entry
 * is given back for the next lap (seq moved on by PMM_RING_ENTRIES).
 */
static __u64 ring_applied(struct ring *r)
{
	__u64 head = r->hdr->head;
	__u64 pos = head > PMM_RING_ENTRIES ? head - PMM_RING_ENTRIES : 0;

	while (pos < head &&
	       (ring_seq(r, pos) & ~(PMM_RING_SEQ_CANCELLED | PMM_RING_SEQ_TAKEN)) >=
	       pos + PMM_RING_ENTRIES)
		pos++;
	return pos;
}

/* An entry is free for pos at seq pos, or zeroed in the first lap. */
static int ring_free_for(__u64 seq, __u64 pos)
{
	return seq == pos || (seq == 0 && pos < PMM_RING_ENTRIES);
}

/* The writer's protocol; a full ring is drained, as the hook does. */
static __u64 ring_take(struct ring *r)
{
	__u64 pos = __atomic_fetch_add(&r->hdr->head, 1, __ATOMIC_RELAXED);

	if (!ring_free_for(ring_seq(r, pos), pos))
		ring_drain(r);
	return pos;
}

static void ring_finish(struct ring *r, __u64 pos,
			const struct pmm_record *rec)
{
	struct pmm_ring_entry *e = &r->ent[pos % PMM_RING_ENTRIES];

	e->rec = *rec;
	__atomic_store_n(&e->seq, pos + 1, __ATOMIC_RELEASE);
}

static void ring_put(struct ring *r, __u32 kind, __u64 ptr, __u64 prev,
		     __u64 size)
{
	struct pmm_record rec = make_rec(kind, ptr, prev, size);

	ring_finish(r, ring_take(r), &rec);
}

/* All of pid's kept mismatches, paged max at a time; count or -errno. */
static long read_all_mismatches(pid_t pid, struct pmm_mismatch *out,
				long room, __u32 page, __u64 *total)
{
	struct pmm_read_mismatches rm;
	__u64 cursor = 0;
	long n = 0;
	int err;

	for (;;) {
		memset(&rm, 0xcc, sizeof(rm));
		rm.pid = pid;
		rm.max = page;
		rm.cursor = cursor;
		rm.mismatches = (uintptr_t)(out + n);
		rm.pad = 0;
		if (n + page > room)
			return -ENOSPC;
		err = pmm_ioctl(PMM_READ_MISMATCHES, &rm);
		if (err)
			return -err;
		*total = rm.total;
		if (!rm.count)
			return rm.cursor == cursor && !rm.pad ? n : -EPROTO;
		if (rm.cursor != cursor + rm.count || rm.count > page || rm.pad)
			return -EPROTO;
		cursor = rm.cursor;
		n += rm.count;
	}
}

/*
 * A child that monitors itself, records recs by RECORD_LOG, or through a
 * ring of its own in one batch that its exit applies, and exits: its
 * monitor stays for the parent to read. Its pid, or -1.
 */
static pid_t record_in_child(const struct pmm_record *recs, unsigned int n,
			     int ring)
{
	int status;
	pid_t child;

	child = fork();
	if (!child) {
		struct ring r;
		unsigned int i;

		if (set_config(PMM_CFG_START_PID, getpid(), 0))
			_exit(1);
		if (!ring)
			_exit(record_log((struct pmm_record *)recs, n) ? 2 : 0);
		if (n > PMM_RING_ENTRIES || ring_open(&r))
			_exit(3);
		for (i = 0; i < n; i++)
			ring_finish(&r, ring_take(&r), &recs[i]);
		_exit(0);
	}
	if (child < 0 || waitpid(child, &status, 0) != child ||
	    !WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	return child;
}

/* Each way a release can go with another family's allocation. */
static const struct { __u32 alloc, release; } mismatch_kinds[] = {
	{ PMM_KIND_NEW_ARRAY, PMM_KIND_DELETE },
	{ PMM_KIND_NEW, PMM_KIND_DELETE_ARRAY },
	{ PMM_KIND_MALLOC, PMM_KIND_DELETE },
	{ PMM_KIND_CALLOC, PMM_KIND_DELETE_ARRAY },
	{ PMM_KIND_NEW, PMM_KIND_FREE },
	{ PMM_KIND_NEW_ARRAY, PMM_KIND_FREE },
	{ PMM_KIND_REALLOC, PMM_KIND_DELETE },
	{ PMM_KIND_NEW, PMM_KIND_REALLOC },
	{ PMM_KIND_NEW_ARRAY, PMM_KIND_REALLOC },
	/* Then the same block again, new'd and deleted as it should be. */
	{ PMM_KIND_NEW_ARRAY, PMM_KIND_DELETE },
};

/* And each way it goes with its own: none of these is reported. */
static const struct { __u32 alloc, release; } matched_kinds[] = {
	{ PMM_KIND_MALLOC, PMM_KIND_FREE },
	{ PMM_KIND_CALLOC, PMM_KIND_FREE },
	{ PMM_KIND_REALLOC, PMM_KIND_FREE },
	{ PMM_KIND_NEW, PMM_KIND_DELETE },
	{ PMM_KIND_NEW_ARRAY, PMM_KIND_DELETE_ARRAY },
	{ PMM_KIND_MALLOC, PMM_KIND_REALLOC },
	{ PMM_KIND_CALLOC, PMM_KIND_REALLOC },
	{ PMM_KIND_REALLOC, PMM_KIND_REALLOC },
};

#define MISMATCH_PTR(i)		(0x5a000000ull + 0x100 * (i))
#define MATCHED_PTR(i)		(0x5b000000ull + 0x100 * (i))
#define MOVED_PTR(ptr)		((ptr) + 0x800000)
#define RELEASE_FRAME(ptr)	((ptr) + 0x600000)
/* The mismatch whose release carries no frames, as most frees do. */
#define MISMATCH_NO_FRAMES	1

/* A release of ptr; a realloc's moves the block to MOVED_PTR(ptr). */
static struct pmm_record release_rec(__u32 kind, __u64 ptr, int frames)
{
	struct pmm_record rec;

	if (kind == PMM_KIND_REALLOC)
		rec = make_rec(kind, MOVED_PTR(ptr), ptr, 16);
	else
		rec = make_rec(kind, ptr, 0, 0);
	rec.time_ns = 0;
	rec.nframes = frames ? 2 : 0;
	rec.frames[0] = RELEASE_FRAME(ptr);
	rec.frames[1] = 0x700000;
	return rec;
}

/*
 * The records of mismatch_kinds and matched_kinds: every allocation, then
 * every release, so that all of them meet in one ring batch; the blocks
 * that reallocs moved are freed at the end. The last mismatch's block is
 * allocated again between its mismatched release and its free. Returns the
 * count written to recs.
 */
static unsigned int mismatch_records(struct pmm_record *recs)
{
	const unsigned int nmis = ARRAY_SIZE(mismatch_kinds) - 1;
	unsigned int i, n = 0;
	__u64 again = MISMATCH_PTR(nmis);

	for (i = 0; i < nmis; i++)
		recs[n++] = make_rec(mismatch_kinds[i].alloc, MISMATCH_PTR(i),
				     0, 8 * (i + 1));
	for (i = 0; i < ARRAY_SIZE(matched_kinds); i++)
		recs[n++] = make_rec(matched_kinds[i].alloc, MATCHED_PTR(i), 0,
				     4 * (i + 1));
	for (i = 0; i < nmis; i++)
		recs[n++] = release_rec(mismatch_kinds[i].release,
					MISMATCH_PTR(i),
					i != MISMATCH_NO_FRAMES);
	for (i = 0; i < ARRAY_SIZE(matched_kinds); i++)
		recs[n++] = release_rec(matched_kinds[i].release,
					MATCHED_PTR(i), 1);
	/* The address reused: only the first release is a mismatch. */
	recs[n++] = make_rec(PMM_KIND_NEW_ARRAY, again, 0, 8 * (nmis + 1));
	recs[n++] = release_rec(PMM_KIND_DELETE, again, 1);
	recs[n++] = make_rec(PMM_KIND_NEW, again, 0, 3);
	recs[n++] = release_rec(PMM_KIND_DELETE, again, 1);
	for (i = 0; i < nmis; i++)
		if (mismatch_kinds[i].release == PMM_KIND_REALLOC)
			recs[n++] = release_rec(PMM_KIND_FREE,
						MOVED_PTR(MISMATCH_PTR(i)), 1);
	for (i = 0; i < ARRAY_SIZE(matched_kinds); i++)
		if (matched_kinds[i].release == PMM_KIND_REALLOC)
			recs[n++] = release_rec(PMM_KIND_FREE,
						MOVED_PTR(MATCHED_PTR(i)), 1);
	/* Neither is a mismatch: a block never seen, and delete nullptr. */
	recs[n++] = release_rec(PMM_KIND_DELETE, 0xdead0, 1);
	recs[n++] = release_rec(PMM_KIND_DELETE_ARRAY, 0, 1);
	return n;
}

/* Whether m is mismatch_kinds[i] with both its stacks. */
static int mismatch_is(const struct pmm_mismatch *m, unsigned int i)
{
	__u64 ptr = MISMATCH_PTR(i);
	int frames = i != MISMATCH_NO_FRAMES, zeros = 1, k;

	for (k = 2; k < PMM_MAX_FRAMES; k++)
		zeros &= !m->alloc_frames[k] && !m->release_frames[k];
	if (!frames)
		zeros &= !m->release_frames[0] && !m->release_frames[1];
	return m->alloc_kind == mismatch_kinds[i].alloc &&
	       m->release_kind == mismatch_kinds[i].release &&
	       m->ptr == ptr && m->size == 8 * (i + 1) &&
	       m->alloc_nframes == 2 && m->alloc_frames[0] == 0x400000 + ptr &&
	       m->alloc_frames[1] == 0x500000 &&
	       m->release_nframes == (frames ? 2u : 0u) &&
	       (!frames || (m->release_frames[0] == RELEASE_FRAME(ptr) &&
			    m->release_frames[1] == 0x700000)) && zeros;
}

/*
 * Each mismatch kind, recorded by RECORD_LOG and through a ring in one
 * batch (which must not pair a release with another family's allocation):
 * every block is released, and the mismatches come back in order with
 * both stacks; matched pairs give none, and STOP_PID gives the stacks back.
 */
static void test_mismatches(const char *how, int ring)
{
	struct pmm_mismatch out[2 * ARRAY_SIZE(mismatch_kinds)];
	struct pmm_record recs[64];
	struct pmm_stats before, mid, after;
	struct pmm_read_mismatches rm;
	struct pmm_pid_info info;
	unsigned int n, i, bad = 0;
	__u64 total = 0;
	pid_t child;
	long got;
	int err;

	get_stats(&before);
	n = mismatch_records(recs);
	child = record_in_child(recs, n, ring);
	check(child > 0, "%s: a child recorded %u allocations and releases",
	      how, n);
	if (child <= 0)
		return;
	memset(&info, 0xcc, sizeof(info));
	err = get_info(child, &info);
	check(!err && info.log_count == 0 && info.unmatched_frees == 1 &&
	      info.mismatched_frees == ARRAY_SIZE(mismatch_kinds),
	      "%s:   ... every block released: %llu records, %llu unmatched, %llu mismatched",
	      how, (unsigned long long)info.log_count,
	      (unsigned long long)info.unmatched_frees,
	      (unsigned long long)info.mismatched_frees);

	memset(out, 0xcc, sizeof(out));
	got = read_all_mismatches(child, out, ARRAY_SIZE(out), 1, &total);
	for (i = 0; got == ARRAY_SIZE(mismatch_kinds) && i < got; i++)
		bad += !mismatch_is(&out[i], i);
	check(got == ARRAY_SIZE(mismatch_kinds) &&
	      total == ARRAY_SIZE(mismatch_kinds) && !bad,
	      "%s:   ... READ_MISMATCHES one at a time: %ld in order, total %llu, %u wrong",
	      how, got, (unsigned long long)total, bad);
	check(((unsigned char *)&out[got > 0 ? got : 0])[0] == 0xcc,
	      "%s:   ... nothing written past count", how);

	memset(&rm, 0xcc, sizeof(rm));
	rm.pid = child;
	rm.max = PMM_MAX_MISMATCHES;
	rm.cursor = 3;
	rm.mismatches = (uintptr_t)out;
	rm.pad = 0;
	err = pmm_ioctl(PMM_READ_MISMATCHES, &rm);
	check(!err && rm.count == ARRAY_SIZE(mismatch_kinds) - 3 &&
	      rm.cursor == ARRAY_SIZE(mismatch_kinds) &&
	      rm.total == ARRAY_SIZE(mismatch_kinds) && mismatch_is(&out[0], 3),
	      "%s:   ... from cursor 3, all the rest at once: %u", how,
	      rm.count);

	get_stats(&mid);
	/* Each kept allocation's stack, each release's but the frameless. */
	check(mid.nr_stacks == before.nr_stacks +
			       2 * ARRAY_SIZE(mismatch_kinds) - 1 &&
	      mid.total_records == before.total_records,
	      "%s:   ... the mismatches hold %llu stacks, no record",
	      how, (unsigned long long)(mid.nr_stacks - before.nr_stacks));
	check_errno(set_config(PMM_CFG_STOP_PID, child, 0), 0,
		    "  ... STOP_PID of the child");
	get_stats(&after);
	check(after.nr_stacks == before.nr_stacks,
	      "%s:   ... which gives the stacks back (%llu -> %llu)", how,
	      (unsigned long long)before.nr_stacks,
	      (unsigned long long)after.nr_stacks);
}

/* Past PMM_MAX_MISMATCHES: the first ones are kept, all are counted. */
static void test_mismatches_bound(void)
{
	enum { N = PMM_MAX_MISMATCHES + 44 };
	static struct pmm_record recs[2 * N];
	static struct pmm_mismatch out[2 * PMM_MAX_MISMATCHES];
	struct pmm_read_mismatches rm;
	struct pmm_stats before, after;
	struct pmm_pid_info info;
	__u64 total = 0;
	long got, i, bad = 0;
	pid_t child;
	int err;

	get_stats(&before);
	for (i = 0; i < N; i++) {
		recs[2 * i] = make_rec(PMM_KIND_NEW, 0x5c000000 + 64 * i, 0,
				       i + 1);
		recs[2 * i + 1] = release_rec(PMM_KIND_FREE,
					      0x5c000000 + 64 * i, 1);
	}
	child = record_in_child(recs, 2 * N, 0);
	check(child > 0, "a child made %d mismatched releases", N);
	if (child <= 0)
		return;
	memset(&info, 0xcc, sizeof(info));
	err = get_info(child, &info);
	check(!err && info.mismatched_frees == N && info.log_count == 0,
	      "  ... MONITORED_PIDS counts all of them: %llu",
	      (unsigned long long)info.mismatched_frees);

	memset(out, 0xcc, sizeof(out));
	got = read_all_mismatches(child, out, ARRAY_SIZE(out), 100, &total);
	for (i = 0; i < got; i++)
		bad += out[i].ptr != 0x5c000000ull + 64 * i ||
		       out[i].size != (__u64)i + 1 ||
		       out[i].alloc_kind != PMM_KIND_NEW ||
		       out[i].release_kind != PMM_KIND_FREE;
	check(got == PMM_MAX_MISMATCHES && total == N && !bad,
	      "  ... 100 at a time: the first %ld kept, in order (%ld wrong), total %llu",
	      got, bad, (unsigned long long)total);

	memset(&rm, 0xcc, sizeof(rm));
	rm.pid = child;
	rm.max = PMM_MAX_MISMATCHES;
	rm.cursor = 0;
	rm.mismatches = (uintptr_t)out;
	rm.pad = 0;
	err = pmm_ioctl(PMM_READ_MISMATCHES, &rm);
	check(!err && rm.count == PMM_MAX_MISMATCHES &&
	      rm.cursor == PMM_MAX_MISMATCHES && rm.total == N,
	      "  ... PMM_MAX_MISMATCHES at once: %u", rm.count);
	rm.cursor = ~0ull;
	err = pmm_ioctl(PMM_READ_MISMATCHES, &rm);
	check(!err && rm.count == 0 &&
	      rm.cursor == ~0ull && rm.total == N,
	      "  ... from cursor ~0: none, cursor kept, total still %llu",
	      (unsigned long long)rm.total);
	check_errno(set_config(PMM_CFG_STOP_PID, child, 0), 0,
		    "  ... STOP_PID of the child");
	get_stats(&after);
	check(after.nr_stacks == before.nr_stacks,
	      "  ... the kept ones' stacks given back (%llu -> %llu)",
	      (unsigned long long)before.nr_stacks,
	      (unsigned long long)after.nr_stacks);
}

/* The errno of each bad READ_MISMATCHES; the good ones on children. */
static void test_read_mismatches_invalid(void)
{
	struct pmm_mismatch out[2];
	struct pmm_read_mismatches rm;
	pid_t child;

	memset(&rm, 0, sizeof(rm));
	rm.pid = getpid();
	rm.max = 2;
	rm.mismatches = (uintptr_t)out;
	rm.pad = 1;
	check_errno(pmm_ioctl(PMM_READ_MISMATCHES, &rm), EINVAL,
		    "READ_MISMATCHES non-zero pad");
	rm.pad = 0;
	rm.max = 0;
	check_errno(pmm_ioctl(PMM_READ_MISMATCHES, &rm), EINVAL,
		    "READ_MISMATCHES max 0");
	rm.max = PMM_MAX_MISMATCHES + 1;
	check_errno(pmm_ioctl(PMM_READ_MISMATCHES, &rm), EINVAL,
		    "READ_MISMATCHES max PMM_MAX_MISMATCHES + 1");
	rm.max = 2;
	rm.pid = 0;
	check_errno(pmm_ioctl(PMM_READ_MISMATCHES, &rm), EINVAL,
		    "READ_MISMATCHES pid 0");
	rm.pid = -1;
	check_errno(pmm_ioctl(PMM_READ_MISMATCHES, &rm), EINVAL,
		    "READ_MISMATCHES pid -1");
	rm.pid = unused_pid();
	check_errno(pmm_ioctl(PMM_READ_MISMATCHES, &rm), ESRCH,
		    "READ_MISMATCHES of an unmonitored pid");

	child = record_in_child((struct pmm_record[]){
		make_rec(PMM_KIND_NEW_ARRAY, 0x5d000000, 0, 40),
		release_rec(PMM_KIND_DELETE_ARRAY, 0x5d000000, 1) }, 2, 0);
	check(child > 0, "a child deleted[] a new[] block");
	if (child <= 0)
		return;
	memset(&rm, 0xcc, sizeof(rm));
	rm.pid = child;
	rm.max = 2;
	rm.cursor = 0;
	rm.mismatches = 0;
	rm.pad = 0;
	check_errno(pmm_ioctl(PMM_READ_MISMATCHES, &rm), 0,
		    "READ_MISMATCHES of a process with none, into NULL");
	check(rm.count == 0 && rm.cursor == 0 && rm.total == 0,
	      "  ... count %u cursor %llu total %llu", rm.count,
	      (unsigned long long)rm.cursor, (unsigned long long)rm.total);
	check_errno(set_config(PMM_CFG_STOP_PID, child, 0), 0,
		    "  ... STOP_PID of the child");

	/* Something to copy out: into a bad pointer, it faults. */
	child = record_in_child((struct pmm_record[]){
		make_rec(PMM_KIND_NEW_ARRAY, 0x5d000000, 0, 40),
		release_rec(PMM_KIND_DELETE, 0x5d000000, 1) }, 2, 0);
	check(child > 0, "a child deleted a new[] block");
	if (child <= 0)
		return;
	rm.pid = child;
	rm.mismatches = (uintptr_t)bad_address();
	check_errno(pmm_ioctl(PMM_READ_MISMATCHES, &rm), EFAULT,
		    "READ_MISMATCHES into address 8");
	rm.mismatches = (uintptr_t)out;
	check(!pmm_ioctl(PMM_READ_MISMATCHES, &rm) && rm.count == 1 &&
	      out[0].alloc_kind == PMM_KIND_NEW_ARRAY &&
	      out[0].release_kind == PMM_KIND_DELETE && out[0].size == 40,
	      "  ... and into a good one, the new[] of 40 bytes deleted");
	check_errno(set_config(PMM_CFG_STOP_PID, child, 0), 0,
		    "  ... STOP_PID of the child");
}

/* Every way of mapping /dev/pmm but the one the contract gives. */
static void test_ring_mmap_invalid(void)
{
	size_t len = ring_map_bytes(), pg = page_size();
	int fd = open(PMM_DEVICE_PATH, O_RDWR);
	int rdonly = open(PMM_DEVICE_PATH, O_RDONLY);
	static const struct { long dlen; long off; int flags; const char *what; }
	bad[] = {
		{ -1, 0, MAP_SHARED, "a page short" },
		{ 1, 0, MAP_SHARED, "a page long" },
		{ 0, 1, MAP_SHARED, "at offset one page" },
		{ 0, 0, MAP_PRIVATE, "MAP_PRIVATE" },
	};
	struct ring r;
	unsigned int i, bad_seq = 0;
	char what[96];
	void *p;

	check(fd >= 0 && rdonly >= 0, "open /dev/pmm for the ring");
	check_errno(ioctl(fd, PMM_RING_DRAIN) ? errno : 0, EINVAL,
		    "RING_DRAIN without a ring");
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		p = mmap(NULL, len + bad[i].dlen * pg, PROT_READ | PROT_WRITE,
			 bad[i].flags, fd, bad[i].off * pg);
		snprintf(what, sizeof(what), "mmap of the ring %s", bad[i].what);
		check_errno(p == MAP_FAILED ? errno : 0, EINVAL, what);
		if (p != MAP_FAILED)
			munmap(p, len + bad[i].dlen * pg);
	}
	p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check_errno(p == MAP_FAILED ? errno : 0, EINVAL, "mmap of one page");
	/* A read-only file's shared mapping is not VM_SHARED: refused. */
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, rdonly, 0);
	check_errno(p == MAP_FAILED ? errno : 0, EINVAL,
		    "mmap of a file opened read-only");
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, rdonly, 0);
	check_errno(p == MAP_FAILED ? errno : 0, EACCES,
		    "writable mmap of a file opened read-only");
	close(rdonly);
	check_errno(ioctl(fd, PMM_RING_DRAIN) ? errno : 0, EINVAL,
		    "RING_DRAIN after failed mmaps: still no ring");

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check_errno(p == MAP_FAILED ? errno : 0, 0, "mmap of the ring");
	if (p == MAP_FAILED)
		return;
	r.fd = fd;
	r.mem = p;
	r.hdr = p;
	r.ent = (void *)((char *)p + PMM_RING_HEADER_BYTES);
	for (i = 0; i < PMM_RING_ENTRIES; i++)
		bad_seq += r.ent[i].seq != 0;
	check(r.hdr->head == 0 && !bad_seq,
	      "a new ring: head 0, zeroed, every entry free for its first lap (%u not)",
	      bad_seq);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check_errno(p == MAP_FAILED ? errno : 0, EBUSY,
		    "a second mmap of the same file");
	i = dup(fd);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, i, 0);
	check_errno(p == MAP_FAILED ? errno : 0, EBUSY,
		    "mmap of a dup of it");
	close(i);
	/* The module makes it VM_DONTEXPAND. */
	p = mremap(r.mem, len, len + pg, MREMAP_MAYMOVE);
	check_errno(p == MAP_FAILED ? errno : 0, EFAULT,
		    "mremap of the ring to a larger size");
	check_errno(ring_drain(&r), 0, "RING_DRAIN of an empty ring");
	ring_close(&r);
}

/* log_count of the caller; -1 if it is not monitored. */
static long my_log_count(void)
{
	struct pmm_pid_info info;

	return get_info(getpid(), &info) ? -1 : (long)info.log_count;
}

/*
 * Records through the ring: applied in position order on RING_DRAIN, a
 * block allocated and freed within one batch never reaches the store,
 * nothing is applied past a position still being written, and a corrupt
 * head or record is survived and counted.
 */
static void test_ring_records(void)
{
	struct pmm_stats st_before, st_after;
	struct pmm_pid_info before, info;
	struct pmm_record out[64], rec;
	__u64 pos, head, bad = 0;
	struct ring r;
	long base, n, i;
	int status;
	pid_t child;

	check_errno(ring_open(&r), 0, "map a ring");
	get_info(getpid(), &before);
	base = before.log_count;

	ring_put(&r, PMM_KIND_MALLOC, 0xe100, 0, 10);
	ring_put(&r, PMM_KIND_CALLOC, 0xe200, 0, 20);
	ring_put(&r, PMM_KIND_NEW, 0xe300, 0, 30);
	ring_put(&r, PMM_KIND_NEW_ARRAY, 0xe400, 0, 40);
	ring_put(&r, PMM_KIND_FREE, 0xe200, 0, 0);
	ring_put(&r, PMM_KIND_DELETE, 0xe300, 0, 0);
	ring_put(&r, PMM_KIND_REALLOC, 0, 0xe100, 64);	/* failed: e100 lives */
	ring_put(&r, PMM_KIND_DELETE_ARRAY, 0xefff, 0, 0);	/* never seen */
	check(my_log_count() == base,
	      "ring records wait for a drain (%ld held)", my_log_count());
	check_errno(ring_drain(&r), 0, "RING_DRAIN");
	get_info(getpid(), &info);
	check(info.log_count == before.log_count + 2 &&
	      info.log_bytes == before.log_bytes + 50 &&
	      info.unmatched_frees == before.unmatched_frees + 1,
	      "  ... malloc and new[] kept, calloc and new paired away: %llu records, %llu unmatched",
	      (unsigned long long)info.log_count,
	      (unsigned long long)info.unmatched_frees);
	n = read_all_logs(getpid(), out, 64, 8);
	check(n == base + 2 && out[n - 2].ptr == 0xe100 &&
	      out[n - 2].kind == PMM_KIND_MALLOC &&
	      out[n - 1].ptr == 0xe400 && out[n - 1].kind == PMM_KIND_NEW_ARRAY,
	      "  ... in position order, kinds kept");
	for (pos = 0; pos < 8; pos++)
		bad += ring_seq(&r, pos) != pos + PMM_RING_ENTRIES;
	check(!bad, "  ... each applied entry freed for the next lap");

	/* Position 8 taken but not written: 9 waits behind it. */
	pos = ring_take(&r);
	ring_put(&r, PMM_KIND_FREE, 0xe100, 0, 0);
	check_errno(ring_drain(&r), 0, "RING_DRAIN with a position still being written");
	check(my_log_count() == base + 2 && ring_seq(&r, pos + 1) == pos + 2,
	      "  ... nothing past it applied or freed");
	rec = make_rec(PMM_KIND_FREE, 0xe400, 0, 0);
	ring_finish(&r, pos, &rec);
	check_errno(ring_drain(&r), 0, "RING_DRAIN once it is written");
	check(my_log_count() == base, "  ... both frees applied, in order");

	/*
	 * Writers waiting on a full ring hold positions past a lap: at most a
	 * lap is looked at. (A head no writer makes: test_ring_overwritten.)
	 */
	head = r.hdr->head;
	r.hdr->head = head + PMM_RING_ENTRIES + 3;
	check_errno(ring_drain(&r), 0, "RING_DRAIN with head a lap and more ahead");
	r.hdr->head = head;
	check(my_log_count() == base, "  ... nothing applied");
	ring_put(&r, PMM_KIND_MALLOC, 0xe500, 0, 5);
	check(!ring_drain(&r) && my_log_count() == base + 1,
	      "  ... and the ring works on from the right head");

	/* Finished entries with garbage records: refused and counted. */
	get_stats(&st_before);
	get_info(getpid(), &before);
	rec = make_rec(PMM_KIND_MALLOC, 0xe600, 0, 6);
	rec.kind = 0;
	ring_finish(&r, ring_take(&r), &rec);
	rec.kind = PMM_KIND_LAST + 1;
	ring_finish(&r, ring_take(&r), &rec);
	rec.kind = PMM_KIND_MALLOC;
	rec.nframes = PMM_MAX_FRAMES + 1;
	ring_finish(&r, ring_take(&r), &rec);
	rec = make_rec(PMM_KIND_MALLOC, 0xe700, 0, ~0ULL);
	ring_finish(&r, ring_take(&r), &rec);
	ring_put(&r, PMM_KIND_FREE, 0xe500, 0, 0);
	check_errno(ring_drain(&r), 0,
		    "RING_DRAIN of kind 0, one past the last kind, nframes 17, size ~0 and a good free");
	get_info(getpid(), &info);
	get_stats(&st_after);
	check(info.dropped == before.dropped + 4 &&
	      info.log_count == before.log_count - 1 &&
	      st_after.total_dropped == st_before.total_dropped + 4,
	      "  ... 4 dropped (GET_STATS says %llu), the free applied",
	      (unsigned long long)(st_after.total_dropped -
				   st_before.total_dropped));

	/* More than a lap: the writer drains when it finds its entry busy. */
	for (i = 0; i < 3 * PMM_RING_ENTRIES; i++)
		ring_put(&r, i % 2 ? PMM_KIND_FREE : PMM_KIND_MALLOC,
			 0x40000000 + 16 * (i / 2), 0, i % 2 ? 0 : 16);
	ring_put(&r, PMM_KIND_MALLOC, 0xe700, 0, 7);
	check_errno(ring_drain(&r), 0, "three laps of the ring");
	/* A drain applies at most the older half of the ring. */
	check(r.hdr->head - ring_applied(&r) <= PMM_RING_ENTRIES / 2,
	      "  ... one drain applies the older half: %llu left",
	      (unsigned long long)(r.hdr->head - ring_applied(&r)));
	check_errno(ring_drain(&r), 0, "  ... and a second the rest");
	get_info(getpid(), &info);
	check(info.log_count == before.log_count &&
	      info.unmatched_frees == before.unmatched_frees,
	      "  ... every block freed, none unmatched (%llu held)",
	      (unsigned long long)info.log_count);

	/* The file is shared with a child, the ring is not. */
	child = fork();
	if (!child) {
		unsigned char vec;

		check_errno(ring_drain(&r), EPERM,
			    "RING_DRAIN of the parent's ring from a child");
		check_errno(mincore(r.mem, page_size(), &vec) ? errno : 0,
			    ENOMEM, "the ring is not mapped in a forked child");
		_exit(0);
	}
	waitpid(child, &status, 0);

	/* What is left is applied when the last reference goes. */
	get_info(getpid(), &before);
	pos = ring_take(&r);				/* never finished */
	ring_put(&r, PMM_KIND_FREE, 0xe700, 0, 0);
	ring_put(&r, PMM_KIND_NEW, 0xe800, 0, 8);
	rec = make_rec(PMM_KIND_MALLOC, 0xe900, 0, 9);
	rec.kind = 0;
	ring_finish(&r, ring_take(&r), &rec);	/* finished garbage */
	close(r.fd);
	check(my_log_count() == (long)before.log_count,
	      "closed but still mapped: nothing applied yet");
	munmap(r.mem, ring_map_bytes());
	get_info(getpid(), &info);
	check(info.log_count == before.log_count &&
	      info.dropped == before.dropped + 1,
	      "unmapped too: the rest applied past the unfinished position, the garbage dropped (%llu held, %llu dropped)",
	      (unsigned long long)info.log_count,
	      (unsigned long long)(info.dropped - before.dropped));
	n = read_all_logs(getpid(), out, 64, 8);
	check(n >= 1 && out[n - 1].ptr == 0xe800 &&
	      out[n - 1].kind == PMM_KIND_NEW, "  ... the new is held");
	record_one(PMM_KIND_DELETE, 0xe800, 0, 0);
}

/* The writer's cancel of its allocation at pos (see the uapi header). */
static bool ring_cancel(struct ring *r, __u64 pos)
{
	__u64 written = pos + 1;

	return __atomic_compare_exchange_n(&r->ent[pos % PMM_RING_ENTRIES].seq,
					   &written,
					   written | PMM_RING_SEQ_CANCELLED,
					   0, __ATOMIC_RELAXED,
					   __ATOMIC_RELAXED);
}

/* An allocation written and then cancelled by its writer, as a free does: its position. */
static __u64 ring_put_cancelled(struct ring *r, __u32 kind, __u64 ptr,
				__u64 size)
{
	struct pmm_record rec = make_rec(kind, ptr, 0, size);
	__u64 pos = ring_take(r);

	ring_finish(r, pos, &rec);
	ring_cancel(r, pos);
	return pos;
}

static __u64 realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static __u64 ns_apart(__u64 a, __u64 b)
{
	return a > b ? a - b : b - a;
}

/*
 * A writer cancels its own allocation while the module has not taken it:
 * neither it nor its free is recorded, and the entry is given back. Once
 * taken, a cancel fails. A seq the writer may not set is not a record. A
 * ring's time stamps are the time-stamp counter when the writer says so.
 */
/*
 * msync of the ring drains it (the module's fsync): with no descriptor of
 * the device left open, as when a program closes every one and has none
 * free to open it again.
 */
static void test_ring_msync(void)
{
	struct pmm_pid_info info;
	int status;
	pid_t child;

	child = fork();
	if (!child) {
		struct ring r;

		if (ring_open(&r))
			_exit(1);
		ring_put(&r, PMM_KIND_MALLOC, 0xe500, 0, 5);
		close(r.fd);
		check_errno(msync(r.mem, page_size(), MS_SYNC) ? errno : 0, 0,
			    "msync of the ring, its file closed");
		memset(&info, 0xcc, sizeof(info));
		check(get_info(getpid(), &info) == 0 && info.log_count == 1 &&
		      info.log_bytes == 5 && ring_applied(&r) == 1,
		      "  ... drained it: %llu records",
		      (unsigned long long)info.log_count);
		_exit(0);
	}
	waitpid(child, &status, 0);
	check(WIFEXITED(status) && !WEXITSTATUS(status),
	      "  ... in a child that mapped a ring");
	set_config(PMM_CFG_STOP_PID, child, 0);
}

/*
 * A PMM_KIND_FORKED entry names the writer's child as PMM_FORKED does, for
 * a writer with no descriptor of the device left: the child, which has none
 * either, is monitored, and said to run unrecorded until it maps a ring. It
 * is no record: nothing kept, nothing dropped. Another's pid is ignored.
 */
static void exec_true(void)
{
	execl("/bin/true", "true", (char *)NULL);
}

static void test_ring_forked(void)
{
	struct pmm_pid_info info;
	int status;
	pid_t child;

	child = fork();
	if (!child) {
		pid_t grandchild;
		struct ring r;
		int go;

		if (ring_open(&r))
			_exit(1);
		grandchild = fork_held(&go, exec_true);
		if (grandchild < 0)
			_exit(1);
		close(r.fd);
		ring_put(&r, PMM_KIND_FORKED, grandchild, 0, 0);
		ring_put(&r, PMM_KIND_FORKED, getppid(), 0, 0);
		check_errno(msync(r.mem, page_size(), MS_SYNC) ? errno : 0, 0,
			    "msync of a ring naming a child, its file closed");
		memset(&info, 0xcc, sizeof(info));
		check(get_info(grandchild, &info) == 0 &&
		      info.ppid == getpid() &&
		      info.state == PMM_STATE_RUNNING &&
		      info.unhooked == PMM_UNHOOKED_NO_DEVICE,
		      "  ... the child is monitored, unrecorded (%u)",
		      info.unhooked);
		memset(&info, 0xcc, sizeof(info));
		check(get_info(getpid(), &info) == 0 && info.log_count == 0 &&
		      info.dropped == 0 && ring_applied(&r) == 2,
		      "  ... no record kept or dropped (%llu, %llu)",
		      (unsigned long long)info.log_count,
		      (unsigned long long)info.dropped);
		release_held(go);
		waitpid(grandchild, NULL, 0);
		memset(&info, 0xcc, sizeof(info));
		check(get_info(grandchild, &info) == 0 &&
		      info.unhooked == PMM_UNHOOKED_NO_DEVICE,
		      "  ... and stays so through an exec (%u)", info.unhooked);
		set_config(PMM_CFG_STOP_PID, grandchild, 0);
		_exit(0);
	}
	waitpid(child, &status, 0);
	check(WIFEXITED(status) && !WEXITSTATUS(status),
	      "  ... in a child that mapped a ring");
	set_config(PMM_CFG_STOP_PID, child, 0);
}

#if defined(__x86_64__)
/*
 * A record stamped with the counter, drained 0.3 s later: its time must be
 * when it was stamped, within 0.1 s, whatever the ring's header says.
 */
static void check_counter_stamp(struct ring *r, long base, __u64 ptr, const char *drain_what,
				const char *check_what)
{
	struct pmm_record out[64], rec = make_rec(PMM_KIND_MALLOC, ptr, 0, 70);
	__u64 pos = ring_take(r), stamp = realtime_ns();
	long n;

	rec.time_ns = __builtin_ia32_rdtsc();
	ring_finish(r, pos, &rec);
	usleep(300000);
	check_errno(ring_drain(r), 0, drain_what);
	n = read_all_logs(getpid(), out, 64, 8);
	check(n == base + 1 && ns_apart(out[n - 1].time_ns, stamp) < 100000000ull,
	      "%s (%lld ms off)", check_what,
	      n == base + 1 ? (long long)(out[n - 1].time_ns - stamp) / 1000000 : 0);
	record_one(PMM_KIND_FREE, ptr, 0, 0);
}
#endif

static void test_ring_cancel(void)
{
	struct pmm_pid_info before, info;
	struct pmm_record out[64], rec;
	__u64 pos, p0, p1;
	struct ring r;
	long base, n;
	__u32 khz;

	check_errno(ring_open(&r), 0, "map a ring");
	get_info(getpid(), &before);
	base = before.log_count;
#if defined(__x86_64__)
	check(r.hdr->tsc_khz != 0 && r.hdr->flags == 0,
	      "a new ring's header: the counter's rate (%u kHz), no flags",
	      r.hdr->tsc_khz);
#endif

	p0 = ring_take(&r);
	rec = make_rec(PMM_KIND_MALLOC, 0xc100, 0, 10);
	ring_finish(&r, p0, &rec);
	p1 = ring_take(&r);
	rec = make_rec(PMM_KIND_NEW, 0xc200, 0, 20);
	ring_finish(&r, p1, &rec);
	check(ring_cancel(&r, p1), "cancel a written, untaken entry");
	check(!ring_cancel(&r, p1), "  ... only once");
	ring_put(&r, PMM_KIND_FREE, 0xc100, 0, 0);
	check_errno(ring_drain(&r), 0, "RING_DRAIN past a cancelled entry");
	get_info(getpid(), &info);
	check(info.log_count == before.log_count &&
	      info.unmatched_frees == before.unmatched_frees,
	      "  ... nothing held, no free unmatched (%llu held)",
	      (unsigned long long)info.log_count);
	check(ring_seq(&r, p1) == p1 + PMM_RING_ENTRIES,
	      "  ... the cancelled entry given back for the next lap");

	pos = ring_take(&r);
	rec = make_rec(PMM_KIND_MALLOC, 0xc300, 0, 30);
	ring_finish(&r, pos, &rec);
	check_errno(ring_drain(&r), 0, "RING_DRAIN of an allocation");
	check(!ring_cancel(&r, pos) && my_log_count() == base + 1,
	      "  ... once the module took it, a cancel fails and it is held");
	record_one(PMM_KIND_FREE, 0xc300, 0, 0);

	/* Only the module sets TAKEN: a writer's is an unfinished entry. */
	pos = ring_take(&r);
	rec = make_rec(PMM_KIND_MALLOC, 0xc400, 0, 40);
	r.ent[pos % PMM_RING_ENTRIES].rec = rec;
	__atomic_store_n(&r.ent[pos % PMM_RING_ENTRIES].seq,
			 (pos + 1) | PMM_RING_SEQ_TAKEN, __ATOMIC_RELEASE);
	ring_put(&r, PMM_KIND_MALLOC, 0xc500, 0, 50);
	check_errno(ring_drain(&r), 0, "RING_DRAIN at an entry marked taken by its writer");
	check(my_log_count() == base, "  ... nothing from it on applied");
	__atomic_store_n(&r.ent[pos % PMM_RING_ENTRIES].seq, pos + 1,
			 __ATOMIC_RELEASE);
	check_errno(ring_drain(&r), 0, "RING_DRAIN once it is written");
	check(my_log_count() == base + 2, "  ... both applied");
	record_one(PMM_KIND_FREE, 0xc400, 0, 0);
	record_one(PMM_KIND_FREE, 0xc500, 0, 0);

	/* Stamps: as written without the flag, converted with it. */
	pos = ring_take(&r);
	rec = make_rec(PMM_KIND_MALLOC, 0xc600, 0, 60);
	rec.time_ns = 1234567890123456789ull;
	ring_finish(&r, pos, &rec);
	check_errno(ring_drain(&r), 0, "RING_DRAIN of a stamped record");
	n = read_all_logs(getpid(), out, 64, 8);
	check(n == base + 1 && out[n - 1].time_ns == 1234567890123456789ull,
	      "  ... CLOCK_REALTIME without PMM_RING_TIME_TSC: kept as it is");
	record_one(PMM_KIND_FREE, 0xc600, 0, 0);
#if defined(__x86_64__)
	r.hdr->flags = PMM_RING_TIME_TSC;
	check_counter_stamp(&r, base, 0xc700, "RING_DRAIN 0.3 s after a counter stamp",
			    "  ... turned into the time it was taken");
	/*
	 * The header's rate is the process's to write: the module keeps its
	 * own (at 1 kHz, a stamp two hours old gave a quotient too big for
	 * the conversion's divide: #DE with the ring's lock held).
	 */
	khz = r.hdr->tsc_khz;
	r.hdr->tsc_khz = 1;
	check_counter_stamp(&r, base, 0xc800,
			    "RING_DRAIN with the header's rate written over (1 kHz)",
			    "  ... converted at the module's own rate");
	r.hdr->tsc_khz = khz;
	r.hdr->flags = 0;
#else
	(void)khz;
	(void)ns_apart;
#endif

	/*
	 * A cancelled allocation at the address of a held block: that
	 * block's release was missed only if recording was off a while.
	 */
	ring_put(&r, PMM_KIND_MALLOC, 0xca00, 0, 100);
	check_errno(ring_drain(&r), 0, "RING_DRAIN of an allocation");
	ring_put_cancelled(&r, PMM_KIND_MALLOC, 0xca00, 100);
	check_errno(ring_drain(&r), 0, "RING_DRAIN of a cancelled one at its address");
	check(my_log_count() == base + 1, "  ... without PMM_RING_RESUMED: held");
	r.hdr->flags = PMM_RING_RESUMED;
	ring_put_cancelled(&r, PMM_KIND_NEW, 0xca00, 100);
	/* In one batch: an allocation, then a cancelled one at its address. */
	ring_put(&r, PMM_KIND_MALLOC, 0xcb00, 0, 110);
	pos = ring_put_cancelled(&r, PMM_KIND_REALLOC, 0xcb00, 110);
	get_info(getpid(), &before);
	check_errno(ring_drain(&r), 0, "RING_DRAIN of cancelled ones, recording resumed");
	get_info(getpid(), &info);
	check(info.log_count == (__u64)base &&
	      info.unmatched_frees == before.unmatched_frees &&
	      ring_seq(&r, pos) == pos + PMM_RING_ENTRIES,
	      "  ... with it: the held block and the batch's forgotten (%llu held)",
	      (unsigned long long)info.log_count);
	/* Held again at that address: a cancelled allocation drops it again. */
	ring_put(&r, PMM_KIND_MALLOC, 0xca00, 0, 100);
	check_errno(ring_drain(&r), 0, "RING_DRAIN of an allocation there again");
	ring_put_cancelled(&r, PMM_KIND_MALLOC, 0xca00, 100);
	check_errno(ring_drain(&r), 0, "RING_DRAIN of a cancelled one at it again");
	check(my_log_count() == base, "  ... forgotten again (%ld held)",
	      my_log_count() - base);
	r.hdr->flags = 0;

	/* At release: cancelled entries around an unfinished one, skipped. */
	pos = ring_take(&r);
	rec = make_rec(PMM_KIND_MALLOC, 0xc800, 0, 80);
	ring_finish(&r, pos, &rec);
	check(ring_cancel(&r, pos), "cancel before the release");
	ring_take(&r);					/* never finished */
	pos = ring_take(&r);
	rec = make_rec(PMM_KIND_CALLOC, 0xc900, 0, 90);
	ring_finish(&r, pos, &rec);
	ring_cancel(&r, pos);
	ring_put(&r, PMM_KIND_MALLOC, 0xca00, 0, 100);
	ring_close(&r);
	n = read_all_logs(getpid(), out, 64, 8);
	check(n == base + 1 && out[n - 1].ptr == 0xca00,
	      "released: only the one allocation neither cancelled nor unfinished held");
	record_one(PMM_KIND_FREE, 0xca00, 0, 0);
}

/*
 * A child of a monitored process is monitored once it maps its own ring,
 * and its ring's records survive SIGKILL; a child that maps none, and a
 * grandchild through an unmonitored child, are not.
 */
/*
 * A forked child that maps a ring of its own, writes to it with fill and
 * waits, its records written and never drained (only its end applies
 * them): its pid, or -1 when it could not.
 */
static pid_t fork_ring_writer(void (*fill)(struct ring *r), const char *what)
{
	int ready[2];
	pid_t child;
	char c;

	if (pipe(ready))
		return -1;
	child = fork();
	if (!child) {
		struct ring r;

		close(ready[0]);
		c = 'E';
		if (!ring_open(&r)) {
			fill(&r);
			c = 'R';
		}
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	c = 0;
	if (read(ready[0], &c, 1) != 1)
		c = 0;
	close(ready[0]);
	check(c == 'R', "%s", what);
	if (c == 'R')
		return child;
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return -1;
}

/* Two blocks left of four events: a malloc, a new[], a new and its delete. */
static void write_four(struct ring *r)
{
	ring_put(r, PMM_KIND_MALLOC, 0xf100, 0, 11);
	ring_put(r, PMM_KIND_NEW_ARRAY, 0xf200, 0, 22);
	ring_put(r, PMM_KIND_NEW, 0xf300, 0, 33);
	ring_put(r, PMM_KIND_DELETE, 0xf300, 0, 0);
}

/* One block, and the hook's word that it stopped recording. */
static void write_stopped(struct ring *r)
{
	ring_put(r, PMM_KIND_MALLOC, 0xf500, 0, 5);
	__atomic_fetch_or(&r->hdr->flags, PMM_RING_STOPPED, __ATOMIC_SEQ_CST);
}

/*
 * One block, applied; then the head written back behind the module's tail,
 * as a memset of the ring to zeros makes it: every drain fails from then
 * on, even once the head is back where it was.
 */
static void write_overwritten(struct ring *r)
{
	ring_put(r, PMM_KIND_MALLOC, 0xf600, 0, 6);
	check_errno(ring_drain(r), 0, "a child's drain before its ring is written over");
	__atomic_store_n(&r->hdr->head, 0, __ATOMIC_SEQ_CST);
	check_errno(ring_drain(r), EUCLEAN, "  ... its head behind the tail: EUCLEAN");
	__atomic_store_n(&r->hdr->head, 1, __ATOMIC_SEQ_CST);
	check_errno(ring_drain(r), EUCLEAN, "  ... and for good, the head back where it was");
}

/* The head a lap and more ahead of anything a writer takes: EUCLEAN too. */
static void write_far_ahead(struct ring *r)
{
	__atomic_store_n(&r->hdr->head, PMM_RING_HEAD_MAX_AHEAD, __ATOMIC_SEQ_CST);
	check_errno(ring_drain(r), EUCLEAN,
		    "a child's head PMM_RING_HEAD_MAX_AHEAD ahead: EUCLEAN");
}

/* At the tail, an entry whose seq is no state of that position: EUCLEAN. */
static void write_wild_seq(struct ring *r)
{
	ring_put(r, PMM_KIND_MALLOC, 0xf800, 0, 8);
	r->ent[0].seq = 0x5eed;
	check_errno(ring_drain(r), EUCLEAN, "a child's entry at the tail with a wild seq: EUCLEAN");
}

/*
 * The writer's own finding (PMM_RING_OVERWRITTEN: an entry it waited on
 * for PMM_RING_STALL_SECONDS never came), on a ring that looks whole:
 * EUCLEAN, and said as an overwrite.
 */
static void write_flagged(struct ring *r)
{
	ring_put(r, PMM_KIND_MALLOC, 0xf900, 0, 9);
	__atomic_fetch_or(&r->hdr->flags, PMM_RING_OVERWRITTEN, __ATOMIC_SEQ_CST);
	check_errno(ring_drain(r), EUCLEAN,
		    "a child's ring flagged written over by its writer: EUCLEAN");
}

/*
 * A ring the process wrote over: its drains fail (before, they applied
 * nothing, and the hook waited on the full ring for ever), and the module
 * says so of the process (PMM_STOPPED_OVERWRITTEN), keeping what it had
 * applied before.
 */
static void test_ring_overwritten(void)
{
	static void (*const fills[])(struct ring *) = {
		write_overwritten, write_far_ahead, write_wild_seq,
		write_flagged,
	};
	struct pmm_record out[8];
	struct pmm_pid_info info;
	unsigned int i;
	pid_t child;
	long n;

	for (i = 0; i < ARRAY_SIZE(fills); i++) {
		child = fork_ring_writer(fills[i], "a child wrote over its ring");
		if (child < 0)
			return;
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		n = read_all_logs(child, out, 8, 4);
		memset(&info, 0xcc, sizeof(info));
		check(get_info(child, &info) == 0 &&
		      info.stopped == PMM_STOPPED_OVERWRITTEN &&
		      n == (i == 0 ? 1 : 0) && (n == 0 || out[0].ptr == 0xf600),
		      "  ... said of it (%u), with what was applied before (%ld)",
		      info.stopped, n);
		set_config(PMM_CFG_STOP_PID, child, 0);
	}
}

static void test_ring_fork(void)
{
	struct pmm_record out[64];
	struct pmm_pid_info info;
	pid_t child;
	int status;
	long n;

	child = fork();
	if (!child) {
		check_errno(record_one(PMM_KIND_MALLOC, 0x1, 0, 1), ESRCH,
			    "a forked child without a ring is not monitored");
		_exit(0);
	}
	waitpid(child, &status, 0);

	child = fork_ring_writer(write_four, "a child mapped its own ring and wrote to it");
	if (child < 0)
		return;
	memset(&info, 0xcc, sizeof(info));
	check(get_info(child, &info) == 0 && info.ppid == getpid() &&
	      info.state == PMM_STATE_RUNNING && info.log_count == 0 &&
	      info.stopped == 0,
	      "  ... it is monitored from the mmap: ppid %d, %llu records",
	      info.ppid, (unsigned long long)info.log_count);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	/* Even if the last fput went to a worker, the read waits for it. */
	n = read_all_logs(child, out, 64, 8);
	check(n == 2 && out[0].ptr == 0xf100 && out[0].kind == PMM_KIND_MALLOC &&
	      out[1].ptr == 0xf200 && out[1].kind == PMM_KIND_NEW_ARRAY &&
	      out[1].size == 22,
	      "SIGKILLed child's ring records were applied: %ld", n);
	check_errno(set_config(PMM_CFG_STOP_PID, child, 0), 0,
		    "STOP_PID of the ring child");

	/* Already monitored by its own START_PID: not a second monitor. */
	child = fork();
	if (!child) {
		struct pmm_get_config gc, gc2;
		struct ring r;
		int ok;

		set_config(PMM_CFG_START_PID, getpid(), 0);
		pmm_ioctl(PMM_GET_CONFIG, &gc);
		ok = !ring_open(&r);
		pmm_ioctl(PMM_GET_CONFIG, &gc2);
		check(ok && gc2.nr_monitored == gc.nr_monitored,
		      "a child monitored before its mmap gets no second monitor (%u -> %u)",
		      gc.nr_monitored, gc2.nr_monitored);
		set_config(PMM_CFG_STOP_PID, getpid(), 0);
		_exit(0);
	}
	waitpid(child, &status, 0);

	child = fork();
	if (!child) {
		pid_t grandchild = fork();

		if (!grandchild) {
			struct ring r;

			if (ring_open(&r))
				_exit(1);
			ring_put(&r, PMM_KIND_MALLOC, 0xf400, 0, 4);
			check_errno(ring_drain(&r), ESRCH,
				    "a grandchild through an unmonitored child: not monitored");
			check(ring_seq(&r, 0) == PMM_RING_ENTRIES,
			      "  ... its record was taken all the same");
			_exit(0);
		}
		waitpid(grandchild, NULL, 0);
		_exit(0);
	}
	waitpid(child, &status, 0);
}

/*
 * A forked child left no descriptor free to open /dev/pmm maps its ring
 * from the file it inherited, whose ring is its parent's: it gets a ring of
 * its own, drained through that file, and the parent's stays the parent's.
 */
static void test_ring_inherited(void)
{
	struct pmm_record out[64];
	struct ring parent;
	int status;
	pid_t child;
	long n;

	if (ring_open(&parent)) {
		check(0, "a ring for the inherited-file test");
		return;
	}
	child = fork();
	if (!child) {
		struct pmm_pid_info info;
		struct ring r = { .fd = parent.fd };

		r.mem = mmap(NULL, ring_map_bytes(), PROT_READ | PROT_WRITE,
			     MAP_SHARED, parent.fd, 0);
		if (r.mem == MAP_FAILED)
			_exit(1);
		r.hdr = r.mem;
		r.ent = (void *)((char *)r.mem + PMM_RING_HEADER_BYTES);
		ring_put(&r, PMM_KIND_MALLOC, 0xf600, 0, 6);
		if (r.hdr->head != 1 || ring_drain(&r) ||
		    get_info(getpid(), &info) || info.log_count != 1)
			_exit(2);
		_exit(0);
	}
	waitpid(child, &status, 0);
	check(WIFEXITED(status) && !WEXITSTATUS(status),
	      "a forked child maps a ring of its own from the file it inherited, and drains it through that file (%d)",
	      WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	n = read_all_logs(child, out, 64, 8);
	check(n == 1 && out[0].ptr == 0xf600 && out[0].size == 6,
	      "  ... its record is the child's: %ld", n);
	check(parent.hdr->head == 0 && ring_drain(&parent) == 0,
	      "  ... the parent's ring is the parent's, untouched");
	set_config(PMM_CFG_STOP_PID, child, 0);
	ring_close(&parent);
}

/*
 * A hook that could not drain its ring stops recording and says so in the
 * ring's header (PMM_RING_STOPPED): the module says it of the process,
 * whose figures are then not what it allocated. A ring without the flag
 * leaves it unsaid (test_ring_fork's child).
 */
static void test_ring_stopped(void)
{
	struct pmm_record out[8];
	struct pmm_pid_info info;
	pid_t child;
	long n;

	child = fork_ring_writer(write_stopped,
				 "a child wrote to its ring and flagged it stopped");
	if (child < 0)
		return;
	memset(&info, 0xcc, sizeof(info));
	check(get_info(child, &info) == 0 && info.stopped == 0,
	      "  ... not said before the module reads the ring (%u)",
	      info.stopped);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	/* The read waits for the ring's release, which may be a worker's. */
	n = read_all_logs(child, out, 8, 4);
	memset(&info, 0xcc, sizeof(info));
	check(n == 1 && get_info(child, &info) == 0 && info.stopped == 1,
	      "  ... said once its ring is applied, with what it held (%u, %ld)",
	      info.stopped, n);
	set_config(PMM_CFG_STOP_PID, child, 0);
}

/*
 * PMM_FORKED: a monitored parent names the child it has just forked, which
 * is monitored from then on, with the parent's object map, before it runs
 * (a daemon's parent exits at once, and the child may not run before the
 * run ends). Its ending is known though it never mapped a ring. Only the
 * caller's own child, and only from a monitored caller.
 */
/*
 * A child whose fork handler mapped its ring before its parent named it has
 * a monitor and, until it sends one, no map: the parent's is given it then
 * too. Killed before it sent its own, it had none: no program, no frame.
 */
static void test_forked_ring_first(const char *text)
{
	int ready[2];
	char back[64], c;
	pid_t child;
	__s32 pid;

	if (pipe(ready))
		return;
	child = fork();
	if (!child) {
		struct ring r;

		close(ready[0]);
		if (ring_open(&r) || write(ready[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	check(read(ready[0], &c, 1) == 1, "a child maps its ring first");
	close(ready[0]);
	check(read_maps(child, back, sizeof(back)) == 0,
	      "  ... it has no map of its own yet");
	pid = child;
	check_errno(pmm_ioctl(PMM_FORKED, &pid), 0,
		    "  ... FORKED of it after that");
	check(read_maps(child, back, sizeof(back)) > 0 && !strcmp(back, text),
	      "  ... it has its parent's object map");
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	set_config(PMM_CFG_STOP_PID, child, 0);
}

static void test_forked(void)
{
	static const char text[] = "the parent's map\n";
	struct pmm_maps m = { .buf = (uintptr_t)text, .len = sizeof(text) - 1 };
	struct pmm_get_config gc, gc2;
	struct pmm_pid_info info;
	char back[64];
	__s32 pid;
	int go;
	pid_t child;

	pid = 0;
	check_errno(pmm_ioctl(PMM_FORKED, &pid), EINVAL, "FORKED of pid 0");
	pid = getpid();
	check_errno(pmm_ioctl(PMM_FORKED, &pid), EINVAL,
		    "FORKED of the caller itself");
	pid = getppid();
	check_errno(pmm_ioctl(PMM_FORKED, &pid), ESRCH,
		    "FORKED of a process that is not the caller's child");
	pid = unused_pid();
	check_errno(pmm_ioctl(PMM_FORKED, &pid), ESRCH, "FORKED of no process");

	check_errno(pmm_ioctl(PMM_RECORD_MAPS, &m), 0, "the parent's own map");
	child = fork_held(&go, NULL);
	if (child < 0)
		return;
	pid = child;
	check_errno(pmm_ioctl(PMM_FORKED, &pid), 0,
		    "FORKED of a child just forked, which has not run");
	memset(&info, 0xcc, sizeof(info));
	check(get_info(child, &info) == 0 && info.ppid == getpid() &&
	      info.state == PMM_STATE_RUNNING && info.unhooked == 0 &&
	      info.log_count == 0 && info.exit_known == 0,
	      "  ... it is monitored, not unhooked (%u)", info.unhooked);
	check(read_maps(child, back, sizeof(back)) > 0 && !strcmp(back, text),
	      "  ... with its parent's object map");
	pmm_ioctl(PMM_GET_CONFIG, &gc);
	check_errno(pmm_ioctl(PMM_FORKED, &pid), 0, "FORKED of it again");
	pmm_ioctl(PMM_GET_CONFIG, &gc2);
	check(gc2.nr_monitored == gc.nr_monitored,
	      "  ... the same monitor (%u -> %u)", gc.nr_monitored,
	      gc2.nr_monitored);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	close(go);
	memset(&info, 0xcc, sizeof(info));
	check(get_info(child, &info) == 0 && info.state == PMM_STATE_EXITED &&
	      info.exit_known == 1 && WIFSIGNALED(info.wait_status) &&
	      WTERMSIG(info.wait_status) == SIGKILL,
	      "  ... killed with no ring: its ending is known (%u, %#x)",
	      info.exit_known, info.wait_status);
	set_config(PMM_CFG_STOP_PID, child, 0);
	test_forked_ring_first(text);

	/* An unmonitored process (no ring, no START_PID) takes in no child. */
	child = fork();
	if (!child) {
		pid_t grandchild = fork_held(&go, NULL);

		pid = grandchild;
		check_errno(pmm_ioctl(PMM_FORKED, &pid), ESRCH,
			    "FORKED by a process that is not monitored");
		set_config(PMM_CFG_START_PID, grandchild, 0);
		check_errno(pmm_ioctl(PMM_FORKED, &pid), ESRCH,
			    "  ... nor of a child monitored already");
		set_config(PMM_CFG_STOP_PID, grandchild, 0);
		release_held(go);
		waitpid(grandchild, NULL, 0);
		_exit(0);
	}
	waitpid(child, NULL, 0);
}

/* A call made on another thread, to be watched from this one. */
struct pmm_call {
	pthread_t thread;
	unsigned long cmd;
	void *arg;
	int err;
	int done;
};

static void *pmm_call_fn(void *p)
{
	struct pmm_call *call = p;

	call->err = pmm_ioctl(call->cmd, call->arg);
	__atomic_store_n(&call->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void *ring_map_fn(void *p)
{
	struct pmm_call *call = p;
	struct ring r;

	call->err = ring_open(&r);
	if (!call->err)
		ring_close(&r);
	__atomic_store_n(&call->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int pmm_call_start(struct pmm_call *call, void *(*fn)(void *),
			  unsigned long cmd, void *arg)
{
	call->cmd = cmd;
	call->arg = arg;
	call->err = -1;
	call->done = 0;
	return pthread_create(&call->thread, NULL, fn, call);
}

/* Whether the call finished within ms. */
static int pmm_call_wait(struct pmm_call *call, int ms)
{
	for (; ms > 0; ms -= 10) {
		if (__atomic_load_n(&call->done, __ATOMIC_ACQUIRE))
			return 1;
		usleep(10000);
	}
	return __atomic_load_n(&call->done, __ATOMIC_ACQUIRE);
}

/*
 * A command that writes out to a page whose fault does not resolve (a
 * userfaultfd page, as a slow FUSE file would be) must not hold pmm_lock
 * meanwhile: others would wait on it, and the ring's mmap, which takes
 * pmm_lock under mmap_lock, would deadlock against the fault's resolution.
 */
static void stalled_copy_out(unsigned long cmd, void *arg, char *area,
			     int uffd, const char *name)
{
	struct pmm_call call, other, mapper;
	struct uffdio_zeropage zero;
	struct pmm_get_config gc;
	struct uffd_msg msg;
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };
	int faulted, free_to_go = 0;

	if (pmm_call_start(&call, pmm_call_fn, cmd, arg))
		return;
	faulted = poll(&pfd, 1, 5000) == 1 &&
		  read(uffd, &msg, sizeof(msg)) == sizeof(msg) &&
		  msg.event == UFFD_EVENT_PAGEFAULT;
	check(faulted && !call.done, "%s stalls on a userfaultfd page", name);
	if (faulted && !pmm_call_start(&other, pmm_call_fn, PMM_GET_CONFIG,
				       &gc)) {
		free_to_go = pmm_call_wait(&other, 3000);
		check(free_to_go && !other.err,
		      "  ... while GET_CONFIG on another thread goes through");
	}
	/* Only safe to try when pmm_lock is free: else it would deadlock. */
	if (free_to_go && !pmm_call_start(&mapper, ring_map_fn, 0, NULL)) {
		check(pmm_call_wait(&mapper, 3000) && !mapper.err,
		      "  ... and so does mapping a ring");
		pthread_join(mapper.thread, NULL);
	}
	zero.range.start = (uintptr_t)area;
	zero.range.len = page_size();
	zero.mode = 0;
	ioctl(uffd, UFFDIO_ZEROPAGE, &zero);
	pthread_join(call.thread, NULL);
	if (faulted)
		pthread_join(other.thread, NULL);
	check_errno(call.err, 0, "  ... and finishes once the page is there");
}

/*
 * A page whose first touch stalls until the test supplies it: a copy into
 * or out of it holds whatever the copying kernel code holds meanwhile.
 */
static char *uffd_page(int *uffd_out, const char *what)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;
	char *area;
	int uffd;

	uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	area = mmap(NULL, page_size(), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(&reg, 0, sizeof(reg));
	reg.range.start = (uintptr_t)area;
	reg.range.len = page_size();
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	check(uffd >= 0 && !ioctl(uffd, UFFDIO_API, &api) &&
	      area != MAP_FAILED && !ioctl(uffd, UFFDIO_REGISTER, &reg),
	      what);
	if (uffd < 0 || area == MAP_FAILED)
		return NULL;
	*uffd_out = uffd;
	return area;
}

static void test_stalled_copies(void)
{
	struct pmm_read_mismatches rm;
	struct pmm_monitored_pids mp;
	struct pmm_maps m;
	char *area;
	int uffd;

	area = uffd_page(&uffd, "a userfaultfd page");
	if (!area)
		return;

	memset(&mp, 0, sizeof(mp));
	mp.pids = (uintptr_t)area;
	mp.max = 4;
	stalled_copy_out(PMM_MONITORED_PIDS, &mp, area, uffd,
			 "MONITORED_PIDS");
	check(mp.count >= 1 &&
	      ((struct pmm_pid_info *)area)->pid == getpid(),
	      "  ... with this process's entry");
	/* Missing again, for the next stall. */
	madvise(area, page_size(), MADV_DONTNEED);
	memset(&m, 0, sizeof(m));
	m.pid = getpid();
	m.buf = (uintptr_t)area;
	m.len = page_size();
	stalled_copy_out(PMM_READ_MAPS, &m, area, uffd, "READ_MAPS");
	check(m.len == 5 && !memcmp(area, "short", 5),
	      "  ... with the maps text");
	/* test_cxx_kinds left this process two mismatches to copy out. */
	madvise(area, page_size(), MADV_DONTNEED);
	memset(&rm, 0, sizeof(rm));
	rm.pid = getpid();
	rm.max = 1;
	rm.mismatches = (uintptr_t)area;
	stalled_copy_out(PMM_READ_MISMATCHES, &rm, area, uffd,
			 "READ_MISMATCHES");
	check(rm.count == 1 && rm.total >= 2 &&
	      ((struct pmm_mismatch *)area)->alloc_kind == PMM_KIND_NEW_ARRAY,
	      "  ... with the first mismatch");
	close(uffd);
	munmap(area, page_size());
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What the late-release children keep, for process_vm_readv to read. */
static char late_src[64] = "the child's memory";

/* A process_vm_readv from a child, into a page that may stall it. */
struct vm_reader {
	pthread_t thread;
	pid_t pid;
	void *dst;
	ssize_t got;
	int done;
};

static void *vm_reader_fn(void *p)
{
	struct vm_reader *v = p;
	struct iovec local = { .iov_base = v->dst, .iov_len = sizeof(late_src) };
	struct iovec remote = { .iov_base = late_src,
				.iov_len = sizeof(late_src) };

	v->got = process_vm_readv(v->pid, &local, 1, &remote, 1, 0);
	__atomic_store_n(&v->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Supplies the stalled page after a while, from another thread. */
struct uffd_later {
	pthread_t thread;
	int uffd;
	void *area;
	int ms;
};

static void *uffd_later_fn(void *p)
{
	struct uffd_later *l = p;
	struct uffdio_zeropage zero;

	usleep(l->ms * 1000);
	zero.range.start = (uintptr_t)l->area;
	zero.range.len = page_size();
	zero.mode = 0;
	ioctl(l->uffd, UFFDIO_ZEROPAGE, &zero);
	return NULL;
}

/*
 * A monitored child writes its ring, never drains it and exits while this
 * process holds its mm: a process_vm_readv from the child, stalled on a
 * userfaultfd page, keeps mm_users up, so the child's exit_mm() leaves the
 * ring mapped and its release (which applies the records) comes only when
 * the copy finishes, hold_ms after the child was reaped. A reader asking
 * at once waits for it, or gives up after its 2 s bound and counts that.
 */
static void late_release(int uffd, char *area, int hold_ms, int pids_first)
{
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };
	struct pmm_stats before, after;
	struct pmm_record out[64];
	struct pmm_pid_info info;
	struct uffd_later later;
	int ready[2], go[2], status, stalled;
	struct vm_reader v;
	struct uffd_msg msg;
	long n, t0, took;
	pid_t child;
	char c = 0;

	if (pipe(ready) || pipe(go))
		return;
	child = fork();
	if (!child) {
		struct ring r;

		close(ready[0]);
		close(go[1]);
		c = 'E';
		if (!set_config(PMM_CFG_START_PID, getpid(), 0) &&
		    !ring_open(&r)) {
			ring_put(&r, PMM_KIND_MALLOC, 0xa100, 0, 11);
			ring_put(&r, PMM_KIND_MALLOC, 0xa200, 0, 22);
			ring_put(&r, PMM_KIND_CALLOC, 0xa300, 0, 33);
			ring_put(&r, PMM_KIND_FREE, 0xa200, 0, 0);
			/* As the hook does: only the mapping holds the file. */
			close(r.fd);
			c = 'R';
		}
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		/* Exits when the parent closes its end. */
		if (read(go[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	check(read(ready[0], &c, 1) == 1 && c == 'R',
	      "late release (%d ms): a child wrote its ring, undrained",
	      hold_ms);
	close(ready[0]);
	memset(&before, 0, sizeof(before));
	get_stats(&before);

	madvise(area, page_size(), MADV_DONTNEED);
	memset(&v, 0, sizeof(v));
	v.pid = child;
	v.dst = area;
	if (pthread_create(&v.thread, NULL, vm_reader_fn, &v)) {
		close(go[1]);
		waitpid(child, &status, 0);
		return;
	}
	stalled = poll(&pfd, 1, 5000) == 1 &&
		  read(uffd, &msg, sizeof(msg)) == sizeof(msg) &&
		  msg.event == UFFD_EVENT_PAGEFAULT &&
		  !__atomic_load_n(&v.done, __ATOMIC_ACQUIRE);
	check(stalled,
	      "  ... a process_vm_readv from it stalls, holding its mm");
	close(go[1]);
	check(waitpid(child, &status, 0) == child && WIFEXITED(status) &&
	      !WEXITSTATUS(status), "  ... the child exited and was reaped");

	later.uffd = uffd;
	later.area = area;
	later.ms = hold_ms;
	if (pthread_create(&later.thread, NULL, uffd_later_fn, &later))
		later.ms = -1;
	t0 = now_ms();
	memset(&info, 0xcc, sizeof(info));
	if (pids_first) {
		check(get_info(child, &info) == 0 &&
		      info.state == PMM_STATE_EXITED && info.log_count == 2,
		      "  ... MONITORED_PIDS at once waits for its ring: %llu records, %lld ms",
		      (unsigned long long)info.log_count,
		      (long long)(now_ms() - t0));
	}
	memset(out, 0xcc, sizeof(out));
	n = read_all_logs(child, out, 64, 8);
	took = now_ms() - t0;
	if (hold_ms < 2000) {
		/* The records come only with the page: so it really waited. */
		check(n == 2 && out[0].ptr == 0xa100 && out[0].size == 11 &&
		      out[1].ptr == 0xa300 && out[1].kind == PMM_KIND_CALLOC &&
		      took >= hold_ms / 2,
		      "  ... READ_LOGS at once waits for its ring: %ld records, %ld ms",
		      n, took);
	} else {
		check(n == 0 && took >= 1500 && took < hold_ms,
		      "  ... READ_LOGS gives up after its bound: %ld records, %ld ms",
		      n, took);
		memset(&after, 0, sizeof(after));
		t0 = now_ms();
		check(!get_stats(&after) &&
		      after.ring_wait_timeouts == before.ring_wait_timeouts + 1 &&
		      now_ms() - t0 < 1000,
		      "  ... GET_STATS counts it (%llu -> %llu) and does not wait again",
		      (unsigned long long)before.ring_wait_timeouts,
		      (unsigned long long)after.ring_wait_timeouts);
	}
	if (later.ms >= 0)
		pthread_join(later.thread, NULL);
	pthread_join(v.thread, NULL);
	check(v.got == sizeof(late_src) && !strcmp(area, late_src),
	      "  ... the process_vm_readv finished: %zd bytes", v.got);
	/* Its mmput was the last: the release ran before it returned. */
	n = read_all_logs(child, out, 64, 8);
	check(n == 2, "  ... then the ring's records are there: %ld", n);
	check_errno(set_config(PMM_CFG_STOP_PID, child, 0), 0,
		    "  ... STOP_PID of the child");
}

static void test_late_release(void)
{
	char *area;
	int uffd;

	area = uffd_page(&uffd, "a userfaultfd page for the late releases");
	if (!area)
		return;
	late_release(uffd, area, 300, 0);
	late_release(uffd, area, 300, 1);
	late_release(uffd, area, 3000, 0);
	close(uffd);
	munmap(area, page_size());
}

/* pid's samples from cursor; count, and the cursor after, in *rs. */
static int read_samples(pid_t pid, __u64 cursor, __u32 max,
			struct pmm_sample *out, struct pmm_read_samples *rs)
{
	memset(rs, 0xcc, sizeof(*rs));
	rs->pid = pid;
	rs->max = max;
	rs->cursor = cursor;
	rs->samples = (uintptr_t)out;
	rs->pad = 0;
	return pmm_ioctl(PMM_READ_SAMPLES, rs);
}

/*
 * The history holds PMM_MAX_SAMPLES and drops the oldest: at the shortest
 * INTERVAL (100 ms) it fills in about 26 s, the cost of seeing it wrap.
 * SCAN 0 then freezes it, so that the checks read a still history.
 */
static void test_samples_bound(void)
{
	static struct pmm_sample s[PMM_MAX_SAMPLES], one;
	struct pmm_read_samples rs;
	struct pmm_pid_info info;
	__u64 nr = 0, oldest, min_gap = ~0ull;
	int i, polls, err, bad = 0;
	pid_t child;

	check_errno(set_config(PMM_CFG_INTERVAL, 0, 100), 0, "INTERVAL 100");
	child = spawn_sleeper();
	check_errno(set_config(PMM_CFG_START_PID, child, 0), 0,
		    "START_PID of a sleeping child");
	for (polls = 0; polls < 120 && nr < PMM_MAX_SAMPLES + 4; polls++) {
		usleep(500000);
		if (read_samples(child, 0, PMM_MAX_SAMPLES, s, &rs))
			break;
		nr = rs.cursor;
	}
	check_errno(set_config(PMM_CFG_SCAN, 0, 0), 0, "SCAN 0");
	err = read_samples(child, 0, PMM_MAX_SAMPLES, s, &rs);
	check(!err && rs.cursor > PMM_MAX_SAMPLES,
	      "%llu samples taken in %d polls of 0.5 s",
	      (unsigned long long)rs.cursor, polls);
	nr = rs.cursor;
	oldest = nr - PMM_MAX_SAMPLES;
	usleep(400000);
	check(!read_samples(child, nr, 1, &one, &rs) && rs.count == 0 &&
	      rs.cursor == nr, "SCAN 0: no samples taken");

	err = read_samples(child, 0, PMM_MAX_SAMPLES, s, &rs);
	check(!err && rs.count == PMM_MAX_SAMPLES && rs.cursor == nr &&
	      rs.pad == 0,
	      "from cursor 0: the %d kept, cursor %llu: %llu lost",
	      rs.count, (unsigned long long)rs.cursor,
	      (unsigned long long)(rs.cursor - rs.count));
	for (i = 1; i < PMM_MAX_SAMPLES; i++) {
		__u64 gap = s[i].time_ns - s[i - 1].time_ns;

		bad += s[i].time_ns <= s[i - 1].time_ns ||
		       s[i].vm_bytes < s[i].rss_bytes || !s[i].rss_bytes;
		if (gap < min_gap)
			min_gap = gap;
	}
	check(!bad && min_gap >= 90000000ull,
	      "  ... in order, an INTERVAL apart (closest %llu ms), %d bad",
	      (unsigned long long)(min_gap / 1000000), bad);
	check(!read_samples(child, oldest, 1, &one, &rs) && rs.count == 1 &&
	      rs.cursor == oldest + 1 && one.time_ns == s[0].time_ns,
	      "from the oldest kept: it");
	check(!read_samples(child, oldest - 1, 1, &one, &rs) && rs.count == 1 &&
	      rs.cursor == oldest + 1 && one.time_ns == s[0].time_ns,
	      "from the newest lost: the oldest kept, cursor says 1 lost");
	check(!read_samples(child, nr - 1, 4, s, &rs) && rs.count == 1 &&
	      rs.cursor == nr, "from the newest: just it");
	check(!read_samples(child, ~0ull, 4, s, &rs) && rs.count == 0 &&
	      rs.cursor == ~0ull, "from cursor ~0: none, cursor kept");
	check_errno(read_samples(-1, 0, 1, s, &rs), EINVAL,
		    "READ_SAMPLES pid -1");
	check_errno(read_samples(child, 0, 1, (void *)8, &rs), EFAULT,
		    "READ_SAMPLES into address 8");

	/* An exited process is sampled no more. */
	check_errno(set_config(PMM_CFG_SCAN, 0, 1), 0, "SCAN 1");
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	wait_exited(child, &info);
	read_samples(child, 0, PMM_MAX_SAMPLES, s, &rs);
	nr = rs.cursor;
	usleep(400000);
	check(!read_samples(child, 0, PMM_MAX_SAMPLES, s, &rs) &&
	      rs.cursor == nr, "no samples after the process exited");
	check_errno(set_config(PMM_CFG_STOP_PID, child, 0), 0,
		    "STOP_PID of the sleeping child");
	check_errno(set_config(PMM_CFG_INTERVAL, 0, 10000), 0, "INTERVAL 10000");
}

/* After STOP_PID of itself: a ring of an unmonitored process. */
static void test_ring_unmonitored(void)
{
	struct pmm_get_config gc;
	struct ring r;

	check_errno(ring_open(&r), 0, "an unmonitored process maps a ring");
	ring_put(&r, PMM_KIND_MALLOC, 0x1234, 0, 1);
	check_errno(ring_drain(&r), ESRCH, "  ... RING_DRAIN: not monitored");
	check(ring_seq(&r, 0) == PMM_RING_ENTRIES,
	      "  ... the record was taken and thrown away");
	ring_close(&r);
	memset(&gc, 0xcc, sizeof(gc));
	pmm_ioctl(PMM_GET_CONFIG, &gc);
	check(gc.nr_monitored == 0 && gc.total_records == 0,
	      "  ... nor did the mmap or the release monitor it");
}

/*
 * A drain through a file with no ring of its own drains the ring the
 * process mapped elsewhere, which another of its threads may unmap and
 * close meanwhile: the drain found that ring and then locked and applied
 * it after its release had freed it (an oops within two seconds). The
 * mapper runs SCHED_FIFO, so that it cuts in on the drain.
 */
static int drain_race_stop;

static void *drain_race_drainer(void *arg)
{
	long *unexpected = arg;
	int fd = open(PMM_DEVICE_PATH, O_RDWR);

	while (!__atomic_load_n(&drain_race_stop, __ATOMIC_RELAXED))
		if (ioctl(fd, PMM_RING_DRAIN) && errno != EINVAL && errno != ESRCH)
			++*unexpected;
	close(fd);
	return NULL;
}

static void test_ring_drain_race(void)
{
	struct sched_param fifo = { .sched_priority = 10 };
	struct timespec end, now;
	long unexpected = 0, cycles = 0;
	unsigned int seed = 1;
	pthread_t drainer;
	struct ring r;

	drain_race_stop = 0;
	pthread_create(&drainer, NULL, drain_race_drainer, &unexpected);
	pthread_setschedparam(pthread_self(), SCHED_FIFO, &fifo);
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += 3;
	do {
		struct timespec pause = { 0, 20000 + rand_r(&seed) % 400000 };

		if (ring_open(&r))
			break;
		nanosleep(&pause, NULL);
		ring_close(&r);
		cycles++;
		pause.tv_nsec = 1000000;
		nanosleep(&pause, NULL);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec < end.tv_sec ||
		 (now.tv_sec == end.tv_sec && now.tv_nsec < end.tv_nsec));
	fifo.sched_priority = 0;
	pthread_setschedparam(pthread_self(), SCHED_OTHER, &fifo);
	__atomic_store_n(&drain_race_stop, 1, __ATOMIC_RELAXED);
	pthread_join(drainer, NULL);
	check(cycles > 100 && !unexpected,
	      "a drain through another file races its ring's unmap and close: %ld rings, %ld unexpected errors",
	      cycles, unexpected);
}

/* Run on a module loaded with a small max_records. */
static void test_limits(void)
{
	struct pmm_record *recs;
	struct pmm_pid_info info;
	unsigned long max = 0;
	FILE *f = fopen("/sys/module/pmm/parameters/max_records", "r");
	unsigned long i;

	check(f && fscanf(f, "%lu", &max) == 1 && max && max <= PMM_MAX_BATCH - 10,
	      "max_records is %lu (small enough to test)", max);
	if (f)
		fclose(f);
	if (!max || max > PMM_MAX_BATCH - 10)
		return;
	recs = calloc(max + 10, sizeof(*recs));
	for (i = 0; i < max + 10; i++)
		recs[i] = make_rec(PMM_KIND_MALLOC, 0x100 * (i + 1), 0, 1);
	check_errno(set_config(PMM_CFG_START_PID, getpid(), 0), 0,
		    "START_PID self");
	check_errno(record_log(recs, max + 10), 0, "RECORD_LOG max + 10");
	get_info(getpid(), &info);
	check(info.log_count == max && info.dropped == 10,
	      "kept %llu, dropped %llu", (unsigned long long)info.log_count,
	      (unsigned long long)info.dropped);
	check_errno(record_one(PMM_KIND_FREE, 0x100, 0, 0), 0, "free one");
	check_errno(record_one(PMM_KIND_MALLOC, 0x42, 0, 1), 0, "malloc one");
	get_info(getpid(), &info);
	check(info.log_count == max && info.dropped == 10,
	      "room for one again: kept %llu, dropped %llu",
	      (unsigned long long)info.log_count,
	      (unsigned long long)info.dropped);
	check_errno(set_config(PMM_CFG_STOP_PID, getpid(), 0), 0,
		    "STOP_PID self");
	free(recs);
}

int main(int argc, char **argv)
{
	counts = mmap(NULL, sizeof(*counts), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (counts == MAP_FAILED)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);

	pmm_fd = open(PMM_DEVICE_PATH, O_RDWR);
	check(pmm_fd >= 0, "open %s", PMM_DEVICE_PATH);
	if (pmm_fd < 0)
		goto out;

	if (argc > 1 && !strcmp(argv[1], "limits")) {
		test_limits();
		goto out;
	}

	test_device();
	test_bad_commands();
	test_get_config_defaults();
	test_set_config();
	test_bad_pointers();
	test_record_log_invalid();
	test_record_matching();
	test_read_logs_invalid();
	test_big_batches();
	test_big_batches_free();
	test_cxx_kinds();
	test_aligned_kinds();
	test_monitored_pids();
	test_stacks();
	test_maps();
	test_stalled_copies();
	test_proc_cfg();
	test_proc_pid();
	test_proc_pid_long();
	test_killed_child();
	test_samples();
	test_samples_bound();
	test_stats();
	/* Their children's START_PID and STOP_PID change /proc/pmm/cfg. */
	test_read_mismatches_invalid();
	test_mismatches("RECORD_LOG", 0);
	test_mismatches("ring", 1);
	test_mismatches_bound();
	test_ring_mmap_invalid();
	test_ring_records();
	test_ring_cancel();
	test_ring_msync();
	test_ring_forked();
	test_ring_fork();
	test_ring_inherited();
	test_ring_stopped();
	test_ring_overwritten();
	test_forked();
	test_maps_children();
	test_late_release();
	test_unprivileged();
	test_stress();
	/* Last: it leaves records and dropped counts that test_stop_self clears. */
	test_caps();
	test_stop_self();
	test_ring_unmonitored();
	test_ring_drain_race();
out:
	printf("%d passed, %d failed\n", counts->passed, counts->failed);
	return counts->failed ? 1 : 0;
}
