// SPDX-License-Identifier: GPL-2.0
/*
 * pmm: the per-process record store. An allocation adds a record, the free
 * of the same pointer removes it, and what stays is the process's leaks.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/hash.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "pmm_internal.h"

/*
 * The pointer hash starts small, since most monitored programs hold few
 * blocks, and doubles when its chains average two entries.
 */
#define PMM_HASH_BITS_MIN	8
#define PMM_HASH_BITS_MAX	20

static struct kmem_cache *pmm_entry_cache;

/* Guards all of pmm's state; see pmm_internal.h for the list. */
DEFINE_MUTEX(pmm_lock);
LIST_HEAD(pmm_monitors);
unsigned int pmm_nr_monitors;
u64 pmm_total_records;
u64 pmm_generation;
u64 pmm_total_dropped;

/* The monitor the ioctls name handle: a pid, or a retired monitor's number. */
struct pmm_monitor *pmm_monitor_find(pid_t handle)
{
	struct pmm_monitor *mon;

	lockdep_assert_held(&pmm_lock);

	/* Few processes are monitored at once, so a list is enough here. */
	list_for_each_entry(mon, &pmm_monitors, node)
		if (mon->handle == handle)
			return mon;
	return NULL;
}

/* The monitor of this very process: not of an earlier one its pid was. */
struct pmm_monitor *pmm_monitor_find_pid(struct pid *pid)
{
	struct pmm_monitor *mon;

	lockdep_assert_held(&pmm_lock);

	list_for_each_entry(mon, &pmm_monitors, node)
		if (mon->pid == pid)
			return mon;
	return NULL;
}

struct pmm_monitor *pmm_monitor_find_current(void)
{
	return pmm_monitor_find_pid(task_tgid(current));
}

/*
 * A process forked by a monitored process is monitored too, from the
 * moment its hook maps a ring (or, for a vfork child or a spawned one that
 * runs an image the hook cannot enter, from the moment the hook names the
 * image: pmm_ioctl_record_maps), so that its leaks are its own and pmd
 * finds it among the monitors of the run. NULL when its parent is not a
 * running monitored process.
 */
struct pmm_monitor *pmm_monitor_follow_child(struct task_struct *task)
{
	struct pmm_monitor *parent, *mon = NULL;
	struct pid *ppid;

	lockdep_assert_held(&pmm_lock);

	rcu_read_lock();
	ppid = get_pid(task_tgid(rcu_dereference(task->real_parent)));
	rcu_read_unlock();
	parent = pmm_monitor_find_pid(ppid);
	if (parent && parent->state == PMM_STATE_RUNNING)
		mon = pmm_monitor_create(task->group_leader);
	put_pid(ppid);
	return mon;
}

/*
 * The process numbered nr in parent's pid namespace, when it is parent's
 * child: a new reference, or NULL.
 */
struct task_struct *pmm_child_task(struct pid *parent, pid_t nr)
{
	struct task_struct *task;
	struct pid *pid;
	bool child;

	rcu_read_lock();
	pid = get_pid(find_pid_ns(nr, ns_of_pid(parent)));
	rcu_read_unlock();
	task = get_pid_task(pid, PIDTYPE_TGID);
	put_pid(pid);
	if (!task)
		return NULL;
	rcu_read_lock();
	child = task_tgid(rcu_dereference(task->real_parent)) == parent;
	rcu_read_unlock();
	if (!child) {
		put_task_struct(task);
		return NULL;
	}
	return task;
}

/*
 * A monitored parent names the child it has just forked (PMM_FORKED, or a
 * ring entry of kind PMM_KIND_FORKED): the child is monitored from now,
 * with the parent's object map while it runs the parent's image
 * (parent_exec_id). NULL when it is not taken in.
 */
struct pmm_monitor *pmm_monitor_name_child(struct pmm_monitor *parent,
					   struct task_struct *task,
					   u64 parent_exec_id)
{
	struct pmm_monitor *mon;
	char *text;

	lockdep_assert_held(&pmm_lock);

	mon = pmm_monitor_find_pid(task_tgid(task));
	if (!mon) {
		mon = pmm_monitor_follow_child(task);
		if (!mon)
			return NULL;
		pmm_monitor_hooked_image(mon, READ_ONCE(task->self_exec_id));
	}
	if (!mon->maps && parent->maps &&
	    READ_ONCE(task->self_exec_id) == parent_exec_id) {
		text = kvmalloc(parent->maps_len, GFP_KERNEL);
		if (text) {
			memcpy(text, parent->maps, parent->maps_len);
			mon->maps = text;
			mon->maps_len = parent->maps_len;
		}
	}
	return mon;
}

