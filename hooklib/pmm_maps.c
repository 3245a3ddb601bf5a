/*
 * pmm_maps.c: the object map. Sends the text of /proc/self/maps at start and on dlopen/dlclose, so
 * that the host can turn recorded return addresses into object + offset, and then into symbols,
 * after the process is gone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pmm_internal.h"

/*
 * Static: the hook must not allocate, and 256 KiB is too much for a thread's stack. pmm_maps_sent
 * is the text last sent; pmm_maps_now the one being built. pmm_maps_lock serialises dlopen/dlclose
 * from several threads (it is never taken on the allocation path).
 */
static char pmm_maps_sent[PMM_MAX_MAPS];
static size_t pmm_maps_sent_len;
static char pmm_maps_now[PMM_MAX_MAPS];
static pthread_mutex_t pmm_maps_lock = PTHREAD_MUTEX_INITIALIZER;

/* The path of a maps line (the sixth field), or NULL for an anonymous mapping. */
static const char *pmm_line_path(const char *line, const char *end, size_t *len)
{
	const char *p = line;

	for (int field = 0; field < 5; field++) {
		while (p < end && *p != ' ')
			p++;
		while (p < end && *p == ' ')
			p++;
	}
	if (p >= end || *p != '/')
		return NULL;
	*len = (size_t)(end - p);
	return p;
}

/* Whether text[0, len) has a line whose path is path. */
static int pmm_maps_has_path(const char *text, size_t len, const char *path, size_t path_len)
{
	const char *line = text, *end = text + len;

	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *lend = nl ? nl : end;
		size_t plen;
		const char *p = pmm_line_path(line, lend, &plen);

		if (p && plen == path_len && memcmp(p, path, plen) == 0)
			return 1;
		line = lend + 1;
	}
	return 0;
}

/* The address range [lo, hi) a maps line starts with; 0 for a line without one ("closed NS"). */
static int pmm_line_range(const char *line, const char *end, unsigned long *lo, unsigned long *hi)
{
	unsigned long v[2] = { 0, 0 };
	const char *p = line;

	for (int i = 0; i < 2; i++) {
		const char *start = p;

		for (; p < end && *p != (i ? ' ' : '-'); p++) {
			int d = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : -1;

			if (d < 0)
				return 0;
			v[i] = v[i] << 4 | (unsigned long)d;
		}
		if (p == start || p == end)
			return 0;
		p++;
	}
	*lo = v[0];
	*hi = v[1];
	return 1;
}

/*
 * Whether a closed object's line, copied from the text last sent, says no more than the text
 * being built (pmm_maps_now: mapped lines up to fresh, closed ones up to len), for what held its
 * address range next is the same mapping again. The closed lines written so far run from the
 * latest close back, so the last of them that overlaps it held the range next; with none, the
 * mapped ones do. Dropped then: a library opened and closed in a loop keeps one run, not one a
 * turn. Otherwise kept, even when its file is mapped again: a frame recorded before it closed lies
 * in it, not in a library the loader put there between, nor in the file mapped elsewhere now.
 */
static int pmm_maps_superseded(const char *line, const char *lend, size_t fresh, size_t len)
{
	const char *next = NULL, *next_end = NULL;
	size_t llen = (size_t)(lend - line);
	int same_mapped = 0;
	unsigned long lo, hi;

	if (!pmm_line_range(line, lend, &lo, &hi))
		return 0;
	for (const char *l = pmm_maps_now, *end = pmm_maps_now + len; l < end;) {
		const char *nl = memchr(l, '\n', (size_t)(end - l));
		const char *e = nl ? nl : end;
		unsigned long olo, ohi;

		if (pmm_line_range(l, e, &olo, &ohi) && olo < hi && lo < ohi) {
			if (l >= pmm_maps_now + fresh) {
				next = l;
				next_end = e;
			} else if ((size_t)(e - l) == llen && !memcmp(l, line, llen)) {
				same_mapped = 1;
			}
		}
		l = e + 1;
	}
	if (next)
		return (size_t)(next_end - next) == llen && !memcmp(next, line, llen);
	return same_mapped;
}

