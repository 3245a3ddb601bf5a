/*
 * pmm_cxx.c: the C++ allocation operators (new, new[], delete, delete[], with their sized, aligned
 * and nothrow variants), intercepted by their mangled names so that each record says which operator
 * made or freed the block, and a mismatched free/delete can be reported. Like libstdc++'s own, each
 * new is the C library's malloc (aligned_alloc for the aligned ones) and each delete its free; the
 * hook calls those directly, so the block is recorded once, as the operator's. Only when the C
 * library fails does a new hand over to libstdc++'s (the next definition), which runs the
 * new_handler and throws std::bad_alloc: built with -fexceptions, so that the exception unwinds
 * through this file's frames.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "pmm_internal.h"

/*
 * Set at start when the program defines one of these operators itself (a counting or pooling
 * operator new, as the standard lets it replace them). The hook's operators then hand every call to
 * libstdc++'s (the next definitions), whose variants call the program's own as they would without the
 * hook (libstdc++'s sized delete calls the program's delete, which may not take the block to free()),
 * and record nothing themselves: what the program's operators get from malloc and give to free is
 * recorded as malloc's and free's, so no release is a mismatch (valgrind, which replaces the program's
 * operators with its own, sees none either). The blocks are counted all the same.
 */
int pmm_cxx_replaced;

/*
 * Set while this thread is in libstdc++'s operator new, handed a failed allocation. The block it gets
 * is recorded as malloc's on the way: by the malloc hook, or by this file's throwing new, which
 * libstdc++'s nothrow and array operators call. The outermost operator of this file then records it
 * as its own (pmm_cxx_record_handed_back). What the new_handler itself allocates and frees meanwhile
 * is recorded as ever.
 */
static __thread int pmm_cxx_handed_over __attribute__((tls_model("initial-exec")));

static void pmm_cxx_restore_handed_over(const int *outer)
{
	pmm_cxx_handed_over = *outer;
}

/* Whether ret, an operator new's return address, is in another object's operator new (libstdc++'s). */
static int pmm_cxx_called_by_next_new(const void *ret)
{
	Dl_info caller, self;
	int was_in_hook = pmm_in_hook, found = 0;

	pmm_in_hook = 1;
	if (dladdr(ret, &caller) && caller.dli_sname && dladdr((void *)pmm_cxx_called_by_next_new, &self) &&
	    caller.dli_fbase != self.dli_fbase) {
		for (int i = 0; i < pmm_cxx_new_count; i++)
			found |= strcmp(caller.dli_sname, pmm_cxx_operator_names[i]) == 0;
	}
	pmm_in_hook = was_in_hook;
	return found;
}

/*
 * The kind a new's record says: malloc's when handed over and called by libstdc++'s own operator (its
 * nothrow or array new, handing the allocation on), for the outermost one records it again.
 */
static inline enum pmm_kind pmm_cxx_new_kind(enum pmm_kind kind, const void *ret)
{
	if (__builtin_expect(pmm_cxx_handed_over, 0) && pmm_cxx_called_by_next_new(ret))
		return PMM_KIND_MALLOC;
	return kind;
}

/*
 * A block libstdc++'s operator new got after a failure (its new_handler freed room), recorded as
 * malloc's on the way: its record is undone and made again as the operator's, with its stack.
 */
static void pmm_cxx_record_handed_back(uintptr_t frame, enum pmm_kind kind, void *ptr, size_t size)
{
	if (pmm_in_hook || !pmm_should_record())
		return;
	pmm_record_free(frame, PMM_KIND_FREE, ptr);
	pmm_record_alloc(frame, kind, ptr, NULL, size);
}

/* What libstdc++ does: new(0) gets a block of 1 byte; an aligned size is rounded up to the alignment. */
static void *pmm_cxx_alloc(size_t size, size_t align)
{
	size_t rounded;

	if (size == 0)
		size = 1;
	if (!align)
		return pmm_real_malloc(size);
	if (__builtin_add_overflow(size, align - 1, &rounded))
		return NULL;
	return pmm_real_aligned_alloc(align, rounded & ~(align - 1));
}

