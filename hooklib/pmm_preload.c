/*
 * pmm_preload.c: the thin LD_PRELOAD layer. It intercepts the allocation functions, forwards each to
 * the C library's own, and tells pmm_record.c what happened. No recording logic lives here.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pmm_internal.h"

__thread volatile int pmm_in_hook __attribute__((tls_model("initial-exec")));

/* Set while this thread runs dlsym() for the real functions: their allocations come from bootstrap. */
static __thread int pmm_resolving __attribute__((tls_model("initial-exec")));

struct pmm_real {
	void *(*malloc)(size_t);
	void *(*calloc)(size_t, size_t);
	void *(*realloc)(void *, size_t);
	void (*free)(void *);
	int (*posix_memalign)(void **, size_t, size_t);
	void *(*aligned_alloc)(size_t, size_t);
	void *(*memalign)(size_t, size_t);
	void *(*valloc)(size_t);
	void *(*pvalloc)(size_t);
};

/* Written once, then published by pmm_real_ready (release); a plain read after an acquire load. */
static struct pmm_real real;
static int pmm_real_ready;

/*
 * dlsym() may allocate (its error state), and it does so through the malloc we are resolving. Those
 * few blocks come from here. They are never reused, so calloc's zeroing is free, and free() ignores
 * them. Each block carries its size just before it, so realloc can move one out.
 */
#define PMM_BOOTSTRAP_SIZE	(64 * 1024)
#define PMM_BOOTSTRAP_HEADER	16
static char pmm_bootstrap[PMM_BOOTSTRAP_SIZE] __attribute__((aligned(4096)));
static size_t pmm_bootstrap_used;

static int pmm_bootstrap_owns(const void *ptr)
{
	return (const char *)ptr >= pmm_bootstrap &&
	       (const char *)ptr < pmm_bootstrap + PMM_BOOTSTRAP_SIZE;
}

