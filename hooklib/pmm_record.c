/*
 * pmm_record.c: turns one allocation event into a struct pmm_record (what, which block, when, from
 * which stack), in place in the ring shared with pmm.ko when there is one, else for the transport.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unwind.h>

#include "pmm_ring.h"

/*
 * The hook's own frames on top of every stack (this file's functions and the intercepted function,
 * twice for reallocarray -> realloc). The unwinder is asked for this many more than PMM_MAX_FRAMES.
 */
#define PMM_SELF_FRAMES_MAX	8

/* The executable part of libpmm.so, [lo, hi): leading frames in it are the hook's, not the program's. */
static uintptr_t pmm_self_lo, pmm_self_hi;

static int pmm_find_self(struct dl_phdr_info *info, size_t size, void *data)
{
	uintptr_t self = (uintptr_t)data, lo = UINTPTR_MAX, hi = 0;
	int mine = 0;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;
		uintptr_t end = start + ph->p_memsz;

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		if (self >= start && self < end)
			mine = 1;
		if (start < lo)
			lo = start;
		if (end > hi)
			hi = end;
	}
	if (!mine)
		return 0;
	pmm_self_lo = lo;
	pmm_self_hi = hi;
	return 1;
}

/* PMM_STACK_DEPTH (0..PMM_MAX_FRAMES, default all) and PMM_STACK_UNWIND; read once at start. */
static int pmm_stack_depth = PMM_MAX_FRAMES;

enum pmm_unwinder {
	PMM_UNWIND_CACHED = 0,	/* default: pmm_unwind.c's cached CFI rules, libgcc's unwinder where they fail */
	PMM_UNWIND_FP,		/* PMM_STACK_UNWIND=fp: frame pointers only, inexact without them */
	PMM_UNWIND_BACKTRACE,	/* PMM_STACK_UNWIND=backtrace: libgcc's unwinder for every record */
};
static enum pmm_unwinder pmm_unwinder;

/* Where this thread's stack ends: a frame-pointer walk never reads past it. 0: not known yet. */
static __thread uintptr_t pmm_stack_lo __attribute__((tls_model("initial-exec")));
static __thread uintptr_t pmm_stack_hi __attribute__((tls_model("initial-exec")));

static void pmm_read_stack_options(void)
{
	const char *depth = pmm_getenv("PMM_STACK_DEPTH");
	const char *unwind = pmm_getenv("PMM_STACK_UNWIND");

	if (depth && *depth) {
		char *end;
		long n = strtol(depth, &end, 10);

		if (!*end && n >= 0)
			pmm_stack_depth = n > PMM_MAX_FRAMES ? PMM_MAX_FRAMES : (int)n;
	}
	if (unwind && strcmp(unwind, "fp") == 0)
		pmm_unwinder = PMM_UNWIND_FP;
	else if (unwind && strcmp(unwind, "backtrace") == 0)
		pmm_unwinder = PMM_UNWIND_BACKTRACE;
}

/* Once per process, before the first record. */
void pmm_record_prepare(void)
{
	pmm_read_stack_options();
	dl_iterate_phdr(pmm_find_self, (void *)(uintptr_t)&pmm_record_prepare);
}

/*
 * libgcc's unwinder, walked here rather than through glibc's backtrace(): backtrace() dlopens
 * libgcc_s on first use, and that handle's blocks are freed at exit by __libc_freeres, frees no
 * record matches. libpmm.so links libgcc_s itself (see the Makefile).
 */
struct pmm_walk_frames {
	void **frames;
	int n, max;
	uintptr_t cfa;
};

static _Unwind_Reason_Code pmm_walk_frame(struct _Unwind_Context *ctx, void *arg)
{
	struct pmm_walk_frames *w = arg;
	uintptr_t ip = _Unwind_GetIP(ctx), cfa = _Unwind_GetCFA(ctx);

	/* The same frame again, with the same CFA: a loop in broken unwind tables. */
	if (w->n > 0 && (uintptr_t)w->frames[w->n - 1] == ip && w->cfa == cfa)
		return _URC_END_OF_STACK;
	w->frames[w->n++] = (void *)ip;
	w->cfa = cfa;
	return w->n == w->max ? _URC_END_OF_STACK : _URC_NO_REASON;
}

/* Up to max return addresses of this thread's stack, innermost first (this function's own too). */
static int pmm_backtrace(void **frames, int max)
{
	struct pmm_walk_frames w = { frames, 0, max, 0 };

	if (max <= 0)
		return 0;
	_Unwind_Backtrace(pmm_walk_frame, &w);
	/* The outermost frame's return address is 0 where the stack ends (_start, clone). */
	while (w.n > 0 && frames[w.n - 1] == NULL)
		w.n--;
	return w.n;
}

