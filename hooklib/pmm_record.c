/*
 * pmm_record.c: turns one allocation event into a struct pmm_record (what, which block, when, from
 * which stack) and hands it to the transport. Every function here runs with pmm_in_hook set.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <execinfo.h>
#include <link.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "pmm_internal.h"

/*
 * The hook's own frames on top of every stack (this file's functions and the intercepted function,
 * twice for reallocarray -> realloc). backtrace() is asked for this many more than PMM_MAX_FRAMES.
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

/*
 * Once per process, before the first record. backtrace()'s first call dlopens libgcc_s, which
 * allocates and takes the loader's lock; doing it here, under pmm_in_hook and outside any
 * allocation the program is in the middle of, keeps that out of the hot path.
 */
void pmm_record_prepare(void)
{
	void *frame;

	backtrace(&frame, 1);
	dl_iterate_phdr(pmm_find_self, (void *)(uintptr_t)&pmm_record_prepare);
}

static int pmm_is_self(void *frame)
{
	return (uintptr_t)frame >= pmm_self_lo && (uintptr_t)frame < pmm_self_hi;
}

/*
 * glibc's backtrace() unwinds with the CFI tables through libgcc_s, so it stays accurate through
 * C library code built without frame pointers (strdup's caller is kept), where a frame-pointer
 * walk would skip a frame.
 */
static void pmm_capture_stack(struct pmm_record *rec)
{
	void *raw[PMM_MAX_FRAMES + PMM_SELF_FRAMES_MAX];
	int n = backtrace(raw, sizeof(raw) / sizeof(raw[0]));
	int first = 0;

	while (first < n && pmm_is_self(raw[first]))
		first++;
	rec->nframes = 0;
	for (int i = first; i < n && rec->nframes < PMM_MAX_FRAMES; i++)
		rec->frames[rec->nframes++] = (uintptr_t)raw[i];
}

static void pmm_record_event(enum pmm_kind kind, const void *ptr, const void *prev_ptr, size_t size)
{
	/* The program may look at errno after malloc; the clock, the unwinder and the transport must not change it. */
	int saved_errno = errno;
	struct pmm_record rec;
	struct timespec now;

	memset(&rec, 0, sizeof(rec));
	rec.kind = kind;
	rec.ptr = (uintptr_t)ptr;
	rec.prev_ptr = (uintptr_t)prev_ptr;
	rec.size = size;
	clock_gettime(CLOCK_REALTIME, &now);
	rec.time_ns = (__u64)now.tv_sec * 1000000000u + (__u64)now.tv_nsec;
	pmm_capture_stack(&rec);
	pmm_transport_send(&rec, 1);
	errno = saved_errno;
}

void pmm_record_alloc(enum pmm_kind kind, const void *ptr, const void *prev_ptr, size_t size)
{
	pmm_record_event(kind, ptr, prev_ptr, size);
}

void pmm_record_free(const void *ptr)
{
	pmm_record_event(PMM_KIND_FREE, ptr, NULL, 0);
}
