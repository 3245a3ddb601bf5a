/* monitor: pmd's side of pmm.ko, the ioctls on /dev/pmm that start, stop and read back a monitor. */
#include "monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "replaced.h"

/* Records moved per PMM_READ_LOGS call: 1024 * 160 bytes keeps each copy well under a megabyte. */
#define MONITOR_LOGS_PAGE 1024

/* The largest object map pmd will grow its buffer to when the module keeps answering ENOSPC. */
#define MONITOR_MAPS_LIMIT (64u << 20)

static int monitor_fail(char *err, size_t errlen, const char *ioctl_name, pid_t pid)
{
	int saved = errno;

	if (pid > 0)
		snprintf(err, errlen, "%s for pid %d on %s: %s", ioctl_name, (int)pid,
			 PMM_DEVICE_PATH, strerror(saved));
	else
		snprintf(err, errlen, "%s on %s: %s", ioctl_name, PMM_DEVICE_PATH, strerror(saved));
	errno = saved;
	return -1;
}

/*
 * A call about a monitor that pmm.ko does not have: its ESRCH read "No such process" of a process that
 * may well be running, only not monitored (or stopped already).
 */
static int monitor_fail_unmonitored(char *err, size_t errlen, const char *ioctl_name, pid_t pid)
{
	if (errno != ESRCH)
		return monitor_fail(err, errlen, ioctl_name, pid);
	snprintf(err, errlen, "%s for pid %d on %s: pid %d is not monitored", ioctl_name, (int)pid,
		 PMM_DEVICE_PATH, (int)pid);
	return -1;
}

