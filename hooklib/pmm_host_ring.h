/*
 * pmm_host_ring.h: the layout of host mode's ring file beyond the uapi ring (pmm_host_ring.c writes
 * it, hooklib/host/ringFile.ts reads it).
 */
#ifndef PMM_HOST_RING_H
#define PMM_HOST_RING_H

#include <stddef.h>
#include <sys/types.h>
#include <uapi/pmm.h>

/*
 * What the drains have committed: records of positions below tail are in the records file, whose
 * first committed bytes are whole; what lies past them there is a batch that never got committed.
 */
struct pmm_host_commit {
	__u64 tail;
	__u64 committed;
};

/*
 * In the header page, after struct pmm_ring_header. A commit is written to the slot that cur does
 * not name, then cur is switched to it: one store, so a process killed at any point leaves one
 * whole commit for the reader.
 */
struct pmm_host_ring_state {
	__u32 magic;		/* PMM_HOST_RING_MAGIC once set up */
	__u32 cur;		/* 0 or 1: the slot of at[] that holds the commit */
	struct pmm_host_commit at[2];
	__u64 start_time;	/* the process's, from /proc/self/stat: exec keeps it */
	/*
	 * With PMM_RING_TIME_TSC in the header, records in the ring are stamped
	 * with rdtsc at the header's tsc_khz (measured by the hook, there being
	 * no pmm.ko). Drains write them as CLOCK_REALTIME nanoseconds; for what
	 * is left in the ring, ref_tsc was the counter at ref_ns.
	 */
	__u64 ref_tsc;
	__u64 ref_ns;
	/*
	 * 1 once a record could not be written out (a full file system, a
	 * file size limit): recording stopped there, and the reader must
	 * not take the rest for all of it. Here because saying it must not
	 * need a file descriptor or room on the disk.
	 */
	__u32 failed;
	/*
	 * 1 once an image of the process could not map the ring (an
	 * address-space limit the program set) and gave it up: the records
	 * file is then whole, and each record is appended to it
	 * (pmm_host_ring_abandon).
	 */
	__u32 abandoned;
	/*
	 * The process's pid namespace (the inode of /proc/self/ns/pid; 0 if
	 * unknown), which an exec keeps too: with start_time, which process
	 * the files are. The first processes of two namespaces both have pid 1
	 * and may start within one clock tick: they took one ring for theirs.
	 */
	__u64 pid_ns;
};

#define PMM_HOST_RING_MAGIC	0x484d4d50	/* "PMMH" */
#define PMM_HOST_STATE_OFFSET	2048

/*
 * A record of this kind in <pid>.records: the process exec()ed here. The blocks its old image left
 * went with that image's memory: the reader forgets them, as pmm.ko does (its other records, such
 * as mismatched releases, still count). Its size is n when the old image's object map was kept as
 * <name>.maps.<n> (pmm_host_name_keep_maps), else 0. Host mode only; never a uapi kind.
 */
#define PMM_HOST_KIND_EXEC	0x80000000u

/*
 * Around an exec() call (pmm_exec.c): EXEC_TRY before it, EXEC_FAILED when it came back. A new image
 * with the hook writes EXEC; one that has none (statically linked, set-user-ID) leaves EXEC_TRY last,
 * and the reader knows that the process ran unhooked, the old image's blocks gone with its memory.
 */
#define PMM_HOST_KIND_EXEC_TRY		0x80000001u
#define PMM_HOST_KIND_EXEC_FAILED	0x80000002u

/*
 * The process is exiting through exit() (or a return from main) or _exit(), with the status in the
 * record's size (pmm_control.c). pmm.ko learns a monitored process's wait status from its exit; on the
 * host the hook's process is no child of the reader, so the hook says it. One killed by a signal
 * leaves no such record.
 */
#define PMM_HOST_KIND_EXIT		0x80000003u

