// SPDX-License-Identifier: GPL-2.0
/*
 * pmm: the record ring a process shares with the module through mmap of
 * /dev/pmm, so that recording costs no system call and a killed process
 * loses nothing: whatever it wrote is applied when its file is released.
 * The layout and the writers' protocol are in include/uapi/pmm.h.
 */
#include <linux/anon_inodes.h>
#include <linux/bitmap.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>
#ifdef CONFIG_X86_TSC
#include <asm/tsc.h>
#endif

#include "pmm_internal.h"

/*
 * A drain takes the written entries of a batch (the cancelled ones are
 * given back to the writers at once: most entries are, and each costs a
 * load and a store; after a resume, see pmm_ring_apply), then pairs each free
 * with an allocation of the same block taken earlier in the batch: both are
 * skipped, so short-lived blocks that the hook could not cancel (freed by
 * another thread) never reach the record store either. The pairing table
 * maps a block's address to the batch index of its allocation, open
 * addressing, twice the ring's size; a paired slot becomes a tombstone so
 * probe chains stay whole. Only the slots a batch used are cleared after it.
 * A release of another family than the allocation's (delete of a new[]
 * block) is not paired: both go to the store, which reports the mismatch.
 */
#define PMM_RING_PAIR_SLOTS	(2 * PMM_RING_ENTRIES)
#define PMM_RING_DRAIN_MAX	(PMM_RING_ENTRIES / 2)
#define PMM_RING_PAIR_EMPTY	0
#define PMM_RING_PAIR_GONE	U32_MAX
/* Slots of the addresses kept cancelled allocations dropped (pmm_ring_forgets). */
#define PMM_RING_FORGOTTEN	8192

struct pmm_ring_pair {
	u64 ptr;
	u32 idx;		/* batch index + 1, or EMPTY or GONE */
	u32 kind;		/* the allocation's, for its release's family */
};

struct pmm_ring {
	struct list_head node;	/* in pmm_rings, from mmap to release */
	bool waited_out;	/* a reader waited its bound for it: no more */
	bool overwritten;	/* its process wrote over it: nothing applied */
	struct mutex lock;	/* guards tail and the drain's tables */
	void *mem;		/* PMM_RING_BYTES, vmalloc_user'ed, mapped */
	struct file *file;	/* whose private_data it is: its life */
	struct pid *pid;	/* the process that mapped it */
	u64 tail;		/* next position to apply; never user-visible */
	u64 exec_id;		/* the mapper's self_exec_id: its image */
	struct pmm_ring_pair *pairs;	/* PMM_RING_PAIR_SLOTS */
	u32 *pairs_used;	/* slots of pairs the batch filled */
	u32 nr_pairs_used;
	u64 *taken;		/* batch index: position of a taken entry */
	unsigned long *skip;	/* batch index: paired away or cancelled */
	unsigned long *skip_prev;	/* batch index: a realloc's old block was */
	u64 *forgotten;		/* PMM_RING_FORGOTTEN, by a hash of the address */
};

/*
 * Every mapped ring until its release has applied what was left in it.
 * The release normally comes in the process's own exit_mm(), before its
 * parent's wait returns. But when something else holds the process's mm
 * then (pmthread's sample, a process_vm_readv) or its file (a forked
 * child that inherited the fd), the ring outlives the process and its
 * last records land later, from whoever lets go last, perhaps on a
 * worker. Readers of an exited process wait here for its rings, so they
 * never miss those records; a bounded wait, for a holder may never let go.
 */
#define PMM_RING_WAIT_MS	2000

static LIST_HEAD(pmm_rings);
static DEFINE_SPINLOCK(pmm_rings_lock);	/* guards pmm_rings, waited_out */
static DECLARE_WAIT_QUEUE_HEAD(pmm_rings_wq);
u64 pmm_ring_wait_timeouts;

/* self_exec_id counts from 0 and never gets here. */
#define PMM_ANY_IMAGE	U64_MAX

/*
 * Whether a ring the process mapped (from image exec_id, or from any with
 * PMM_ANY_IMAGE) is still to be applied; one a reader gave up waiting for
 * counts only with waited_out.
 */
static bool pmm_ring_listed(struct pid *pid, u64 exec_id, bool waited_out)
{
	struct pmm_ring *ring;
	bool listed = false;

	spin_lock(&pmm_rings_lock);
	list_for_each_entry(ring, &pmm_rings, node) {
		if (ring->pid == pid && (waited_out || !ring->waited_out) &&
		    (exec_id == PMM_ANY_IMAGE || ring->exec_id == exec_id)) {
			listed = true;
			break;
		}
	}
	spin_unlock(&pmm_rings_lock);
	return listed;
}