/*
 * The image with exec_id (its self_exec_id) runs the hook: it mapped a
 * ring (pmm_ring_follow), or records or sends its map without one. One
 * the monitor has not seen is a new image: the old image's blocks are
 * forgotten.
 */
void pmm_monitor_hooked_image(struct pmm_monitor *mon, u64 exec_id)
{
	lockdep_assert_held(&pmm_lock);

	if (mon->has_image && mon->exec_id != exec_id)
		pmm_monitor_new_image(mon);
	mon->exec_id = exec_id;
	mon->has_image = true;
	mon->unhooked = 0;
}

/*
 * Called when the monitored process itself records or sends its map: it
 * may have exec()ed since START_PID, and /proc/pmm/pid should show the
 * program's name. The image that calls runs the hook, with a ring or
 * without one (its mmap failed under an address-space limit, and each
 * record comes by ioctl).
 */
void pmm_monitor_seen_current(struct pmm_monitor *mon)
{
	lockdep_assert_held(&pmm_lock);

	get_task_comm(mon->comm, current);
	pmm_monitor_hooked_image(mon, READ_ONCE(current->self_exec_id));
}

/*
 * The next number for a monitor whose pid went to a later monitored
 * process: above any pid, counting up from PMM_RETIRED_HANDLE_MIN.
 */
static pid_t pmm_next_retired = PMM_RETIRED_HANDLE_MIN;

/*
 * A process with handle's pid is to be monitored, so the monitor that has
 * that number is an earlier process's, long reaped (a pid is given again
 * only then). It keeps its records under a number of its own, until
 * STOP_PID names that number.
 */
static void pmm_monitor_retire(pid_t handle)
{
	struct pmm_monitor *old = pmm_monitor_find(handle);

	if (!old)
		return;
	old->handle = pmm_next_retired;
	if (pmm_next_retired == INT_MAX)
		pmm_next_retired = PMM_RETIRED_HANDLE_MIN;
	else
		pmm_next_retired++;
	pmm_generation++;
}

struct pmm_monitor *pmm_monitor_create(struct task_struct *task)
{
	struct pmm_monitor *mon;

	lockdep_assert_held(&pmm_lock);

	mon = kzalloc(sizeof(*mon), GFP_KERNEL_ACCOUNT);
	if (!mon)
		return NULL;

	mon->hash_bits = PMM_HASH_BITS_MIN;
	mon->buckets = kvcalloc(1U << mon->hash_bits, sizeof(*mon->buckets),
				GFP_KERNEL_ACCOUNT);
	if (!mon->buckets) {
		kfree(mon);
		return NULL;
	}
	xa_init(&mon->records);

	pmm_monitor_retire(task_tgid_nr(task));
	mon->handle = task_tgid_nr(task);
	mon->pid = get_pid(task_tgid(task));
	mon->task = get_task_struct(task);
	mon->uid = task_euid(task);
	mon->state = PMM_STATE_RUNNING;
	get_task_comm(mon->comm, task);
	rcu_read_lock();
	mon->ppid = task_tgid_nr(rcu_dereference(task->real_parent));
	rcu_read_unlock();

	list_add_tail(&mon->node, &pmm_monitors);
	pmm_nr_monitors++;
	pmm_generation++;
	return mon;
}

/* Frees every record of the monitor; the pointer hash still holds them. */
static void pmm_entries_free(struct pmm_monitor *mon)
{
	struct pmm_entry *entry;
	unsigned long seq;

	lockdep_assert_held(&pmm_lock);

	xa_for_each(&mon->records, seq, entry) {
		pmm_stack_put(entry->stack_id);
		kmem_cache_free(pmm_entry_cache, entry);
		/* A million records take a while; let others run. */
		cond_resched();
	}
	xa_destroy(&mon->records);
	pmm_total_records -= mon->nr_records;
	mon->nr_records = 0;
	mon->bytes = 0;
	pmm_generation++;
}

/*
 * The process exec()ed: the blocks its old image left went with that
 * image's memory, so they are no leak (valgrind does not report them
 * either). What the process did wrong meanwhile stays: its mismatched
 * releases, unmatched frees and dropped records.
 */
