/*
 * pmm_ring.h: the ring's fast path (pmm_ring.c has the rest), inline: under TCG a call and its
 * return cost about as much as a glibc malloc's fast path, and these run for every allocation.
 */
#ifndef PMM_RING_H
#define PMM_RING_H

#include "pmm_internal.h"

/* The ring, when the module gave one; set before any record (pmm_ring.c). */
extern struct pmm_ring_header *pmm_ring_hdr;
extern struct pmm_ring_entry *pmm_ring_ent;
extern int pmm_ring_time_tsc;

/* Positions of the ring this thread holds uncommitted: more than one only in a signal handler. */
extern __thread int pmm_ring_writing __attribute__((tls_model("initial-exec")));

/*
 * This thread's latest allocations still possibly in the ring: block -> position, in sets of four
 * slots chosen by the block's address, the oldest allocation of a set making way for a new one (one
 * slot per address let about one block in eight lose its slot before its free, with 64 blocks live). A
 * block that lost its slot only costs a free record later; a stale slot is harmless, for a cancel
 * checks the entry's seq and pointer first.
 */
#define PMM_RECENT_SLOTS	512	/* power of two; 8 KiB per thread */
#define PMM_RECENT_WAYS		4

struct pmm_recent {
	__u64 ptr;
	__u64 pos;
};

/*
 * The thread's table, mapped at its first allocation (pmm_recent.c), not in static TLS: glibc takes a
 * thread's static TLS out of the stack size the program asked for, and 8 KiB more of it crashed threads
 * made with small stacks (PTHREAD_STACK_MIN) that ran fine without the hook. NULL: none yet;
 * PMM_RECENT_GONE: the thread is exiting, and its table was unmapped.
 */
extern __thread struct pmm_recent *pmm_recent_table __attribute__((tls_model("initial-exec")));
#define PMM_RECENT_GONE		((struct pmm_recent *)1)

void pmm_recent_prepare(void);
struct pmm_recent *pmm_recent_table_new(void);
void pmm_recent_forget(void);

int pmm_ring_wait(struct pmm_ring_entry *e, __u64 pos);
struct pmm_record *pmm_ring_reserve_nested(__u64 *pos_out);
void pmm_ring_wake(struct pmm_ring_entry *e);
extern int pmm_ring_sleepers;
extern __u64 pmm_ring_awaited;

static inline int pmm_ring_mapped(void)
{
	return pmm_ring_hdr != NULL;
}

/* The next position to be taken: every position before it is taken. */
static inline __u64 pmm_ring_head(void)
{
	return __atomic_load_n(&pmm_ring_hdr->head, __ATOMIC_RELAXED);
}

/*
 * Whether an entry whose seq is seq is free for position pos: its seq is pos, or it is still as the
 * ring was made, zeroed, in the first lap (see the uapi header).
 */
static inline int pmm_ring_free_for(__u64 seq, __u64 pos)
{
	return seq == pos || (seq == 0 && pos < PMM_RING_ENTRIES);
}

/* A record's time_ns in the ring: one rdtsc when the module converts it (see the uapi header). */
static inline __u64 pmm_ring_stamp(void)
{
#if defined(__x86_64__)
	if (__builtin_expect(pmm_ring_time_tsc, 1))
		return __builtin_ia32_rdtsc();
#endif
	return pmm_clock_ns();
}

/*
 * Takes the next position of the ring and returns its record to fill, for pmm_ring_commit. The one
 * atomic add orders the records of all threads as they happened: a thread frees a block only after
 * the thread that allocated it took its position. When the entry is still unapplied from the last
 * lap the ring is full (pmm_ring_wait). A signal handler that interrupted this thread's own record
 * must not wait (the drain stops at the interrupted position): pmm_ring_reserve_nested. NULL: no
 * position (nested in a full ring, or the records can no longer go anywhere); the caller sends its
 * record another way.
 */