/* Before a run of closed objects' lines: the time they were found gone. */
#define PMM_CLOSED_TAG		"closed "
#define PMM_CLOSED_TAG_LEN	(sizeof(PMM_CLOSED_TAG) - 1)
/*
 * The most runs of closed objects kept, the latest: each is a dlclose in between two of another
 * library at the same address (a program that loads two plugins in turn adds one a turn), and each
 * text sent is read whole, each closed line against those before it. A frame recorded before the
 * oldest kept run may take the object of the oldest run at its address.
 */
#define PMM_CLOSED_RUNS_MAX	8

/*
 * Appends a closed object's line (llen bytes with its newline) to pmm_maps_now at len, after the line
 * "closed NS" it goes under (mark) unless that is the last one written (*marked): the new length, or
 * len when the two do not fit.
 */
static size_t pmm_maps_add_closed(size_t len, const char *mark, size_t mark_len, const char **marked,
				  size_t *marked_len, const char *line, size_t llen)
{
	int new_mark = !*marked || *marked_len != mark_len || memcmp(*marked, mark, mark_len);
	size_t need = llen + (new_mark ? mark_len + 1 : 0);

	if (len + need > sizeof(pmm_maps_now))
		return len;
	if (new_mark) {
		memcpy(pmm_maps_now + len, mark, mark_len);
		pmm_maps_now[len + mark_len] = '\n';
		len += mark_len + 1;
		/* Where it now is: the mark may be on the caller's stack or in the text being replaced. */
		*marked = pmm_maps_now + len - mark_len - 1;
		*marked_len = mark_len;
	}
	memcpy(pmm_maps_now + len, line, llen - 1);
	pmm_maps_now[len + llen - 1] = '\n';
	return len + llen;
}

/*
 * Sends the text of /proc/self/maps: at start, and after each dlopen and dlclose. The lines of
 * objects that were mapped in an earlier text and are gone now (a library closed) are kept after
 * the current ones, so that the host can still resolve the frames recorded while they were loaded.
 */