static _Unwind_Reason_Code pmm_find_signal_frame(struct _Unwind_Context *ctx, void *found)
{
	int signal_frame = 0;

	_Unwind_GetIPInfo(ctx, &signal_frame);
	if (!signal_frame)
		return _URC_NO_REASON;
	*(int *)found = 1;
	return _URC_END_OF_STACK;
}

int pmm_in_signal_handler(void)
{
	int found = 0, saved_errno = errno;

	_Unwind_Backtrace(pmm_find_signal_frame, &found);
	errno = saved_errno;
	return found;
}

static int pmm_is_self(uintptr_t frame)
{
	return frame >= pmm_self_lo && frame < pmm_self_hi;
}

/*
 * libgcc's unwinder walks the CFI tables, so it stays accurate through C library code built without
 * frame pointers (strdup's caller is kept), where a frame-pointer walk would skip a frame.
 */
static void pmm_capture_cfi(struct pmm_record *rec)
{
	void *raw[PMM_MAX_FRAMES + PMM_SELF_FRAMES_MAX];
	int saved_errno = errno;
	int n = pmm_backtrace(raw, pmm_stack_depth + PMM_SELF_FRAMES_MAX);
	int first = 0;

	errno = saved_errno;
	while (first < n && pmm_is_self((uintptr_t)raw[first]))
		first++;
	rec->nframes = 0;
	for (int i = first; i < n && rec->nframes < (__u32)pmm_stack_depth; i++)
		rec->frames[rec->nframes++] = (uintptr_t)raw[i];
}

/* This thread's stack bounds, once: pthread_getattr_np may allocate, so the caller's frame is marked. */
static int pmm_thread_stack(void)
{
	pthread_attr_t attr;
	void *addr;
	size_t size;
	int was_in_hook = pmm_in_hook, saved_errno = errno;

	pmm_in_hook = 1;
	if (pthread_getattr_np(pthread_self(), &attr) == 0) {
		if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
			pmm_stack_lo = (uintptr_t)addr;
			pmm_stack_hi = (uintptr_t)addr + size;
		}
		pthread_attr_destroy(&attr);
	}
	pmm_in_hook = was_in_hook;
	errno = saved_errno;
	return pmm_stack_hi != 0;
}

/*
 * PMM_STACK_UNWIND=fp: follows the saved frame pointers, a few loads per frame. Exact for code built
 * with -fno-omit-frame-pointer; a function without a frame (much of libc) hides its caller. Each
 * next frame must lie above the last, inside this thread's stack, so a register that is not a frame
 * pointer ends the walk instead of faulting.
 */
static void pmm_capture_fp(struct pmm_record *rec, uintptr_t fp)
{

	rec->nframes = 0;
	if (!pmm_stack_hi && !pmm_thread_stack())
		return;
	while (rec->nframes < (__u32)pmm_stack_depth && fp >= pmm_stack_lo &&
	       fp + 2 * sizeof(uintptr_t) <= pmm_stack_hi && !(fp & (sizeof(uintptr_t) - 1))) {
		uintptr_t next = ((uintptr_t *)fp)[0];
		uintptr_t ret = ((uintptr_t *)fp)[1];

		if (!ret)
			break;
		if (!pmm_is_self(ret))
			rec->frames[rec->nframes++] = ret;
		if (next <= fp)
			break;
		fp = next;
	}
}

/*
 * The default. fp is the frame of the intercepted function the program called; the hook's functions
 * all keep frame pointers (see the Makefile), so any hook frame still above it (reallocarray calls
 * realloc) is skipped by following rbp. At the outermost one, [fp] is the caller's rbp, [fp + 8] the
 * return address into the program and fp + 16 the caller's stack pointer. From there pmm_unwind()
 * steps by cached CFI rules. Where it cannot, libgcc's unwinder gives the same frames, more slowly.
 */
static void pmm_capture_cached(struct pmm_record *rec, uintptr_t fp)
{
	int n;

	rec->nframes = 0;
	if (!pmm_stack_hi && !pmm_thread_stack())
		goto slow;
	for (;;) {
		if (fp < pmm_stack_lo || fp + 2 * sizeof(uintptr_t) > pmm_stack_hi || (fp & 7))
			goto slow;
		if (!pmm_is_self(((uintptr_t *)fp)[1]))
			break;
		if (((uintptr_t *)fp)[0] <= fp)
			goto slow;
		fp = ((uintptr_t *)fp)[0];
	}
	n = pmm_unwind(((uintptr_t *)fp)[1], fp + 2 * sizeof(uintptr_t), ((uintptr_t *)fp)[0],
		       pmm_stack_lo, pmm_stack_hi, rec->frames, pmm_stack_depth);
	if (n >= 0) {
		rec->nframes = (__u32)n;
		return;
	}
slow:
	pmm_capture_cfi(rec);
}