static inline struct pmm_record *pmm_ring_reserve(__u64 *pos_out)
{
	struct pmm_ring_entry *e;
	__u64 pos;

	if (pmm_ring_writing)
		return pmm_ring_reserve_nested(pos_out);
	pmm_ring_writing = 1;
	pos = __atomic_fetch_add(&pmm_ring_hdr->head, 1, __ATOMIC_RELAXED);
	e = &pmm_ring_ent[pos % PMM_RING_ENTRIES];
	if (__builtin_expect(!pmm_ring_free_for(__atomic_load_n(&e->seq, __ATOMIC_ACQUIRE), pos), 0) &&
	    pmm_ring_wait(e, pos) < 0) {
		pmm_ring_writing = 0;
		return NULL;
	}
	*pos_out = pos;
	return &e->rec;
}

/* seq: pos + 1, or that with PMM_RING_SEQ_CANCELLED for a position that records nothing after all. */
static inline void pmm_ring_finish(__u64 pos, __u64 seq)
{
	struct pmm_ring_entry *e = &pmm_ring_ent[pos % PMM_RING_ENTRIES];

	__atomic_store_n(&e->seq, seq, __ATOMIC_RELEASE);
	pmm_ring_writing--;
	/* Rare: only while the ring is full and some thread waits for this very write. */
	if (__builtin_expect(__atomic_load_n(&pmm_ring_sleepers, __ATOMIC_RELAXED) != 0, 0) &&
	    __atomic_load_n(&pmm_ring_awaited, __ATOMIC_RELAXED) == pos)
		pmm_ring_wake(e);
}

static inline void pmm_ring_commit(__u64 pos)
{
	pmm_ring_finish(pos, pos + 1);
}

/*
 * A position that records nothing after all. Its entry still holds an earlier lap's record, which a
 * reader takes for a cancelled allocation once recording has resumed (PMM_RING_RESUMED): its ptr goes.
 */
static inline void pmm_ring_commit_cancelled(__u64 pos)
{
	pmm_ring_ent[pos % PMM_RING_ENTRIES].rec.ptr = 0;
	pmm_ring_finish(pos, (pos + 1) | PMM_RING_SEQ_CANCELLED);
}

/* The set of ptr in table: 128 of them, by the top bits of a multiplicative hash. */
static inline struct pmm_recent *pmm_recent_set(struct pmm_recent *table, const void *ptr)
{
	return &table[((((uintptr_t)ptr >> 4) * 0x9E3779B97F4A7C15ull) >> 57) * PMM_RECENT_WAYS];
}

/* A committed allocation of ptr at pos, which a free by this thread may cancel. */
static inline void pmm_ring_remember(const void *ptr, __u64 pos)
{
	struct pmm_recent *table = pmm_recent_table;

	/* Without a table (none could be mapped, or the thread is exiting) its free is a record. */
	if (__builtin_expect((uintptr_t)table <= (uintptr_t)PMM_RECENT_GONE, 0)) {
		table = pmm_recent_table_new();
		if (!table)
			return;
	}
	struct pmm_recent *set = pmm_recent_set(table, ptr);
	/* The older position goes: its block is the likelier to be gone (a cancel left pos 0). */
	struct pmm_recent *a = set[0].pos <= set[1].pos ? &set[0] : &set[1];
	struct pmm_recent *b = set[2].pos <= set[3].pos ? &set[2] : &set[3];
	struct pmm_recent *slot = a->pos <= b->pos ? a : b;

	/* pos before ptr: a signal handler that sees the new ptr sees its pos (and checks it anyway). */
	slot->ptr = 0;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	slot->pos = pos;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	slot->ptr = (uintptr_t)ptr;
}

/*
 * A thread's remembered allocation may be stale: another thread freed the block (a free record, for
 * its remembered set knows nothing of that allocation), and the address came back, maybe to a third
 * thread, and then to this one, which frees it. Cancelling the stale record would leave the free
 * record matching nothing and the block's new allocation leaked. So a release that goes into the ring
 * as a record first marks its block's bucket with the ring's head, before the block can be reused: an
 * allocation recorded before that position may no longer be cancelled by a free of that address (its
 * free is then a record, which the module pairs in order). Buckets are by address: a neighbour's
 * release only costs a cancel.
 */
