// SPDX-License-Identifier: GPL-2.0
/*
 * pmm: /proc/pmm, the article's view for people. cfg shows and changes the
 * settings; pid lists each monitored process and its unmatched records.
 */
#include <linux/capability.h>
#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/time.h>
#include <linux/uaccess.h>

#include "pmm_internal.h"

/* Longest line cfg accepts: "START_PID 4194304\n" and some slack. */
#define PMM_CFG_WRITE_MAX	64

static struct proc_dir_entry *pmm_proc_dir;

static int pmm_cfg_show(struct seq_file *m, void *v)
{
	struct pmm_config cfg;

	mutex_lock(&pmm_lock);
	cfg = pmm_cfg;
	mutex_unlock(&pmm_lock);

	/* The article's format, spacing and all: people's scripts parse it. */
	seq_puts(m, "Configs:\n");
	seq_printf(m, "[\"INTERVAL\" (Scan Interval) :=%u]\n", cfg.interval_ms);
	seq_printf(m, "[\"SCAN\" (Scan on:1/off:0) := %u]\n", cfg.scan);
	seq_printf(m, "[\"START_PID\" (Start a monitor):=%d]\n",
		   cfg.last_start_pid);
	seq_printf(m, "[\"STOP_PID\" (Stop a monitor) := %d]\n",
		   cfg.last_stop_pid);
	return 0;
}

static int pmm_cfg_open(struct inode *inode, struct file *file)
{
	return single_open(file, pmm_cfg_show, NULL);
}

/* Parses "KEY value" with an optional trailing newline, and applies it. */
static int pmm_cfg_apply(char *line)
{
	char *value = line;
	char *key = strsep(&value, " ");
	u32 uval;
	int pid;

	/* Digits only: kstrto* would also take a sign ("+5"), pmd does not. */
	if (!value || !isdigit(*value))
		return -EINVAL;

	if (!strcmp(key, "INTERVAL")) {
		if (kstrtou32(value, 10, &uval))
			return -EINVAL;
		return pmm_set_interval(uval);
	}
	if (!strcmp(key, "SCAN")) {
		if (kstrtou32(value, 10, &uval))
			return -EINVAL;
		return pmm_set_scan(uval);
	}
	if (!strcmp(key, "START_PID")) {
		if (kstrtoint(value, 10, &pid))
			return -EINVAL;
		return pmm_start_pid(pid);
	}
	if (!strcmp(key, "STOP_PID")) {
		if (kstrtoint(value, 10, &pid))
			return -EINVAL;
		return pmm_stop_pid(pid);
	}
	return -EINVAL;
}

static ssize_t pmm_cfg_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	char buf[PMM_CFG_WRITE_MAX];
	int ret;

	/*
	 * The mode keeps other users from opening the file for writing.
	 * Both the opener and the writer must hold the capability too, so an
	 * open handle is worth nothing to a process that dropped it, and a
	 * handle passed to a privileged writer gains nothing either.
	 */
	if (!file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN) ||
	    !capable(CAP_SYS_ADMIN))
		return -EPERM;

	if (!count || count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	/*
	 * A NUL inside would end the parse early and the rest be silently
	 * dropped; one that ends the write (a C string's) is taken.
	 */
	if (strlen(buf) != count - (buf[count - 1] == '\0'))
		return -EINVAL;

	ret = pmm_cfg_apply(buf);
	return ret ? ret : count;
}

static const struct proc_ops pmm_cfg_proc_ops = {
	.proc_open	= pmm_cfg_open,
	.proc_read	= seq_read,
	.proc_write	= pmm_cfg_write,
	.proc_lseek	= seq_lseek,
	.proc_release	= single_release,
};

/*
 * Where /proc/pmm/pid is: a monitor's header line (entry == NULL) or one of
 * its records. Kept between reads, so a long listing resumes where it
 * stopped instead of walking from the start, as long as nothing changed.
 */
struct pmm_pid_iter {
	u64 generation;
	loff_t pos;
	bool valid;
	unsigned int ordinal;		/* the [n] of the header */
	struct pmm_monitor *mon;
	struct pmm_entry *entry;
};

static void *pmm_pid_first(struct pmm_pid_iter *it, struct pmm_monitor *mon,
			   unsigned int ordinal)
{
	it->mon = mon;
	it->ordinal = ordinal;
	it->entry = NULL;
	return it;
}

static void *pmm_pid_advance(struct pmm_pid_iter *it)
{
	struct pmm_monitor *mon = it->mon;
	unsigned long seq = it->entry ? it->entry->seq + 1 : 0;

	lockdep_assert_held(&pmm_lock);

	it->entry = xa_find(&mon->records, &seq, ULONG_MAX, XA_PRESENT);
	if (it->entry)
		return it;
	if (list_is_last(&mon->node, &pmm_monitors))
		return NULL;
	return pmm_pid_first(it, list_next_entry(mon, node), it->ordinal + 1);
}

