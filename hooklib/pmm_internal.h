/* pmm_internal.h: the small C API between the preload layer and the hook's recording and transport. */
#ifndef PMM_INTERNAL_H
#define PMM_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <stdint.h>
#include <unistd.h>
#include <time.h>
#include <uapi/pmm.h>

#define PMM_EXPORT __attribute__((visibility("default")))

/*
 * Set while this thread is inside the hook: whatever the hook itself allocates (dlsym, the first
 * pthread_getattr_np reading /proc, pthread_atfork) goes straight to the C library unrecorded.
 * initial-exec: the library is preloaded, so its TLS is static and reading it never calls
 * __tls_get_addr, which could allocate. volatile: glibc declares dlsym, pthread_getattr_np and others
 * leaf functions (they call nothing of ours, it says), so gcc dropped the store that set this before
 * such a call as dead, and dlsym's allocations were recorded as the program's.
 */
extern __thread volatile int pmm_in_hook __attribute__((tls_model("initial-exec")));

/*
 * This process's (and thread's) id from the kernel, not through the getpid symbol, which a library the
 * user preloads after the hook may define (to fake it): the hook names its records' files and tells a
 * vfork child from its parent by the real one.
 */
static inline pid_t pmm_getpid(void)
{
	return (pid_t)syscall(SYS_getpid);
}

static inline pid_t pmm_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* pmm_env.c: getenv(name), also in a .preinit_array function, before the C library sets environ. */
const char *pmm_getenv(const char *name);

/* pmm_preload.c: the C library's own allocator, for the C++ operators. */
void *pmm_real_malloc(size_t size);
void *pmm_real_aligned_alloc(size_t align, size_t size);
void pmm_real_free(void *ptr);

/*
 * pmm_cxx.c: the mangled names of the C++ operators the hook defines, and whether the program
 * replaces one of them itself (set at start, before any record).
 */
extern const char *const pmm_cxx_operator_names[];	/* the news first, pmm_cxx_new_count of them */
extern const int pmm_cxx_operator_count, pmm_cxx_new_count;
extern int pmm_cxx_replaced;

/* pmm_preload.c: the next definition of name after this library, looked up once into *slot. */
void *pmm_next_symbol(void **slot, const char *name);

/*
 * pmm_control.c: 1 when the next event should be recorded (does the one-time set-up on first use).
 * pmm_live->recording is the fast answer (started, hooks_active on, a live transport): two loads per
 * call. It lives in a page the kernel hands a forked child zeroed (MADV_WIPEONFORK): a child made
 * without the C library's fork handlers (clone(), syscall(SYS_fork)) does not have the parent's ring
 * mapped, and the zero sends it to the slow path, which gives it its own state before any record.
 */
struct pmm_live {
	int recording;
	int alive;	/* this process's state is its own: set at start and in each forked child */
};
extern struct pmm_live *pmm_live;
extern int pmm_started;
int pmm_should_record_slow(void);
void pmm_recording_update(void);

static inline int pmm_should_record(void)
{
	struct pmm_live *live = __atomic_load_n(&pmm_live, __ATOMIC_ACQUIRE);

	if (__builtin_expect(__atomic_load_n(&live->recording, __ATOMIC_RELAXED), 1))
		return 1;
	/* Started, this process's own and not recording (hooks_active off): forward at the cost of these loads. */
	if (__atomic_load_n(&pmm_started, __ATOMIC_ACQUIRE) && __atomic_load_n(&live->alive, __ATOMIC_RELAXED))
		return 0;
	return pmm_should_record_slow();
}

/* pmm_record.c: safe to call from any thread and from a signal handler; allocates nothing. */
void pmm_record_prepare(void);
/*
 * frame: PMM_ENTRY_FRAME of the intercepted function the program called. Its return address is where
 * the stack starts, so the capture need not walk through the hook's own frames to find it.
 */
