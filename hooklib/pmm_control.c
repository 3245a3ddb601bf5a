/*
 * pmm_control.c: process-wide set-up and switches: the one-time start (transport, stack capture,
 * object map), the article's hooks_active switch, and the fork handler that gives a child clean state.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pmm.h"
#include "pmm_ring.h"

/* hooks_active: read on every allocation, so a plain (relaxed) int, no lock. */
static int pmm_hooks_on = 1;
/* PMM_HOOKS_ACTIVE=0 when this image started: its object map says so (pmm_maps.c). */
int pmm_recording_started_off;

static pthread_once_t pmm_start_once = PTHREAD_ONCE_INIT;
int pmm_started;

/* Until start maps the page that a forked child sees zeroed (or if it cannot), this one. */
static struct pmm_live pmm_live_static;
struct pmm_live *pmm_live = &pmm_live_static;

static void pmm_live_map(void)
{
	struct pmm_live *page = mmap(NULL, sizeof(*page), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				     -1, 0);

	if (page == MAP_FAILED)
		return;
	if (madvise(page, sizeof(*page), MADV_WIPEONFORK)) {
		munmap(page, sizeof(*page));
		return;
	}
	page->alive = 1;
	__atomic_store_n(&pmm_live, page, __ATOMIC_RELEASE);
}

/* A forked child is a process of its own: its own ring, and its own object map for its own monitor. */
static void pmm_after_fork_child(void)
{
	/* The child starts as its parent is at the fork: recording off from its start only if off now. */
	pmm_recording_started_off = !__atomic_load_n(&pmm_hooks_on, __ATOMIC_RELAXED);
	pmm_transport_after_fork_child();
	pmm_live->alive = 1;
	pmm_recording_update();
	if (pmm_transport_live())
		pmm_maps_record();
}

/*
 * A child forked without the C library's handlers (clone(), syscall(SYS_fork)) finds its page wiped
 * at its first event: it gets a forked child's state then. Before, its first record went to the
 * parent's ring, which the kernel does not map into a child, and killed it with SIGSEGV.
 */
static void pmm_revive_child(void)
{
	if (__atomic_load_n(&pmm_started, __ATOMIC_ACQUIRE) && pmm_live != &pmm_live_static && !pmm_live->alive)
		pmm_after_fork_child();
}

/* Where this library is loaded, to tell its own definitions from others'; NULL when unknown. */
static void *pmm_self_base(void)
{
	Dl_info self;

	return dladdr((void *)pmm_self_base, &self) ? self.dli_fbase : NULL;
}

/*
 * Whether an object other than this library (loaded at self) defines name, where calls to it bind:
 * dlsym gives the definition that calls bind to, or, in a non-PIE program that takes the function's
 * address, its canonical PLT entry: a symbol with a value but no definition (SHN_UNDEF), which leads
 * to the hook's.
 */
static int pmm_defined_elsewhere(const char *name, const void *self)
{
	Dl_info info;
	const ElfW(Sym) *sym = NULL;
	void *fn;

	if (!self)
		return 0;
	fn = dlsym(RTLD_DEFAULT, name);
	return fn && dladdr1(fn, &info, (void **)&sym, RTLD_DL_SYMENT) &&
	       info.dli_fbase != self && sym && sym->st_shndx != SHN_UNDEF;
}

/*
 * Whether the process's malloc, calloc, realloc and free are the hook's. A program that defines one
 * itself (an allocator linked in, a sanitizer's static runtime) gets every call to it before the hook
 * does, the C library's too, and the hook would miss those blocks: it then stays out (no records, no
 * object map), and pmm says the process ran unhooked rather than that it freed everything.
 */
static int pmm_allocator_is_ours(void)
{
	static const char *const names[] = { "malloc", "calloc", "realloc", "free" };
	void *self = pmm_self_base();

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (pmm_defined_elsewhere(names[i], self))
			return 0;
	}
	return 1;
}

/*
 * Whether the program replaces one of the C++ operators new and delete itself, as the standard lets
 * it: its definition then runs instead of the hook's, and the blocks it makes or releases reach the
 * hook as malloc's and free's (pmm_cxx.c).
 */
static int pmm_program_replaces_operators(void)
{
	void *self = pmm_self_base();

	for (int i = 0; i < pmm_cxx_operator_count; i++) {
		if (pmm_defined_elsewhere(pmm_cxx_operator_names[i], self))
			return 1;
	}
	return 0;
}