/* What a reader waits for: a ring still to be applied that it has not given up on. */
static bool pmm_ring_pending(struct pid *pid, u64 exec_id)
{
	return pmm_ring_listed(pid, exec_id, false);
}

/* A reader gave up on the process's rings: the next ones need not wait. */
static void pmm_ring_give_up(struct pid *pid)
{
	struct pmm_ring *ring;

	spin_lock(&pmm_rings_lock);
	list_for_each_entry(ring, &pmm_rings, node)
		if (ring->pid == pid)
			ring->waited_out = true;
	spin_unlock(&pmm_rings_lock);
}

/*
 * Waits until no ring of an exited monitored process is left to apply: of
 * the monitor named handle, or of any if handle is 0. Without pmm_lock
 * held, which the release needs. Bounded by PMM_RING_WAIT_MS: on timeout
 * the reader gets what there is, and pmm_ring_wait_timeouts counts it.
 * Returns 0, or -EINTR if a fatal signal came first.
 */
int pmm_ring_wait_exited(pid_t handle)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(PMM_RING_WAIT_MS);
	struct pmm_monitor *mon;
	struct pid *pid;
	long left;

	for (;;) {
		pid = NULL;
		mutex_lock(&pmm_lock);
		list_for_each_entry(mon, &pmm_monitors, node) {
			if (handle && mon->handle != handle)
				continue;
			pmm_monitor_refresh(mon, false);
			if (mon->state == PMM_STATE_EXITED &&
			    pmm_ring_pending(mon->pid, PMM_ANY_IMAGE)) {
				pid = get_pid(mon->pid);
				break;
			}
		}
		mutex_unlock(&pmm_lock);
		if (!pid)
			return 0;

		left = time_before(jiffies, deadline) ? deadline - jiffies : 0;
		left = wait_event_killable_timeout(pmm_rings_wq,
						   !pmm_ring_pending(pid, PMM_ANY_IMAGE), left);
		if (!left) {
			pmm_ring_give_up(pid);
			mutex_lock(&pmm_lock);
			pmm_ring_wait_timeouts++;
			mutex_unlock(&pmm_lock);
		}
		put_pid(pid);
		if (left < 0)
			return -EINTR;
	}
}

/* The time-stamp counter's rate, for writers that stamp with it; 0: none. */
static u32 pmm_ring_tsc_khz(void)
{
#ifdef CONFIG_X86_TSC
	if (boot_cpu_has(X86_FEATURE_TSC))
		return tsc_khz;
#endif
	return 0;
}

static struct pmm_ring_entry *pmm_ring_entries(struct pmm_ring *ring)
{
	return ring->mem + PMM_RING_HEADER_BYTES;
}

/*
 * Whether the ring is of an image the process has since replaced by
 * exec(). Its release usually comes before the new image maps its ring,
 * but when something else held the old image's memory it comes later,
 * and its records are of blocks that went with that memory.
 */
static bool pmm_ring_stale(struct pmm_ring *ring, struct pmm_monitor *mon)
{
	return mon->has_image && mon->exec_id != ring->exec_id;
}

static struct pmm_ring_pair *pmm_pair_find(struct pmm_ring *ring, u64 ptr,
					   bool insert)
{
	u32 i = pmm_hash_ptr(ptr, ilog2(PMM_RING_PAIR_SLOTS));
	struct pmm_ring_pair *gone = NULL;

	for (;; i = (i + 1) % PMM_RING_PAIR_SLOTS) {
		struct pmm_ring_pair *p = &ring->pairs[i];

		if (p->idx == PMM_RING_PAIR_EMPTY) {
			if (!insert)
				return NULL;
			if (gone)
				return gone;
			ring->pairs_used[ring->nr_pairs_used++] = i;
			return p;
		}
		if (p->idx == PMM_RING_PAIR_GONE) {
			if (!gone)
				gone = p;
			continue;
		}
		if (p->ptr == ptr)
			return p;
	}
}

/* A taken record that makes a block: an allocation, or a realloc that did. */
static bool pmm_ring_allocates(const struct pmm_record *rec)
{
	u32 kind = READ_ONCE(rec->kind);

	return READ_ONCE(rec->ptr) && pmm_kind_makes_block(kind);
}

