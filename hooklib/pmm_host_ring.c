/*
 * pmm_host_ring.c: host mode's ring (PMM_RECORD_DIR, no pmm.ko). The writers' side is the module's
 * ring, unchanged (pmm_ring.h: a position per record, frees cancelling their allocations in place),
 * but the ring is a file, <pid>.ring, mapped shared, and the hook drains it itself: when the ring is
 * full, one thread writes the older half's remaining records to <pid>.records in one write and gives
 * the positions back. So recording costs no system call per allocation on the host either.
 *
 * Nothing is lost when the process dies, however it dies: what it stored in the mapping is in the
 * file. The reader (hooklib/host/ringFile.ts) takes the records file up to the last commit, then the
 * records still in the ring, by position (pmm_host_ring.h has the commit's layout). An exec-ed image
 * continues its pid's files: it first drains what the old image left in the ring, then starts the
 * ring again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include "pmm_host_ring.h"
#include "pmm_ring.h"

/* As pmm.ko: a drain takes only the older half, the newer records stay for their frees to cancel. */
#define PMM_HOST_DRAIN_MAX	(PMM_RING_ENTRIES / 2)

static struct pmm_host_ring_state *pmm_host_state;
static char pmm_host_records_path[PATH_MAX];
static char pmm_host_ring_path[PATH_MAX];

/*
 * The records file, kept open from the ring's start, at a high number: a drain must not need a free
 * file descriptor, for the program may run out of them, or lower RLIMIT_NOFILE, after it started (a
 * drain that could not open the file lost the records). Checked before each use, by device and inode:
 * a program that closes every descriptor may give the number to a file of its own, which is then left
 * alone, and the records file opened again. Only drains use it, one at a time (pmm_host_draining).
 */
static int pmm_host_records_fd = -1;
static dev_t pmm_host_records_dev;
static ino_t pmm_host_records_ino;

static int pmm_host_records_kept(void)
{
	struct stat st;

	return pmm_host_records_fd >= 0 && fstat(pmm_host_records_fd, &st) == 0 &&
	       st.st_dev == pmm_host_records_dev && st.st_ino == pmm_host_records_ino;
}

/* The records file's descriptor, or -1; one at 0-2 is not kept (the caller closes it after use). */
static int pmm_host_records_open(void)
{
	struct stat st;
	int fd;

	if (pmm_host_records_kept())
		return pmm_host_records_fd;
	pmm_host_records_fd = -1;
	fd = open(pmm_host_records_path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	fd = pmm_fd_high(fd);
	if (fd <= STDERR_FILENO)
		return fd;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return -1;
	}
	pmm_host_records_dev = st.st_dev;
	pmm_host_records_ino = st.st_ino;
	pmm_host_records_fd = fd;
	return fd;
}

/* Done with fd, from pmm_host_records_open: closed unless it is the one kept. */
static void pmm_host_records_done(int fd)
{
	if (fd >= 0 && fd != pmm_host_records_fd)
		close(fd);
}

/* All of buf to the records file at off; 0, or -1. */
static int pmm_host_records_write(const void *buf, size_t len, off_t off)
{
	int fd = pmm_host_records_open(), ret;

	if (fd < 0)
		return -1;
	ret = pmm_write_all(fd, buf, len, off);
	pmm_host_records_done(fd);
	return ret;
}
/* One drain at a time; a thread that finds one running sleeps until it is done (below). */
static int pmm_host_draining;

/*
 * Drains done, and the threads asleep until the next is: a thread that finds another draining sleeps
 * (a futex on the count) rather than yield in a loop, which with more threads than cores took the
 * drainer's CPU time.
 */
static __u32 pmm_host_drains;
static int pmm_host_drain_waiters;
/*
 * The drain's batch: the records of one write, mapped when the first ring is. A whole ring's worth
 * (2.7 MiB, touched only as far as used): the final drain takes all that is left. Not in .bss: that
 * moved the hook's hot variables, and under TCG where they land matters (QEMU's TLB is
 * direct-mapped): forwarding alone went from 1.4x to 1.76x plain in bench:hook.
 */
static struct pmm_record *pmm_host_batch;
#define PMM_HOST_BATCH_BYTES	(PMM_RING_ENTRIES * sizeof(struct pmm_record))

/*
 * Addresses the drains wrote FORGET records for, by a hash of the address, mapped with the batch: an
 * address here has had no record taken at it since, so the reader holds nothing there, and another
 * FORGET of it would say nothing (pmm_host_ring.h). A program that switched hooks_active once and
 * then cycled through its blocks wrote 10 bytes of them per allocation without this.
 */
