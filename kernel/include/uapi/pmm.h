/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * pmm: the process memory monitor's user-space interface.
 *
 * The one contract between pmm.ko, the hook library, pmd and the tests.
 * Every field is fixed-width, user pointers travel as __u64, and padding
 * must be zero (the module rejects non-zero padding with -EINVAL).
 */
#ifndef _UAPI_LINUX_PMM_H
#define _UAPI_LINUX_PMM_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define PMM_DEVICE_PATH		"/dev/pmm"

/* Most frames of a stack that one record carries. */
#define PMM_MAX_FRAMES		16

/* Most records one PMM_RECORD_LOG or PMM_READ_LOGS call moves. */
#define PMM_MAX_BATCH		4096

/* Largest object map (the text of /proc/self/maps) kept per process. */
#define PMM_MAX_MAPS		(256 * 1024)

/* Most VM/RSS samples kept per process; older ones make room for new. */
#define PMM_MAX_SAMPLES		256

/* Most mismatched releases kept per process; later ones are only counted. */
#define PMM_MAX_MISMATCHES	256

/* What a record says happened. */
enum pmm_kind {
	PMM_KIND_MALLOC = 1,
	PMM_KIND_CALLOC = 2,
	PMM_KIND_REALLOC = 3,	/* prev_ptr was resized into ptr */
	PMM_KIND_FREE = 4,
	PMM_KIND_NEW = 5,	/* C++ operator new (any variant) */
	PMM_KIND_NEW_ARRAY = 6,	/* C++ operator new[] */
	PMM_KIND_DELETE = 7,	/* C++ operator delete: a free */
	PMM_KIND_DELETE_ARRAY = 8,	/* C++ operator delete[]: a free */
	/*
	 * The aligned allocators: blocks of malloc's family (free releases
	 * them), each named for the function called, as valgrind's stacks
	 * name them.
	 */
	PMM_KIND_POSIX_MEMALIGN = 9,
	PMM_KIND_ALIGNED_ALLOC = 10,
	PMM_KIND_MEMALIGN = 11,
	PMM_KIND_VALLOC = 12,
	PMM_KIND_PVALLOC = 13,
	PMM_KIND_LAST = PMM_KIND_PVALLOC,
};

/*
 * A ring entry only, no record: the writer has just forked the child
 * whose pid is ptr, and names it as PMM_FORKED does. For a writer left
 * with no descriptor of the device (a daemon closes every one, and a
 * chroot or RLIMIT_NOFILE keeps it from opening another): it commits the
 * entry and drains the ring by msync until the entry is applied. Without
 * it, the child, which cannot open the device either, went unseen. Best
 * effort: a drain stops at an entry still being written (a fork from a
 * signal handler that interrupted a record), and a child reaped before its
 * entry is applied is not taken in.
 */
#define PMM_KIND_FORKED		64

/*
 * Whether a record of kind makes a block, or releases one, by itself; a
 * realloc makes one, releases one or both, by its pointers. The module and
 * pmd ask these.
 */
static inline int pmm_kind_allocates(__u32 kind)
{
	return kind == PMM_KIND_MALLOC || kind == PMM_KIND_CALLOC ||
	       kind == PMM_KIND_NEW || kind == PMM_KIND_NEW_ARRAY ||
	       (kind >= PMM_KIND_POSIX_MEMALIGN && kind <= PMM_KIND_LAST);
}

static inline int pmm_kind_frees(__u32 kind)
{
	return kind == PMM_KIND_FREE || kind == PMM_KIND_DELETE ||
	       kind == PMM_KIND_DELETE_ARRAY;
}

/* Whether a record of kind may make a block: those, and a realloc by its ptr. */
static inline int pmm_kind_makes_block(__u32 kind)
{
	return pmm_kind_allocates(kind) || kind == PMM_KIND_REALLOC;
}

/* Whether it may release one: those, and a realloc by its prev_ptr. */
static inline int pmm_kind_releases_block(__u32 kind)
{
	return pmm_kind_frees(kind) || kind == PMM_KIND_REALLOC;
}

