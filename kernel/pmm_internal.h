/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pmm: what the module's files share - the monitor and record types, the
 * one lock and the state it guards.
 */
#ifndef _PMM_INTERNAL_H
#define _PMM_INTERNAL_H

#include <linux/hash.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/xarray.h>

#include "include/uapi/pmm.h"

#define PMM_INTERVAL_MIN_MS	100
#define PMM_INTERVAL_MAX_MS	3600000
#define PMM_INTERVAL_DEFAULT_MS	10000

/*
 * One unmatched allocation. It sits in two indexes of its monitor: the
 * pointer hash, so a free finds it in O(1), and the records xarray under
 * its sequence number, so readers page through records oldest first with a
 * cursor that stays valid while records come and go. Its frames live in
 * the stack store (pmm_stacks.c), shared with every record of the same
 * stack; this keeps an entry at 64 bytes.
 */
struct pmm_entry {
	struct hlist_node hnode;
	unsigned long seq;
	u64 ptr;
	u64 prev_ptr;
	u64 size;
	u64 time_ns;
	u32 kind;
	u32 stack_id;			/* 0: the record had no frames */
};

/*
 * A mismatched release as the module keeps it: the frames of both stacks
 * live in the stack store, like a record's.
 */
struct pmm_mismatch_entry {
	u64 ptr;
	u64 size;
	u32 alloc_kind;
	u32 release_kind;
	u32 alloc_stack_id;		/* 0: no frames */
	u32 release_stack_id;		/* 0: no frames (a free usually has none) */
};

/* An earlier image's object map, for the mismatches kept before it was left. */
struct pmm_image_maps {
	char *maps;			/* kvmalloc'ed */
	u32 maps_len;
	u32 mismatches_before;		/* kept before the exec that left it */
};

/*
 * A monitored process. Everything here is guarded by pmm_lock. The monitor
 * outlives its process: records stay until STOP_PID, which is how the
 * leaks of a crashed program are collected.
 */
struct pmm_monitor {
	struct list_head node;		/* in pmm_monitors */
	/*
	 * The number the ioctls name the monitor by: the process's tgid, until
	 * a later monitored process is given the same pid (the run made more
	 * processes than pid_max). Then this one takes a number no pid can be
	 * (pmm_monitor_retire), so that each is read on its own.
	 */
	pid_t handle;
	struct pid *pid;		/* the process's, whatever the handle */
	/*
	 * The leader, last seen: when monitoring began, at each refresh of a
	 * live process, and when a thread that exec()ed released the old
	 * image's ring. Held so that its self_exec_id can be read even after
	 * the process is reaped (pmm_ring_check_image). NULL once that has
	 * been read for the last time (pmm_ring_settle).
	 */
	struct task_struct *task;
	kuid_t uid;			/* euid when the monitor started */
	char comm[TASK_COMM_LEN];	/* cached while the process lives */
	pid_t ppid;
	u32 state;			/* enum pmm_state */

	struct hlist_head *buckets;	/* entries by rec.ptr; NULL once settled */
	unsigned int hash_bits;
	struct xarray records;		/* entries by seq, insertion order */
	unsigned long next_seq;

	u64 nr_records;
	u64 bytes;
	u64 unmatched_frees;
	u64 dropped;

	char *maps;			/* kvmalloc'ed text of /proc/<pid>/maps */
	u32 maps_len;

	/*
	 * pmthread's VM and RSS samples, a ring of PMM_MAX_SAMPLES: sample
	 * number n (counted from the start) is samples[n % PMM_MAX_SAMPLES].
	 * NULL until the first sample.
	 */
	struct pmm_sample *samples;
	u64 nr_samples;

	/*
	 * Releases of another family than their allocation's: the first
	 * PMM_MAX_MISMATCHES kept in order, in an array allocated with the
	 * first one (most programs have none), and every one counted.
	 */
	struct pmm_mismatch_entry *mismatches;
	u32 nr_mismatches;
	u64 mismatched_frees;
	/*
	 * The object maps of images the process left by exec() after
	 * mismatches were kept: their stacks are of that image, which the
	 * maps of the next no longer show (pmm_mismatches_seal_image).
	 */
	struct pmm_image_maps *images;
	u32 nr_images;

	/*
	 * The image whose blocks the records are: the process's
	 * self_exec_id when it mapped its latest ring (has_image). A ring of
	 * another image is one from before an exec() (pmm_ring.c).
	 */
	u64 exec_id;
	bool has_image;
	/*
	 * PMM_UNHOOKED_IMAGE: the process exec()ed an image that has not
	 * mapped a ring (yet): one that never does ran without the hook, its
	 * allocations unseen. PMM_UNHOOKED_NO_DEVICE: a child named through its
	 * parent's ring, which no descriptor of the device was left to
	 * (pmm_ring_forked). 0 otherwise.
	 */
	u8 unhooked;
	/* The image's hook stopped recording before its end (PMM_RING_STOPPED). */
	bool stopped;
	/* The image wrote over its ring (PMM_STOPPED_OVERWRITTEN). */
	bool overwritten;

	/*
	 * The wait status the process exited with, kept at its ring's
	 * release (exit_known): its readers are not its parent.
	 */
	int wait_status;
	bool exit_known;
};

struct pmm_config {
	u32 interval_ms;
	u32 scan;
	pid_t last_start_pid;
	pid_t last_stop_pid;
};

/*
 * pmm_lock guards pmm_monitors, every struct pmm_monitor and its entries,
 * pmm_nr_monitors, pmm_total_records, pmm_ring_wait_timeouts and pmm_cfg.
 * A mutex, because the holders allocate with GFP_KERNEL. Never touch user memory while holding
 * it: the ring's mmap takes it under mmap_lock, which a page fault takes.
 */
