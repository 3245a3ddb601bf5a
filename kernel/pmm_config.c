// SPDX-License-Identifier: GPL-2.0
/*
 * pmm: the settings, shared by PMM_SET_CONFIG and /proc/pmm/cfg, so that
 * both check them the same way.
 */
#include <linux/capability.h>
#include <linux/pid.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>

#include "pmm_internal.h"

struct pmm_config pmm_cfg = {
	.interval_ms = PMM_INTERVAL_DEFAULT_MS,
	.scan = 1,
};

/* Watching a process shows its heap: its own, or root's business. */
static bool pmm_may_control(pid_t pid)
{
	return pid == task_tgid_nr(current) || capable(CAP_SYS_ADMIN);
}

/* Pids are numbers in the initial pid namespace, as the records carry. */
static struct task_struct *pmm_get_live_task(pid_t pid)
{
	struct task_struct *task;

	rcu_read_lock();
	task = pid_task(find_pid_ns(pid, &init_pid_ns), PIDTYPE_TGID);
	if (task && atomic_read(&task->signal->live))
		get_task_struct(task);
	else
		task = NULL;
	rcu_read_unlock();
	return task;
}

int pmm_start_pid(pid_t pid)
{
	struct task_struct *task;
	int ret = 0;

	if (pid <= 0)
		return -EINVAL;
	if (!pmm_may_control(pid))
		return -EPERM;

	task = pmm_get_live_task(pid);
	if (!task)
		return -ESRCH;
	/* A kernel thread (kthreadd, pmthread) is no user process: nothing of it to record. */
	if (task->flags & PF_KTHREAD) {
		put_task_struct(task);
		return -EINVAL;
	}

	mutex_lock(&pmm_lock);
	/*
	 * An exited process's monitor keeps its number until STOP_PID, or
	 * until its pid is given to another process (pmm_monitor_create).
	 */
	if (pmm_monitor_find_pid(task_tgid(task)))
		ret = -EEXIST;
	else if (!pmm_monitor_create(task))
		ret = -ENOMEM;
	else
		pmm_cfg.last_start_pid = pid;
	mutex_unlock(&pmm_lock);

	put_task_struct(task);
	return ret;
}

int pmm_stop_pid(pid_t pid)
{
	struct pmm_monitor *mon;
	int ret = 0;

	if (pid <= 0)
		return -EINVAL;
	if (!pmm_may_control(pid))
		return -EPERM;

	mutex_lock(&pmm_lock);
	mon = pmm_monitor_find(pid);
	if (mon) {
		pmm_monitor_destroy(mon);
		pmm_cfg.last_stop_pid = pid;
	} else {
		ret = -ESRCH;
	}
	mutex_unlock(&pmm_lock);
	return ret;
}

int pmm_set_interval(u32 ms)
{
	if (ms < PMM_INTERVAL_MIN_MS || ms > PMM_INTERVAL_MAX_MS)
		return -EINVAL;

	mutex_lock(&pmm_lock);
	pmm_cfg.interval_ms = ms;
	mutex_unlock(&pmm_lock);
	/* Otherwise the new interval waits for the old one to run out. */
	pmm_thread_kick();
	return 0;
}

int pmm_set_scan(u32 on)
{
	if (on > 1)
		return -EINVAL;

	mutex_lock(&pmm_lock);
	pmm_cfg.scan = on;
	mutex_unlock(&pmm_lock);
	pmm_thread_kick();
	return 0;
}

void pmm_stop_all(void)
{
	struct pmm_monitor *mon, *tmp;

	mutex_lock(&pmm_lock);
	list_for_each_entry_safe(mon, tmp, &pmm_monitors, node)
		pmm_monitor_destroy(mon);
	mutex_unlock(&pmm_lock);
}