static void pmm_at_exit(int status, void *arg);
static void pmm_at_quick_exit(void);

#define PMM_CXX_FREERES	"_ZN9__gnu_cxx9__freeresEv"

/* An object that defines __gnu_cxx::__freeres (dl_iterate_phdr's callback). */
static int pmm_defines_cxx_freeres(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	return pmm_object_defines(info, PMM_CXX_FREERES);
}

/*
 * __gnu_cxx::__freeres, in libstdc++ when the program is linked with it, or in a program (or
 * library) linked with a static libstdc++ that exports it (gcc's cc1, -rdynamic for its plugins): the
 * emergency exception pool. Looked up at start, as valgrind binds it when its preload is loaded: a
 * libstdc++ that a library opened later brings (a plugin's) keeps its pool under valgrind too. Only
 * where an object defines it: a failed dlsym leaves an error text, which __libc_freeres frees at exit
 * as a free no record matches. Not at exit either: there, a libstdc++ loaded with RTLD_LOCAL is not in
 * the global scope, and dlopen, after _dl_fini, runs its constructors again (a second pool).
 */
static void (*pmm_cxx_freeres)(void);

static void pmm_find_cxx_freeres(void)
{
	if (dl_iterate_phdr(pmm_defines_cxx_freeres, NULL))
		pmm_cxx_freeres = (void (*)(void))dlsym(RTLD_DEFAULT, PMM_CXX_FREERES);
}

/*
 * Runs once, from the constructor or from the first allocation if another library's constructor
 * allocates before ours runs. Everything it calls may allocate; pmm_in_hook sends that straight through.
 */
static void pmm_start(void)
{
	int was_in_hook = pmm_in_hook;
	const char *active = pmm_getenv("PMM_HOOKS_ACTIVE");

	pmm_in_hook = 1;
	pmm_live_map();
	if (active && active[0] == '0' && active[1] == '\0') {
		pmm_hooks_on = 0;
		pmm_recording_started_off = 1;
	}
	if (pmm_allocator_is_ours())
		pmm_transport_open();
	/*
	 * The map first: sent even with hooks_active off (the program may turn it on later), and the
	 * module's ESRCH for it stops an unmonitored process (a child the program runs) before the
	 * unwinder is loaded for nothing.
	 */
	if (pmm_transport_live())
		pmm_maps_record();
	if (pmm_transport_live()) {
		pmm_record_prepare();
		pmm_recent_prepare();
		pmm_find_cxx_freeres();
		pmm_cxx_replaced = pmm_program_replaces_operators();
	}
	pthread_atfork(NULL, NULL, pmm_after_fork_child);
	/* Before pmm_exit_prepare's handler: exit() runs them last registered first. */
	on_exit(pmm_at_exit, NULL);
	at_quick_exit(pmm_at_quick_exit);
	pmm_exit_prepare();
	pmm_fork_prepare();
	pmm_in_hook = was_in_hook;
	/* Recording first: a thread that sees pmm_started sees whether to record. */
	__atomic_store_n(&pmm_live->recording, pmm_hooks_on && pmm_transport_live(), __ATOMIC_RELAXED);
	__atomic_store_n(&pmm_started, 1, __ATOMIC_RELEASE);
}

static void pmm_ensure_started(void)
{
	/* After start, one plain load; pthread_once only until then. */
	if (!__atomic_load_n(&pmm_started, __ATOMIC_ACQUIRE))
		pthread_once(&pmm_start_once, pmm_start);
}

__attribute__((constructor)) static void pmm_constructor(void)
{
	pmm_ensure_started();
}

/* glibc's own: frees what the C library keeps until exit (stdio buffers, locale data, ...). */
extern void __libc_freeres(void);

/*
 * Like valgrind at exit: free what glibc and libstdc++ keep on purpose until the process ends, so that
 * what is left is what the program itself did not free. It runs last, after the program's own exit
 * handlers and destructors (pmm_at_exit), or from _exit() where that is safe (pmm_exit_now).
 * PMM_LIBC_FREERES=0 turns it off, for programs whose threads still use stdio while the process exits.
 */
static void pmm_freeres(void)
{
	const char *freeres = pmm_getenv("PMM_LIBC_FREERES");

	if (freeres && strcmp(freeres, "0") == 0)
		return;
	if (pmm_cxx_freeres)
		pmm_cxx_freeres();
	__libc_freeres();
}