/*
 * The block at ptr goes back by a release of this kind: pair it with its
 * allocation in this batch if they are of one family. Either way the block
 * is released, so its slot goes: a later allocation there is a new block,
 * which must not displace the unpaired one as a missed release would.
 */
static bool pmm_pair_release(struct pmm_ring *ring, u64 ptr, u32 kind)
{
	struct pmm_ring_pair *p = pmm_pair_find(ring, ptr, false);
	bool paired;

	if (!p)
		return false;
	paired = pmm_kind_family(p->kind) == pmm_kind_family(kind);
	if (paired)
		__set_bit(p->idx - 1, ring->skip);
	p->idx = PMM_RING_PAIR_GONE;
	return paired;
}

/*
 * Pairs away, in the batch's n taken entries, each release with the
 * allocation of the same block earlier in the batch. A block allocated
 * twice without a release in between keeps the later allocation, which
 * would replace the earlier in the store anyway. A realloc's new block
 * can be paired only when its old one was: otherwise skipping it would
 * lose the release of a block from before the batch.
 */
static void pmm_ring_pair_batch(struct pmm_ring *ring, u32 n)
{
	struct pmm_ring_entry *ent = pmm_ring_entries(ring);
	u32 idx;

	bitmap_zero(ring->skip, n);
	bitmap_zero(ring->skip_prev, n);
	for (idx = 0; idx < n; idx++) {
		struct pmm_ring_entry *e =
			&ent[ring->taken[idx] % PMM_RING_ENTRIES];
		struct pmm_record *rec = &e->rec;
		u32 kind = READ_ONCE(rec->kind);
		u64 ptr = READ_ONCE(rec->ptr);
		u64 prev = READ_ONCE(rec->prev_ptr);
		struct pmm_ring_pair *p;
		bool neutral = true;

		/*
		 * Kept only to drop a stale record (pmm_ring_apply). Its block
		 * was made and released here: an allocation of its address
		 * earlier in the batch missed its release and is replaced, and
		 * a later release there is of another block.
		 */
		if (READ_ONCE(e->seq) & PMM_RING_SEQ_CANCELLED) {
			__set_bit(idx, ring->skip);
			p = pmm_pair_find(ring, ptr, false);
			if (p) {
				__set_bit(p->idx - 1, ring->skip);
				p->idx = PMM_RING_PAIR_GONE;
			}
			continue;
		}
		/* A failed realloc: its old block is still live. */
		if (kind == PMM_KIND_REALLOC && !ptr && READ_ONCE(rec->size))
			continue;
		if (pmm_kind_frees(kind)) {
			if (ptr && pmm_pair_release(ring, ptr, kind))
				__set_bit(idx, ring->skip);
			continue;
		}
		if (kind == PMM_KIND_REALLOC && prev &&
		    !(prev & PMM_PREV_SHOWN_ONLY)) {
			if (pmm_pair_release(ring, prev, kind))
				__set_bit(idx, ring->skip_prev);
			else
				neutral = false;
		}
		if (!ptr || !neutral || !pmm_kind_makes_block(kind))
			continue;
		p = pmm_pair_find(ring, ptr, true);
		if (p->idx != PMM_RING_PAIR_EMPTY &&
		    p->idx != PMM_RING_PAIR_GONE && p->ptr == ptr)
			__set_bit(p->idx - 1, ring->skip);
		p->ptr = ptr;
		p->idx = idx + 1;
		p->kind = kind;
	}
	while (ring->nr_pairs_used)
		ring->pairs[ring->pairs_used[--ring->nr_pairs_used]].idx =
			PMM_RING_PAIR_EMPTY;
}

/*
 * What no writer makes (PMM_RING_HEAD_MAX_AHEAD), or what the writer found
 * so itself (PMM_RING_OVERWRITTEN). Without this, a program that wrote over
 * its ring waited for ever on it: no drain applied anything.
 */
static bool pmm_ring_is_overwritten(struct pmm_ring *ring, u64 head)
{
	struct pmm_ring_header *hdr = ring->mem;
	u64 seq = READ_ONCE(pmm_ring_entries(ring)[ring->tail % PMM_RING_ENTRIES].seq);

	return (READ_ONCE(hdr->flags) & PMM_RING_OVERWRITTEN) ||
	       !pmm_ring_state_possible(ring->tail, head, seq);
}