extern struct mutex pmm_lock;
extern struct list_head pmm_monitors;
extern unsigned int pmm_nr_monitors;
extern u64 pmm_total_records;
extern u64 pmm_generation;	/* bumped on any change, for /proc/pmm/pid */
extern u64 pmm_total_dropped;	/* records refused since the module loaded */
extern u64 pmm_nr_stacks;	/* distinct stacks in the stack store */
extern u64 pmm_ring_wait_timeouts;	/* readers that gave up on a ring */

/*
 * The hash of a block's address for the module's tables, seeded at load:
 * hash_64 alone is a multiply, whose collisions a process can compute, and
 * addresses that all land in one bucket would hold pmm_lock for seconds
 * while each lookup walks one chain.
 */
extern u64 pmm_hash_seed;

static inline u32 pmm_hash_ptr(u64 ptr, unsigned int bits)
{
	return hash_64(ptr ^ pmm_hash_seed, bits);
}

extern struct pmm_config pmm_cfg;

/* Module parameters (pmm_main.c). */
extern unsigned long pmm_max_records;
extern unsigned long pmm_max_total_records;

/* pmm_stacks.c: each distinct stack once, by id. */
int pmm_stacks_init(void);
void pmm_stacks_exit(void);
int pmm_stack_get(const u64 *frames, u32 nframes, u32 *id);
void pmm_stack_put(u32 id);
void pmm_stack_fill(u32 id, struct pmm_record *rec);
void pmm_stack_frames(u32 id, u64 *frames, u32 *nframes);

/* pmm_records.c: the per-process record store. */
int pmm_records_init(void);
void pmm_records_exit(void);
struct pmm_monitor *pmm_monitor_find(pid_t handle);
struct pmm_monitor *pmm_monitor_find_pid(struct pid *pid);
struct pmm_monitor *pmm_monitor_find_current(void);
void pmm_monitor_hooked_image(struct pmm_monitor *mon, u64 exec_id);
void pmm_monitor_seen_current(struct pmm_monitor *mon);
struct pmm_monitor *pmm_monitor_create(struct task_struct *task);
struct pmm_monitor *pmm_monitor_follow_child(struct task_struct *task);
struct task_struct *pmm_child_task(struct pid *parent, pid_t nr);
struct pmm_monitor *pmm_monitor_name_child(struct pmm_monitor *parent,
					   struct task_struct *task,
					   u64 parent_exec_id);
void pmm_monitor_destroy(struct pmm_monitor *mon);
void pmm_monitor_set_leader(struct pmm_monitor *mon, struct task_struct *task);
void pmm_monitor_new_image(struct pmm_monitor *mon);
void pmm_monitor_settle_records(struct pmm_monitor *mon);
void pmm_monitor_apply(struct pmm_monitor *mon, const struct pmm_record *rec);
void pmm_monitor_forget_stale(struct pmm_monitor *mon, u64 ptr);
unsigned int pmm_monitor_read(struct pmm_monitor *mon, unsigned long *cursor,
			      struct pmm_record *out, unsigned int max);
void pmm_entry_to_record(const struct pmm_entry *entry,
			 struct pmm_record *rec);
unsigned int pmm_monitor_read_samples(struct pmm_monitor *mon, u64 *cursor,
				      struct pmm_sample *out,
				      unsigned int max);
void pmm_monitor_fill_info(const struct pmm_monitor *mon,
			   struct pmm_pid_info *info);
bool pmm_may_read(const struct pmm_monitor *mon);
int pmm_record_validate(const struct pmm_record *rec);

/* pmm_mismatches.c: releases of another family than the allocation's. */
void pmm_mismatch_add(struct pmm_monitor *mon, struct pmm_entry *entry,
		      const struct pmm_record *rec);
unsigned int pmm_mismatch_read(struct pmm_monitor *mon, u64 *cursor,
			       struct pmm_mismatch *out, unsigned int max);
void pmm_mismatches_free(struct pmm_monitor *mon);
void pmm_mismatches_seal_image(struct pmm_monitor *mon);

/* pmm_config.c: the settings shared by the ioctls and /proc/pmm/cfg. */
int pmm_start_pid(pid_t pid);
int pmm_stop_pid(pid_t pid);
int pmm_set_interval(u32 ms);
int pmm_set_scan(u32 on);
void pmm_stop_all(void);

/* pmm_thread.c: pmthread, which notices exits and samples VM and RSS. */
int pmm_thread_start(void);
void pmm_thread_stop(void);
void pmm_thread_kick(void);
void pmm_monitor_refresh(struct pmm_monitor *mon, bool sample);

/* pmm_proc.c: /proc/pmm. */
int pmm_proc_init(void);
void pmm_proc_exit(void);

/* pmm_ring.c: the record ring shared with a process through mmap. */
int pmm_ring_open(struct inode *inode, struct file *file);
int pmm_ring_mmap(struct file *file, struct vm_area_struct *vma);
int pmm_ring_drain(struct file *file);
int pmm_ring_fsync(struct file *file, loff_t start, loff_t end, int datasync);
int pmm_ring_release(struct inode *inode, struct file *file);
int pmm_ring_wait_exited(pid_t handle);
void pmm_ring_check_image(struct pmm_monitor *mon, struct task_struct *task);
void pmm_ring_settle(struct pmm_monitor *mon);

/* pmm_ioctl.c: the character device's commands. */
long pmm_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

#endif /* _PMM_INTERNAL_H */