#define PMM_HOST_FORGOTTEN	8192	/* power of two */
#define PMM_HOST_MAP_BYTES	(PMM_HOST_BATCH_BYTES + PMM_HOST_FORGOTTEN * sizeof(__u64))
static __u64 *pmm_host_forgotten;

static __u64 *pmm_host_forgotten_slot(__u64 ptr)
{
	return &pmm_host_forgotten[((ptr >> 4) * 0x9E3779B97F4A7C15ull) >> 51];
}

int pmm_host_ring_active(void)
{
	return pmm_host_state != NULL;
}

static struct pmm_host_commit pmm_host_committed(void)
{
	return pmm_host_state->at[__atomic_load_n(&pmm_host_state->cur, __ATOMIC_ACQUIRE)];
}

/*
 * The last commit this image made, kept in its own memory: the program may write over the file's
 * (pmm_host_ring_intact). Not known before this image's first commit (an exec-ed image drains its
 * predecessor's ring first).
 */
static struct pmm_host_commit pmm_host_last_commit;
static int pmm_host_last_commit_known;

/* The other slot first, then cur: a reader never sees half a commit. */
static void pmm_host_commit(__u64 tail, __u64 committed)
{
	__u32 next = __atomic_load_n(&pmm_host_state->cur, __ATOMIC_RELAXED) ^ 1;

	pmm_host_state->at[next].tail = tail;
	pmm_host_state->at[next].committed = committed;
	__atomic_store_n(&pmm_host_state->cur, next, __ATOMIC_RELEASE);
	pmm_host_last_commit = (struct pmm_host_commit){ .tail = tail, .committed = committed };
	pmm_host_last_commit_known = 1;
}

/*
 * Stamps, as in the guest: one rdtsc per allocation where the counter runs at one rate whatever the
 * CPU does (an invariant TSC). Without pmm.ko to give the rate, the hook measures it against
 * CLOCK_REALTIME over 200 microseconds when it sets a ring up: 0 if it cannot (then the writers read
 * the clock). *ref_tsc was the counter at *ref_ns.
 */
#define PMM_HOST_CALIBRATE_NS	200000

/* The rate this process stamps at (pmm_host_rate, refined by each drain): a forked child's start. */
static __u32 pmm_host_known_khz;

static __u32 pmm_host_tsc_khz(__u64 *ref_tsc, __u64 *ref_ns)
{
#if defined(__x86_64__)
	unsigned int eax, ebx, ecx, edx;
	__u64 t0, n0, t1, n1, khz;

	if (!__get_cpuid(0x80000007, &eax, &ebx, &ecx, &edx) || !(edx & (1u << 8)))
		return 0;
	t0 = __builtin_ia32_rdtsc();
	n0 = pmm_clock_ns();
	do
		n1 = pmm_clock_ns();
	while (n1 - n0 < PMM_HOST_CALIBRATE_NS);
	t1 = __builtin_ia32_rdtsc();
	khz = (t1 - t0) * 1000000 / (n1 - n0);
	*ref_tsc = t1;
	*ref_ns = n1;
	return khz > 0 && khz < 0xffffffffu ? (__u32)khz : 0;
#else
	(void)ref_tsc;
	(void)ref_ns;
	return 0;
#endif
}

/*
 * A reference pair: the counter (the middle of two reads) at a CLOCK_REALTIME time. A thread preempted
 * between the reads would pair them milliseconds apart: the pair is taken again, up to three times,
 * until the two reads are within 20 microseconds.
 */
#define PMM_HOST_PAIR_TRIES	3

static void pmm_host_ref_pair(__u64 *tsc, __u64 *ns, __u32 khz)
{
#if defined(__x86_64__)
	__u64 before, after, span = (__u64)khz * 20 / 1000;

	for (int i = 0; i < PMM_HOST_PAIR_TRIES; i++) {
		before = __builtin_ia32_rdtsc();
		*ns = pmm_clock_ns();
		after = __builtin_ia32_rdtsc();
		*tsc = before + (after - before) / 2;
		if (after - before <= span)
			return;
	}
#else
	(void)khz;
	*tsc = 0;
	*ns = pmm_clock_ns();
#endif
}