void pmm_monitor_new_image(struct pmm_monitor *mon)
{
	pmm_mismatches_seal_image(mon);
	pmm_entries_free(mon);
	/* What the old image could not record went with its memory. */
	mon->stopped = false;
	mon->overwritten = false;
	if (mon->buckets)
		memset(mon->buckets, 0,
		       (1U << mon->hash_bits) * sizeof(*mon->buckets));
}

/*
 * The process is reaped and its last ring applied (pmm_ring_settle):
 * nothing adds to or takes from its records again, which are read in order
 * from the xarray. The index by address goes (2 KiB at the least, for
 * every process a run started); a record that came all the same would be
 * dropped and counted (pmm_monitor_apply).
 */
void pmm_monitor_settle_records(struct pmm_monitor *mon)
{
	struct pmm_entry *entry;
	unsigned long seq;

	lockdep_assert_held(&pmm_lock);

	xa_for_each(&mon->records, seq, entry)
		INIT_HLIST_NODE(&entry->hnode);
	kvfree(mon->buckets);
	mon->buckets = NULL;
}

void pmm_monitor_destroy(struct pmm_monitor *mon)
{
	lockdep_assert_held(&pmm_lock);

	list_del(&mon->node);
	pmm_nr_monitors--;
	pmm_generation++;

	pmm_entries_free(mon);
	pmm_mismatches_free(mon);

	kvfree(mon->buckets);
	kvfree(mon->samples);
	kvfree(mon->maps);
	put_pid(mon->pid);
	if (mon->task)
		put_task_struct(mon->task);
	kfree(mon);
}

/*
 * The process's leader is now task: a thread other than the first that
 * exec()s takes the leader's place, and the old leader's self_exec_id no
 * longer says which image runs (pmm_ring_check_image).
 */
void pmm_monitor_set_leader(struct pmm_monitor *mon, struct task_struct *task)
{
	lockdep_assert_held(&pmm_lock);

	if (task == mon->task)
		return;
	if (mon->task)
		put_task_struct(mon->task);
	mon->task = get_task_struct(task);
}

static struct hlist_head *pmm_bucket(struct pmm_monitor *mon, u64 ptr)
{
	return &mon->buckets[pmm_hash_ptr(ptr, mon->hash_bits)];
}

static struct pmm_entry *pmm_entry_find(struct pmm_monitor *mon, u64 ptr)
{
	struct pmm_entry *entry;

	lockdep_assert_held(&pmm_lock);

	hlist_for_each_entry(entry, pmm_bucket(mon, ptr), hnode)
		if (entry->ptr == ptr)
			return entry;
	return NULL;
}

static void pmm_entry_remove(struct pmm_monitor *mon, struct pmm_entry *entry)
{
	lockdep_assert_held(&pmm_lock);

	hlist_del(&entry->hnode);
	xa_erase(&mon->records, entry->seq);
	mon->nr_records--;
	mon->bytes -= entry->size;
	pmm_total_records--;
	pmm_generation++;
	pmm_stack_put(entry->stack_id);
	kmem_cache_free(pmm_entry_cache, entry);
}

/* Doubling is best effort: if memory is short the chains just grow. */
static void pmm_hash_maybe_grow(struct pmm_monitor *mon)
{
	unsigned int bits = mon->hash_bits + 1;
	struct hlist_head *buckets;
	struct pmm_entry *entry;
	struct hlist_node *tmp;
	unsigned int i;

	lockdep_assert_held(&pmm_lock);

	if (mon->hash_bits >= PMM_HASH_BITS_MAX ||
	    mon->nr_records <= (2ULL << mon->hash_bits))
		return;

	buckets = kvcalloc(1U << bits, sizeof(*buckets),
			   GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!buckets)
		return;

	for (i = 0; i < (1U << mon->hash_bits); i++) {
		hlist_for_each_entry_safe(entry, tmp, &mon->buckets[i], hnode) {
			hlist_del(&entry->hnode);
			hlist_add_head(&entry->hnode,
				       &buckets[pmm_hash_ptr(entry->ptr, bits)]);
		}
	}
	kvfree(mon->buckets);
	mon->buckets = buckets;
	mon->hash_bits = bits;
}