/* The ring's process learns that its figures are not known, for good. */
static void pmm_ring_note_overwritten(struct pmm_ring *ring)
{
	struct pmm_monitor *mon;

	ring->overwritten = true;
	mutex_lock(&pmm_lock);
	mon = pmm_monitor_find_pid(ring->pid);
	if (mon && !pmm_ring_stale(ring, mon))
		mon->overwritten = true;
	mutex_unlock(&pmm_lock);
}

enum pmm_ring_state {
	PMM_RING_UNWRITTEN,	/* still being written (or never, at release) */
	PMM_RING_TAKEN,		/* a record to apply */
	PMM_RING_CANCELLED,	/* its writer cancelled it */
};

/*
 * Takes the entry at pos for the module, so that its writer can no longer
 * cancel it (see include/uapi/pmm.h).
 */
static enum pmm_ring_state pmm_ring_take(struct pmm_ring_entry *e, u64 pos)
{
	/* Pairs with the writer's release: seen written, the record is whole. */
	u64 seq = smp_load_acquire(&e->seq);

	if (seq == pos + 1) {
		seq = cmpxchg(&e->seq, pos + 1, (pos + 1) | PMM_RING_SEQ_TAKEN);
		if (seq == pos + 1)
			return PMM_RING_TAKEN;
	}
	if (seq == ((pos + 1) | PMM_RING_SEQ_CANCELLED))
		return PMM_RING_CANCELLED;
	return PMM_RING_UNWRITTEN;
}

static u64 *pmm_ring_forgotten_slot(struct pmm_ring *ring, u64 ptr)
{
	return &ring->forgotten[pmm_hash_ptr(ptr >> 4, ilog2(PMM_RING_FORGOTTEN))];
}

/*
 * Whether a cancelled allocation at @ptr, once the writer has resumed
 * recording, is kept for the batch, to drop a stale record there: not when
 * one kept before did and no entry was taken at @ptr since, for the store
 * then holds nothing there. Without this, a program that switched recording
 * off once at its start had each of its allocations looked up after it.
 */
static bool pmm_ring_forgets(struct pmm_ring *ring, u64 ptr)
{
	u64 *slot = pmm_ring_forgotten_slot(ring, ptr);

	if (*slot == ptr)
		return false;
	*slot = ptr;
	return true;
}

/* An entry taken at @ptr: the store may hold a record there from now on. */
static void pmm_ring_unforget(struct pmm_ring *ring, u64 ptr)
{
	u64 *slot = pmm_ring_forgotten_slot(ring, ptr);

	if (*slot == ptr)
		*slot = 0;
}

/*
 * A time-stamp counter value, from a writer that stamps with rdtsc, as
 * CLOCK_REALTIME nanoseconds: now less the counter's distance from now.
 */
static u64 pmm_ring_tsc_to_ns(u64 stamp, u64 now_tsc, u64 now_ns, u32 khz)
{
	u64 ago;

	if (!khz || stamp >= now_tsc)
		return now_ns;
	ago = mul_u64_u32_div(now_tsc - stamp, NSEC_PER_MSEC, khz);
	return ago < now_ns ? now_ns - ago : 0;
}

/*
 * A PMM_KIND_FORKED entry: the ring's process names the child it has just
 * forked, as PMM_FORKED does, having no descriptor of the device left. The
 * child has none either, nor can open one (the same chroot or limit): until
 * it maps a ring after all, it runs unrecorded, which the monitor says.
 */
static void pmm_ring_forked(struct pmm_ring *ring, struct pmm_monitor *mon,
			    u64 nr)
{
	struct task_struct *task;
	struct pmm_monitor *child;
	bool recording;

	lockdep_assert_held(&pmm_lock);

	if (!nr || nr > PID_MAX_LIMIT)
		return;
	/*
	 * The number fork() gave the writer, in the writer's pid namespace:
	 * the ring may be applied by another task (its release, late).
	 */
	task = pmm_child_task(ring->pid, (pid_t)nr);
	if (!task)
		return;
	/* One that mapped a ring of its own first records. */
	recording = pmm_monitor_find_pid(task_tgid(task));
	child = pmm_monitor_name_child(mon, task, ring->exec_id);
	if (child && !recording)
		child->unhooked = PMM_UNHOOKED_NO_DEVICE;
	put_task_struct(task);
}