/*
 * The counter's rate between the last reference pair and this one. The run's first measure takes 200
 * microseconds, and on a cold start it was seen 2.6% off: a record drained a second after it was made
 * would be timed 26 ms wrong, after a dlclose that came just after it (symbolizer/closedObjects.ts
 * orders the two). With the rate between two pairs, a stamp taken between them is timed between theirs.
 * Over a span shorter than the first measure's, or with the clock set back, the known rate stays.
 */
static __u32 pmm_host_rate_since(__u64 ref_tsc, __u64 ref_ns, __u64 now_tsc, __u64 now_ns, __u32 khz)
{
	unsigned __int128 since;

	if (now_ns <= ref_ns || now_ns - ref_ns < PMM_HOST_CALIBRATE_NS || now_tsc <= ref_tsc)
		return khz;
	since = (unsigned __int128)(now_tsc - ref_tsc) * 1000000 / (now_ns - ref_ns);
	return since > 0 && since < 0xffffffffu ? (__u32)since : khz;
}

/* A stamp of the counter as CLOCK_REALTIME nanoseconds, from a reference pair taken after it. */
static __u64 pmm_host_stamp_ns(__u64 stamp, __u64 now_tsc, __u64 now_ns, __u32 khz)
{
	unsigned __int128 ago;

	if (stamp >= now_tsc)
		return now_ns;
	ago = (unsigned __int128)(now_tsc - stamp) * 1000000 / khz;
	return ago < now_ns ? now_ns - (__u64)ago : 0;
}

/*
 * A cancelled allocation at ptr, recording resumed: unless a FORGET of ptr was written and nothing
 * taken at it since (pmm_host_forgotten), adds ptr to the FORGET record open since the last record
 * taken, or opens one in the batch (pmm_host_ring.h). Returns the record open now.
 */
static struct pmm_record *pmm_host_forget(struct pmm_record *open, __u64 ptr, unsigned int *n)
{
	__u64 *slot = pmm_host_forgotten_slot(ptr);

	if (*slot == ptr)
		return open;
	*slot = ptr;
	if (open && open->nframes < PMM_MAX_FRAMES) {
		open->frames[open->nframes++] = ptr;
		return open;
	}
	open = &pmm_host_batch[(*n)++];
	*open = (struct pmm_record){ .kind = PMM_HOST_KIND_FORGET, .nframes = 1, .frames = { ptr } };
	return open;
}

/* A record taken at ptr: the reader may hold one there from now on. */
static void pmm_host_unforget(__u64 ptr)
{
	__u64 *slot = pmm_host_forgotten_slot(ptr);

	if (*slot == ptr)
		*slot = 0;
}

/*
 * pmm_host_take's loop, made twice: with resumed 0 (a constant) a cancelled entry costs no test. A
 * test of it for every entry, most of them cancelled, was 4 instructions a malloc/free pair.
 */
static inline __attribute__((always_inline)) __u64
pmm_host_take_range(__u64 tail, __u64 head, int final, const int resumed, __u32 khz, __u64 now_tsc,
		    __u64 now_ns, unsigned int *n)
{
	struct pmm_record *forget = NULL;
	__u64 pos;

	for (pos = tail; pos != head; pos++) {
		struct pmm_ring_entry *e = &pmm_ring_ent[pos % PMM_RING_ENTRIES];
		__u64 seq = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);

		if (seq == pos + 1 &&
		    __atomic_compare_exchange_n(&e->seq, &seq, (pos + 1) | PMM_RING_SEQ_TAKEN, 0,
						__ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE))
			seq = (pos + 1) | PMM_RING_SEQ_TAKEN;
		if (seq == ((pos + 1) | PMM_RING_SEQ_TAKEN)) {
			struct pmm_record *rec = &pmm_host_batch[(*n)++];

			*rec = e->rec;
			if (khz && rec->time_ns)
				rec->time_ns = pmm_host_stamp_ns(rec->time_ns, now_tsc, now_ns, khz);
			/* A FORGET after it must come after it: the record may be at its address. */
			if (resumed) {
				forget = NULL;
				pmm_host_unforget(rec->ptr);
			}
			continue;
		}
		if (seq == ((pos + 1) | PMM_RING_SEQ_CANCELLED)) {
			if (resumed && e->rec.ptr)
				forget = pmm_host_forget(forget, e->rec.ptr, n);
			continue;
		}
		if (final)
			continue;
		break;
	}
	return pos;
}