/*
 * The process reaped a child (wait4, waitpid, waitid, ...). The record's size is the child's pid in
 * the high 32 bits, which of the run's processes with that pid it was in the next 16 (its files'
 * generation, pmm_host_name.c), its wait status in the low 16. How a child killed by a signal ended
 * is known only from this, in its parent's records.
 */
#define PMM_HOST_KIND_REAPED		0x80000004u

/*
 * Allocations cancelled in the ring by their frees, once recording resumed after hooks_active was off
 * (PMM_RING_RESUMED): their addresses may be those of blocks freed meanwhile, unrecorded. The reader
 * drops a record it has at each, as pmm.ko does (kernel/pmm_ring.c), and counts nothing. The addresses
 * are in frames[0 .. nframes), and in ptr when it is not 0. A drain puts the cancelled allocations
 * between two records into one such record, and leaves out an address it forgot before with no record
 * taken at it since: one record each made a program that switched hooks_active once write its every
 * allocation to the file, and run twice as long.
 */
#define PMM_HOST_KIND_FORGET		0x80000005u

/*
 * The process forked the child whose pid is the record's size, and could not name it in <pid>.spawned
 * (no descriptor free: the program lowered RLIMIT_NOFILE, or used them all). Such a child cannot make
 * files of its own either, most likely: when it has none, the reader says that what it allocated is not
 * known, rather than leave it out of the run.
 */
#define PMM_HOST_KIND_UNFOLLOWED	0x80000006u

/*
 * The most processes of one run that get the same pid and files of their own (pmm_host_name.c): the
 * generation is 16 bits of a reap record.
 */
#define PMM_HOST_GENERATION_MAX		0xffffu

/* pmm_host_name.c: n in decimal at out, without a NUL (async-signal-safe); the number of digits (up to 20). */
size_t pmm_host_decimal(char *out, unsigned long long n);
/* <dir>/<pid>[-<generation>]<suffix> into path (0), or -1 when it does not fit. */
int pmm_host_name_path(char *path, size_t size, const char *dir, pid_t pid, unsigned int generation,
		       const char *suffix);
/*
 * text, whole, as the file at path: written to new_path, then renamed over path, so that a reader never
 * finds half of it. 0, or -1.
 */
int pmm_host_name_replace(const char *path, const char *new_path, const char *text, size_t len);
/*
 * This process's generation: that of the files of an earlier image of it, else the first whose
 * records file it could create (it is then created). A new process's object map (maps, len > 0: a
 * forked child's, its parent's at the fork) is written first, so that the reader, which finds a
 * process by its records file, never finds one without it. 0, or -1 with errno.
 */
int pmm_host_name_choose(const char *dir, pid_t pid, const char *maps, size_t maps_len,
			 unsigned int *generation);
/*
 * Keeps the object map an earlier image of this process left at maps_path, whose stacks its mismatched
 * releases have, as <maps_path>.<n> (n from 1, the first not taken): n, or 0 when there is none to keep.
 */
unsigned int pmm_host_name_keep_maps(const char *maps_path);
/* The latest generation of pid's files: that of the process with pid now, or just reaped. */
unsigned int pmm_host_name_newest(const char *dir, pid_t pid);
/* A file of the folder, opened with O_CREAT and flags: an fd, or -1 (see pmm_host_name.c). */
int pmm_host_name_open(const char *path, int flags);

/* pmm_host_ring.c */
/* This process's pid namespace (struct pmm_host_ring_state's pid_ns); 0 if unknown. */
unsigned long long pmm_host_pid_ns(void);
int pmm_host_ring_open(const char *path, const char *records_path, const char *maps_path);
int pmm_host_ring_is_mine(const char *path);
int pmm_host_ring_active(void);
int pmm_host_ring_drain(void);
int pmm_host_ring_hand_over(void);
void pmm_host_ring_forget(void);
void pmm_host_ring_finish(void);
void pmm_host_ring_failed(void);

#endif /* PMM_HOST_RING_H */
