// SPDX-License-Identifier: GPL-2.0
/*
 * pmm: the record ring a process shares with the module through mmap of
 * /dev/pmm, so that recording costs no system call and a killed process
 * loses nothing: whatever it wrote is applied when its file is released.
 * The layout and the writers' protocol are in include/uapi/pmm.h.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "pmm_internal.h"

struct pmm_ring {
	struct mutex lock;	/* guards tail; one drain at a time */
	void *mem;		/* PMM_RING_BYTES, vmalloc_user'ed, mapped */
	struct pid *pid;	/* the process that mapped it */
	u64 tail;		/* next position to apply; never user-visible */
};

static struct pmm_ring_entry *pmm_ring_entries(struct pmm_ring *ring)
{
	return ring->mem + PMM_RING_HEADER_BYTES;
}

/* The ring's process's monitor, with pmm_lock held; NULL if none. */
static struct pmm_monitor *pmm_ring_monitor(struct pmm_ring *ring)
{
	struct pmm_monitor *mon;

	lockdep_assert_held(&pmm_lock);

	mon = pmm_monitor_find(pid_nr(ring->pid));
	if (!mon || mon->pid != ring->pid)
		return NULL;
	return mon;
}

/*
 * Applies the written records in position order, which is the order the
 * writers took them in, so a free lands after the allocation it undoes even
 * when another thread made it. Before the end (@final false) it stops at
 * the first position still being written. At release no writer is left,
 * and a position never finished (its thread was killed mid-write, before
 * the call it records returned) is skipped.
 */
static int pmm_ring_apply(struct pmm_ring *ring, bool final)
{
	struct pmm_ring_header *hdr = ring->mem;
	struct pmm_ring_entry *ent = pmm_ring_entries(ring);
	struct pmm_monitor *mon;
	struct pmm_record rec;
	u64 head, pos, seq;

	lockdep_assert_held(&ring->lock);

	/* head is the process's to write: never go more than a lap ahead. */
	head = READ_ONCE(hdr->head);
	if (head - ring->tail > PMM_RING_ENTRIES)
		head = ring->tail + PMM_RING_ENTRIES;

	mutex_lock(&pmm_lock);
	mon = pmm_ring_monitor(ring);
	for (pos = ring->tail; pos != head; pos++) {
		struct pmm_ring_entry *e = &ent[pos % PMM_RING_ENTRIES];

		/* Pairs with the writer's release: its record is whole. */
		seq = smp_load_acquire(&e->seq);
		if (seq != pos + 1) {
			if (!final)
				break;
			continue;
		}
		memcpy(&rec, &e->rec, sizeof(rec));
		if (mon) {
			if (pmm_record_validate(&rec))
				mon->dropped++;
			else
				pmm_monitor_apply(mon, &rec);
		}
		/* Our read of the record is done before a writer reuses it. */
		smp_store_release(&e->seq, pos + PMM_RING_ENTRIES);
	}
	ring->tail = pos;
	mutex_unlock(&pmm_lock);
	return mon ? 0 : -ESRCH;
}

int pmm_ring_open(struct inode *inode, struct file *file)
{
	/* misc_open left the miscdevice here; a ring takes its place on mmap. */
	file->private_data = NULL;
	return 0;
}

/*
 * A process forked by a monitored process is monitored too, from the
 * moment its hook maps a ring, so that its leaks are its own and pmd finds
 * it among the monitors of the run.
 */
static void pmm_ring_follow_fork(void)
{
	struct pmm_monitor *parent;
	struct task_struct *p;
	struct pid *ppid;

	mutex_lock(&pmm_lock);
	if (pmm_monitor_find_current())
		goto out_unlock;
	rcu_read_lock();
	p = rcu_dereference(current->real_parent);
	ppid = get_pid(task_tgid(p));
	rcu_read_unlock();
	parent = pmm_monitor_find(pid_nr(ppid));
	if (parent && parent->pid == ppid &&
	    parent->state == PMM_STATE_RUNNING)
		pmm_monitor_create(current);
	put_pid(ppid);
out_unlock:
	mutex_unlock(&pmm_lock);
}

int pmm_ring_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct pmm_ring_entry *ent;
	struct pmm_ring *ring;
	unsigned int i;
	int ret;

	if (vma->vm_pgoff ||
	    vma->vm_end - vma->vm_start != PAGE_ALIGN(PMM_RING_BYTES) ||
	    !(vma->vm_flags & VM_SHARED))
		return -EINVAL;

	ring = kzalloc(sizeof(*ring), GFP_KERNEL);
	if (!ring)
		return -ENOMEM;
	mutex_init(&ring->lock);
	ring->mem = vmalloc_user(PAGE_ALIGN(PMM_RING_BYTES));
	if (!ring->mem) {
		ret = -ENOMEM;
		goto out_free_ring;
	}
	ent = pmm_ring_entries(ring);
	for (i = 0; i < PMM_RING_ENTRIES; i++)
		ent[i].seq = i;

	ret = remap_vmalloc_range(vma, ring->mem, 0);
	if (ret)
		goto out_free_mem;
	/* A forked child maps a ring of its own rather than write into ours. */
	vma->vm_flags |= VM_DONTCOPY;

	/* One ring per open file: the first mapping wins. */
	if (cmpxchg(&file->private_data, NULL, ring)) {
		ret = -EBUSY;
		goto out_free_mem;
	}
	ring->pid = get_pid(task_tgid(current));
	pmm_ring_follow_fork();
	return 0;

out_free_mem:
	/* A failed mmap's vma is torn down without touching the pages. */
	vfree(ring->mem);
out_free_ring:
	kfree(ring);
	return ret;
}

int pmm_ring_drain(struct file *file)
{
	struct pmm_ring *ring = READ_ONCE(file->private_data);
	int ret;

	if (!ring)
		return -EINVAL;
	/* Only the process that mapped the ring adds to its records. */
	if (ring->pid != task_tgid(current))
		return -EPERM;
	mutex_lock(&ring->lock);
	ret = pmm_ring_apply(ring, false);
	mutex_unlock(&ring->lock);
	return ret;
}

/* The last reference is gone, mapping included: apply what is left, free. */
int pmm_ring_release(struct inode *inode, struct file *file)
{
	struct pmm_ring *ring = file->private_data;

	if (!ring)
		return 0;
	mutex_lock(&ring->lock);
	pmm_ring_apply(ring, true);
	mutex_unlock(&ring->lock);
	vfree(ring->mem);
	put_pid(ring->pid);
	kfree(ring);
	return 0;
}
