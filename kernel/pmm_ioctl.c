// SPDX-License-Identifier: GPL-2.0
/*
 * pmm: the /dev/pmm commands. The switch only dispatches; each handler
 * copies in, validates, locks, changes, unlocks and copies out.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "pmm_internal.h"

/*
 * Records move between user and kernel memory this many at a time
 * (about 5 KiB), so a full batch never needs a large allocation.
 */
#define PMM_IO_CHUNK	32

static int pmm_copy_records_in(struct pmm_record *buf,
			       const struct pmm_record __user *urecs,
			       unsigned int n)
{
	unsigned int i;
	int ret;

	if (copy_from_user(buf, urecs, n * sizeof(*buf)))
		return -EFAULT;
	for (i = 0; i < n; i++) {
		ret = pmm_record_validate(&buf[i]);
		if (ret)
			return ret;
	}
	return 0;
}

static int pmm_ioctl_record_log(void __user *argp)
{
	const struct pmm_record __user *urecs;
	struct pmm_record_log args;
	struct pmm_monitor *mon;
	struct pmm_record *buf;
	unsigned int done, n;
	int ret = 0;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (args.pad || !args.count || args.count > PMM_MAX_BATCH)
		return -EINVAL;
	urecs = u64_to_user_ptr(args.records);

	/*
	 * A batch is taken whole or not at all, so a bad record in the last
	 * chunk must be found before the first is applied. The second pass
	 * checks again, in case the caller changed its buffer in between.
	 * A batch that fits one chunk (the hook's usual single record) is
	 * read once, into a buffer no bigger than it.
	 */
	if (args.count > PMM_IO_CHUNK) {
		/* Before reading a big batch twice, make sure it is wanted. */
		mutex_lock(&pmm_lock);
		mon = pmm_monitor_find_current();
		mutex_unlock(&pmm_lock);
		if (!mon)
			return -ESRCH;
	}

	buf = kmalloc_array(min_t(unsigned int, args.count, PMM_IO_CHUNK),
			    sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	if (args.count > PMM_IO_CHUNK) {
		for (done = 0; done < args.count; done += n) {
			n = min_t(unsigned int, args.count - done, PMM_IO_CHUNK);
			ret = pmm_copy_records_in(buf, urecs + done, n);
			if (ret)
				goto out_free_buf;
		}
	}

	for (done = 0; done < args.count; done += n) {
		n = min_t(unsigned int, args.count - done, PMM_IO_CHUNK);
		ret = pmm_copy_records_in(buf, urecs + done, n);
		if (ret)
			goto out_free_buf;

		mutex_lock(&pmm_lock);
		/* Looked up per chunk: a STOP_PID may come in between. */
		mon = pmm_monitor_find_current();
		if (mon) {
			unsigned int i;

			pmm_monitor_seen_current(mon);
			for (i = 0; i < n; i++)
				pmm_monitor_apply(mon, &buf[i]);
		}
		mutex_unlock(&pmm_lock);
		if (!mon) {
			ret = -ESRCH;
			goto out_free_buf;
		}
	}

out_free_buf:
	kfree(buf);
	return ret;
}

static int pmm_ioctl_set_config(void __user *argp)
{
	struct pmm_set_config args;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (args.pad)
		return -EINVAL;

	/* A field the operation does not use must be 0, as pad must. */
	switch (args.op) {
	case PMM_CFG_START_PID:
		if (args.value)
			return -EINVAL;
		return pmm_start_pid(args.pid);
	case PMM_CFG_STOP_PID:
		if (args.value)
			return -EINVAL;
		return pmm_stop_pid(args.pid);
	case PMM_CFG_INTERVAL:
		if (args.pid)
			return -EINVAL;
		/* pmthread's settings are global: root's, as cfg's are. */
		if (!capable(CAP_SYS_ADMIN))
			return -EPERM;
		return pmm_set_interval(args.value);
	case PMM_CFG_SCAN:
		if (args.pid)
			return -EINVAL;
		if (!capable(CAP_SYS_ADMIN))
			return -EPERM;
		return pmm_set_scan(args.value);
	default:
		return -EINVAL;
	}
}

static int pmm_ioctl_get_config(void __user *argp)
{
	struct pmm_get_config args;
	int ret;

	/* Counts that include what exited processes left in their rings. */
	ret = pmm_ring_wait_exited(0);
	if (ret)
		return ret;
	memset(&args, 0, sizeof(args));
	mutex_lock(&pmm_lock);
	args.interval_ms = pmm_cfg.interval_ms;
	args.scan = pmm_cfg.scan;
	args.last_start_pid = pmm_cfg.last_start_pid;
	args.last_stop_pid = pmm_cfg.last_stop_pid;
	args.nr_monitored = pmm_nr_monitors;
	args.total_records = pmm_total_records;
	mutex_unlock(&pmm_lock);

	if (copy_to_user(argp, &args, sizeof(args)))
		return -EFAULT;
	return 0;
}

static int pmm_ioctl_monitored_pids(void __user *argp)
{
	struct pmm_monitored_pids args;
	struct pmm_pid_info *buf = NULL;
	struct pmm_monitor *mon;
	unsigned int room = 0, want, n = 0;
	int ret = 0;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	ret = pmm_ring_wait_exited(0);
	if (ret)
		return ret;

	/*
	 * Filled under pmm_lock and copied out after it: a page fault takes
	 * mmap_lock, and the ring's mmap takes pmm_lock under mmap_lock. The
	 * buffer is sized to the list, and sized again if the list grew
	 * while it was allocated, so the entries and count stay one snapshot.
	 */
	for (;;) {
		mutex_lock(&pmm_lock);
		want = min(args.max, pmm_nr_monitors);
		if (want <= room)
			break;
		mutex_unlock(&pmm_lock);
		kvfree(buf);
		room = want;
		buf = kvmalloc_array(room, sizeof(*buf), GFP_KERNEL_ACCOUNT);
		if (!buf)
			return -ENOMEM;
	}
	list_for_each_entry(mon, &pmm_monitors, node) {
		if (n == want)
			break;
		/* A state as fresh as the question, not as pmthread's last look. */
		pmm_monitor_refresh(mon, false);
		pmm_monitor_fill_info(mon, &buf[n++]);
	}
	args.count = pmm_nr_monitors;
	mutex_unlock(&pmm_lock);

	if (copy_to_user(u64_to_user_ptr(args.pids), buf, n * sizeof(*buf)) ||
	    copy_to_user(argp, &args, sizeof(args)))
		ret = -EFAULT;
	kvfree(buf);
	return ret;
}

/* Finds pid's monitor if the caller may read it; with pmm_lock held. */
static struct pmm_monitor *pmm_monitor_find_readable(pid_t pid, int *err)
{
	struct pmm_monitor *mon;

	lockdep_assert_held(&pmm_lock);

	mon = pmm_monitor_find(pid);
	if (!mon) {
		*err = -ESRCH;
		return NULL;
	}
	if (!pmm_may_read(mon)) {
		*err = -EPERM;
		return NULL;
	}
	return mon;
}

/*
 * How READ_LOGS and READ_MISMATCHES page through a process's items: a
 * chunk at a time read under pmm_lock, then copied out unlocked so that the
 * process can go on recording, until max items or the end of them.
 */
struct pmm_pager {
	pid_t pid;
	u32 max;
	u64 cursor;		/* in: where to go on; out: where to go on next */
	void __user *out;	/* max items of size bytes */
	size_t size;
	/* Reads up to max items at the cursor into buf, with pmm_lock held. */
	unsigned int (*read)(struct pmm_monitor *mon, struct pmm_pager *pg,
			     void *buf, unsigned int max);
	u64 total;		/* what read says of all the items, if anything */
	u32 count;		/* out: items copied */
};

static int pmm_copy_pages(struct pmm_pager *pg)
{
	struct pmm_monitor *mon;
	unsigned int want, n;
	void *buf;
	int ret;

	/* An exited process's last records may still be in its ring. */
	ret = pmm_ring_wait_exited(pg->pid);
	if (ret)
		return ret;

	buf = kmalloc_array(min_t(unsigned int, pg->max, PMM_IO_CHUNK),
			    pg->size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	pg->count = 0;
	while (pg->count < pg->max) {
		want = min_t(unsigned int, pg->max - pg->count, PMM_IO_CHUNK);

		mutex_lock(&pmm_lock);
		mon = pmm_monitor_find_readable(pg->pid, &ret);
		n = mon ? pg->read(mon, pg, buf, want) : 0;
		mutex_unlock(&pmm_lock);
		if (!mon)
			break;

		if (copy_to_user(pg->out + pg->count * pg->size, buf,
				 n * pg->size)) {
			ret = -EFAULT;
			break;
		}
		pg->count += n;
		if (n < want)
			break;
	}
	kfree(buf);
	return ret;
}

static unsigned int pmm_page_records(struct pmm_monitor *mon,
				     struct pmm_pager *pg, void *buf,
				     unsigned int max)
{
	/* Sequence numbers are unsigned long; past them there is nothing. */
	unsigned long cursor = min_t(u64, pg->cursor, ULONG_MAX);
	unsigned int n = pmm_monitor_read(mon, &cursor, buf, max);

	pg->cursor = cursor;
	return n;
}

static int pmm_ioctl_read_logs(void __user *argp)
{
	struct pmm_read_logs args;
	struct pmm_pager pg = { .size = sizeof(struct pmm_record),
				.read = pmm_page_records };
	int ret;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (args.pad || args.pid <= 0 || !args.max ||
	    args.max > PMM_MAX_BATCH)
		return -EINVAL;
	pg.pid = args.pid;
	pg.max = args.max;
	pg.cursor = args.cursor;
	pg.out = u64_to_user_ptr(args.records);
	ret = pmm_copy_pages(&pg);
	if (ret)
		return ret;

	args.cursor = pg.cursor;
	args.count = pg.count;
	if (copy_to_user(argp, &args, sizeof(args)))
		return -EFAULT;
	return 0;
}

static unsigned int pmm_page_mismatches(struct pmm_monitor *mon,
					struct pmm_pager *pg, void *buf,
					unsigned int max)
{
	pg->total = mon->mismatched_frees;
	return pmm_mismatch_read(mon, &pg->cursor, buf, max);
}

static int pmm_ioctl_read_mismatches(void __user *argp)
{
	struct pmm_read_mismatches args;
	struct pmm_pager pg = { .size = sizeof(struct pmm_mismatch),
				.read = pmm_page_mismatches };
	int ret;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (args.pad || args.pid <= 0 || !args.max ||
	    args.max > PMM_MAX_MISMATCHES)
		return -EINVAL;
	pg.pid = args.pid;
	pg.max = args.max;
	pg.cursor = args.cursor;
	pg.out = u64_to_user_ptr(args.mismatches);
	ret = pmm_copy_pages(&pg);
	if (ret)
		return ret;

	args.cursor = pg.cursor;
	args.count = pg.count;
	args.total = pg.total;
	if (copy_to_user(argp, &args, sizeof(args)))
		return -EFAULT;
	return 0;
}

static int pmm_ioctl_read_samples(void __user *argp)
{
	struct pmm_read_samples args;
	struct pmm_sample *buf;
	struct pmm_monitor *mon;
	u64 cursor;
	int ret = 0;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (args.pad || args.pid <= 0 || !args.max ||
	    args.max > PMM_MAX_SAMPLES)
		return -EINVAL;

	/* The whole ring is 6 KiB: one buffer, copied out unlocked. */
	buf = kmalloc_array(args.max, sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	cursor = args.cursor;
	mutex_lock(&pmm_lock);
	mon = pmm_monitor_find_readable(args.pid, &ret);
	if (mon)
		args.count = pmm_monitor_read_samples(mon, &cursor, buf,
						      args.max);
	mutex_unlock(&pmm_lock);
	if (!mon)
		goto out_free_buf;

	if (copy_to_user(u64_to_user_ptr(args.samples), buf,
			 args.count * sizeof(*buf))) {
		ret = -EFAULT;
		goto out_free_buf;
	}
	args.cursor = cursor;
	if (copy_to_user(argp, &args, sizeof(args)))
		ret = -EFAULT;

out_free_buf:
	kfree(buf);
	return ret;
}

static int pmm_ioctl_get_stats(void __user *argp)
{
	struct pmm_stats args;
	int ret;

	ret = pmm_ring_wait_exited(0);
	if (ret)
		return ret;
	memset(&args, 0, sizeof(args));
	args.max_records = READ_ONCE(pmm_max_records);
	args.max_total_records = READ_ONCE(pmm_max_total_records);
	mutex_lock(&pmm_lock);
	args.total_records = pmm_total_records;
	args.total_dropped = pmm_total_dropped;
	args.nr_stacks = pmm_nr_stacks;
	args.ring_wait_timeouts = pmm_ring_wait_timeouts;
	mutex_unlock(&pmm_lock);

	if (copy_to_user(argp, &args, sizeof(args)))
		return -EFAULT;
	return 0;
}

/*
 * The process RECORD_MAPS is for: the caller, or a child it has just
 * spawned (pid). A new reference, or NULL when pid is no child of the
 * caller's.
 */
static struct task_struct *pmm_maps_task(pid_t pid)
{
	if (pid <= 0 || pid == task_tgid_nr(current))
		return get_task_struct(current);
	return pmm_child_task(task_tgid(current), pid);
}

/*
 * The hook's object map: the caller's own, or one for a child the caller
 * has just spawned (posix_spawn), which ran no code of the hook's before
 * its exec. Its text may end with the hook's "exec" line, the image the
 * process is about to exec or the child runs. A process not monitored yet
 * is taken in when its parent is: a vfork child before its exec (should
 * that image never map a ring, pmm_ring_check_image finds it unhooked),
 * or the spawned child, unhooked until it maps a ring. A spawned child's
 * own map, once its hook sends one, is not replaced.
 */
static int pmm_ioctl_record_maps(void __user *argp)
{
	struct task_struct *task;
	struct pmm_monitor *mon;
	struct pmm_maps args;
	char *text;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (!args.len || args.len > PMM_MAX_MAPS || args.image || args.pid < 0)
		return -EINVAL;

	text = vmemdup_user(u64_to_user_ptr(args.buf), args.len);
	if (IS_ERR(text))
		return PTR_ERR(text);
	task = pmm_maps_task(args.pid);
	if (!task) {
		kvfree(text);
		return -ESRCH;
	}

	mutex_lock(&pmm_lock);
	mon = pmm_monitor_find_pid(task_tgid(task));
	if (!mon) {
		mon = pmm_monitor_follow_child(task);
		if (mon) {
			mon->exec_id = READ_ONCE(task->self_exec_id);
			mon->has_image = true;
			mon->unhooked = task != current ?
					PMM_UNHOOKED_IMAGE : 0;
		}
	}
	if (mon && task == current)
		pmm_monitor_seen_current(mon);
	if (mon && (task == current || !mon->maps)) {
		swap(mon->maps, text);
		mon->maps_len = args.len;
	}
	mutex_unlock(&pmm_lock);
	put_task_struct(task);

	/* The replaced text, or the new one if nobody wanted it. */
	kvfree(text);
	return mon ? 0 : -ESRCH;
}

/*
 * PMM_FORKED: the child starts with its parent's object map, which is its
 * own until it sends one (or execs). No ring of its own yet, but the hook's
 * code is in it: not unhooked. A child that mapped its ring first has a
 * monitor already, and gets the map too while it has none and runs its
 * parent's image: killed before it sent its own (its parent left at once),
 * it was reported with no program and no frame named.
 */
static int pmm_ioctl_forked(void __user *argp)
{
	struct pmm_monitor *parent, *mon = NULL;
	struct task_struct *task;
	pid_t pid;

	if (copy_from_user(&pid, argp, sizeof(pid)))
		return -EFAULT;
	if (pid <= 0 || pid == task_tgid_nr(current))
		return -EINVAL;
	task = pmm_maps_task(pid);
	if (!task)
		return -ESRCH;

	mutex_lock(&pmm_lock);
	/* Only a monitored caller names its children, monitored or not yet. */
	parent = pmm_monitor_find_current();
	if (parent)
		mon = pmm_monitor_name_child(parent, task,
					     READ_ONCE(current->self_exec_id));
	mutex_unlock(&pmm_lock);
	put_task_struct(task);
	return mon ? 0 : -ESRCH;
}

static int pmm_ioctl_read_maps(void __user *argp)
{
	struct pmm_monitor *mon;
	struct pmm_maps args;
	const char *maps;
	char *text = NULL;
	u32 bufsize;
	int ret = 0;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (args.pid <= 0)
		return -EINVAL;
	bufsize = args.len;
	ret = pmm_ring_wait_exited(args.pid);
	if (ret)
		return ret;

	/*
	 * Copied under pmm_lock and out after it, for the reason
	 * pmm_ioctl_monitored_pids gives.
	 */
	mutex_lock(&pmm_lock);
	mon = pmm_monitor_find_readable(args.pid, &ret);
	if (!mon)
		goto out_unlock;
	if (args.image > mon->nr_images) {
		ret = -ENOENT;
		goto out_unlock;
	}
	if (args.image) {
		maps = mon->images[args.image - 1].maps;
		args.len = mon->images[args.image - 1].maps_len;
		args.mismatches_before =
			mon->images[args.image - 1].mismatches_before;
	} else {
		maps = mon->maps;
		args.len = mon->maps_len;
		args.mismatches_before = 0;
	}
	if (args.len > bufsize) {
		ret = -ENOSPC;
	} else if (args.len) {
		text = kvmalloc(args.len, GFP_KERNEL_ACCOUNT);
		if (text)
			memcpy(text, maps, args.len);
		else
			ret = -ENOMEM;
	}
out_unlock:
	mutex_unlock(&pmm_lock);
	if (ret && ret != -ENOSPC)
		return ret;

	if (text && copy_to_user(u64_to_user_ptr(args.buf), text, args.len))
		ret = -EFAULT;
	kvfree(text);
	if (ret && ret != -ENOSPC)
		return ret;

	/* On -ENOSPC too: len tells the caller how much room to make. */
	if (copy_to_user(argp, &args, sizeof(args)))
		return -EFAULT;
	return ret;
}

long pmm_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case PMM_RECORD_LOG:
		return pmm_ioctl_record_log(argp);
	case PMM_SET_CONFIG:
		return pmm_ioctl_set_config(argp);
	case PMM_GET_CONFIG:
		return pmm_ioctl_get_config(argp);
	case PMM_MONITORED_PIDS:
		return pmm_ioctl_monitored_pids(argp);
	case PMM_READ_LOGS:
		return pmm_ioctl_read_logs(argp);
	case PMM_RECORD_MAPS:
		return pmm_ioctl_record_maps(argp);
	case PMM_READ_MAPS:
		return pmm_ioctl_read_maps(argp);
	case PMM_READ_SAMPLES:
		return pmm_ioctl_read_samples(argp);
	case PMM_GET_STATS:
		return pmm_ioctl_get_stats(argp);
	case PMM_RING_DRAIN:
		return pmm_ring_drain(file);
	case PMM_READ_MISMATCHES:
		return pmm_ioctl_read_mismatches(argp);
	case PMM_FORKED:
		return pmm_ioctl_forked(argp);
	default:
		return -ENOIOCTLCMD;
	}
}
