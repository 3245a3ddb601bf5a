/*
 * pmm_ring.c: the record ring shared with pmm.ko (mmap of /dev/pmm; the protocol is in the uapi
 * header): mapping it, and waiting when it is full. The fast path (taking a position, committing
 * the record written there, cancelling an allocation freed while its record is still in the ring,
 * so that neither event costs the module anything) is inline, in pmm_ring.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>

#include "pmm_ring.h"

struct pmm_ring_header *pmm_ring_hdr;
struct pmm_ring_entry *pmm_ring_ent;
int pmm_ring_time_tsc;
__thread int pmm_ring_writing __attribute__((tls_model("initial-exec")));
__u64 pmm_released[PMM_RELEASED_BUCKETS];
__u64 pmm_resumed_at;

/* Records go to the ring at mem (PMM_RING_BYTES, mapped shared) from now on. */
void pmm_ring_attach(void *mem)
{
	struct pmm_ring_header *hdr = mem;

#if defined(__x86_64__)
	/*
	 * Stamps are then one rdtsc each, converted by the module (see the uapi header), or in host
	 * mode by the hook's drains (pmm_host_ring.c).
	 */
	pmm_ring_time_tsc = hdr->tsc_khz != 0;
	if (pmm_ring_time_tsc)
		hdr->flags |= PMM_RING_TIME_TSC;
#endif
	pmm_ring_ent = (struct pmm_ring_entry *)((char *)mem + PMM_RING_HEADER_BYTES);
	__atomic_store_n(&pmm_ring_hdr, hdr, __ATOMIC_RELEASE);
}