/* Whether a new_handler is installed (std::get_new_handler, libstdc++'s as the operators are). */
static int pmm_cxx_has_new_handler(void)
{
	static void *next;
	void *(*get)(void) = pmm_next_symbol(&next, "_ZSt15get_new_handlerv");

	return get() != NULL;
}

/*
 * One operator new. ALIGN is the variant's alignment argument or 0. On failure, libstdc++'s operator
 * takes over: without a new_handler it only throws std::bad_alloc or returns NULL, as a tail call, so
 * that what the throw allocates has no frame of the hook in its stack (a block its one more try got,
 * were room freed meanwhile, would stay malloc's). With one, the handler may make room and the block
 * is got: it is recorded here as the operator's, and the cleanup puts pmm_cxx_handed_over back
 * however the call returns, a throw included.
 */
#define PMM_NEW(mangled, kind, params, args, types, align)				\
	PMM_EXPORT void *mangled(size_t size params);					\
	void *mangled(size_t size params)						\
	{										\
		static void *next;							\
		void *(*fn)(size_t types);						\
		void *ptr;								\
											\
		if (__builtin_expect(pmm_cxx_replaced, 0)) {				\
			fn = pmm_next_symbol(&next, #mangled);				\
			return fn(size args);						\
		}									\
		ptr = pmm_cxx_alloc(size, align);					\
		if (ptr) {								\
			if (!pmm_in_hook && pmm_should_record())			\
				pmm_record_alloc(PMM_ENTRY_FRAME(),				\
						 pmm_cxx_new_kind(kind, __builtin_return_address(0)), \
						 ptr, NULL, size);				\
			return ptr;							\
		}									\
		fn = pmm_next_symbol(&next, #mangled);					\
		if (!pmm_cxx_has_new_handler())						\
			return fn(size args);						\
		{									\
			int outer __attribute__((cleanup(pmm_cxx_restore_handed_over))) =	\
				pmm_cxx_handed_over;						\
											\
			pmm_cxx_handed_over = 1;						\
			ptr = fn(size args);							\
			if (ptr && !outer)							\
				pmm_cxx_record_handed_back(PMM_ENTRY_FRAME(), kind, ptr, size);	\
			return ptr;								\
		}									\
	}

/* One operator delete: recorded before the block goes back, as free() is. */
#define PMM_DELETE(mangled, kind, params, args, types)					\
	PMM_EXPORT void mangled(void *ptr params);					\
	void mangled(void *ptr params)							\
	{										\
		static void *next;							\
											\
		if (__builtin_expect(pmm_cxx_replaced, 0)) {				\
			void (*fn)(void *types) = pmm_next_symbol(&next, #mangled);	\
											\
			fn(ptr args);							\
			return;								\
		}									\
		if (!ptr)								\
			return;								\
		if (!pmm_in_hook && pmm_should_record())				\
			pmm_record_free(PMM_ENTRY_FRAME(), kind, ptr);			\
		pmm_real_free(ptr);							\
	}

#define P0
#define A0
#define T0
/* The size a sized delete is told, and nothrow, are not needed by free: marked unused. */
#define PMM_UNUSED __attribute__((unused))
#define P_NOTHROW , const void *nothrow PMM_UNUSED
#define A_NOTHROW , nothrow
#define T_NOTHROW , const void *
#define P_ALIGN , size_t align PMM_UNUSED
#define A_ALIGN , align
#define T_ALIGN , size_t
#define P_ALIGN_NOTHROW , size_t align PMM_UNUSED, const void *nothrow PMM_UNUSED
#define A_ALIGN_NOTHROW , align, nothrow
#define T_ALIGN_NOTHROW , size_t, const void *
#define P_SIZE , size_t sz PMM_UNUSED
#define A_SIZE , sz
#define T_SIZE , size_t
#define P_SIZE_ALIGN , size_t sz PMM_UNUSED, size_t align PMM_UNUSED
#define A_SIZE_ALIGN , sz, align
#define T_SIZE_ALIGN , size_t, size_t

/* std::align_val_t is a size_t and const std::nothrow_t & a pointer in the x86-64 ABI. */
#define PMM_CXX_NEWS(X) \
	X(_Znwm, PMM_KIND_NEW, P0, A0, T0, 0) \
	X(_Znam, PMM_KIND_NEW_ARRAY, P0, A0, T0, 0) \
	X(_ZnwmRKSt9nothrow_t, PMM_KIND_NEW, P_NOTHROW, A_NOTHROW, T_NOTHROW, 0) \
	X(_ZnamRKSt9nothrow_t, PMM_KIND_NEW_ARRAY, P_NOTHROW, A_NOTHROW, T_NOTHROW, 0) \
	X(_ZnwmSt11align_val_t, PMM_KIND_NEW, P_ALIGN, A_ALIGN, T_ALIGN, align) \
	X(_ZnamSt11align_val_t, PMM_KIND_NEW_ARRAY, P_ALIGN, A_ALIGN, T_ALIGN, align) \
	X(_ZnwmSt11align_val_tRKSt9nothrow_t, PMM_KIND_NEW, P_ALIGN_NOTHROW, A_ALIGN_NOTHROW, T_ALIGN_NOTHROW, align) \
	X(_ZnamSt11align_val_tRKSt9nothrow_t, PMM_KIND_NEW_ARRAY, P_ALIGN_NOTHROW, A_ALIGN_NOTHROW, T_ALIGN_NOTHROW, align)

#define PMM_CXX_DELETES(X) \
	X(_ZdlPv, PMM_KIND_DELETE, P0, A0, T0) \
	X(_ZdaPv, PMM_KIND_DELETE_ARRAY, P0, A0, T0) \
	X(_ZdlPvm, PMM_KIND_DELETE, P_SIZE, A_SIZE, T_SIZE) \
	X(_ZdaPvm, PMM_KIND_DELETE_ARRAY, P_SIZE, A_SIZE, T_SIZE) \
	X(_ZdlPvSt11align_val_t, PMM_KIND_DELETE, P_ALIGN, A_ALIGN, T_ALIGN) \
	X(_ZdaPvSt11align_val_t, PMM_KIND_DELETE_ARRAY, P_ALIGN, A_ALIGN, T_ALIGN) \
	X(_ZdlPvmSt11align_val_t, PMM_KIND_DELETE, P_SIZE_ALIGN, A_SIZE_ALIGN, T_SIZE_ALIGN) \
	X(_ZdaPvmSt11align_val_t, PMM_KIND_DELETE_ARRAY, P_SIZE_ALIGN, A_SIZE_ALIGN, T_SIZE_ALIGN) \
	X(_ZdlPvRKSt9nothrow_t, PMM_KIND_DELETE, P_NOTHROW, A_NOTHROW, T_NOTHROW) \
	X(_ZdaPvRKSt9nothrow_t, PMM_KIND_DELETE_ARRAY, P_NOTHROW, A_NOTHROW, T_NOTHROW) \
	X(_ZdlPvSt11align_val_tRKSt9nothrow_t, PMM_KIND_DELETE, P_ALIGN_NOTHROW, A_ALIGN_NOTHROW, T_ALIGN_NOTHROW) \
	X(_ZdaPvSt11align_val_tRKSt9nothrow_t, PMM_KIND_DELETE_ARRAY, P_ALIGN_NOTHROW, A_ALIGN_NOTHROW, T_ALIGN_NOTHROW)

PMM_CXX_NEWS(PMM_NEW)
PMM_CXX_DELETES(PMM_DELETE)

#define PMM_NEW_NAME(mangled, ...) #mangled,
#define PMM_DELETE_NAME(mangled, ...) #mangled,
const char *const pmm_cxx_operator_names[] = { PMM_CXX_NEWS(PMM_NEW_NAME) PMM_CXX_DELETES(PMM_DELETE_NAME) };
const int pmm_cxx_operator_count = sizeof(pmm_cxx_operator_names) / sizeof(pmm_cxx_operator_names[0]);
/* The news come first. */
#define PMM_ONE(...) +1
const int pmm_cxx_new_count = 0 PMM_CXX_NEWS(PMM_ONE);