#define PMM_ENTRY_FRAME()	((uintptr_t)__builtin_frame_address(0))
void pmm_record_alloc(uintptr_t frame, enum pmm_kind kind, const void *ptr, const void *prev_ptr, size_t size);
void pmm_record_free(uintptr_t frame, enum pmm_kind kind, const void *ptr);
void pmm_record_resume(void);
/* A record of kind with value in its size and nothing else (host mode's marks), in order with the others. */
void pmm_record_mark(__u32 kind, __u64 value);
/* Whether this thread runs a signal handler: a signal frame is on its stack (libgcc's unwinder). */
int pmm_in_signal_handler(void);

/*
 * A realloc takes its place in the ring's order before the call, when it may free the old block
 * (which another thread may then get and record), and is filled in after, when the new block is
 * known. A failed realloc (ptr NULL, size not 0) is recorded too, and means nothing to the module.
 */
struct pmm_pending {
	struct pmm_record *rec;	/* in the ring; NULL: none, sent when finished */
	__u64 pos;
	__u64 released;		/* the old block's bucket's mark before this realloc's (pmm_ring.h) */
};
void pmm_record_begin(struct pmm_pending *pending, const void *old);
void pmm_record_realloc(uintptr_t frame, struct pmm_pending *pending, const void *ptr, const void *prev_ptr,
			size_t size);

/*
 * Around the hook's own system calls in a thread's allocation (drains, writes, the object map): open,
 * read, write, pwrite and msync are cancellation points, and a thread cancelled in one would leave a
 * drain, a lock or a ring position held, on which every other thread then waited for ever.
 */
static inline int pmm_cancel_off(void)
{
	int old = PTHREAD_CANCEL_ENABLE;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	return old;
}

static inline void pmm_cancel_restore(int old)
{
	int ignored;

	pthread_setcancelstate(old, &ignored);
}

/* pmm_transport.c */
void pmm_transport_open(void);
int pmm_transport_live(void);
int pmm_transport_owner(void);
void pmm_transport_drain(void);
void pmm_transport_send(const struct pmm_record *records, unsigned int count);
void pmm_transport_send_maps(const char *text, size_t len);
void pmm_transport_after_fork_child(void);
void pmm_transport_forked(pid_t pid);
void pmm_transport_finish(void);
void pmm_transport_host_mark(__u32 kind, __u64 value);
void pmm_transport_before_exec(void);
void pmm_transport_exec_failed(void);
void pmm_transport_host_reaped(pid_t pid, int status);
/* Whether this process writes host mode's marks (pmm_transport_host_mark records anything). */
int pmm_transport_host_marking(void);
int pmm_write_file(const char *path, const void *buf, size_t len, off_t off);
/* All of buf to fd, at off (or appended, off < 0); 0, or -1 (EFBIG: past the file size limit). */
int pmm_write_all(int fd, const void *buf, size_t len, off_t off);
/* Whether RLIMIT_FSIZE lets a file of the hook's grow to end bytes (a write past it raises SIGXFSZ). */
int pmm_file_may_reach(__u64 end);

/*
 * pmm_ring.c (the fast path is pmm_ring.h): the record ring, shared with pmm.ko when the module gave
 * one, or host mode's ring file (pmm_host_ring.c).
 */
int pmm_ring_map(int fd);
int pmm_ring_msync(void);
void pmm_ring_name_child(pid_t pid);
void pmm_ring_mark_stopped(void);
int pmm_ring_overwritten(void);
void pmm_ring_attach(void *mem);
void pmm_ring_forget(void);

/* CLOCK_REALTIME in nanoseconds: a record's time_ns outside the ring. */
static inline __u64 pmm_clock_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return (__u64)now.tv_sec * 1000000000u + (__u64)now.tv_nsec;
}

/* pmm_dynsym.c: whether a loaded object (a dl_iterate_phdr entry) defines name dynamically. */
struct dl_phdr_info;
int pmm_object_defines(const struct dl_phdr_info *info, const char *name);