static void *pmm_bootstrap_alloc(size_t size, size_t align)
{
	size_t start, old, end;

	if (align < PMM_BOOTSTRAP_HEADER)
		align = PMM_BOOTSTRAP_HEADER;
	if (align > 4096 || (align & (align - 1)) || size > PMM_BOOTSTRAP_SIZE)
		return NULL;
	/* Two threads may resolve at once; this path runs a handful of times per process. */
	old = __atomic_load_n(&pmm_bootstrap_used, __ATOMIC_RELAXED);
	do {
		start = (old + PMM_BOOTSTRAP_HEADER + align - 1) & ~(align - 1);
		end = start + size;
		if (end > PMM_BOOTSTRAP_SIZE)
			return NULL;
	} while (!__atomic_compare_exchange_n(&pmm_bootstrap_used, &old, end, 0,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	memcpy(pmm_bootstrap + start - sizeof(size), &size, sizeof(size));
	return pmm_bootstrap + start;
}

static size_t pmm_bootstrap_size(const void *ptr)
{
	size_t size;

	memcpy(&size, (const char *)ptr - sizeof(size), sizeof(size));
	return size;
}

static void pmm_resolve_real(void)
{
	struct pmm_real found;

	pmm_resolving = 1;
	found.malloc = dlsym(RTLD_NEXT, "malloc");
	found.calloc = dlsym(RTLD_NEXT, "calloc");
	found.realloc = dlsym(RTLD_NEXT, "realloc");
	found.free = dlsym(RTLD_NEXT, "free");
	found.posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
	found.aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
	found.memalign = dlsym(RTLD_NEXT, "memalign");
	found.valloc = dlsym(RTLD_NEXT, "valloc");
	found.pvalloc = dlsym(RTLD_NEXT, "pvalloc");
	pmm_resolving = 0;
	/* Without the real allocator nothing can work; failing loudly beats corrupting memory. */
	if (!found.malloc || !found.calloc || !found.realloc || !found.free ||
	    !found.posix_memalign || !found.aligned_alloc || !found.memalign ||
	    !found.valloc || !found.pvalloc)
		abort();
	real = found;
	__atomic_store_n(&pmm_real_ready, 1, __ATOMIC_RELEASE);
}

/* 0 while this thread is inside dlsym() and must be served from the bootstrap buffer. */
static inline int pmm_have_real(void)
{
	if (__builtin_expect(__atomic_load_n(&pmm_real_ready, __ATOMIC_ACQUIRE), 1))
		return 1;
	if (pmm_resolving)
		return 0;
	pmm_resolve_real();
	return 1;
}

/*
 * Not the hook's own allocation, hooks_active on and a live transport: record this call. Recording
 * itself allocates nothing, so pmm_in_hook stays clear meanwhile, and a signal handler that
 * allocates while this thread records is recorded too (the ring takes nested records).
 */
static inline int pmm_enter(void)
{
	return !pmm_in_hook && pmm_should_record();
}

static inline void pmm_leave(void)
{
}

PMM_EXPORT void *malloc(size_t size)
{
	void *ptr;

	if (!pmm_have_real())
		return pmm_bootstrap_alloc(size, 0);
	if (!pmm_enter())
		return real.malloc(size);
	ptr = real.malloc(size);
	if (ptr)
		pmm_record_alloc(PMM_ENTRY_FRAME(), PMM_KIND_MALLOC, ptr, NULL, size);
	pmm_leave();
	return ptr;
}

PMM_EXPORT void *calloc(size_t nmemb, size_t size)
{
	void *ptr;

	if (!pmm_have_real()) {
		size_t bytes;

		if (__builtin_mul_overflow(nmemb, size, &bytes))
			return NULL;
		return pmm_bootstrap_alloc(bytes, 0);
	}
	if (!pmm_enter())
		return real.calloc(nmemb, size);
	ptr = real.calloc(nmemb, size);
	/* A non-NULL result means nmemb * size did not overflow. */
	if (ptr)
		pmm_record_alloc(PMM_ENTRY_FRAME(), PMM_KIND_CALLOC, ptr, NULL, nmemb * size);
	pmm_leave();
	return ptr;
}

/* A bootstrap block cannot be resized in place: move it to the real heap, as a new allocation. */
static void *pmm_bootstrap_move(void *old, size_t size)
{
	size_t old_size = pmm_bootstrap_size(old);
	void *ptr;

	if (size == 0)
		return NULL;
	ptr = malloc(size);
	if (ptr)
		memcpy(ptr, old, old_size < size ? old_size : size);
	return ptr;
}

PMM_EXPORT void *realloc(void *old, size_t size)
{
	void *ptr;

	if (!pmm_have_real()) {
		ptr = pmm_bootstrap_alloc(size, 0);
		if (ptr && old && pmm_bootstrap_owns(old))
			memcpy(ptr, old, pmm_bootstrap_size(old) < size ? pmm_bootstrap_size(old) : size);
		return ptr;
	}
	if (old && pmm_bootstrap_owns(old))
		return pmm_bootstrap_move(old, size);
	if (!pmm_enter())
		return real.realloc(old, size);
	if (!old) {
		/* realloc(NULL, n) is malloc(n). */
		ptr = real.realloc(NULL, size);
		if (ptr)
			pmm_record_alloc(PMM_ENTRY_FRAME(), PMM_KIND_MALLOC, ptr, NULL, size);
	} else if (size == 0) {
		/*
		 * glibc frees old and returns NULL. Record the free first, as free() does. An allocator
		 * that returns a minimal block instead gets that block recorded as a new allocation.
		 */
		pmm_record_free(PMM_ENTRY_FRAME(), PMM_KIND_FREE, old);
		ptr = real.realloc(old, 0);
		if (ptr)
			pmm_record_alloc(PMM_ENTRY_FRAME(), PMM_KIND_MALLOC, ptr, NULL, 0);
	} else {
		/*
		 * The record's place is taken before the call: if the block moves, another thread may
		 * get old back and record it, and that record must come after this one. The new
		 * address is filled in after the call.
		 */
		struct pmm_pending pending;

		pmm_record_begin(&pending, old);
		ptr = real.realloc(old, size);
		pmm_record_realloc(PMM_ENTRY_FRAME(), &pending, ptr, old, size);
	}
	pmm_leave();
	return ptr;
}

PMM_EXPORT void *reallocarray(void *old, size_t nmemb, size_t size)
{
	size_t bytes;

	/* glibc's reallocarray is exactly this; going through our realloc records it the same way. */
	if (__builtin_mul_overflow(nmemb, size, &bytes)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(old, bytes);
}

PMM_EXPORT void free(void *ptr)
{
	if (!ptr || pmm_bootstrap_owns(ptr))
		return;
	/* A block handed out before the real free is known cannot be freed by this thread now. */
	if (!pmm_have_real())
		return;
	if (!pmm_enter()) {
		real.free(ptr);
		return;
	}
	/* Before the real free: once freed, another thread may get this address and record it. */
	pmm_record_free(PMM_ENTRY_FRAME(), PMM_KIND_FREE, ptr);
	real.free(ptr);
	pmm_leave();
}

PMM_EXPORT int posix_memalign(void **memptr, size_t alignment, size_t size)
{
	int ret;

	if (!pmm_have_real()) {
		*memptr = pmm_bootstrap_alloc(size, alignment);
		return *memptr ? 0 : ENOMEM;
	}
	if (!pmm_enter())
		return real.posix_memalign(memptr, alignment, size);
	ret = real.posix_memalign(memptr, alignment, size);
	if (ret == 0 && *memptr)
		pmm_record_alloc(PMM_ENTRY_FRAME(), PMM_KIND_POSIX_MEMALIGN, *memptr, NULL, size);
	pmm_leave();
	return ret;
}

/* The aligned allocators that return the block: one body, the real function and its kind passed in. */
static void *pmm_aligned(void *(*fn)(size_t, size_t), enum pmm_kind kind, size_t alignment, size_t size)
{
	void *ptr;

	if (!pmm_enter())
		return fn(alignment, size);
	ptr = fn(alignment, size);
	if (ptr)
		pmm_record_alloc(PMM_ENTRY_FRAME(), kind, ptr, NULL, size);
	pmm_leave();
	return ptr;
}

PMM_EXPORT void *aligned_alloc(size_t alignment, size_t size)
{
	if (!pmm_have_real())
		return pmm_bootstrap_alloc(size, alignment);
	return pmm_aligned(real.aligned_alloc, PMM_KIND_ALIGNED_ALLOC, alignment, size);
}

PMM_EXPORT void *memalign(size_t alignment, size_t size)
{
	if (!pmm_have_real())
		return pmm_bootstrap_alloc(size, alignment);
	return pmm_aligned(real.memalign, PMM_KIND_MEMALIGN, alignment, size);
}

PMM_EXPORT void *valloc(size_t size)
{
	void *ptr;

	if (!pmm_have_real())
		return pmm_bootstrap_alloc(size, 4096);
	if (!pmm_enter())
		return real.valloc(size);
	ptr = real.valloc(size);
	if (ptr)
		pmm_record_alloc(PMM_ENTRY_FRAME(), PMM_KIND_VALLOC, ptr, NULL, size);
	pmm_leave();
	return ptr;
}

PMM_EXPORT void *pvalloc(size_t size)
{
	void *ptr;

	if (!pmm_have_real())
		return pmm_bootstrap_alloc(size, 4096);
	if (!pmm_enter())
		return real.pvalloc(size);
	ptr = real.pvalloc(size);
	/* size is what was asked for; pvalloc itself rounds it up to whole pages. */
	if (ptr)
		pmm_record_alloc(PMM_ENTRY_FRAME(), PMM_KIND_PVALLOC, ptr, NULL, size);
	pmm_leave();
	return ptr;
}

/*
 * glibc exports its allocator under these names too, and a program or library may call them directly
 * (an allocator shim, a debugging wrapper); valgrind catches them as well. They are the same functions:
 * aliases, so that the recorded stack starts at the caller, as for malloc (copy: with its attributes).
 */
PMM_EXPORT void *__libc_malloc(size_t size) __attribute__((alias("malloc"), copy(malloc)));
PMM_EXPORT void *__libc_calloc(size_t nmemb, size_t size) __attribute__((alias("calloc"), copy(calloc)));
PMM_EXPORT void *__libc_realloc(void *old, size_t size) __attribute__((alias("realloc"), copy(realloc)));
PMM_EXPORT void __libc_free(void *ptr) __attribute__((alias("free"), copy(free)));
PMM_EXPORT void *__libc_memalign(size_t alignment, size_t size) __attribute__((alias("memalign"), copy(memalign)));
PMM_EXPORT void *__libc_valloc(size_t size) __attribute__((alias("valloc"), copy(valloc)));
PMM_EXPORT void *__libc_pvalloc(size_t size) __attribute__((alias("pvalloc"), copy(pvalloc)));

/* For pmm_cxx.c's operators. Each is reached only after the program's first allocation resolved them. */
void *pmm_real_malloc(size_t size)
{
	if (!pmm_have_real())
		return pmm_bootstrap_alloc(size, 0);
	return real.malloc(size);
}

void *pmm_real_aligned_alloc(size_t align, size_t size)
{
	if (!pmm_have_real())
		return pmm_bootstrap_alloc(size, align);
	return real.aligned_alloc(align, size);
}

void pmm_real_free(void *ptr)
{
	if (pmm_bootstrap_owns(ptr) || !pmm_have_real())
		return;
	real.free(ptr);
}

/*
 * The next definition of name (after this library), looked up once and kept in *slot. The hook's own
 * dlsym allocations are not recorded. Only a program that has the symbol calls its hook (the C++
 * operators come with libstdc++), so a missing one cannot happen short of a broken process: abort.
 */
void *pmm_next_symbol(void **slot, const char *name)
{
	void *fn = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	int was_in_hook;

	if (fn)
		return fn;
	was_in_hook = pmm_in_hook;
	pmm_in_hook = 1;
	fn = dlsym(RTLD_NEXT, name);
	pmm_in_hook = was_in_hook;
	if (!fn)
		abort();
	__atomic_store_n(slot, fn, __ATOMIC_RELEASE);
	return fn;
}

/*
 * dlopen and dlclose change which objects are mapped where: the object map is sent again after
 * each (pmm_maps.c keeps the closed ones), so frames in a library closed before exit still resolve.
 */
static void pmm_dl_changed(void)
{
	int saved_errno = errno;

	if (!pmm_in_hook && pmm_should_record())
		pmm_maps_record();
	errno = saved_errno;
}

PMM_EXPORT void *dlopen(const char *file, int mode)
{
	static void *next;
	void *(*fn)(const char *, int) = pmm_next_symbol(&next, "dlopen");
	void *handle = fn(file, mode);

	if (handle)
		pmm_dl_changed();
	return handle;
}

PMM_EXPORT int dlclose(void *handle)
{
	static void *next;
	int (*fn)(void *) = pmm_next_symbol(&next, "dlclose");
	int ret = fn(handle);

	/* The closed object's code addresses may be reused: its cached unwind rules must go. */
	pmm_unwind_forget();
	pmm_dl_changed();
	return ret;
}