/*
 * Applies the written records in position order, which is the order the
 * writers took them in, so a free lands after the allocation it undoes even
 * when another thread made it. Before the end (@final false) it stops at
 * the first position still being written. At release no writer is left,
 * and a position never finished (its thread was killed mid-write, before
 * the call it records returned) is skipped, as is one its writer cancelled.
 */
static int pmm_ring_apply(struct pmm_ring *ring, bool final)
{
	struct pmm_ring_header *hdr = ring->mem;
	struct pmm_ring_entry *ent = pmm_ring_entries(ring);
	bool tsc = READ_ONCE(hdr->flags) & PMM_RING_TIME_TSC;
	/*
	 * The kernel's own rate, not the header's copy: the process may write
	 * anything there, and a rate of 1 kHz would make the conversion's
	 * quotient overflow, a divide error (#DE) with the ring's lock held.
	 */
	u32 khz = pmm_ring_tsc_khz();
	u64 head, pos, now_tsc = 0, now_ns;
	struct pmm_monitor *mon;
	struct pmm_record rec;
	u32 idx, n = 0;
	bool stale, resumed;

	lockdep_assert_held(&ring->lock);

	/*
	 * head is the process's to write: never go more than a lap ahead.
	 * A drain takes only the older half of the ring, which is what a
	 * writer waiting on a full ring needs: the newer records stay a while
	 * longer for their frees to cancel them.
	 */
	head = smp_load_acquire(&hdr->head);
	/*
	 * Once per batch, after the head: a position below it taken after
	 * recording resumed was taken by a writer that saw recording on, which
	 * the flag precedes. An allocation recorded before the resume needs no
	 * keeping: its block was live until its own free.
	 */
	resumed = READ_ONCE(hdr->flags) & PMM_RING_RESUMED;
	if (!ring->overwritten && pmm_ring_is_overwritten(ring, head))
		pmm_ring_note_overwritten(ring);
	if (ring->overwritten)
		return -EUCLEAN;
	if (head - ring->tail > PMM_RING_ENTRIES)
		head = ring->tail + PMM_RING_ENTRIES;
	if (!final && head - ring->tail > PMM_RING_DRAIN_MAX)
		head = ring->tail + PMM_RING_DRAIN_MAX;

	/*
	 * The batch: up to the first position still being written, or all
	 * of them at the end, when an unfinished one is passed over. What is
	 * not taken is given back to the writers now.
	 */
	for (pos = ring->tail; pos != head; pos++) {
		struct pmm_ring_entry *e = &ent[pos % PMM_RING_ENTRIES];
		enum pmm_ring_state state = pmm_ring_take(e, pos);

		if (state == PMM_RING_TAKEN) {
			if (resumed)
				pmm_ring_unforget(ring, READ_ONCE(e->rec.ptr));
			ring->taken[n++] = pos;
			continue;
		}
		/*
		 * Once the writer has resumed recording, a cancelled allocation
		 * is kept: it may have taken the address of a block freed
		 * unrecorded, whose record the store must drop, as a recorded
		 * allocation there would make it. resumed first: most entries
		 * are cancelled, and it is rare.
		 */
		if (resumed && state == PMM_RING_CANCELLED &&
		    pmm_ring_allocates(&e->rec) &&
		    pmm_ring_forgets(ring, READ_ONCE(e->rec.ptr))) {
			ring->taken[n++] = pos;
			continue;
		}
		if (state == PMM_RING_UNWRITTEN && !final)
			break;
		/* Nothing read from it; ordered after our load of seq. */
		smp_store_release(&e->seq, pos + PMM_RING_ENTRIES);
	}
	ring->tail = pos;
	pmm_ring_pair_batch(ring, n);

#ifdef CONFIG_X86_TSC
	if (tsc)
		now_tsc = rdtsc_ordered();
#endif
	now_ns = ktime_get_real_ns();
	mutex_lock(&pmm_lock);
	mon = pmm_monitor_find_pid(ring->pid);
	stale = mon && pmm_ring_stale(ring, mon);
	if (mon && !stale && (READ_ONCE(hdr->flags) & PMM_RING_STOPPED))
		mon->stopped = true;
	for (idx = 0; idx < n; idx++) {
		struct pmm_ring_entry *e;

		pos = ring->taken[idx];
		e = &ent[pos % PMM_RING_ENTRIES];
		if (mon && !stale && test_bit(idx, ring->skip)) {
			/*
			 * An allocation paired away (or replaced in the batch,
			 * or cancelled and kept) still says that a record the
			 * store has at its block missed its release.
			 */
			if (pmm_ring_allocates(&e->rec))
				pmm_monitor_forget_stale(mon,
							 READ_ONCE(e->rec.ptr));
		} else if (mon && !stale) {
			memcpy(&rec, &e->rec, sizeof(rec));
			/* Its old block's release was paired away. */
			if (test_bit(idx, ring->skip_prev))
				rec.prev_ptr |= PMM_PREV_SHOWN_ONLY;
			if (tsc && rec.time_ns)
				rec.time_ns = pmm_ring_tsc_to_ns(rec.time_ns,
								 now_tsc,
								 now_ns, khz);
			if (rec.kind == PMM_KIND_FORKED) {
				pmm_ring_forked(ring, mon, rec.ptr);
			} else if (pmm_record_validate(&rec)) {
				/* Refused like a record over the limits, counted. */
				mon->dropped++;
				pmm_total_dropped++;
			} else {
				pmm_monitor_apply(mon, &rec);
			}
		}
		/* Our read of the record is done before a writer reuses it. */
		smp_store_release(&e->seq, pos + PMM_RING_ENTRIES);
	}
	mutex_unlock(&pmm_lock);
	return mon ? 0 : -ESRCH;
}