static void *pmm_pid_seek(struct pmm_pid_iter *it, loff_t pos)
{
	struct pmm_monitor *mon;
	unsigned int ordinal = 0;
	loff_t left = pos;

	lockdep_assert_held(&pmm_lock);

	list_for_each_entry(mon, &pmm_monitors, node) {
		ordinal++;
		/* A monitor's block is its header and then its records. */
		if (left > mon->nr_records) {
			left -= mon->nr_records + 1;
			continue;
		}
		pmm_pid_first(it, mon, ordinal);
		while (left--)
			pmm_pid_advance(it);
		return it;
	}
	return NULL;
}

static void *pmm_pid_start(struct seq_file *m, loff_t *pos)
{
	struct pmm_pid_iter *it = m->private;
	void *v;

	mutex_lock(&pmm_lock);
	if (it->valid && it->generation == pmm_generation && it->pos == *pos)
		return it;

	v = pmm_pid_seek(it, *pos);
	it->valid = v;
	it->generation = pmm_generation;
	it->pos = *pos;
	return v;
}

static void *pmm_pid_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct pmm_pid_iter *it = m->private;

	++*pos;
	v = pmm_pid_advance(it);
	it->valid = v;
	it->pos = *pos;
	return v;
}

static void pmm_pid_stop(struct seq_file *m, void *v)
{
	mutex_unlock(&pmm_lock);
}

/*
 * Only allocations are held, so only their kinds show; the C++ ones read
 * as pmd's logs spell them.
 */
static const char *pmm_kind_name(u32 kind)
{
	switch (kind) {
	case PMM_KIND_MALLOC:
		return "MALLOC";
	case PMM_KIND_CALLOC:
		return "CALLOC";
	case PMM_KIND_REALLOC:
		return "REALLOC";
	case PMM_KIND_NEW:
		return "NEW";
	case PMM_KIND_NEW_ARRAY:
		return "NEW[]";
	case PMM_KIND_POSIX_MEMALIGN:
		return "POSIX_MEMALIGN";
	case PMM_KIND_ALIGNED_ALLOC:
		return "ALIGNED_ALLOC";
	case PMM_KIND_MEMALIGN:
		return "MEMALIGN";
	case PMM_KIND_VALLOC:
		return "VALLOC";
	case PMM_KIND_PVALLOC:
		return "PVALLOC";
	default:
		return "UNKNOWN";
	}
}

static void pmm_show_record(struct seq_file *m, const struct pmm_record *rec)
{
	u64 caller = rec->nframes ? rec->frames[0] : 0;
	struct tm tm;

	time64_to_tm(div_u64(rec->time_ns, NSEC_PER_SEC), 0, &tm);
	seq_printf(m, "{%s @%02d:%02d:%02d} Sz: %lluB ",
		   pmm_kind_name(rec->kind), tm.tm_hour, tm.tm_min, tm.tm_sec,
		   rec->size);
	if (rec->kind == PMM_KIND_REALLOC)
		seq_printf(m, "Prev Pointer: 0x%llx ",
			   rec->prev_ptr & ~PMM_PREV_SHOWN_ONLY);
	seq_printf(m, "Pointer: 0x%llx Caller: 0x%llx\n", rec->ptr, caller);
}

static int pmm_pid_show(struct seq_file *m, void *v)
{
	struct pmm_pid_iter *it = v;
	struct pmm_monitor *mon = it->mon;

	if (it->entry) {
		struct pmm_record rec;

		pmm_entry_to_record(it->entry, &rec);
		pmm_show_record(m, &rec);
		return 0;
	}
	/* As fresh as the read: the process may have exec()ed or exited. */
	pmm_monitor_refresh(mon, false);
	seq_printf(m, "[%u] PID: %d, Comp: %s, PPID: %d, State: %u, Log count: %llu\n",
		   it->ordinal, pid_nr(mon->pid), mon->comm, mon->ppid, mon->state,
		   mon->nr_records);
	return 0;
}

static const struct seq_operations pmm_pid_seq_ops = {
	.start	= pmm_pid_start,
	.next	= pmm_pid_next,
	.stop	= pmm_pid_stop,
	.show	= pmm_pid_show,
};

int pmm_proc_init(void)
{
	pmm_proc_dir = proc_mkdir("pmm", NULL);
	if (!pmm_proc_dir)
		return -ENOMEM;

	if (!proc_create("cfg", 0644, pmm_proc_dir, &pmm_cfg_proc_ops))
		goto out_remove_dir;
	/* Records show where other users' heaps are: root only. */
	if (!proc_create_seq_private("pid", 0400, pmm_proc_dir,
				     &pmm_pid_seq_ops,
				     sizeof(struct pmm_pid_iter), NULL))
		goto out_remove_dir;
	return 0;

out_remove_dir:
	proc_remove(pmm_proc_dir);
	return -ENOMEM;
}

void pmm_proc_exit(void)
{
	/* Waits for readers in flight, and takes cfg and pid with it. */
	proc_remove(pmm_proc_dir);
}