/* 0 when the module gave a ring, which records go to from now on. */
int pmm_ring_map(int fd)
{
	void *mem = mmap(NULL, PMM_RING_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (mem == MAP_FAILED)
		return -1;
	pmm_ring_attach(mem);
	return 0;
}

/* pmm.ko applies the ring's records (its fsync): 0, or -1 and errno. */
int pmm_ring_msync(void)
{
	int ret;

	do
		ret = msync(pmm_ring_hdr, PMM_RING_HEADER_BYTES, MS_SYNC);
	while (ret < 0 && errno == EINTR);
	return ret;
}

/*
 * PMM_FORKED for a process with no descriptor of the device: an entry naming the child, applied (by
 * msync, which needs none) before the parent goes on, so that pmm.ko takes the child in before the
 * parent can reap it. Each drain applies up to half the ring, up to any entry still being written: a few.
 */
void pmm_ring_name_child(pid_t pid)
{
	struct pmm_ring_entry *e;
	struct pmm_record *rec;
	__u64 pos;
	int tries;

	if (!pmm_ring_mapped())
		return;
	rec = pmm_ring_reserve(&pos);
	if (!rec)
		return;
	memset(rec, 0, offsetof(struct pmm_record, frames));
	rec->kind = PMM_KIND_FORKED;
	rec->ptr = (__u64)(unsigned int)pid;
	pmm_ring_commit(pos);
	e = &pmm_ring_ent[pos % PMM_RING_ENTRIES];
	for (tries = 0; tries < 4; tries++) {
		if (__atomic_load_n(&e->seq, __ATOMIC_ACQUIRE) == pos + PMM_RING_ENTRIES || pmm_ring_msync() < 0)
			return;
	}
}

/* No record comes after this one (PMM_RING_STOPPED): pmm.ko reads it when it applies the ring. */
void pmm_ring_mark_stopped(void)
{
	if (pmm_ring_hdr)
		__atomic_fetch_or(&pmm_ring_hdr->flags, PMM_RING_STOPPED, __ATOMIC_SEQ_CST);
}

/* Whether the ring was found written over by the program (PMM_RING_OVERWRITTEN). */
int pmm_ring_overwritten(void)
{
	return pmm_ring_hdr && (__atomic_load_n(&pmm_ring_hdr->flags, __ATOMIC_RELAXED) & PMM_RING_OVERWRITTEN);
}

/* In a forked child: the parent's ring is not mapped here (the module does not let it be copied). */
void pmm_ring_forget(void)
{
	pmm_ring_hdr = NULL;
	pmm_ring_ent = NULL;
	pmm_ring_time_tsc = 0;
	pmm_ring_writing = 0;
	pmm_recent_forget();
	/* The next ring's positions start again: the parent's marks would stop its cancels. */
	memset(pmm_released, 0, sizeof(pmm_released));
	pmm_resumed_at = 0;
}

/*
 * Threads asleep in pmm_ring_wait until a position is written, and the position the latest of them
 * waits for: only its commit makes a system call to wake them (while one thread sleeps, every other
 * thread commits many positions).
 */
int pmm_ring_sleepers;
__u64 pmm_ring_awaited;

#define PMM_RING_NO_BLOCKER	(~(__u64)0)

/*
 * What keeps the entry that position pos needs (that of pos - PMM_RING_ENTRIES) from being freed by
 * a drain. The module applies positions in order and stops at the first one still being written,
 * so if one just before it is taken but unwritten (its thread was preempted mid-record), a drain
 * would apply nothing. Walks back over written (or cancelled), unapplied entries to an applied one
 * (the module's tail is past it: a drain helps, PMM_RING_NO_BLOCKER) or to an unwritten one
 * (seq == q: returns q). The walk is as long as the queue of threads waiting on a full ring; past a
 * bound, a drain is simply tried.
 */
static __u64 pmm_ring_blocker(__u64 pos)
{
	__u64 q = pos - PMM_RING_ENTRIES;

	for (int n = 0; n < 64; n++, q--) {
		__u64 seq = __atomic_load_n(&pmm_ring_ent[q % PMM_RING_ENTRIES].seq, __ATOMIC_ACQUIRE);

		if (pmm_ring_free_for(seq, q))
			return q;
		if ((seq & ~(PMM_RING_SEQ_CANCELLED | PMM_RING_SEQ_TAKEN)) != q + 1 || q == 0)
			break;
	}
	return PMM_RING_NO_BLOCKER;
}

/*
 * Sleeps until position q is written (its seq leaves q). On one CPU a sched_yield() loop here spun
 * for the rest of the writer's time slice (CFS lets a yielder run again while it is owed time):
 * about 350,000 yields per million records with four threads. The futex is the low half of seq
 * (little-endian). The writer of q wakes sleepers after its release store; it may miss a sleeper
 * that is just going to sleep (no full fence on the writer's fast path), or one that waits for
 * another position than the latest sleeper, so the sleep is bounded.
 */
static void pmm_ring_sleep_on(__u64 q)
{
	struct pmm_ring_entry *e = &pmm_ring_ent[q % PMM_RING_ENTRIES];
	struct timespec timeout = { 0, 1000000 };	/* 1 ms */
	__u64 seq;

	__atomic_store_n(&pmm_ring_awaited, q, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&pmm_ring_sleepers, 1, __ATOMIC_SEQ_CST);
	seq = __atomic_load_n(&e->seq, __ATOMIC_SEQ_CST);
	if (pmm_ring_free_for(seq, q))
		syscall(SYS_futex, (uint32_t *)&e->seq, FUTEX_WAIT_PRIVATE, (uint32_t)seq, &timeout, NULL, 0);
	__atomic_fetch_sub(&pmm_ring_sleepers, 1, __ATOMIC_RELAXED);
}

/*
 * Whether this wait has gone on past PMM_RING_STALL_SECONDS: turns counts its rounds, *since is when
 * the clock was first read (0: not yet). The clock is read every 1024 rounds, and the wait must also
 * have made PMM_RING_STALL_TURNS of them (each a sleep of up to 1 ms, or a drain): a process stopped
 * (SIGSTOP, a debugger) for longer than that with a thread holding a position is not taken for a
 * stall, for its waiters count rounds only while they run.
 */
#define PMM_RING_STALL_TURNS	10000

static int pmm_ring_stalled(unsigned int turns, __u64 *since)
{
	struct timespec now;
	__u64 ns;

	if (turns % 1024 != 0 || clock_gettime(CLOCK_MONOTONIC, &now) < 0)
		return 0;
	ns = (__u64)now.tv_sec * 1000000000 + (__u64)now.tv_nsec;
	if (!*since) {
		*since = ns;
		return 0;
	}
	return turns >= PMM_RING_STALL_TURNS && ns - *since >= PMM_RING_STALL_SECONDS * 1000000000ULL;
}

/*
 * The ring is full at pos: have it drained (by the module, one ioctl per half a ring of records; in
 * host mode by this process, pmm_host_ring.c), or, when a thread is still writing an older
 * position, sleep until it has written it. 0 once the entry is free; -1 when records can no longer
 * go anywhere (the transport died), so that no thread waits for ever. A wait that stalls is on an
 * entry the program wrote over (a committed record zeroed looks like a position still being
 * written): the ring is flagged PMM_RING_OVERWRITTEN, which makes the next drain fail for good and
 * the run say why. Keeps errno.
 */
int pmm_ring_wait(struct pmm_ring_entry *e, __u64 pos)
{
	int saved_errno = errno;
	unsigned int turns = 0;
	__u64 since = 0;

	while (!pmm_ring_free_for(__atomic_load_n(&e->seq, __ATOMIC_ACQUIRE), pos)) {
		__u64 blocker;

		if (!pmm_transport_live()) {
			errno = saved_errno;
			return -1;
		}
		if (pmm_ring_stalled(++turns, &since))
			__atomic_fetch_or(&pmm_ring_hdr->flags, PMM_RING_OVERWRITTEN, __ATOMIC_SEQ_CST);
		blocker = pmm_ring_blocker(pos);

		if (blocker != PMM_RING_NO_BLOCKER && !pmm_ring_overwritten()) {
			pmm_ring_sleep_on(blocker);
			continue;
		}
		pmm_transport_drain();
		if (!pmm_ring_free_for(__atomic_load_n(&e->seq, __ATOMIC_ACQUIRE), pos))
			sched_yield();
	}
	errno = saved_errno;
	return 0;
}

/*
 * For a signal handler that interrupted this thread's own record: the next position, but only if
 * its entry is free now (then no drain is needed), taken by compare-and-swap so that a full ring
 * costs no position. NULL when the ring is full.
 */
struct pmm_record *pmm_ring_reserve_nested(__u64 *pos_out)
{
	__u64 pos = __atomic_load_n(&pmm_ring_hdr->head, __ATOMIC_RELAXED);

	for (;;) {
		struct pmm_ring_entry *e = &pmm_ring_ent[pos % PMM_RING_ENTRIES];

		if (!pmm_ring_free_for(__atomic_load_n(&e->seq, __ATOMIC_ACQUIRE), pos))
			return NULL;
		if (__atomic_compare_exchange_n(&pmm_ring_hdr->head, &pos, pos + 1, 0, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED)) {
			pmm_ring_writing++;
			*pos_out = pos;
			return &e->rec;
		}
	}
}

/* A thread sleeps in pmm_ring_wait for the write of e's position: wake it. */
void pmm_ring_wake(struct pmm_ring_entry *e)
{
	syscall(SYS_futex, (uint32_t *)&e->seq, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}