/*
 * What stdio holds unwritten, dropped, as _exit() and quick_exit() drop it: __libc_freeres writes it
 * (its _IO_cleanup flushes every stream), and a forked child ending with _exit() printed its parent's
 * pending output a second time. Only one thread is left (pmm_exit_now), so the list holds still. A
 * wide-oriented stream keeps its pending output elsewhere, and would still be written.
 */
extern FILE *_IO_list_all;

static void pmm_stdio_drop_pending(void)
{
	for (FILE *fp = _IO_list_all; fp; fp = fp->_chain)
		fp->_IO_write_ptr = fp->_IO_write_base;
}

/*
 * quick_exit() runs what at_quick_exit() registered, last registered first, then ends the process
 * inside the C library, past the hook's _exit(): this handler, registered before the program's, runs
 * last and does what _exit() does here.
 */
static void pmm_at_quick_exit(void)
{
	pmm_exit_now();
}

/*
 * At exit, after every destructor: exit() runs _dl_fini, which calls them, as the handler that
 * __libc_start_main registered after this one (the hook starts in a constructor, before _start). As a
 * destructor itself this ran inside _dl_fini, which holds a reference on every loaded object meanwhile:
 * the C library's own dlclose of the modules it loaded (iconv's gconv modules) then unloaded nothing,
 * and their loader blocks were left as leaks that valgrind, whose freeres runs at the very end, does
 * not report. A process that ends through _exit() runs neither.
 */
static void pmm_at_exit(int status, void *arg)
{
	(void)status;
	(void)arg;
	pmm_revive_child();
	pmm_freeres();
	pmm_transport_finish();
}

/* Field n (from 1) of /proc/self/stat, a number; 0 if it cannot be read. */
unsigned long long pmm_self_stat(int n)
{
	char buf[1024], *p;
	ssize_t len;
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return 0;
	buf[len] = '\0';
	/* The name, field 2, is in parentheses and may hold spaces: count from its end. */
	p = strrchr(buf, ')');
	for (int field = 2; p && field < n; field++)
		p = strchr(p + 1, ' ');
	return p ? strtoull(p + 1, NULL, 10) : 0;
}

/*
 * _exit() and _Exit() skip the exit handlers, and with them the freeres: glibc's stdio buffers, locale
 * data and the like were left as leaks, which valgrind, whose freeres runs however a process ends, does
 * not report (a program that printed and then called _exit() leaked 4096 bytes). They are freed there
 * too, where that is safe: in the process the hook records for (not a vfork child, on its parent's
 * memory), with no other thread left (which might still use them), and not from a signal handler,
 * which may have interrupted the C library inside its allocator or stdio, their locks held.
 */
void pmm_exit_now(void)
{
	if (!__atomic_load_n(&pmm_started, __ATOMIC_ACQUIRE) || !pmm_transport_live() || !pmm_transport_owner() ||
	    pmm_in_hook || pmm_ring_writing || pmm_self_stat(PMM_STAT_THREADS) != 1 || pmm_in_signal_handler())
		return;
	pmm_stdio_drop_pending();
	pmm_freeres();
	pmm_transport_finish();
}

/* After start, a switch of hooks_active, a fork or the transport's end: what pmm_live->recording says. */
void pmm_recording_update(void)
{
	int on = __atomic_load_n(&pmm_started, __ATOMIC_ACQUIRE) &&
		 __atomic_load_n(&pmm_hooks_on, __ATOMIC_RELAXED) && pmm_transport_live();

	__atomic_store_n(&pmm_live->recording, on, __ATOMIC_RELAXED);
}

/* Not started yet, or a child forked without the handlers: set up, and say whether to record. */
int pmm_should_record_slow(void)
{
	pmm_ensure_started();
	pmm_revive_child();
	return __atomic_load_n(&pmm_hooks_on, __ATOMIC_RELAXED) && pmm_transport_live();
}

PMM_EXPORT void pmm_hooks_active(int on)
{
	if (on && !__atomic_load_n(&pmm_hooks_on, __ATOMIC_RELAXED))
		pmm_record_resume();
	__atomic_store_n(&pmm_hooks_on, on != 0, __ATOMIC_RELAXED);
	pmm_recording_update();
}

