// SPDX-License-Identifier: GPL-2.0
/*
 * pmm: pmthread, the kernel thread that walks the monitored processes every
 * INTERVAL ms. It marks those that exited or were killed, so pmd knows
 * their records are final, and samples the VM size and RSS of the others,
 * so that a process whose memory keeps growing shows it.
 */
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/timekeeping.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/wait.h>

#include "pmm_internal.h"

static struct task_struct *pmm_thread;
static DECLARE_WAIT_QUEUE_HEAD(pmm_thread_wq);
static bool pmm_thread_kicked;

/* One look at a live process's memory, into the monitor's ring. */
static void pmm_monitor_sample(struct pmm_monitor *mon,
			       struct task_struct *task)
{
	struct pmm_sample *sample;
	struct mm_struct *mm;

	lockdep_assert_held(&pmm_lock);

	/*
	 * Made at the first sample: most processes of a run (a script's
	 * commands) end before one, and a run keeps every monitor until it
	 * ends, so each saves the 6 KiB.
	 */
	if (!mon->samples) {
		mon->samples = kvcalloc(PMM_MAX_SAMPLES, sizeof(*mon->samples),
					GFP_KERNEL_ACCOUNT);
		if (!mon->samples)
			return;
	}
	/* NULL once the process is past exit_mm(): nothing left to sample. */
	mm = get_task_mm(task);
	if (!mm)
		return;
	sample = &mon->samples[mon->nr_samples % PMM_MAX_SAMPLES];
	sample->time_ns = ktime_get_real_ns();
	sample->vm_bytes = (u64)READ_ONCE(mm->total_vm) << PAGE_SHIFT;
	sample->rss_bytes = (u64)get_mm_rss(mm) << PAGE_SHIFT;
	/*
	 * Ours may be the last reference if the process exited meanwhile:
	 * mmput_async() tears the mm (and its ring) down on a worker, never
	 * here under pmm_lock, which the ring's release takes.
	 */
	mmput_async(mm);
	mon->nr_samples++;
}

/*
 * The wait status of a process whose exit no ring of its own kept (a
 * forked child killed before it ran the hook's code): its leader's, as
 * its parent's wait reads it. Set once the leader is past its exit, after
 * any ring of the process's own went in that exit.
 */
static void pmm_monitor_note_exit(struct pmm_monitor *mon)
{
	struct task_struct *leader = mon->task;

	if (mon->exit_known || !leader || !READ_ONCE(leader->exit_state))
		return;
	if (leader->signal->flags & SIGNAL_GROUP_EXIT)
		mon->wait_status = leader->signal->group_exit_code;
	else
		mon->wait_status = leader->exit_code;
	mon->exit_known = true;
}

void pmm_monitor_refresh(struct pmm_monitor *mon, bool sample)
{
	struct task_struct *task;

	lockdep_assert_held(&pmm_lock);

	task = get_pid_task(mon->pid, PIDTYPE_TGID);
	if (task)
		pmm_monitor_set_leader(mon, task);
	/*
	 * Reaped: the last leader seen still says which image ran last.
	 * Exited too: the old image's ring may have been applied only since.
	 */
	if (mon->task)
		pmm_ring_check_image(mon, mon->task);
	/*
	 * Gone once reaped; a zombie (no live thread left) has exited too,
	 * even if its parent never waits for it.
	 */
	if (!task || !atomic_read(&task->signal->live))
		mon->state = PMM_STATE_EXITED;
	if (mon->state == PMM_STATE_EXITED) {
		pmm_monitor_note_exit(mon);
		if (!task)
			pmm_ring_settle(mon);
		goto out_put;
	}

	/* Cache what /proc/pmm/pid shows, while it can still be read. */
	get_task_comm(mon->comm, task);
	rcu_read_lock();
	mon->ppid = task_tgid_nr(rcu_dereference(task->real_parent));
	rcu_read_unlock();
	if (sample)
		pmm_monitor_sample(mon, task);
out_put:
	if (task)
		put_task_struct(task);
}

/*
 * A kicked scan (the settings changed) only marks exits: samples stay
 * INTERVAL apart, so that their history reads as a rate.
 */
static void pmm_thread_scan(bool sample)
{
	struct pmm_monitor *mon;

	mutex_lock(&pmm_lock);
	list_for_each_entry(mon, &pmm_monitors, node)
		pmm_monitor_refresh(mon, sample);
	mutex_unlock(&pmm_lock);
}

static int pmm_thread_fn(void *unused)
{
	bool kicked = false;
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
			pmm_thread_scan(!kicked);
			timeout = msecs_to_jiffies(interval_ms);
		} else {
			timeout = MAX_SCHEDULE_TIMEOUT;
		}

		/* Zero: the timeout ran out, a full cycle passed unkicked. */
		kicked = wait_event_interruptible_timeout(pmm_thread_wq,
							  kthread_should_stop() ||
							  READ_ONCE(pmm_thread_kicked),
							  timeout) != 0;
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
