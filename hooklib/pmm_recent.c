/*
 * pmm_recent.c: each thread's table of its latest allocations (see pmm_ring.h), mapped when the thread
 * first allocates and unmapped when it exits. Kept out of static TLS, which glibc takes out of every
 * thread's stack: 8 KiB of it left a thread made with PTHREAD_STACK_MIN almost no stack of its own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sys/mman.h>

#include "pmm_ring.h"

#define PMM_RECENT_BYTES	(PMM_RECENT_SLOTS * sizeof(struct pmm_recent))

__thread struct pmm_recent *pmm_recent_table __attribute__((tls_model("initial-exec")));

static pthread_key_t pmm_recent_key;
static int pmm_recent_keyed;

/*
 * At the thread's exit (a key's destructor: one that glibc runs without allocating). Its allocations
 * and frees after this one, in other keys' destructors, are recorded without a table.
 */
static void pmm_recent_gone(void *table)
{
	pmm_recent_table = PMM_RECENT_GONE;
	munmap(table, PMM_RECENT_BYTES);
}

/* At the hook's start, before any table (a forked child keeps the key). */
void pmm_recent_prepare(void)
{
	/* The program may have taken every key: its threads' tables are then left mapped at their exit. */
	pmm_recent_keyed = pthread_key_create(&pmm_recent_key, pmm_recent_gone) == 0;
}

/*
 * The thread's table, mapped now; NULL when it cannot be, or the thread is exiting. A signal handler
 * that runs in between and maps one keeps its own: the compare-and-swap decides, as the handler runs on
 * this thread, not beside it. errno is the program's: the caller is a malloc.
 */
struct pmm_recent *pmm_recent_table_new(void)
{
	struct pmm_recent *table, *none = NULL;
	int saved = errno;

	if (pmm_recent_table == PMM_RECENT_GONE)
		return NULL;
	table = mmap(NULL, PMM_RECENT_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (table == MAP_FAILED) {
		errno = saved;
		return NULL;
	}
	if (!__atomic_compare_exchange_n(&pmm_recent_table, &none, table, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
		munmap(table, PMM_RECENT_BYTES);
		errno = saved;
		return none == PMM_RECENT_GONE ? NULL : none;
	}
	if (pmm_recent_keyed)
		pthread_setspecific(pmm_recent_key, table);
	errno = saved;
	return table;
}

/* In a forked child, whose positions start again: what the parent's thread remembered is void. */
void pmm_recent_forget(void)
{
	if ((uintptr_t)pmm_recent_table > (uintptr_t)PMM_RECENT_GONE)
		__builtin_memset(pmm_recent_table, 0, PMM_RECENT_BYTES);
}
