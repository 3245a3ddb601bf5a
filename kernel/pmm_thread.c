// SPDX-License-Identifier: GPL-2.0
/*
 * pmm: pmthread, the kernel thread that walks the monitored processes every
 * INTERVAL ms and marks those that exited or were killed, so pmd knows
 * their records are final.
 */
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/wait.h>

#include "pmm_internal.h"

static struct task_struct *pmm_thread;
static DECLARE_WAIT_QUEUE_HEAD(pmm_thread_wq);
static bool pmm_thread_kicked;

void pmm_monitor_refresh(struct pmm_monitor *mon)
{
	struct task_struct *task;

	lockdep_assert_held(&pmm_lock);

	if (mon->state == PMM_STATE_EXITED)
		return;

	task = get_pid_task(mon->pid, PIDTYPE_TGID);
	/*
	 * Gone once reaped; a zombie (no live thread left) has exited too,
	 * even if its parent never waits for it.
	 */
	if (!task || !atomic_read(&task->signal->live)) {
		mon->state = PMM_STATE_EXITED;
		goto out_put;
	}

	/* Cache what /proc/pmm/pid shows, while it can still be read. */
	get_task_comm(mon->comm, task);
	rcu_read_lock();
	mon->ppid = task_tgid_nr(rcu_dereference(task->real_parent));
	rcu_read_unlock();
out_put:
	if (task)
		put_task_struct(task);
}

static void pmm_thread_scan(void)
{
	struct pmm_monitor *mon;

	mutex_lock(&pmm_lock);
	list_for_each_entry(mon, &pmm_monitors, node)
		pmm_monitor_refresh(mon);
	mutex_unlock(&pmm_lock);
}

static int pmm_thread_fn(void *unused)
{
	long timeout;
	u32 interval_ms, scan;

	while (!kthread_should_stop()) {
		/* Cleared before the scan, so a kick during it is not lost. */
		WRITE_ONCE(pmm_thread_kicked, false);

		mutex_lock(&pmm_lock);
		interval_ms = pmm_cfg.interval_ms;
		scan = pmm_cfg.scan;
		mutex_unlock(&pmm_lock);

		if (scan) {
			pmm_thread_scan();
			timeout = msecs_to_jiffies(interval_ms);
		} else {
			timeout = MAX_SCHEDULE_TIMEOUT;
		}

		wait_event_interruptible_timeout(pmm_thread_wq,
						 kthread_should_stop() ||
						 READ_ONCE(pmm_thread_kicked),
						 timeout);
	}
	return 0;
}

/* Config changed: rescan now and sleep with the new settings. */
void pmm_thread_kick(void)
{
	WRITE_ONCE(pmm_thread_kicked, true);
	wake_up_interruptible(&pmm_thread_wq);
}

int pmm_thread_start(void)
{
	pmm_thread = kthread_run(pmm_thread_fn, NULL, "pmthread");
	return PTR_ERR_OR_ZERO(pmm_thread);
}

void pmm_thread_stop(void)
{
	/* kthread_stop() wakes the thread out of its wait. */
	kthread_stop(pmm_thread);
}