#define PMM_RELEASED_BUCKETS	4096	/* power of two; 32 KiB per process */

extern __u64 pmm_released[PMM_RELEASED_BUCKETS];

static inline __u64 *pmm_released_bucket(const void *ptr)
{
	return &pmm_released[(((uintptr_t)ptr >> 4) * 0x9E3779B97F4A7C15ull) >> 52];
}

/*
 * The ring's head when recording last resumed (hooks_active back on; 0: never). The releases made while
 * it was off were not recorded, and some of those blocks' allocations may still be in the ring,
 * remembered. When such an address comes back and is freed, a cancel of either allocation would tell
 * the module something false: of the older, that the newer block leaked; of the newer, that the older
 * one did, where the module replaces a record whose release it missed by the next allocation of its
 * address (as it does once both have left the ring). So a bucket with no release recorded since (its
 * mark below this) refuses every cancel; its first recorded release moves its mark past every older
 * allocation. One store per resume, and one compare per cancel.
 */
extern __u64 pmm_resumed_at;

/*
 * A release of a block of bucket recorded at pos or after: no allocation of that bucket's addresses
 * before pos may be cancelled from now on. Returns the bucket's mark before this one. The mark only
 * grows, for the threads that mark a bucket may do so out of their positions' order.
 */
static inline __u64 pmm_released_mark(__u64 *bucket, __u64 pos)
{
	__u64 old = __atomic_load_n(bucket, __ATOMIC_RELAXED);

	while (old < pos && !__atomic_compare_exchange_n(bucket, &old, pos, 1, __ATOMIC_RELAXED,
							 __ATOMIC_RELAXED))
		;
	return old;
}

/*
 * The block ptr is being released by this thread (kind: how). If this thread's allocation of it is
 * still in the ring, the module has not taken it, and no release of the address was recorded since
 * (it is at or after *released, the mark of ptr's bucket: see pmm_released_mark), and one was since
 * recording last resumed (pmm_resumed_at), cancel that record (see the uapi header): 1, and nothing
 * more is to be recorded. 0: the caller records the release. A free passes the bucket itself: every
 * release of ptr by another thread marked it before its real free, and this thread got the block
 * afterwards (through the allocator's own locking, and the program's), so the mark is seen here.
 */
static inline int pmm_ring_cancel(const void *ptr, enum pmm_kind kind, const __u64 *released)
{
	struct pmm_recent *slot, *table = pmm_recent_table;
	struct pmm_ring_entry *e;
	__u64 pos, written, mark;

	if (!pmm_ring_ent || (uintptr_t)table <= (uintptr_t)PMM_RECENT_GONE)
		return 0;
	slot = pmm_recent_set(table, ptr);
	if (slot->ptr != (uintptr_t)ptr && (++slot)->ptr != (uintptr_t)ptr &&
	    (++slot)->ptr != (uintptr_t)ptr && (++slot)->ptr != (uintptr_t)ptr)
		return 0;
	pos = slot->pos;
	slot->ptr = 0;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	slot->pos = 0;
	mark = __atomic_load_n(released, __ATOMIC_RELAXED);
	if (pos < mark || mark < __atomic_load_n(&pmm_resumed_at, __ATOMIC_RELAXED))
		return 0;
	e = &pmm_ring_ent[pos % PMM_RING_ENTRIES];
	written = pos + 1;
	/* Still this position's record, and whole (acquire); then it is stable until taken. */
	if (__atomic_load_n(&e->seq, __ATOMIC_ACQUIRE) != written || e->rec.ptr != (uintptr_t)ptr ||
	    pmm_kind_family(e->rec.kind) != pmm_kind_family(kind))
		return 0;
	return __atomic_compare_exchange_n(&e->seq, &written, written | PMM_RING_SEQ_CANCELLED, 0,
					   __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

#endif /* PMM_RING_H */