void pmm_maps_record(void)
{
	size_t len = 0, fresh, closed_len = 0, marked_len = 0;
	const char *closed_at = NULL, *marked = NULL;
	char now_mark[sizeof(PMM_CLOSED_TAG) + 20];
	int fd, in_closed = 0, runs = 0, cancel = pmm_cancel_off();

	pthread_mutex_lock(&pmm_maps_lock);
	if (pmm_recording_started_off) {
		memcpy(pmm_maps_now, PMM_STARTED_OFF_LINE, sizeof(PMM_STARTED_OFF_LINE) - 1);
		len = sizeof(PMM_STARTED_OFF_LINE) - 1;
	}
	fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto out_unlock;
	/* The kernel hands out whole lines per read; read until EOF or the buffer is full. */
	while (len < sizeof(pmm_maps_now)) {
		ssize_t n = read(fd, pmm_maps_now + len, sizeof(pmm_maps_now) - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	/* A full buffer may end mid-line; keep whole lines only. */
	if (len == sizeof(pmm_maps_now)) {
		char *nl = memrchr(pmm_maps_now, '\n', len);

		len = nl ? (size_t)(nl - pmm_maps_now) + 1 : 0;
	}
	/*
	 * Then the objects no longer mapped (every line of each), as long as they fit, each run of them
	 * after a line "closed NS": when the hook found them gone (CLOCK_REALTIME, as records are
	 * stamped). An object mapped at the same address since (another library dlopen-ed where a closed
	 * one was) must not name the frames recorded before: the host takes a closed object for those.
	 */
	fresh = len;
	for (const char *line = pmm_maps_sent, *end = pmm_maps_sent + pmm_maps_sent_len; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *lend = nl ? nl : end;
		size_t plen, llen = (size_t)(lend - line) + 1;
		const char *p = pmm_line_path(line, lend, &plen);

		if ((size_t)(lend - line) > PMM_CLOSED_TAG_LEN && !memcmp(line, PMM_CLOSED_TAG, PMM_CLOSED_TAG_LEN)) {
			/* The older runs, from here on, are left out once the latest are enough. */
			if (++runs > PMM_CLOSED_RUNS_MAX)
				break;
			/* The sent text's closed part begins: its lines keep the time they were found gone. */
			closed_at = line;
			closed_len = (size_t)(lend - line);
			in_closed = 1;
		} else if (p && in_closed) {
			if (!pmm_maps_superseded(line, lend, fresh, len))
				len = pmm_maps_add_closed(len, closed_at, closed_len, &marked, &marked_len, line, llen);
		} else if (p && !pmm_maps_has_path(pmm_maps_now, fresh, p, plen)) {
			if (!closed_at) {
				/* Gone since the last text: now. */
				struct timespec ts;

				clock_gettime(CLOCK_REALTIME, &ts);
				closed_len = (size_t)snprintf(now_mark, sizeof(now_mark), PMM_CLOSED_TAG "%llu",
							      (unsigned long long)ts.tv_sec * 1000000000ull +
							      (unsigned long long)ts.tv_nsec);
				closed_at = now_mark;
			}
			len = pmm_maps_add_closed(len, closed_at, closed_len, &marked, &marked_len, line, llen);
		}
		line = lend + 1;
	}
	memcpy(pmm_maps_sent, pmm_maps_now, len);
	pmm_maps_sent_len = len;
	if (len > 0)
		pmm_transport_send_maps(pmm_maps_sent, len);
out_unlock:
	pthread_mutex_unlock(&pmm_maps_lock);
	pmm_cancel_restore(cancel);
}

/*
 * The text last sent: in a forked child, its parent's at the fork, which is the child's image until it
 * reads its own. Read without the lock, which a thread of the parent may have held at the fork.
 */
const char *pmm_maps_inherited(size_t *len)
{
	*len = pmm_maps_sent_len;
	return pmm_maps_sent;
}

/*
 * The image this process is about to exec (pid 0), or that a child it has just spawned runs (pid):
 * the last text sent, then a line "exec PATH", which the host reads as the file the process ran last
 * should that image never take the hook. path NULL: the exec failed, and the text goes again alone.
 * A vfork child runs this on its parent's memory: it leaves the parent's text as it was.
 */
void pmm_maps_exec(pid_t pid, const char *path)
{
	static const char tag[] = "exec ";
	struct timespec pause = { 0, 1000000 };	/* 1 ms */
	size_t len;
	int tries = 0, cancel = pmm_cancel_off();

	/*
	 * Bounded: exec is async-signal-safe, and a handler that execs may have interrupted this very
	 * thread inside pmm_maps_record. Then the image goes unnamed rather than the exec hang.
	 */
	while (pthread_mutex_trylock(&pmm_maps_lock) != 0) {
		if (++tries == 200)
			goto out;
		nanosleep(&pause, NULL);
	}
	len = pmm_maps_sent_len;
	memcpy(pmm_maps_now, pmm_maps_sent, len);
	if (path) {
		size_t plen = strlen(path);

		if (len + sizeof(tag) + plen > sizeof(pmm_maps_now))
			goto out_unlock;
		memcpy(pmm_maps_now + len, tag, sizeof(tag) - 1);
		memcpy(pmm_maps_now + len + sizeof(tag) - 1, path, plen);
		len += sizeof(tag) - 1 + plen;
		pmm_maps_now[len++] = '\n';
	}
	if (len > 0)
		pmm_transport_send_exec(pid, path, pmm_maps_now, len);
out_unlock:
	pthread_mutex_unlock(&pmm_maps_lock);
out:
	pmm_cancel_restore(cancel);
}