/*
 * Takes the written entries from the tail on, as pmm.ko does: up to the first one still being
 * written, or (final: no writer is left) over those. With final, an entry that a drain of an
 * earlier image took but never committed is taken again. A cancelled allocation is a FORGET record
 * once recording has resumed (resumed: pmm_host_ring.h). Returns the position it stopped at; the
 * records are in pmm_host_batch[0 .. *n), their stamps turned into nanoseconds.
 */
static __u64 pmm_host_take(__u64 tail, __u64 head, int final, int resumed, unsigned int *n)
{
	__u32 khz = pmm_ring_hdr->flags & PMM_RING_TIME_TSC ? pmm_ring_hdr->tsc_khz : 0;
	__u64 now_tsc = 0, now_ns = 0;

	if (khz) {
		pmm_host_ref_pair(&now_tsc, &now_ns, khz);
		khz = pmm_host_rate_since(pmm_host_state->ref_tsc, pmm_host_state->ref_ns, now_tsc, now_ns,
					  khz);
		/* For what is left in the ring (ringFile.ts reads a killed process's) and for forks. */
		pmm_ring_hdr->tsc_khz = khz;
		pmm_host_known_khz = khz;
		pmm_host_state->ref_tsc = now_tsc;
		pmm_host_state->ref_ns = now_ns;
	}

	*n = 0;
	if (resumed)
		return pmm_host_take_range(tail, head, final, 1, khz, now_tsc, now_ns, n);
	return pmm_host_take_range(tail, head, final, 0, khz, now_tsc, now_ns, n);
}

/* After the commit: every position below stop is free for the writers' next lap. */
static void pmm_host_give_back(__u64 tail, __u64 stop)
{
	for (__u64 pos = tail; pos != stop; pos++)
		__atomic_store_n(&pmm_ring_ent[pos % PMM_RING_ENTRIES].seq, pos + PMM_RING_ENTRIES,
				 __ATOMIC_RELEASE);
}

/*
 * Whether the ring is as the hook leaves it: its mark and this image's last commit (c) in place, and
 * its entries as writers leave them, as pmm.ko checks its rings (the uapi header). Else it is flagged
 * PMM_RING_OVERWRITTEN, for good, and the reader says so. Without this, a program that wrote over the
 * entry at the tail waited for ever (no drain took anything past it), and one that zeroed the whole
 * file had its next drains write over the records file's start, and its leaks lost.
 */
static int pmm_host_ring_intact(struct pmm_host_commit c, __u64 head)
{
	__u64 seq = __atomic_load_n(&pmm_ring_ent[c.tail % PMM_RING_ENTRIES].seq, __ATOMIC_ACQUIRE);

	if (!(__atomic_load_n(&pmm_ring_hdr->flags, __ATOMIC_RELAXED) & PMM_RING_OVERWRITTEN) &&
	    pmm_host_state->magic == PMM_HOST_RING_MAGIC &&
	    (!pmm_host_last_commit_known || (c.tail == pmm_host_last_commit.tail &&
					     c.committed == pmm_host_last_commit.committed)) &&
	    pmm_ring_state_possible(c.tail, head, seq))
		return 1;
	__atomic_fetch_or(&pmm_ring_hdr->flags, PMM_RING_OVERWRITTEN, __ATOMIC_SEQ_CST);
	return 0;
}

/*
 * Writes the ring's older records to the records file and gives their positions back; with final,
 * every record left (no writer may be running). 0 when done or when another thread is draining
 * (the caller waits for the ring as usual), -1 when the records file cannot be written, or when
 * the program wrote over the ring (flagged PMM_RING_OVERWRITTEN): the caller stops recording, and
 * the records stay in the ring for the reader.
 */