/*
 * A release that goes to the ring as a record marks its block's bucket with the ring's head before
 * it takes its position, and before the block is freed (see pmm_released_mark). The head is enough:
 * an allocation taken between the two is of another block, for this one is not free yet.
 */
static inline __u64 pmm_record_released(const void *ptr)
{
	return pmm_ring_mapped() ? pmm_released_mark(pmm_released_bucket(ptr), pmm_ring_head()) : 0;
}

/*
 * Recording resumes (hooks_active on again): see pmm_resumed_at. Before the first record, so that no
 * release is recorded before it. It costs each bucket's first free a record. The reader is told too
 * (PMM_RING_RESUMED): a cancelled allocation may stand for a block freed meanwhile.
 */
void pmm_record_resume(void)
{
	if (!pmm_ring_mapped())
		return;
	/* Ordered before hooks_active's store: a record that follows the resume follows the flag. */
	__atomic_fetch_or(&pmm_ring_hdr->flags, PMM_RING_RESUMED, __ATOMIC_SEQ_CST);
	__atomic_store_n(&pmm_resumed_at, pmm_ring_head(), __ATOMIC_RELAXED);
}

/* A realloc keeps the mark it found, for its own cancel of old's allocation. */
void pmm_record_begin(struct pmm_pending *pending, const void *old)
{
	pending->released = pmm_record_released(old);
	pending->rec = pmm_ring_mapped() ? pmm_ring_reserve(&pending->pos) : NULL;
}

static inline void pmm_capture(struct pmm_record *rec, uintptr_t frame)
{
	rec->nframes = 0;
	if (pmm_stack_depth <= 0)
		return;
	if (__builtin_expect(pmm_unwinder == PMM_UNWIND_CACHED, 1))
		pmm_capture_cached(rec, frame);
	else if (pmm_unwinder == PMM_UNWIND_FP)
		pmm_capture_fp(rec, frame);
	else
		pmm_capture_cfi(rec);
}

/* Without a ring: one ioctl, or one write in host mode (the transport keeps errno). */
static void pmm_record_send(struct pmm_record *rec)
{
	/* Frames past nframes are not sent as garbage to the host stream. */
	memset(&rec->frames[rec->nframes], 0, (PMM_MAX_FRAMES - rec->nframes) * sizeof(rec->frames[0]));
	pmm_transport_send(rec, 1);
}

/* rec's fields, with local's time and stack. */
static inline __attribute__((always_inline)) void pmm_record_fill(struct pmm_record *rec,
								  const struct pmm_record *local,
								  enum pmm_kind kind, const void *ptr,
								  const void *prev_ptr, size_t size)
{
	rec->kind = kind;
	rec->ptr = (uintptr_t)ptr;
	rec->prev_ptr = (uintptr_t)prev_ptr;
	rec->size = size;
	rec->time_ns = local->time_ns;
	rec->nframes = local->nframes;
	/* A loop, not memcpy: most stacks are a few frames, and a call costs more than they do. */
	for (__u32 i = 0; i < local->nframes; i++)
		rec->frames[i] = local->frames[i];
}

/*
 * One event, in place in the ring when there is one (no system call). The time and the stack are
 * read before the ring position is taken: a thread preempted while it holds a position makes every
 * other thread wait at the next drain, so the position is held only for the few stores below. An
 * allocation is remembered, so that its free may cancel it while it is still in the ring. A
 * release that reaches the module carries its stack (a mismatched one is reported with it), not a
 * time. Nothing on this path changes errno: the program may look at it after malloc. local holds the
 * time and the stack. Inline in both callers: as a call it cost a malloc/free pair 37 instructions
 * more (callgrind).
 */
static inline __attribute__((always_inline)) void pmm_record_put(struct pmm_record *local, enum pmm_kind kind,
								 const void *ptr, const void *prev_ptr, size_t size,
								 int alloc)
{
	struct pmm_record *rec;
	__u64 pos;

	rec = pmm_ring_mapped() ? pmm_ring_reserve(&pos) : NULL;
	if (!rec) {
		local->kind = kind;
		local->ptr = (uintptr_t)ptr;
		local->prev_ptr = (uintptr_t)prev_ptr;
		local->size = size;
		if (alloc && local->time_ns && pmm_ring_mapped())
			local->time_ns = pmm_clock_ns();	/* a record by ioctl is not converted */
		pmm_record_send(local);
		return;
	}
	pmm_record_fill(rec, local, kind, ptr, prev_ptr, size);
	pmm_ring_commit(pos);
	/* Cancellable by its free unless it also releases an old block (a realloc's real prev_ptr). */
	if (alloc && (!prev_ptr || ((uintptr_t)prev_ptr & PMM_PREV_SHOWN_ONLY)))
		pmm_ring_remember(ptr, pos);
}