/*
 * Which release goes with a kind: malloc, calloc, realloc and the aligned
 * allocators with free (and a realloc's release of its old block), new
 * with delete, new[] with delete[]. Kinds of one family give the same
 * value; a release of another family than its allocation's is a mismatch,
 * which pmm.ko reports and the hook never cancels in the ring.
 */
static inline __u32 pmm_kind_family(__u32 kind)
{
	if (kind == PMM_KIND_NEW || kind == PMM_KIND_DELETE)
		return PMM_KIND_NEW;
	if (kind == PMM_KIND_NEW_ARRAY || kind == PMM_KIND_DELETE_ARRAY)
		return PMM_KIND_NEW_ARRAY;
	return PMM_KIND_MALLOC;
}

/*
 * One allocation event, as the hook saw it. A free (or a realloc's prev_ptr)
 * cancels the allocation with the same pointer; what is left is the leak.
 * A realloc is one record, or two when it moved the block in the ring: the
 * release of prev_ptr (ptr and size 0) where it took its position before the
 * call, and the new block in a position taken after the call, after any other
 * thread's use of that address meanwhile, its prev_ptr marked shown only
 * (below). With ptr 0 and a size, a realloc failed and prev_ptr is still live.
 */

/*
 * A realloc's prev_ptr with this bit set names the block it resized for its
 * reader only (the log's Prev Pointer): that block's release is another
 * record's (a moved realloc's first) or went with its allocation, cancelled
 * in the ring. Heap blocks are aligned, so a real prev_ptr never has it.
 */
#define PMM_PREV_SHOWN_ONLY	1ULL
struct pmm_record {
	__u32 kind;		/* enum pmm_kind */
	__u32 nframes;		/* valid entries of frames[] */
	__u64 ptr;		/* the block returned (or freed) */
	__u64 prev_ptr;		/* realloc only: the block that was resized */
	__u64 size;		/* bytes asked for (< 2^63 if ptr); 0 for free */
	__u64 time_ns;		/* CLOCK_REALTIME when allocated; 0 for a free */
	__u64 frames[PMM_MAX_FRAMES];	/* return addresses, innermost first */
};

/*
 * PMM_RECORD_LOG: records of the calling process (its tgid, never a claim).
 * A batch with an invalid record is refused whole (-EINVAL). Pids here and
 * below are numbers in the initial pid namespace.
 */
struct pmm_record_log {
	__u64 records;		/* user pointer to count struct pmm_record */
	__u32 count;		/* 1..PMM_MAX_BATCH */
	__u32 pad;
};

/* PMM_SET_CONFIG operations. */
enum pmm_config_op {
	PMM_CFG_START_PID = 1,	/* start monitoring pid */
	PMM_CFG_STOP_PID = 2,	/* stop monitoring pid and drop its records */
	PMM_CFG_INTERVAL = 3,	/* pmthread's cycle, value in ms */
	PMM_CFG_SCAN = 4,	/* pmthread scanning on (1) or off (0) */
};

/* A field the operation does not use, and pad, must be 0. */
struct pmm_set_config {
	__u32 op;		/* enum pmm_config_op */
	__s32 pid;		/* START_PID; STOP_PID: a monitor's handle */
	__u32 value;		/* INTERVAL, SCAN */
	__u32 pad;
};

struct pmm_get_config {
	__u32 interval_ms;
	__u32 scan;
	__s32 last_start_pid;
	__s32 last_stop_pid;
	__u32 nr_monitored;
	__u32 pad;
	__u64 total_records;	/* unmatched records held, all processes */
};

/* Process states, as /proc/pmm/pid shows them. */
enum pmm_state {
	PMM_STATE_RUNNING = 1,
	PMM_STATE_EXITED = 2,	/* exited or killed; records kept */
};

#define PMM_STOPPED_BY_HOOK	1
#define PMM_STOPPED_OVERWRITTEN	2