static int pmm_host_drain(int final)
{
	struct pmm_host_commit c;
	__u64 head, stop;
	unsigned int n;
	int ret = 0, resumed;
	__u32 drains = __atomic_load_n(&pmm_host_drains, __ATOMIC_ACQUIRE);

	if (__atomic_exchange_n(&pmm_host_draining, 1, __ATOMIC_ACQUIRE)) {
		/* Until that drain is done (bounded: a wake may come before this sleep). */
		struct timespec timeout = { 0, 1000000 };

		__atomic_fetch_add(&pmm_host_drain_waiters, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&pmm_host_draining, __ATOMIC_SEQ_CST))
			syscall(SYS_futex, &pmm_host_drains, FUTEX_WAIT_PRIVATE, drains, &timeout, NULL, 0);
		__atomic_fetch_sub(&pmm_host_drain_waiters, 1, __ATOMIC_RELAXED);
		return 0;
	}
	c = pmm_host_committed();
	head = __atomic_load_n(&pmm_ring_hdr->head, __ATOMIC_ACQUIRE);
	/*
	 * Once per drain, after the head: a position below it taken after recording resumed was taken
	 * by a thread that saw hooks_active on, set after the flag (pmm_record_resume). A record before
	 * the resume needs no FORGET: its block was live until its own free.
	 */
	resumed = (__atomic_load_n(&pmm_ring_hdr->flags, __ATOMIC_RELAXED) & PMM_RING_RESUMED) != 0;
	if (!pmm_host_ring_intact(c, head)) {
		ret = -1;
		goto out;
	}
	/* Positions taken while the ring is full wait for the next lap: never read that far. */
	if (head - c.tail > PMM_RING_ENTRIES)
		head = c.tail + PMM_RING_ENTRIES;
	if (!final && head - c.tail > PMM_HOST_DRAIN_MAX)
		head = c.tail + PMM_HOST_DRAIN_MAX;
	stop = pmm_host_take(c.tail, head, final, resumed, &n);
	if (n && pmm_host_records_write(pmm_host_batch, n * sizeof(pmm_host_batch[0]), (off_t)c.committed) < 0) {
		ret = -1;
	} else if (stop != c.tail) {
		pmm_host_commit(stop, c.committed + n * sizeof(pmm_host_batch[0]));
		pmm_host_give_back(c.tail, stop);
	}
out:
	__atomic_store_n(&pmm_host_draining, 0, __ATOMIC_RELEASE);
	__atomic_fetch_add(&pmm_host_drains, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&pmm_host_drain_waiters, __ATOMIC_SEQ_CST))
		syscall(SYS_futex, &pmm_host_drains, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
	return ret;
}

int pmm_host_ring_drain(void)
{
	return pmm_host_drain(0);
}

/*
 * Before this image exec()s: the records written so far go to the records file, so that the next
 * image finds that file whole should it have no room to map the ring (pmm_host_ring_abandon). Drains
 * until the tail reaches the head as it was, or a drain takes nothing (a position still being written
 * by another thread, which the exec is about to end).
 */
int pmm_host_ring_hand_over(void)
{
	__u64 head = __atomic_load_n(&pmm_ring_hdr->head, __ATOMIC_ACQUIRE);
	__u64 before, after = pmm_host_committed().tail;

	do {
		before = after;
		if (pmm_host_drain(0) < 0)
			return -1;
		after = pmm_host_committed().tail;
	} while (after != before && after < head);
	return 0;
}

/*
 * This process's start time, read once: an exec-ed image asks twice (whose files, then its ring). A
 * forked child, a process of its own, reads it again (pmm_host_ring_forget).
 */
static unsigned long long pmm_host_start_time_known;

static unsigned long long pmm_host_start_time(void)
{
	if (!pmm_host_start_time_known)
		pmm_host_start_time_known = pmm_self_stat(PMM_STAT_START_TIME);
	return pmm_host_start_time_known;
}

/* The same for the pid namespace: a forked child may be in another (its parent's unshare). */
static unsigned long long pmm_host_pid_ns_known;

unsigned long long pmm_host_pid_ns(void)
{
	struct stat st;

	if (!pmm_host_pid_ns_known && stat("/proc/self/ns/pid", &st) == 0)
		pmm_host_pid_ns_known = st.st_ino;
	return pmm_host_pid_ns_known;
}

/* Whether a ring file's state is this process's: an earlier image's of it. */
static int pmm_host_state_mine(const struct pmm_host_ring_state *state)
{
	return state->start_time == pmm_host_start_time() && state->pid_ns == pmm_host_pid_ns();
}

/* The state made this process's (pmm_host_state_mine). */
static void pmm_host_state_own(struct pmm_host_ring_state *state)
{
	state->start_time = pmm_host_start_time();
	state->pid_ns = pmm_host_pid_ns();
}

/*
 * After what an earlier image of this process left: the reader forgets that image's blocks here. Its
 * object map is kept under a name of its own, which the mark's size gives (0: none), for the stacks of
 * the mismatched releases it made: the new image's map replaces the file.
 */
static int pmm_host_mark_exec(__u64 *committed, const char *maps_path)
{
	struct pmm_record mark = { .kind = PMM_HOST_KIND_EXEC, .size = pmm_host_name_keep_maps(maps_path) };

	if (pmm_host_records_write(&mark, sizeof(mark), (off_t)*committed) < 0)
		return -1;
	*committed += sizeof(mark);
	return 0;
}