static void pmm_entry_add(struct pmm_monitor *mon, const struct pmm_record *rec)
{
	struct pmm_entry *entry;

	lockdep_assert_held(&pmm_lock);

	if (mon->nr_records >= READ_ONCE(pmm_max_records) ||
	    pmm_total_records >= READ_ONCE(pmm_max_total_records))
		goto out_dropped;

	entry = kmem_cache_alloc(pmm_entry_cache, GFP_KERNEL_ACCOUNT);
	if (!entry)
		goto out_dropped;

	entry->kind = rec->kind;
	entry->ptr = rec->ptr;
	entry->prev_ptr = rec->prev_ptr;
	entry->size = rec->size;
	entry->time_ns = rec->time_ns;
	/* Only nframes count: the hook may leave stale frames past them. */
	if (pmm_stack_get(rec->frames, rec->nframes, &entry->stack_id))
		goto out_free_entry;
	entry->seq = mon->next_seq;
	if (xa_insert(&mon->records, entry->seq, entry, GFP_KERNEL_ACCOUNT))
		goto out_put_stack;
	mon->next_seq++;

	hlist_add_head(&entry->hnode, pmm_bucket(mon, rec->ptr));
	mon->nr_records++;
	mon->bytes += rec->size;
	pmm_total_records++;
	pmm_generation++;
	pmm_hash_maybe_grow(mon);
	return;

out_put_stack:
	pmm_stack_put(entry->stack_id);
out_free_entry:
	kmem_cache_free(pmm_entry_cache, entry);
out_dropped:
	mon->dropped++;
	pmm_total_dropped++;
}

/*
 * The block at ptr comes back by rec (a free, delete, delete[], or a
 * realloc of it): forget its record, or count a free we never saw. A
 * release of another family than the allocation's still releases the
 * block, as valgrind does, and is kept as a mismatch.
 */
static void pmm_release(struct pmm_monitor *mon, u64 ptr,
			const struct pmm_record *rec)
{
	struct pmm_entry *entry = pmm_entry_find(mon, ptr);

	if (!entry) {
		mon->unmatched_frees++;
		return;
	}
	if (pmm_kind_family(entry->kind) != pmm_kind_family(rec->kind))
		pmm_mismatch_add(mon, entry, rec);
	pmm_entry_remove(mon, entry);
}

/*
 * A live block can't be handed out twice, so an allocation at ptr while it
 * still has a record means that block's release was missed (hooks_active
 * was off): the record goes. The ring also calls this for an allocation it
 * paired away with its release in one batch, which says as much.
 */
void pmm_monitor_forget_stale(struct pmm_monitor *mon, u64 ptr)
{
	struct pmm_entry *stale;

	if (!mon->buckets)
		return;
	stale = pmm_entry_find(mon, ptr);
	if (stale)
		pmm_entry_remove(mon, stale);
}

/* The new record replaces a stale one (see pmm_monitor_forget_stale). */
static void pmm_allocated(struct pmm_monitor *mon, const struct pmm_record *rec)
{
	pmm_monitor_forget_stale(mon, rec->ptr);
	pmm_entry_add(mon, rec);
}

int pmm_record_validate(const struct pmm_record *rec)
{
	if (rec->kind < PMM_KIND_MALLOC || rec->kind > PMM_KIND_LAST)
		return -EINVAL;
	if (rec->nframes > PMM_MAX_FRAMES)
		return -EINVAL;
	/*
	 * No block is bigger than PTRDIFF_MAX; one said to be would wrap the
	 * totals. A failed allocation (ptr 0) may have asked for any size.
	 */
	if (pmm_kind_makes_block(rec->kind) && rec->ptr && rec->size > S64_MAX)
		return -EINVAL;
	return 0;
}

void pmm_monitor_apply(struct pmm_monitor *mon, const struct pmm_record *rec)
{
	lockdep_assert_held(&pmm_lock);

	/* Settled (pmm_monitor_settle_records): not expected, and not lost unsaid. */
	if (WARN_ON_ONCE(!mon->buckets)) {
		mon->dropped++;
		return;
	}

	if (pmm_kind_allocates(rec->kind)) {
		/* A failed allocation leaks nothing. */
		if (rec->ptr)
			pmm_allocated(mon, rec);
	} else if (pmm_kind_frees(rec->kind)) {
		/* free(NULL) is a no-op, not an unmatched free. */
		if (rec->ptr)
			pmm_release(mon, rec->ptr, rec);
	} else if (rec->kind == PMM_KIND_REALLOC) {
		/* realloc(p, n) returning NULL failed and p is still live. */
		if (!rec->ptr && rec->size)
			return;
		if (rec->prev_ptr && !(rec->prev_ptr & PMM_PREV_SHOWN_ONLY))
			pmm_release(mon, rec->prev_ptr, rec);
		/* realloc(p, 0) returning NULL freed p. */
		if (rec->ptr)
			pmm_allocated(mon, rec);
	}
}