int monitor_open(int *fd, char *err, size_t errlen)
{
	*fd = open(PMM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (*fd < 0) {
		int saved = errno;
		snprintf(err, errlen, "open %s: %s (is pmm.ko loaded?)", PMM_DEVICE_PATH,
			 strerror(saved));
		errno = saved;
		return -1;
	}
	return 0;
}

static int monitor_set(int fd, __u32 op, pid_t pid, __u32 value, const char *what, char *err, size_t errlen)
{
	struct pmm_set_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.op = op;
	cfg.pid = pid;
	cfg.value = value;
	if (ioctl(fd, PMM_SET_CONFIG, &cfg) < 0)
		return op == PMM_CFG_STOP_PID ? monitor_fail_unmonitored(err, errlen, what, pid)
					      : monitor_fail(err, errlen, what, pid);
	return 0;
}

int monitor_start(int fd, pid_t pid, char *err, size_t errlen)
{
	return monitor_set(fd, PMM_CFG_START_PID, pid, 0, "PMM_SET_CONFIG START_PID", err, errlen);
}

/*
 * pmthread's scan on, as pmm.ko starts: a program of an earlier run in this guest may have turned it off
 * through /proc/pmm/cfg (it runs as root), and a run without it has no samples, so that growth mode
 * judged nothing and asked for a longer run.
 */
int monitor_scan_on(int fd, char *err, size_t errlen)
{
	return monitor_set(fd, PMM_CFG_SCAN, 0, 1, "PMM_SET_CONFIG SCAN", err, errlen);
}

int monitor_stop(int fd, pid_t pid, char *err, size_t errlen)
{
	return monitor_set(fd, PMM_CFG_STOP_PID, pid, 0, "PMM_SET_CONFIG STOP_PID", err, errlen);
}

int monitor_get_config(int fd, struct pmm_get_config *cfg, char *err, size_t errlen)
{
	memset(cfg, 0, sizeof(*cfg));
	if (ioctl(fd, PMM_GET_CONFIG, cfg) < 0)
		return monitor_fail(err, errlen, "PMM_GET_CONFIG", 0);
	return 0;
}

int monitor_pids(int fd, struct pmm_pid_info **pids, size_t *count, char *err, size_t errlen)
{
	struct pmm_monitored_pids req;
	struct pmm_pid_info *array = NULL;
	__u32 max = 64;

	/* The count can grow between calls, so ask again until everything fit. */
	for (;;) {
		struct pmm_pid_info *grown = realloc(array, max * sizeof(*array));
		if (!grown)
			abort();
		array = grown;
		memset(&req, 0, sizeof(req));
		req.pids = (__u64)(uintptr_t)array;
		req.max = max;
		if (ioctl(fd, PMM_MONITORED_PIDS, &req) < 0) {
			free(array);
			return monitor_fail(err, errlen, "PMM_MONITORED_PIDS", 0);
		}
		if (req.count <= max)
			break;
		max = req.count + 16;
	}
	*pids = array;
	*count = req.count;
	return 0;
}

int monitor_pid_info(int fd, pid_t handle, struct pmm_pid_info *info, char *err, size_t errlen)
{
	struct pmm_pid_info *pids;
	size_t count, i;

	if (monitor_pids(fd, &pids, &count, err, errlen))
		return -1;
	for (i = 0; i < count; i++) {
		if (pids[i].handle == handle) {
			*info = pids[i];
			free(pids);
			return 0;
		}
	}
	free(pids);
	errno = ESRCH;
	snprintf(err, errlen, "PMM_MONITORED_PIDS on %s: pid %d is not monitored",
		 PMM_DEVICE_PATH, (int)handle);
	return -1;
}

/* A page the module filled beyond what was asked for: pmd and the module disagree. */
static int monitor_too_many(char *err, size_t errlen, const char *what, pid_t pid, __u32 count, __u32 max)
{
	errno = EPROTO;
	snprintf(err, errlen, "%s for pid %d on %s: count %u exceeds max %u", what, (int)pid,
		 PMM_DEVICE_PATH, count, max);
	return -1;
}

int monitor_read_logs(int fd, pid_t pid, struct pmm_record **records, size_t *count,
		      char *err, size_t errlen)
{
	struct pmm_record *array = NULL;
	size_t len = 0, cap = 0;
	__u64 cursor = 0;

	for (;;) {
		struct pmm_read_logs req;

		if (cap - len < MONITOR_LOGS_PAGE) {
			cap = cap ? cap * 2 : MONITOR_LOGS_PAGE;
			struct pmm_record *grown = realloc(array, cap * sizeof(*array));
			if (!grown)
				abort();
			array = grown;
		}
		memset(&req, 0, sizeof(req));
		req.pid = pid;
		req.max = MONITOR_LOGS_PAGE;
		req.cursor = cursor;
		req.records = (__u64)(uintptr_t)(array + len);
		if (ioctl(fd, PMM_READ_LOGS, &req) < 0) {
			free(array);
			return monitor_fail_unmonitored(err, errlen, "PMM_READ_LOGS", pid);
		}
		if (req.count == 0)
			break;
		if (req.count > MONITOR_LOGS_PAGE) {
			free(array);
			return monitor_too_many(err, errlen, "PMM_READ_LOGS", pid, req.count, MONITOR_LOGS_PAGE);
		}
		len += req.count;
		cursor = req.cursor;
	}
	*records = array;
	*count = len;
	return 0;
}

int monitor_read_maps(int fd, pid_t pid, __u32 image, struct buf *maps, __u32 *mismatches_before,
		      char *err, size_t errlen)
{
	size_t size = 64 * 1024;

	for (;;) {
		struct pmm_maps req;

		buf_reserve(maps, size);
		memset(&req, 0, sizeof(req));
		req.pid = pid;
		req.len = (__u32)size;
		req.buf = (__u64)(uintptr_t)(maps->data + maps->len);
		req.image = image;
		if (ioctl(fd, PMM_READ_MAPS, &req) == 0) {
			if (mismatches_before)
				*mismatches_before = req.mismatches_before;
			if (req.len > size) {
				errno = EPROTO;
				snprintf(err, errlen, "PMM_READ_MAPS for pid %d on %s: length %u exceeds "
					 "the buffer's %zu", (int)pid, PMM_DEVICE_PATH, req.len, size);
				return -1;
			}
			maps->len += req.len;
			maps->data[maps->len] = '\0';
			return 0;
		}
		if (errno == ENOENT && image > 0)
			return -1;
		if (errno != ENOSPC || size >= MONITOR_MAPS_LIMIT)
			return monitor_fail(err, errlen, "PMM_READ_MAPS", pid);
		/* On ENOSPC the module says in len how much room the text needs. */
		size = req.len > size && req.len <= MONITOR_MAPS_LIMIT ? req.len : size * 2;
	}
}

int monitor_read_mismatches(int fd, pid_t pid, struct pmm_mismatch **mismatches, size_t *count,
			    __u64 *total, char *err, size_t errlen)
{
	struct pmm_mismatch *array = calloc(PMM_MAX_MISMATCHES, sizeof(*array));
	size_t len = 0;
	__u64 cursor = 0;

	if (!array)
		abort();
	*total = 0;
	/* The module keeps at most PMM_MAX_MISMATCHES: the array holds them all, paged or not. */
	while (len < PMM_MAX_MISMATCHES) {
		struct pmm_read_mismatches req;
		__u32 room = (__u32)(PMM_MAX_MISMATCHES - len);

		memset(&req, 0, sizeof(req));
		req.pid = pid;
		req.max = room;
		req.cursor = cursor;
		req.mismatches = (__u64)(uintptr_t)(array + len);
		if (ioctl(fd, PMM_READ_MISMATCHES, &req) < 0) {
			free(array);
			return monitor_fail(err, errlen, "PMM_READ_MISMATCHES", pid);
		}
		*total = req.total;
		if (req.count == 0)
			break;
		if (req.count > room) {
			free(array);
			return monitor_too_many(err, errlen, "PMM_READ_MISMATCHES", pid, req.count, room);
		}
		len += req.count;
		cursor = req.cursor;
	}
	*mismatches = array;
	*count = len;
	return 0;
}

int monitor_read_samples(int fd, pid_t pid, struct pmm_sample **samples, size_t *count,
			 char *err, size_t errlen)
{
	struct pmm_read_samples req;
	struct pmm_sample *array = calloc(PMM_MAX_SAMPLES, sizeof(*array));

	if (!array)
		abort();
	/* The module keeps at most PMM_MAX_SAMPLES, so one call from the oldest kept reads them all. */
	memset(&req, 0, sizeof(req));
	req.pid = pid;
	req.max = PMM_MAX_SAMPLES;
	req.samples = (__u64)(uintptr_t)array;
	if (ioctl(fd, PMM_READ_SAMPLES, &req) < 0) {
		free(array);
		return monitor_fail(err, errlen, "PMM_READ_SAMPLES", pid);
	}
	if (req.count > PMM_MAX_SAMPLES) {
		free(array);
		return monitor_too_many(err, errlen, "PMM_READ_SAMPLES", pid, req.count, PMM_MAX_SAMPLES);
	}
	*samples = array;
	*count = req.count;
	return 0;
}

/* The maps of the images pid left with mismatches kept: at most one per mismatch, so never many. */
static int monitor_read_images(int fd, pid_t pid, struct monitor_collection *c, char *err, size_t errlen)
{
	for (;;) {
		struct monitor_image *images = realloc(c->images, (c->nimages + 1) * sizeof(*images));

		if (!images) {
			snprintf(err, errlen, "reading pid %d's earlier object maps: out of memory", (int)pid);
			return -1;
		}
		c->images = images;
		memset(&images[c->nimages], 0, sizeof(*images));
		if (monitor_read_maps(fd, pid, (__u32)c->nimages + 1, &images[c->nimages].maps,
				      &images[c->nimages].mismatches_before, err, errlen)) {
			int gone = errno == ENOENT;

			buf_free(&images[c->nimages].maps);
			return gone ? 0 : -1;
		}
		c->nimages++;
	}
}

int monitor_collect(int fd, pid_t pid, struct monitor_collection *c, char *err, size_t errlen)
{
	struct pmm_pid_info info;
	size_t i;

	memset(c, 0, sizeof(*c));
	if (monitor_read_logs(fd, pid, &c->records, &c->count, err, errlen))
		return -1;
	for (i = 0; i < c->count; i++) {
		__u32 kind = c->records[i].kind;
		if (!pmm_kind_makes_block(kind)) {
			snprintf(err, errlen, "PMM_READ_LOGS for pid %d on %s: record %zu has kind %u, "
				 "not an allocation", (int)pid, PMM_DEVICE_PATH, i, kind);
			goto out_free;
		}
	}
	if (monitor_read_mismatches(fd, pid, &c->mismatches, &c->nmismatches, &c->mismatched_frees,
				    err, errlen))
		goto out_free;
	for (i = 0; i < c->nmismatches; i++) {
		const struct pmm_mismatch *m = &c->mismatches[i];
		if (!pmm_kind_makes_block(m->alloc_kind) || !pmm_kind_releases_block(m->release_kind)) {
			snprintf(err, errlen, "PMM_READ_MISMATCHES for pid %d on %s: mismatch %zu has "
				 "kinds %u and %u, not an allocation's and a release's", (int)pid,
				 PMM_DEVICE_PATH, i, m->alloc_kind, m->release_kind);
			goto out_free;
		}
	}
	if (monitor_read_maps(fd, pid, 0, &c->maps, NULL, err, errlen))
		goto out_free;
	replaced_mark(&c->maps);
	if (monitor_read_images(fd, pid, c, err, errlen))
		goto out_free;
	for (i = 0; i < c->nimages; i++)
		replaced_mark(&c->images[i].maps);
	if (monitor_read_samples(fd, pid, &c->samples, &c->nsamples, err, errlen))
		goto out_free;
	if (monitor_pid_info(fd, pid, &info, err, errlen))
		goto out_free;
	c->unmatched_frees = info.unmatched_frees;
	c->dropped = info.dropped;
	c->wait_status = info.wait_status;
	c->exit_known = info.exit_known != 0;
	c->unhooked = info.unhooked != 0;
	c->no_device = info.unhooked == PMM_UNHOOKED_NO_DEVICE;
	c->stopped = info.stopped != 0;
	c->overwritten = info.stopped == PMM_STOPPED_OVERWRITTEN;
	return 0;

out_free:
	monitor_collection_free(c);
	return -1;
}

void monitor_collection_free(struct monitor_collection *c)
{
	free(c->records);
	free(c->mismatches);
	free(c->samples);
	buf_free(&c->maps);
	for (size_t i = 0; i < c->nimages; i++)
		buf_free(&c->images[i].maps);
	free(c->images);
	memset(c, 0, sizeof(*c));
}

const char *monitor_kind_name(__u32 kind)
{
	switch (kind) {
	case PMM_KIND_MALLOC: return "malloc";
	case PMM_KIND_CALLOC: return "calloc";
	case PMM_KIND_REALLOC: return "realloc";
	case PMM_KIND_FREE: return "free";
	case PMM_KIND_NEW: return "new";
	case PMM_KIND_NEW_ARRAY: return "new[]";
	case PMM_KIND_DELETE: return "delete";
	case PMM_KIND_DELETE_ARRAY: return "delete[]";
	case PMM_KIND_POSIX_MEMALIGN: return "posix_memalign";
	case PMM_KIND_ALIGNED_ALLOC: return "aligned_alloc";
	case PMM_KIND_MEMALIGN: return "memalign";
	case PMM_KIND_VALLOC: return "valloc";
	case PMM_KIND_PVALLOC: return "pvalloc";
	}
	return NULL;
}