/*
 * The counter's rate, measured once per run: measuring takes 200 microseconds, and a shell script
 * starts a process for each command. A forked child has its parent's; the run's first measure is
 * kept in PMM_RECORD_DIR's tsc_khz (in decimal) for the others. The reference pair is taken now.
 */
static char pmm_host_rate_path[PATH_MAX];

static __u32 pmm_host_rate_read(void)
{
	char text[16];
	int fd = open(pmm_host_rate_path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	char *end;
	unsigned long khz;

	if (fd < 0)
		return 0;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return 0;	/* another process is just writing it */
	text[n] = '\0';
	khz = strtoul(text, &end, 10);
	return *end == '\n' && khz < 0xffffffffu ? (__u32)khz : 0;
}

static void pmm_host_rate_write(__u32 khz)
{
	char text[16];
	size_t len = pmm_host_decimal(text, khz);
	int fd = open(pmm_host_rate_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0)
		return;
	text[len++] = '\n';
	if (pmm_write_all(fd, text, len, -1) < 0)
		unlink(pmm_host_rate_path);
	close(fd);
}

static __u32 pmm_host_rate(__u64 *ref_tsc, __u64 *ref_ns)
{
#if defined(__x86_64__)
	if (!pmm_host_known_khz)
		pmm_host_known_khz = pmm_host_rate_read();
	if (pmm_host_known_khz) {
		pmm_host_ref_pair(ref_tsc, ref_ns, pmm_host_known_khz);
		return pmm_host_known_khz;
	}
#endif
	pmm_host_known_khz = pmm_host_tsc_khz(ref_tsc, ref_ns);
	if (pmm_host_known_khz)
		pmm_host_rate_write(pmm_host_known_khz);
	return pmm_host_known_khz;
}

/*
 * Positions from 0, the records file kept up to committed, the counter's rate known; then the
 * writers use the ring. A fresh file is zeroed, which is every entry free for the first lap (the
 * uapi header): only with wipe are the entries written, 2.8 MiB that a short process never touches.
 */
static void pmm_host_reset(void *mem, __u64 committed, int wipe)
{
	pmm_ring_hdr->head = 0;
	if (wipe)
		for (__u64 i = 0; i < PMM_RING_ENTRIES; i++)
			pmm_ring_ent[i].seq = 0;
	pmm_ring_hdr->flags = 0;
	pmm_ring_hdr->tsc_khz = pmm_host_rate(&pmm_host_state->ref_tsc, &pmm_host_state->ref_ns);
	pmm_host_state->magic = PMM_HOST_RING_MAGIC;
	pmm_host_commit(0, committed);
	/* Again: it reads the rate to stamp with. */
	pmm_ring_attach(mem);
}

/* The state of the ring file at fd, whole and with its mark (one was set up there): 0, else -1. */
static int pmm_host_state_read(int fd, struct pmm_host_ring_state *state)
{
	return pread(fd, state, sizeof(*state), PMM_HOST_STATE_OFFSET) == (ssize_t)sizeof(*state) &&
	       state->magic == PMM_HOST_RING_MAGIC ? 0 : -1;
}

/*
 * Whether the ring file at path is an earlier image's of this process: exec keeps the pid, the start
 * time and the pid namespace. (Were /proc not there to tell them, any ring of the pid would be.)
 */
int pmm_host_ring_is_mine(const char *path)
{
	struct pmm_host_ring_state state;
	int fd = open(path, O_RDONLY | O_CLOEXEC), mine;

	if (fd < 0)
		return 0;
	mine = pmm_host_state_read(fd, &state) == 0 && pmm_host_state_mine(&state);
	close(fd);
	return mine;
}

/* Where the state's abandoned is in the ring file. */
#define PMM_HOST_ABANDONED_AT (PMM_HOST_STATE_OFFSET + offsetof(struct pmm_host_ring_state, abandoned))

/*
 * This image has no room to map its ring (an address-space limit the program set, RLIMIT_AS), or an
 * earlier image of the process gave the ring up already. The ring file then says that it is given up
 * (with the start time, which tells a later image that the files are its process's), and the reader
 * takes the records file whole, to which this image appends each record. A fresh ring file is set up so.
 * An earlier image's ring: that image handed its records over before its exec (pmm_host_ring_hand_over),
 * so the records file is whole up to the ring's last commit; that image's end is marked there. What
 * another thread of it was still writing is lost with the ring: its blocks went with that image, but a
 * mismatch or a reaped child among those records is not seen. Later images do without the ring too.
 * earlier: a ring file's state that is not fresh, as read from fd (NULL there: none could be read, and
 * nothing is done).
 */
static void pmm_host_ring_abandon(int fd, int fresh, const struct pmm_host_ring_state *earlier,
				  const char *records_path, const char *maps_path)
{
	struct pmm_record mark = { .kind = PMM_HOST_KIND_EXEC };
	unsigned long long start_time = pmm_host_start_time();
	const __u32 abandoned = 1;

	if (fresh) {
		struct pmm_host_ring_state state = { .magic = PMM_HOST_RING_MAGIC, .abandoned = 1 };

		pmm_host_state_own(&state);

		if (pwrite(fd, &state, sizeof(state), PMM_HOST_STATE_OFFSET) != (ssize_t)sizeof(state) &&
		    ftruncate(fd, 0) < 0) {
			/* Nothing more to do: the reader reports a ring file it cannot read. */
		}
		return;
	}
	/* Failed: the reader says so, and takes nothing past the commit. */
	if (!earlier || earlier->cur > 1 || earlier->failed || !pmm_host_state_mine(earlier))
		return;
	if (!earlier->abandoned) {
		/* Past the commit: a batch that was never committed. */
		if (truncate(records_path, (off_t)earlier->at[earlier->cur].committed) < 0)
			return;
		if (pwrite(fd, &abandoned, sizeof(abandoned), PMM_HOST_ABANDONED_AT) != (ssize_t)sizeof(abandoned))
			return;
	}
	if (start_time) {
		mark.size = pmm_host_name_keep_maps(maps_path);
		pmm_write_file(records_path, &mark, sizeof(mark), -1);
	}
}

/*
 * Maps the ring file at path (created if missing) for records_path, the process's records file. An
 * existing one is an earlier image's of this process (pmm_host_name_choose): what it left is drained
 * first, then marked as the end of that image. Runs before any record, with one thread. 0, or -1: no
 * ring (the caller writes each record).
 */
int pmm_host_ring_open(const char *path, const char *records_path, const char *maps_path)
{
	unsigned long long start_time = pmm_host_start_time();
	struct pmm_host_commit c;
	__u64 committed;
	/* An earlier image's ring's state (not fresh), read once: given up already, or to give up here. */
	struct pmm_host_ring_state state;
	const struct pmm_host_ring_state *earlier = NULL;
	struct stat st;
	size_t len;
	void *mem;
	int fd, fresh;

	if (strlen(path) >= sizeof(pmm_host_ring_path) || strlen(records_path) >= sizeof(pmm_host_records_path) ||
	    !strrchr(records_path, '/'))
		return -1;
	fd = pmm_host_name_open(path, O_RDWR);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || (st.st_size != 0 && st.st_size != (off_t)PMM_RING_BYTES)) {
		close(fd);
		return -1;
	}
	fresh = st.st_size == 0;
	if (!fresh && pmm_host_state_read(fd, &state) == 0)
		earlier = &state;
	if (earlier && earlier->abandoned) {
		pmm_host_ring_abandon(fd, fresh, earlier, records_path, maps_path);
		close(fd);
		return -1;
	}
	/*
	 * A file size limit below the ring's (a process started under `ulimit -f`): growing the file
	 * would raise SIGXFSZ in the program. No ring then: each record is written, and checked, alone.
	 */
	if (fresh && !pmm_file_may_reach(PMM_RING_BYTES)) {
		close(fd);
		return -1;
	}
	/*
	 * The room for the whole ring, taken now: a store into a hole of a full file system would be a
	 * SIGBUS in the program. Where the file system cannot reserve, the file has a hole. Without the
	 * room, the file is left empty, which the reader takes as no ring.
	 */
	if (fresh && fallocate(fd, 0, 0, PMM_RING_BYTES) < 0 &&
	    (errno != EOPNOTSUPP || ftruncate(fd, PMM_RING_BYTES) < 0)) {
		if (ftruncate(fd, 0) < 0) {
			/* Nothing more to do: the reader reports a ring file it cannot read. */
		}
		close(fd);
		return -1;
	}
	if (!pmm_host_batch) {
		void *batch = mmap(NULL, PMM_HOST_MAP_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				   -1, 0);

		if (batch == MAP_FAILED) {
			pmm_host_ring_abandon(fd, fresh, earlier, records_path, maps_path);
			close(fd);
			return -1;
		}
		pmm_host_batch = batch;
		pmm_host_forgotten = (__u64 *)((char *)batch + PMM_HOST_BATCH_BYTES);
	}
	mem = mmap(NULL, PMM_RING_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED)
		pmm_host_ring_abandon(fd, fresh, earlier, records_path, maps_path);
	close(fd);
	if (mem == MAP_FAILED)
		return -1;
	/* A forked child starts a ring of its own; it must not write into this one. */
	madvise(mem, PMM_RING_BYTES, MADV_DONTFORK);
	/*
	 * No read-ahead: a fault on the file's hole would otherwise zero many pages around the one
	 * written, which for a short process was most of what the ring cost.
	 */
	madvise(mem, PMM_RING_BYTES, MADV_RANDOM);
	pmm_host_state = (struct pmm_host_ring_state *)((char *)mem + PMM_HOST_STATE_OFFSET);
	strcpy(pmm_host_records_path, records_path);
	strcpy(pmm_host_ring_path, path);
	/* Now, while the program has descriptors to spare; one at 0-2 (none open there) is not kept. */
	pmm_host_records_done(pmm_host_records_open());
	/* Beside the records file: records_path is <dir>/<name>.records, so this fits. */
	len = (size_t)(strrchr(records_path, '/') - records_path);
	memcpy(pmm_host_rate_path, records_path, len);
	strcpy(pmm_host_rate_path + len, "/tsc_khz");
	pmm_ring_attach(mem);
	if (fresh) {
		pmm_host_reset(mem, 0, 0);
		pmm_host_state_own(pmm_host_state);
		return 0;
	}
	if (pmm_host_state->magic != PMM_HOST_RING_MAGIC || pmm_host_drain(1) < 0)
		goto fail;
	c = pmm_host_committed();
	committed = c.committed;
	if (start_time && pmm_host_state_mine(pmm_host_state) && pmm_host_mark_exec(&committed, maps_path) < 0)
		goto fail;
	pmm_host_state_own(pmm_host_state);
	/*
	 * The positions go on from the earlier image's: every one it took is given back. Else (a thread
	 * held a position past a full ring when the image ended) the ring starts again, all of it wiped.
	 */
	if (c.tail == pmm_ring_hdr->head) {
		pmm_host_commit(c.tail, committed);
		pmm_host_known_khz = pmm_ring_hdr->tsc_khz;
		return 0;
	}
	pmm_host_reset(mem, committed, 1);
	return 0;

fail:
	pmm_host_ring_forget();
	munmap(mem, PMM_RING_BYTES);
	return -1;
}