/* pmm_unwind.c: cached CFI unwinding; pmm_unwind() returns -1 where libgcc's unwinder must do it. */
int pmm_unwind(uintptr_t ra, uintptr_t rsp, uintptr_t rbp, uintptr_t lo, uintptr_t hi,
	       __u64 *frames, int max);
void pmm_unwind_forget(void);

/* pmm_control.c: field n (from 1) of /proc/self/stat, a number; 0 if it cannot be read. */
unsigned long long pmm_self_stat(int n);
#define PMM_STAT_THREADS	20
#define PMM_STAT_START_TIME	22
/* pmm_control.c: in _exit(), the work exit() does at its end (the freeres), where that is safe. */
void pmm_exit_now(void);

/* pmm_exit.c: host mode's record of how processes end; at start, with pmm_in_hook set. */
void pmm_exit_prepare(void);
/* pmm_fork.c */
void pmm_fork_prepare(void);
/* popen() through real, keeping its shell's pid for pclose() in host mode. */
FILE *pmm_exit_popen(FILE *(*real)(const char *, const char *), const char *command, const char *type);

/*
 * pmm_host_pid.c: pids as the run sees them (host mode). The caller's, from /proc; remember: it is the
 * process the files are for (not a vfork child), which notes how deep a namespace it lives in.
 */
pid_t pmm_host_pid_self(int remember);
/* A child's pid, as fork() or posix_spawn() gave it, as the run's; 0 if it cannot be told. */
pid_t pmm_host_pid_child(pid_t pid);
/* In a vfork child, on its parent's memory: its own pid as the run's, which its parent will reap it by. */
pid_t pmm_host_pid_vforked(void);
/* The same for a child the wait family reaped, as pmm_host_pid_child gave it; 0 if it did not. */
pid_t pmm_host_pid_reaped(pid_t pid);
/*
 * Before an exec: this image's name (pid, as the run knows it) for the next, which may not find it in
 * /proc; and what an earlier image left for this one, whose pid in its own namespace is pid (pid if none),
 * taken once.
 */
void pmm_host_pid_leave_name(const char *dir, pid_t name);
pid_t pmm_host_pid_left_name(const char *dir, pid_t pid);
/* The exec came back: the name left for it is taken back. */
void pmm_host_pid_forget_name(const char *dir);
/* The calling thread's children, as /proc names them, at most PMM_CHILDREN_MAX; -1 if not all read. */
#define PMM_CHILDREN_MAX	256
int pmm_thread_children(pid_t *pids);

/*
 * pmm_exec_target.c: the file an exec or spawn call runs, absolute, into out; -1 when the call cannot
 * run one or it cannot be told. path NULL: fexecve's fd (dirfd). search: PATH is searched, as execvp
 * does, for a path without '/'. Else path is taken from dirfd (or AT_FDCWD), as execveat does.
 */
int pmm_exec_target(const char *path, int search, int dirfd, int flags, char *out, size_t size);

/* pmm_transport.c: fd moved to a high number, out of the program's way; fd itself if it cannot be. */
int pmm_fd_high(int fd);

/* pmm_maps.c */
extern int pmm_recording_started_off;	/* pmm_control.c */
/*
 * The object map's first line when the image started with recording off (PMM_HOOKS_ACTIVE=0, which the
 * program itself may have put in an exec's environment): the host then says that not all was checked.
 */
#define PMM_STARTED_OFF_LINE	"recording off at start\n"
void pmm_maps_record(void);
void pmm_maps_exec(pid_t pid, const char *path);
const char *pmm_maps_inherited(size_t *len);
/* pmm_transport.c: what pmm_maps_exec sends. */
void pmm_transport_send_exec(pid_t pid, const char *path, const char *text, size_t len);

#endif /* PMM_INTERNAL_H */