/* One event, its time (an allocation's) and stack read first. */
static void pmm_record_event(uintptr_t frame, enum pmm_kind kind, const void *ptr, const void *prev_ptr,
			     size_t size, int alloc)
{
	struct pmm_record local;

	local.time_ns = alloc ? pmm_ring_stamp() : 0;
	pmm_capture(&local, frame);
	pmm_record_put(&local, kind, ptr, prev_ptr, size, alloc);
}

/*
 * A realloc that moved the block, in the ring. Its position, taken before the call, is the old
 * block's release (nothing, when that block's allocation was cancelled in the ring: cancelled); the
 * new block's allocation takes a position now, naming the old block for the log only. Until the call,
 * another thread could still have had the new address, and recorded its allocation and free after
 * the first position: a record there would put the new block's life before theirs (a free matching
 * nothing, or a leak missed).
 */
static void pmm_record_moved(uintptr_t frame, struct pmm_pending *pending, const void *old, int cancelled,
			     const void *ptr, size_t size)
{
	struct pmm_record local, *rec = pending->rec;

	pmm_capture(&local, frame);
	if (!cancelled) {
		/* ptr 0 and size 0: old was released (see the uapi header); a release has no time. */
		local.time_ns = 0;
		pmm_record_fill(rec, &local, PMM_KIND_REALLOC, NULL, old, 0);
		pmm_ring_commit(pending->pos);
	} else {
		pmm_ring_commit_cancelled(pending->pos);
	}
	local.time_ns = pmm_ring_stamp();
	pmm_record_put(&local, PMM_KIND_REALLOC, ptr, (const void *)((uintptr_t)old | PMM_PREV_SHOWN_ONLY), size, 1);
}

/*
 * A realloc's position was taken before the call (see pmm_internal.h). If the old block's own
 * allocation is still in the ring, it is cancelled there and the realloc stands as the allocation
 * of the new block. A failed realloc keeps the old block: nothing is cancelled. One that moved the
 * block records the new one apart (pmm_record_moved).
 */
void pmm_record_realloc(uintptr_t frame, struct pmm_pending *pending, const void *ptr, const void *prev_ptr,
			size_t size)
{
	struct pmm_record local, *rec = pending->rec ? pending->rec : &local;
	int moved, cancelled;

	/* A position taken must be filled; without one, a failed realloc is not worth a record. */
	if (!ptr && !pending->rec)
		return;
	moved = ptr && ptr != prev_ptr;
	cancelled = ptr && prev_ptr && pmm_ring_cancel(prev_ptr, PMM_KIND_FREE, &pending->released);
	if (moved && pending->rec) {
		pmm_record_moved(frame, pending, prev_ptr, cancelled, ptr, size);
		return;
	}
	rec->kind = PMM_KIND_REALLOC;
	rec->ptr = (uintptr_t)ptr;
	/* Its old block's allocation cancelled in the ring: nothing to release, only a name to show. */
	rec->prev_ptr = (uintptr_t)prev_ptr | (cancelled ? PMM_PREV_SHOWN_ONLY : 0);
	rec->size = size;
	rec->time_ns = pending->rec ? pmm_ring_stamp() : pmm_clock_ns();
	pmm_capture(rec, frame);
	if (!pending->rec) {
		pmm_record_send(rec);
		return;
	}
	pmm_ring_commit(pending->pos);
	if (ptr && (!prev_ptr || cancelled))
		pmm_ring_remember(ptr, pending->pos);
}

void pmm_record_alloc(uintptr_t frame, enum pmm_kind kind, const void *ptr, const void *prev_ptr, size_t size)
{
	pmm_record_event(frame, kind, ptr, prev_ptr, size, 1);
}

void pmm_record_mark(__u32 kind, __u64 value)
{
	struct pmm_record local = { .kind = kind, .size = value }, *rec;
	__u64 pos;

	rec = pmm_ring_mapped() ? pmm_ring_reserve(&pos) : NULL;
	if (!rec) {
		pmm_record_send(&local);
		return;
	}
	*rec = local;
	pmm_ring_commit(pos);
}

/* A free while its allocation is still in the ring undoes it there: no record at all. */
void pmm_record_free(uintptr_t frame, enum pmm_kind kind, const void *ptr)
{
	if (pmm_ring_cancel(ptr, kind, pmm_released_bucket(ptr)))
		return;
	pmm_record_released(ptr);
	pmm_record_event(frame, kind, ptr, NULL, 0, 0);
}