/*
 * In a forked child: the parent's ring is not mapped (MADV_DONTFORK), and its drain and start time
 * are not the child's.
 */
/* Recording stopped at a record that could not be written out: the reader is told in the ring file. */
void pmm_host_ring_failed(void)
{
	if (pmm_host_state)
		__atomic_store_n(&pmm_host_state->failed, 1, __ATOMIC_RELEASE);
}

void pmm_host_ring_forget(void)
{
	/* In a forked child the kept records file is the parent's. */
	if (pmm_host_records_kept())
		close(pmm_host_records_fd);
	pmm_host_records_fd = -1;
	pmm_ring_forget();
	pmm_host_state = NULL;
	pmm_host_last_commit_known = 0;
	pmm_host_draining = 0;
	pmm_host_start_time_known = 0;
	pmm_host_pid_ns_known = 0;
}

/*
 * At exit, once the process is down to this thread: everything left in the ring goes to the records
 * file, the ring file is emptied (not removed: on ext4 a file removed within the last half minute
 * makes creating the next one slower, and a run creates files for every process), and what later
 * exit handlers record is appended (pmm_transport.c). With other threads still running the ring stays, for them to write into and for
 * the reader.
 */
void pmm_host_ring_finish(void)
{
	void *mem = pmm_ring_hdr;
	__u64 committed;

	if (!pmm_host_state || pmm_self_stat(PMM_STAT_THREADS) != 1 || pmm_host_drain(1) < 0)
		return;
	committed = pmm_host_committed().committed;
	/* Past the commit: a batch an earlier image of this pid wrote and never committed. */
	if (truncate(pmm_host_records_path, (off_t)committed) < 0 || truncate(pmm_host_ring_path, 0) < 0)
		return;
	pmm_host_ring_forget();
	munmap(mem, PMM_RING_BYTES);
}