static void pmm_ring_free_tables(struct pmm_ring *ring)
{
	kvfree(ring->pairs);
	kvfree(ring->pairs_used);
	kvfree(ring->taken);
	bitmap_free(ring->skip);
	bitmap_free(ring->skip_prev);
	kvfree(ring->forgotten);
}

int pmm_ring_open(struct inode *inode, struct file *file)
{
	/* misc_open left the miscdevice here; a ring takes its place on mmap. */
	file->private_data = NULL;
	return 0;
}

/*
 * The mapper's monitor learns which image records into it. A ring mapped
 * by a monitored process under another self_exec_id than its last one is
 * the first of a new image: the old image's blocks are forgotten.
 */
static void pmm_ring_follow(struct pmm_ring *ring)
{
	struct pmm_monitor *mon;

	mutex_lock(&pmm_lock);
	mon = pmm_monitor_find_current();
	if (!mon)
		mon = pmm_monitor_follow_child(current);
	if (mon)
		pmm_monitor_hooked_image(mon, ring->exec_id);
	mutex_unlock(&pmm_lock);
}

/*
 * An exec() the monitored process made since its latest image mapped a
 * ring, seen from outside: the new image may never map one (a statically
 * linked or set-user-ID program, which the hook cannot enter). The blocks
 * of the image it replaced went with that image's memory, as when a new
 * ring says so (pmm_ring_follow), and the monitor notes that the process
 * ran unhooked, until the new image maps a ring after all. The old
 * image's ring is applied first: its release, due in the exec, may not
 * have come yet.
 */
void pmm_ring_check_image(struct pmm_monitor *mon, struct task_struct *task)
{
	u64 exec_id = READ_ONCE(task->self_exec_id);

	lockdep_assert_held(&pmm_lock);

	if (!mon->has_image || exec_id == mon->exec_id ||
	    pmm_ring_pending(mon->pid, mon->exec_id))
		return;
	pmm_monitor_new_image(mon);
	mon->exec_id = exec_id;
	/* A child that could not reach the device stays so, for the reason. */
	if (mon->unhooked != PMM_UNHOOKED_NO_DEVICE)
		mon->unhooked = PMM_UNHOOKED_IMAGE;
}

/*
 * Once the process is reaped and no ring of it is left to apply, not even
 * one a reader gave up waiting for, the pmm_ring_check_image its caller
 * (pmm_monitor_refresh) has just made, under the same pmm_lock, saw its
 * last image for good, and no record of it comes again: the monitor lets
 * go of the leader's task_struct (with its signal and cred, about 7 KiB)
 * and of its records' index by address, which a run that starts thousands
 * of processes would otherwise hold for each until the run ends.
 */
void pmm_ring_settle(struct pmm_monitor *mon)
{
	lockdep_assert_held(&pmm_lock);

	if (!mon->task || pmm_ring_listed(mon->pid, PMM_ANY_IMAGE, true))
		return;
	put_task_struct(mon->task);
	mon->task = NULL;
	pmm_monitor_settle_records(mon);
}

/*
 * The ring's pages go into the process's page tables as it first touches
 * them, not all at mmap: most processes write a few pages of it, and under
 * TCG each page mapped and unmapped costs. The mapping holds the file, so
 * the ring outlives every fault.
 */