/*
 * Copies up to max records from *cursor on, oldest first, and moves the
 * cursor past the last one. The cursor is a sequence number, so it stays
 * right however many records before or after it are freed meanwhile.
 */
unsigned int pmm_monitor_read(struct pmm_monitor *mon, unsigned long *cursor,
			      struct pmm_record *out, unsigned int max)
{
	struct pmm_entry *entry;
	unsigned int n = 0;
	unsigned long seq;

	lockdep_assert_held(&pmm_lock);

	if (!max)
		return 0;
	xa_for_each_start(&mon->records, seq, entry, *cursor) {
		pmm_entry_to_record(entry, &out[n++]);
		*cursor = seq + 1;
		if (n == max)
			break;
	}
	return n;
}

/*
 * Copies up to max samples from sample number *cursor on (or from the
 * oldest kept, if that one was overwritten) and moves the cursor on.
 */
unsigned int pmm_monitor_read_samples(struct pmm_monitor *mon, u64 *cursor,
				      struct pmm_sample *out, unsigned int max)
{
	u64 first = mon->nr_samples > PMM_MAX_SAMPLES ?
		    mon->nr_samples - PMM_MAX_SAMPLES : 0;
	u64 n = max_t(u64, *cursor, first);
	unsigned int count = 0;

	lockdep_assert_held(&pmm_lock);

	for (; n < mon->nr_samples && count < max; n++)
		out[count++] = mon->samples[n % PMM_MAX_SAMPLES];
	*cursor = n;
	return count;
}

void pmm_monitor_fill_info(const struct pmm_monitor *mon,
			   struct pmm_pid_info *info)
{
	lockdep_assert_held(&pmm_lock);

	memset(info, 0, sizeof(*info));
	info->pid = pid_nr(mon->pid);
	info->handle = mon->handle;
	info->ppid = mon->ppid;
	info->state = mon->state;
	info->stopped = mon->overwritten ? PMM_STOPPED_OVERWRITTEN :
			mon->stopped ? PMM_STOPPED_BY_HOOK : 0;
	info->log_count = mon->nr_records;
	info->log_bytes = mon->bytes;
	info->unmatched_frees = mon->unmatched_frees;
	info->dropped = mon->dropped;
	info->mismatched_frees = mon->mismatched_frees;
	info->wait_status = mon->wait_status;
	info->exit_known = mon->exit_known;
	info->unhooked = mon->unhooked;
	BUILD_BUG_ON(sizeof(info->comm) != sizeof(mon->comm));
	memcpy(info->comm, mon->comm, sizeof(info->comm));
}

/* What an entry stands for, as the hook recorded it. */
void pmm_entry_to_record(const struct pmm_entry *entry, struct pmm_record *rec)
{
	lockdep_assert_held(&pmm_lock);

	memset(rec, 0, sizeof(*rec));
	rec->kind = entry->kind;
	rec->ptr = entry->ptr;
	rec->prev_ptr = entry->prev_ptr;
	rec->size = entry->size;
	rec->time_ns = entry->time_ns;
	pmm_stack_fill(entry->stack_id, rec);
}

/* A process's records show where its heap is: only its owner or root. */
bool pmm_may_read(const struct pmm_monitor *mon)
{
	return uid_eq(current_euid(), mon->uid) || capable(CAP_SYS_ADMIN);
}

int pmm_records_init(void)
{
	int ret;

	ret = pmm_stacks_init();
	if (ret)
		return ret;
	pmm_entry_cache = KMEM_CACHE(pmm_entry, 0);
	if (!pmm_entry_cache) {
		pmm_stacks_exit();
		return -ENOMEM;
	}
	return 0;
}

void pmm_records_exit(void)
{
	kmem_cache_destroy(pmm_entry_cache);
	pmm_stacks_exit();
}