struct pmm_pid_info {
	__s32 pid;		/* the process's */
	__s32 ppid;
	__u32 state;		/* enum pmm_state */
	/*
	 * Not 0: the process's figures are not what it allocated. 1
	 * (PMM_STOPPED_BY_HOOK): the hook stopped recording before the
	 * process ended (PMM_RING_STOPPED). 2 (PMM_STOPPED_OVERWRITTEN): the
	 * module found the ring written over by the process (see the ring).
	 */
	__u32 stopped;
	__u64 log_count;	/* unmatched records held */
	__u64 log_bytes;	/* bytes those records hold */
	__u64 unmatched_frees;	/* frees that matched no allocation */
	__u64 dropped;		/* records refused over the limits */
	char comm[16];
	__u64 mismatched_frees;	/* releases of another family, kept or not */
	/*
	 * The exited process's wait status (as waitpid gives it), when
	 * exit_known: the module saw its exit through its ring's release, or
	 * (a process that had no ring then) found it in its leader.
	 */
	__s32 wait_status;
	__u32 exit_known;
	/*
	 * PMM_UNHOOKED_IMAGE (1): the process exec()ed an image that never
	 * mapped a ring (one the hook cannot enter): what that image allocated
	 * was not seen. PMM_UNHOOKED_NO_DEVICE: a child its parent named
	 * through its ring (PMM_KIND_FORKED) never mapped one either: the hook
	 * in it could not reach the device (nor, once it exec()ed, the image's),
	 * and what it allocated was not seen.
	 */
	__u32 unhooked;
	/*
	 * What READ_LOGS, READ_MISMATCHES, READ_SAMPLES, READ_MAPS and
	 * STOP_PID take as the pid: the pid itself, but once a later monitored
	 * process is given the same pid, the earlier one's monitor is named by
	 * a number of its own, PMM_RETIRED_HANDLE_MIN or above.
	 */
	__s32 handle;
};

#define PMM_UNHOOKED_IMAGE	1
#define PMM_UNHOOKED_NO_DEVICE	2

/* Above PID_MAX_LIMIT: never a pid. */
#define PMM_RETIRED_HANDLE_MIN	0x40000000

/* PMM_MONITORED_PIDS: fills up to max entries, says how many exist. */
struct pmm_monitored_pids {
	__u64 pids;		/* user pointer to max struct pmm_pid_info */
	__u32 max;
	__u32 count;		/* out: entries that exist (may exceed max) */
};

/*
 * PMM_READ_LOGS: a page of pid's unmatched records, oldest first.
 * Start with cursor 0 and pass back the cursor returned until count is 0.
 */
struct pmm_read_logs {
	__s32 pid;		/* a monitor's handle (struct pmm_pid_info) */
	__u32 max;		/* 1..PMM_MAX_BATCH */
	__u64 cursor;		/* in: where to go on; out: where to go on next */
	__u64 records;		/* user pointer to max struct pmm_record */
	__u32 count;		/* out: records written */
	__u32 pad;
};

/*
 * PMM_RECORD_MAPS / PMM_READ_MAPS: the text of the process's /proc/self/maps,
 * recorded by the hook so that the host can symbolize frames after the
 * process is gone. Recording replaces the previous text. When the process
 * exec()s after mismatched releases were kept, the text of the image it
 * leaves is kept too: their stacks are of that image.
 */
struct pmm_maps {
	/*
	 * READ: a monitor's handle. RECORD: 0 (or the caller's pid) for the
	 * caller, else a child the caller has just spawned.
	 */
	__s32 pid;
	/*
	 * RECORD: text length, 1..PMM_MAX_MAPS. READ in: buffer size; out:
	 * text length, also with -ENOSPC when the buffer is too small.
	 */
	__u32 len;
	__u64 buf;		/* user pointer */
	/*
	 * READ in: 0 for the current text; n for the n-th image (from 1) the
	 * process left with mismatches kept, -ENOENT past the last. RECORD: 0.
	 */
	__u32 image;
	/*
	 * READ out, with image n: how many mismatches (PMM_READ_MISMATCHES'
	 * order) were kept before that image was left; those from the
	 * previous image's count on have its stacks.
	 */
	__u32 mismatches_before;
};