static vm_fault_t pmm_ring_fault(struct vm_fault *vmf)
{
	struct pmm_ring *ring = vmf->vma->vm_file->private_data;
	unsigned long offset = vmf->pgoff << PAGE_SHIFT;

	if (!ring || offset >= PAGE_ALIGN(PMM_RING_BYTES))
		return VM_FAULT_SIGBUS;
	vmf->page = vmalloc_to_page(ring->mem + offset);
	get_page(vmf->page);
	return 0;
}

static const struct vm_operations_struct pmm_ring_vm_ops = {
	.fault = pmm_ring_fault,
};

/*
 * A process that maps a file of /dev/pmm whose ring is another process's
 * (a forked child, through the file it inherited) gets a ring of its own, on
 * a file of its own that takes no descriptor: a child whose parent left it
 * none free (RLIMIT_NOFILE) could not open the device again, and recorded
 * nothing. The mapping holds the new file, as it holds the device's.
 */
static int pmm_ring_mmap_anew(struct file *file, struct vm_area_struct *vma)
{
	struct file *own;
	int ret;

	own = anon_inode_getfile("[pmm]", file->f_op, NULL, O_RDWR);
	if (IS_ERR(own))
		return PTR_ERR(own);
	ret = pmm_ring_mmap(own, vma);
	if (!ret)
		vma_set_file(vma, own);
	fput(own);
	return ret;
}

