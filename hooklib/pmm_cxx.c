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
#include <stdlib.h>

#include "pmm_internal.h"


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

/*
 * One operator new. ALIGN is the variant's alignment argument or 0. On failure, libstdc++'s operator
 * takes over (new_handler, bad_alloc or NULL); a block it then gets is recorded by the malloc hook.
 */
#define PMM_NEW(mangled, kind, params, args, types, align)				\
	PMM_EXPORT void *mangled(size_t size params);					\
	void *mangled(size_t size params)						\
	{										\
		static void *next;							\
		void *ptr = pmm_cxx_alloc(size, align);					\
											\
		if (!ptr) {								\
			void *(*fn)(size_t types) = pmm_next_symbol(&next, #mangled);		\
			return fn(size args);						\
		}									\
		if (!pmm_in_hook && pmm_should_record())				\
			pmm_record_alloc(PMM_ENTRY_FRAME(), kind, ptr, NULL, size);	\
		return ptr;								\
	}

/* One operator delete: recorded before the block goes back, as free() is. */
#define PMM_DELETE(mangled, kind, params)						\
	PMM_EXPORT void mangled(void *ptr params);					\
	void mangled(void *ptr params)							\
	{										\
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
PMM_NEW(_Znwm, PMM_KIND_NEW, P0, A0, T0, 0)
PMM_NEW(_Znam, PMM_KIND_NEW_ARRAY, P0, A0, T0, 0)
PMM_NEW(_ZnwmRKSt9nothrow_t, PMM_KIND_NEW, P_NOTHROW, A_NOTHROW, T_NOTHROW, 0)
PMM_NEW(_ZnamRKSt9nothrow_t, PMM_KIND_NEW_ARRAY, P_NOTHROW, A_NOTHROW, T_NOTHROW, 0)
PMM_NEW(_ZnwmSt11align_val_t, PMM_KIND_NEW, P_ALIGN, A_ALIGN, T_ALIGN, align)
PMM_NEW(_ZnamSt11align_val_t, PMM_KIND_NEW_ARRAY, P_ALIGN, A_ALIGN, T_ALIGN, align)
PMM_NEW(_ZnwmSt11align_val_tRKSt9nothrow_t, PMM_KIND_NEW, P_ALIGN_NOTHROW, A_ALIGN_NOTHROW, T_ALIGN_NOTHROW, align)
PMM_NEW(_ZnamSt11align_val_tRKSt9nothrow_t, PMM_KIND_NEW_ARRAY, P_ALIGN_NOTHROW, A_ALIGN_NOTHROW, T_ALIGN_NOTHROW, align)

PMM_DELETE(_ZdlPv, PMM_KIND_DELETE, P0)
PMM_DELETE(_ZdaPv, PMM_KIND_DELETE_ARRAY, P0)
PMM_DELETE(_ZdlPvm, PMM_KIND_DELETE, P_SIZE)
PMM_DELETE(_ZdaPvm, PMM_KIND_DELETE_ARRAY, P_SIZE)
PMM_DELETE(_ZdlPvSt11align_val_t, PMM_KIND_DELETE, P_ALIGN)
PMM_DELETE(_ZdaPvSt11align_val_t, PMM_KIND_DELETE_ARRAY, P_ALIGN)
PMM_DELETE(_ZdlPvmSt11align_val_t, PMM_KIND_DELETE, P_SIZE_ALIGN)
PMM_DELETE(_ZdaPvmSt11align_val_t, PMM_KIND_DELETE_ARRAY, P_SIZE_ALIGN)
PMM_DELETE(_ZdlPvRKSt9nothrow_t, PMM_KIND_DELETE, P_NOTHROW)
PMM_DELETE(_ZdaPvRKSt9nothrow_t, PMM_KIND_DELETE_ARRAY, P_NOTHROW)
PMM_DELETE(_ZdlPvSt11align_val_tRKSt9nothrow_t, PMM_KIND_DELETE, P_ALIGN_NOTHROW)
PMM_DELETE(_ZdaPvSt11align_val_tRKSt9nothrow_t, PMM_KIND_DELETE_ARRAY, P_ALIGN_NOTHROW)