/*
 * The record ring: mmap PMM_RING_BYTES of /dev/pmm at offset 0 (MAP_SHARED,
 * read and write) and the calling process records there without a system
 * call. The module applies the ring's records on PMM_RING_DRAIN and when the
 * file is released, which also happens when the process is killed, so no
 * completed record is lost. The first page holds the header; the entries
 * follow it. A writer takes position pos = head++ (atomically), waits until
 * entries[pos % PMM_RING_ENTRIES].seq == pos (PMM_RING_DRAIN frees entries),
 * writes rec and then stores seq = pos + 1 (release). The ring starts
 * zeroed: in the first lap (pos < PMM_RING_ENTRIES) a seq of 0 is free too,
 * so that nothing need touch the entries a short-lived process never uses. Once the module has
 * applied it, seq becomes pos + PMM_RING_ENTRIES. The ring is not inherited
 * by fork. A process that a monitored process forked is monitored from the
 * moment it maps its own ring. A process that exec()s maps a new ring from
 * its new image: the blocks its old image left are then forgotten (they
 * went with its memory), and a ring of the old image released later is not
 * applied. Once the process has exited, PMM_READ_LOGS,
 * PMM_READ_MAPS, PMM_MONITORED_PIDS, PMM_GET_CONFIG and PMM_GET_STATS wait
 * (up to 2 s) for its ring to be applied, even when something else still
 * holds its memory or its file and so the release comes late.
 *
 * Most blocks are freed soon after they are allocated. A writer that frees
 * a block whose allocation it wrote at pos, while the module has not taken
 * that entry yet, may cancel the allocation instead of writing the free:
 * compare-and-swap seq from pos + 1 to (pos + 1) | PMM_RING_SEQ_CANCELLED.
 * Neither event is then recorded. The module takes a written entry by
 * swapping its seq from pos + 1 to (pos + 1) | PMM_RING_SEQ_TAKEN before it
 * reads it, so a writer's cancel either wins (the module skips the entry) or
 * fails (the writer records the free as usual). The writer must know that no
 * release of the block was written since pos (by another thread, after which
 * the address came back to it): the module would pair that release with
 * nothing, and leave the block's later allocation unmatched.
 *
 * time_ns: when the header's tsc_khz is not 0 (set by the module), a ring
 * record's time_ns may hold the x86 time-stamp counter (rdtsc) instead, and
 * the module turns it into CLOCK_REALTIME nanoseconds when it applies the
 * record: reading the counter costs a fraction of a clock_gettime.
 */
#define PMM_RING_ENTRIES	16384
/*
 * The process may write anything over its ring. What no writer makes (a
 * head this far or more from the module's tail, ahead or behind, or at the
 * tail an entry whose seq is no state of that position) makes
 * PMM_RING_DRAIN fail with EUCLEAN, for good, and the module says the
 * process's figures are not known (PMM_STOPPED_OVERWRITTEN). Writers that
 * wait on a full ring hold positions past a lap, one each: never this many.
 */
#define PMM_RING_HEAD_MAX_AHEAD	(1ULL << 32)

#define PMM_RING_SEQ_TAKEN	(1ULL << 62)
#define PMM_RING_SEQ_CANCELLED	(1ULL << 63)

/*
 * Whether a ring whose next position to apply is tail and whose head is
 * head is in a state some writer leaves: the head less than
 * PMM_RING_HEAD_MAX_AHEAD from the tail, and, with positions to apply, the
 * tail's entry free for it (taken, not yet written), 0 in the first lap,
 * or written (maybe cancelled, or taken by a reader). The module and host
 * mode's drains refuse a ring that is not.
 */
static inline int pmm_ring_state_possible(__u64 tail, __u64 head, __u64 seq)
{
	if (head - tail >= PMM_RING_HEAD_MAX_AHEAD)
		return 0;
	if (head == tail)
		return 1;
	seq &= ~(PMM_RING_SEQ_TAKEN | PMM_RING_SEQ_CANCELLED);
	return seq == tail || seq == tail + 1 ||
	       (seq == 0 && tail < PMM_RING_ENTRIES);
}