int pmm_ring_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct pmm_ring *ring, *taken;
	int ret;

	if (vma->vm_pgoff ||
	    vma->vm_end - vma->vm_start != PAGE_ALIGN(PMM_RING_BYTES) ||
	    !(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	taken = READ_ONCE(file->private_data);
	if (taken && taken->pid != task_tgid(current))
		return pmm_ring_mmap_anew(file, vma);

	ring = kzalloc(sizeof(*ring), GFP_KERNEL);
	if (!ring)
		return -ENOMEM;
	mutex_init(&ring->lock);
	ring->mem = vmalloc_user(PAGE_ALIGN(PMM_RING_BYTES));
	if (!ring->mem) {
		ret = -ENOMEM;
		goto out_free_ring;
	}
	ring->pairs = kvcalloc(PMM_RING_PAIR_SLOTS, sizeof(*ring->pairs),
			       GFP_KERNEL);
	ring->pairs_used = kvcalloc(PMM_RING_ENTRIES, sizeof(*ring->pairs_used),
				    GFP_KERNEL);
	ring->taken = kvcalloc(PMM_RING_ENTRIES, sizeof(*ring->taken),
			       GFP_KERNEL);
	ring->skip = bitmap_zalloc(PMM_RING_ENTRIES, GFP_KERNEL);
	ring->skip_prev = bitmap_zalloc(PMM_RING_ENTRIES, GFP_KERNEL);
	ring->forgotten = kvcalloc(PMM_RING_FORGOTTEN, sizeof(*ring->forgotten),
				   GFP_KERNEL);
	if (!ring->pairs || !ring->pairs_used || !ring->taken || !ring->skip ||
	    !ring->skip_prev || !ring->forgotten) {
		ret = -ENOMEM;
		goto out_free_mem;
	}
	/* Zeroed: every entry is free for its first lap (see the uapi header). */
	((struct pmm_ring_header *)ring->mem)->tsc_khz = pmm_ring_tsc_khz();

	vma->vm_ops = &pmm_ring_vm_ops;
	/* A forked child maps a ring of its own rather than write into ours. */
	vma->vm_flags |= VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP;

	/* Set before it is published: a drain racing us checks it. */
	ring->file = file;
	ring->pid = get_pid(task_tgid(current));
	ring->exec_id = READ_ONCE(current->self_exec_id);
	/* One ring per open file: the first mapping wins. */
	if (cmpxchg(&file->private_data, NULL, ring)) {
		ret = -EBUSY;
		goto out_put_pid;
	}
	spin_lock(&pmm_rings_lock);
	list_add_tail(&ring->node, &pmm_rings);
	spin_unlock(&pmm_rings_lock);
	pmm_ring_follow(ring);
	return 0;

out_put_pid:
	put_pid(ring->pid);
out_free_mem:
	/* A failed mmap's vma is torn down without touching the pages. */
	pmm_ring_free_tables(ring);
	vfree(ring->mem);
out_free_ring:
	kfree(ring);
	return ret;
}

/*
 * The file of the ring the calling process mapped from its current image,
 * with a reference the caller puts, for a drain asked through another file
 * of /dev/pmm than the one it mapped: the program closed that one (a daemon
 * closes every fd), and the hook opened the device again. The reference,
 * not the mapping, keeps the ring: another thread of the process may unmap
 * it and close its file meanwhile. A ring is listed until its release, so
 * its file is still there under the lock; one whose last reference is gone
 * is being released. NULL if there is none.
 */
static struct file *pmm_ring_file_of_current(void)
{
	u64 exec_id = READ_ONCE(current->self_exec_id);
	struct file *found = NULL;
	struct pmm_ring *ring;

	spin_lock(&pmm_rings_lock);
	list_for_each_entry(ring, &pmm_rings, node) {
		if (ring->pid == task_tgid(current) &&
		    ring->exec_id == exec_id && get_file_rcu(ring->file)) {
			found = ring->file;
			break;
		}
	}
	spin_unlock(&pmm_rings_lock);
	return found;
}

/*
 * Only the process that mapped the ring adds to its records, or a vfork
 * child running on that process's memory (and so writing into its ring),
 * which may fill it before its exec while the process waits.
 */
static bool pmm_ring_may_drain(struct pmm_ring *ring)
{
	struct task_struct *owner;
	bool shares;

	if (ring->pid == task_tgid(current))
		return true;
	owner = get_pid_task(ring->pid, PIDTYPE_TGID);
	if (!owner)
		return false;
	shares = current->mm && READ_ONCE(owner->mm) == current->mm;
	put_task_struct(owner);
	return shares;
}

static int pmm_ring_drain_of(struct pmm_ring *ring)
{
	int ret;

	mutex_lock(&ring->lock);
	ret = pmm_ring_apply(ring, false);
	mutex_unlock(&ring->lock);
	return ret;
}

/*
 * The caller holds file, and so its ring, if it has one. A file whose ring
 * is another process's (a forked child's inherited file, which its own
 * ring may be mapped from: pmm_ring_mmap_anew) drains the caller's own.
 */
int pmm_ring_drain(struct file *file)
{
	struct pmm_ring *ring = READ_ONCE(file->private_data);
	struct file *mapped;
	int ret;

	if (ring && pmm_ring_may_drain(ring))
		return pmm_ring_drain_of(ring);
	mapped = pmm_ring_file_of_current();
	if (!mapped)
		return ring ? -EPERM : -EINVAL;
	ret = pmm_ring_drain_of(mapped->private_data);
	fput(mapped);
	return ret;
}

/*
 * msync(MS_SYNC) of the ring's mapping drains it as PMM_RING_DRAIN does,
 * with no file descriptor: a program may close the hook's (a daemon
 * closes every one) and leave none free to open the device again, and the
 * mapping holds the ring's file all the same.
 */
int pmm_ring_fsync(struct file *file, loff_t start, loff_t end, int datasync)
{
	return pmm_ring_drain(file);
}

/*
 * The last reference to a ring usually goes in its process's own exit
 * (exit_mm() or exit_files()), where exit_code already holds the wait
 * status: the monitor keeps it, for readers that are not the parent. Or in
 * its exec(), in the thread that made it, which is the leader by then.
 */
static void pmm_ring_note_release(struct pmm_ring *ring)
{
	struct pmm_monitor *mon;

	if (task_tgid(current) != ring->pid)
		return;
	mutex_lock(&pmm_lock);
	mon = pmm_monitor_find_pid(ring->pid);
	/*
	 * A thread other than the leader that execs takes its place, and the
	 * process may be reaped before anything else looks at it.
	 */
	if (mon && thread_group_leader(current))
		pmm_monitor_set_leader(mon, current);
	if (mon && (current->flags & PF_EXITING) && !pmm_ring_stale(ring, mon)) {
		mon->wait_status = current->exit_code;
		mon->exit_known = true;
	}
	mutex_unlock(&pmm_lock);
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
	pmm_ring_note_release(ring);
	/* Applied: readers of the exited process may go on. */
	spin_lock(&pmm_rings_lock);
	list_del(&ring->node);
	spin_unlock(&pmm_rings_lock);
	wake_up_all(&pmm_rings_wq);
	pmm_ring_free_tables(ring);
	vfree(ring->mem);
	put_pid(ring->pid);
	kfree(ring);
	return 0;
}
