/* monitor: pmd's side of pmm.ko, the ioctls on /dev/pmm that start, stop and read back a monitor. */
#ifndef PMD_MONITOR_H
#define PMD_MONITOR_H

#include <stddef.h>
#include <sys/types.h>

#include <uapi/pmm.h>

#include "buf.h"

/*
 * Each function returns 0, or -1 with a message in err that names the ioctl, the pid and /dev/pmm,
 * and errno left as the ioctl set it. A monitor is named by its handle (struct pmm_pid_info): the
 * process's pid, unless a later monitored process was given that pid.
 */
int monitor_open(int *fd, char *err, size_t errlen);
int monitor_start(int fd, pid_t pid, char *err, size_t errlen);
int monitor_scan_on(int fd, char *err, size_t errlen);
int monitor_stop(int fd, pid_t pid, char *err, size_t errlen);
int monitor_get_config(int fd, struct pmm_get_config *cfg, char *err, size_t errlen);

/* Every monitored process, in a malloc'd array the caller frees. */
int monitor_pids(int fd, struct pmm_pid_info **pids, size_t *count, char *err, size_t errlen);

/* One monitor's entry; -1 with errno ESRCH when pmm has none named handle. */
int monitor_pid_info(int fd, pid_t handle, struct pmm_pid_info *info, char *err, size_t errlen);

/* All of pid's unmatched records, oldest first, in a malloc'd array the caller frees. */
int monitor_read_logs(int fd, pid_t pid, struct pmm_record **records, size_t *count,
		      char *err, size_t errlen);

/*
 * The object map the hook recorded for pid, appended to maps (the module gives length 0 for none):
 * image 0 for the current one, n for that of the n-th image pid left (exec) with mismatches kept,
 * with in mismatches_before (when not NULL) how many were kept before; -1 with errno ENOENT past the last.
 */
int monitor_read_maps(int fd, pid_t pid, __u32 image, struct buf *maps, __u32 *mismatches_before,
		      char *err, size_t errlen);

/*
 * pid's mismatched releases (the first PMM_MAX_MISMATCHES at most), in the order they happened, in a
 * malloc'd array the caller frees; total counts all of them, kept or not.
 */
int monitor_read_mismatches(int fd, pid_t pid, struct pmm_mismatch **mismatches, size_t *count,
			    __u64 *total, char *err, size_t errlen);

/* pid's VM/RSS samples (the last PMM_MAX_SAMPLES at most), in a malloc'd array the caller frees. */
int monitor_read_samples(int fd, pid_t pid, struct pmm_sample **samples, size_t *count,
			 char *err, size_t errlen);

/* The object map of an image the process left, for the mismatches it kept before. */
struct monitor_image {
	struct buf maps;
	__u32 mismatches_before;
};

/* What pmm holds for one process once it has ended: what a run's answer reports. */
struct monitor_collection {
	struct pmm_record *records;	/* unmatched allocations, oldest first */
	size_t count;
	struct buf maps;		/* the hook's /proc/self/maps text */
	__u64 unmatched_frees;
	__u64 dropped;
	struct pmm_sample *samples;	/* pmthread's VM/RSS history, oldest first */
	size_t nsamples;
	struct pmm_mismatch *mismatches;	/* releases of another family, the first ones kept */
	size_t nmismatches;
	__u64 mismatched_frees;		/* all of them, kept or not */
	struct monitor_image *images;	/* images left with mismatches kept, in order */
	size_t nimages;
	int wait_status;		/* as waitpid gives it, when exit_known */
	int exit_known;			/* pmm.ko saw the process exit */
	int unhooked;			/* it exec()ed an image the hook never entered */
	int no_device;			/* ...or, forked, its hook could not reach the device */
	int stopped;			/* its hook stopped recording before its end */
	int overwritten;		/* because the process wrote over its ring */
};

/*
 * Reads pid's records, mismatched releases, object map and counters. Fails on a record that is not
 * an allocation (pmm keeps only unmatched allocations) and on a mismatch whose kinds are not an
 * allocation's and a release's: either means the module and pmd disagree.
 */
int monitor_collect(int fd, pid_t pid, struct monitor_collection *c, char *err, size_t errlen);
void monitor_collection_free(struct monitor_collection *c);

/* "malloc", "calloc", "realloc", "free", "new", "new[]", "delete", "delete[]", or NULL for a kind the contract does not know. */
const char *monitor_kind_name(__u32 kind);

#endif