struct pmm_ring_header {
	__u64 head;		/* next position a writer takes */
	__u32 tsc_khz;		/* module: time-stamp counter rate, or 0 */
	__u32 flags;		/* writer: PMM_RING_TIME_TSC and the others below */
};

/* The writer's time_ns fields in the ring hold time-stamp counter values. */
#define PMM_RING_TIME_TSC	1
/*
 * The writer stopped recording for a while (hooks_active) and resumed: the
 * releases it made meanwhile are missing, and a block it allocates may take
 * the address of one whose record the module still has. A recorded
 * allocation replaces such a record; from now on a cancelled allocation
 * (whose record the module reads) drops it too, so a writer that commits
 * an entry cancelled with nothing to record (a realloc's release of a
 * block whose allocation it cancelled) must set its ptr to 0. Set before
 * recording resumes, so a reader that loads head (acquire) and then flags
 * sees it for every position below that head taken after the resume.
 */
#define PMM_RING_RESUMED	2
/*
 * The writer stopped recording for good before its process ended: its ring
 * could not be drained (a seccomp filter of the program's denies ioctl and
 * msync), and no record of its later allocations and releases will come.
 * The module says so of the process (pmm_pid_info's stopped) rather than
 * give what it has for the process's figures.
 */
#define PMM_RING_STOPPED	4
/*
 * The writer found its ring in a state no writer leaves: a position it
 * waits on stayed unwritten for PMM_RING_STALL_SECONDS, or an entry at the
 * oldest unapplied position holds no state of that position. The program
 * wrote over the ring, and the module treats it as such (see
 * PMM_RING_HEAD_MAX_AHEAD). Set once, and never cleared.
 */
#define PMM_RING_OVERWRITTEN	8
/*
 * A writer holds an unwritten position for a few stores, or across one
 * realloc call: a wait on one far longer than this is on a position that
 * no writer holds (the program wrote over its entry).
 */
#define PMM_RING_STALL_SECONDS	10

struct pmm_ring_entry {
	__u64 seq;
	struct pmm_record rec;
};

#define PMM_RING_HEADER_BYTES	4096
#define PMM_RING_BYTES		(PMM_RING_HEADER_BYTES + \
				 PMM_RING_ENTRIES * sizeof(struct pmm_ring_entry))

/* One of pmthread's looks at a live monitored process, every INTERVAL. */
struct pmm_sample {
	__u64 time_ns;		/* CLOCK_REALTIME when taken */
	__u64 vm_bytes;		/* mapped virtual memory */
	__u64 rss_bytes;	/* resident memory: anon, file and shmem */
};

/*
 * PMM_READ_SAMPLES: pid's samples, oldest first. Samples are numbered from
 * the monitor's start; pass back the cursor returned until count is 0. If
 * the cursor is older than the oldest sample kept, reading starts at the
 * oldest kept, so out cursor - count - in cursor samples were lost.
 */
struct pmm_read_samples {
	__s32 pid;		/* a monitor's handle */
	__u32 max;		/* 1..PMM_MAX_SAMPLES */
	__u64 cursor;		/* in: first sample wanted; out: the next one */
	__u64 samples;		/* user pointer to max struct pmm_sample */
	__u32 count;		/* out: samples written */
	__u32 pad;
};

/*
 * A block released by a call of another family than the one that allocated
 * it: malloc, calloc, realloc and the aligned allocators go with free (or
 * a realloc's release of prev_ptr), new with delete, new[] with delete[].
 * The block is released all the same, as valgrind does.
 */
struct pmm_mismatch {
	__u32 alloc_kind;	/* enum pmm_kind of the allocation */
	__u32 release_kind;	/* FREE, DELETE, DELETE_ARRAY or REALLOC */
	__u64 ptr;		/* the block */
	__u64 size;		/* bytes it was allocated with */
	__u32 alloc_nframes;	/* valid entries of alloc_frames[] */
	__u32 release_nframes;	/* valid entries of release_frames[] */
	__u64 alloc_frames[PMM_MAX_FRAMES];	/* the allocation's stack */
	__u64 release_frames[PMM_MAX_FRAMES];	/* the release's, if it had one */
};

/*
 * PMM_READ_MISMATCHES: a page of pid's mismatched releases, in the order
 * they happened. The first PMM_MAX_MISMATCHES are kept; total counts them
 * all. Start with cursor 0 and pass back the cursor returned until count
 * is 0. Like PMM_READ_LOGS, it waits for an exited process's ring.
 */
struct pmm_read_mismatches {
	__s32 pid;		/* a monitor's handle */
	__u32 max;		/* 1..PMM_MAX_MISMATCHES */
	__u64 cursor;		/* in: where to go on; out: where to go on next */
	__u64 mismatches;	/* user pointer to max struct pmm_mismatch */
	__u32 count;		/* out: mismatches written */
	__u32 pad;
	__u64 total;		/* out: mismatched releases seen, kept or not */
};

/* PMM_GET_STATS: the memory limits and what is held against them. */
struct pmm_stats {
	__u64 max_records;	/* module parameter: per process */
	__u64 max_total_records;	/* module parameter: all processes */
	__u64 total_records;	/* unmatched records held, all processes */
	__u64 total_dropped;	/* records refused since the module loaded */
	__u64 nr_stacks;	/* distinct stacks they and mismatches refer to */
	/*
	 * Reads that gave up waiting for an exited process's ring: something
	 * held it past the bound, so its last records came too late for them.
	 */
	__u64 ring_wait_timeouts;
};

#define PMM_IOC_MAGIC		0xB7

#define PMM_RECORD_LOG		_IOW(PMM_IOC_MAGIC, 1, struct pmm_record_log)
#define PMM_SET_CONFIG		_IOW(PMM_IOC_MAGIC, 2, struct pmm_set_config)
#define PMM_GET_CONFIG		_IOR(PMM_IOC_MAGIC, 3, struct pmm_get_config)
#define PMM_MONITORED_PIDS	_IOWR(PMM_IOC_MAGIC, 4, struct pmm_monitored_pids)
#define PMM_READ_LOGS		_IOWR(PMM_IOC_MAGIC, 5, struct pmm_read_logs)
#define PMM_RECORD_MAPS		_IOW(PMM_IOC_MAGIC, 6, struct pmm_maps)
#define PMM_READ_MAPS		_IOWR(PMM_IOC_MAGIC, 7, struct pmm_maps)
#define PMM_READ_SAMPLES	_IOWR(PMM_IOC_MAGIC, 8, struct pmm_read_samples)
#define PMM_GET_STATS		_IOR(PMM_IOC_MAGIC, 9, struct pmm_stats)
/*
 * Apply the caller's ring's written records now (the ring is full): those
 * of the older half of the ring, oldest first, up to the first one still
 * being written. The newer ones wait for the next drain or the release, so
 * that frees soon after their allocations can still cancel them. Through
 * the file the ring was mapped from, or through any other open file of
 * /dev/pmm: then the ring the calling process mapped from its current image.
 * msync(MS_SYNC) of the ring's mapping does the same with no open file (the
 * program may have closed the hook's, and have none free to open another).
 * EUCLEAN: the process wrote over its ring (PMM_RING_HEAD_MAX_AHEAD).
 */
#define PMM_RING_DRAIN		_IO(PMM_IOC_MAGIC, 10)
#define PMM_READ_MISMATCHES	_IOWR(PMM_IOC_MAGIC, 11, struct pmm_read_mismatches)
/*
 * The caller, a monitored process, has just forked the child whose pid the
 * argument points to: the child is monitored from now, with the caller's
 * object map, as it would be once it maps a ring of its own. A child is
 * taken in only while its parent is monitored, and one forked by a parent
 * that exits at once (daemon(), a shell's '&') may not run before that:
 * it then went unmonitored, its leaks unreported and it left running.
 * -ESRCH when pid is no child of the caller's, or the caller is not
 * monitored.
 */
#define PMM_FORKED		_IOW(PMM_IOC_MAGIC, 12, __s32)

#endif /* _UAPI_LINUX_PMM_H */
