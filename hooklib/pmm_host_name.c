/*
 * pmm_host_name.c: which files of PMM_RECORD_DIR are a process's. Each process the hook runs in has
 * its own, named by its pid: <pid>.records, <pid>.ring and so on (pmm_transport.c). A run that makes
 * more processes than pid_max gives a pid again, to a later process; that one's files are
 * <pid>-<n>.*, n counting the processes of the run that had the pid before it, so that no process
 * continues (and overwrites) another's records. An image that a process exec()s continues the files
 * of its earlier image: those whose ring file holds its start time (pmm_host_ring_is_mine). All of
 * this is async-signal-safe: a forked child names its files in the fork handler.
 *
 * A process may change its user (a daemon that drops root, runuser, su) and go on: it, its children
 * and its later images must still write their files. When pmm runs as root it makes the folder
 * writable by every user (runHost.ts: its name is the secret, in a folder no other user can list),
 * and the hook then makes each file it creates there writable by every user too. In a folder of one
 * user's the files stay as the umask makes them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pmm_host_ring.h"
#include "pmm_internal.h"

size_t pmm_host_decimal(char *out, unsigned long long n)
{
	char rev[20];
	size_t len = 0;

	do
		rev[len++] = (char)('0' + n % 10);
	while ((n /= 10) != 0);
	for (size_t i = 0; i < len; i++)
		out[i] = rev[len - 1 - i];
	return len;
}

int pmm_host_name_path(char *path, size_t size, const char *dir, pid_t pid, unsigned int generation,
		       const char *suffix)
{
	size_t dir_len = strlen(dir), suffix_len = strlen(suffix), len;
	char name[32];

	len = pmm_host_decimal(name, (unsigned int)pid);
	if (generation) {
		name[len++] = '-';
		len += pmm_host_decimal(name + len, generation);
	}
	if (dir_len + 1 + len + suffix_len + 1 > size)
		return -1;
	memcpy(path, dir, dir_len);
	path[dir_len] = '/';
	memcpy(path + dir_len + 1, name, len);
	memcpy(path + dir_len + 1 + len, suffix, suffix_len + 1);
	return 0;
}

/* Whether the folder lets every user in: each process looks when it chooses its files. */
static int pmm_host_name_shared;

int pmm_host_name_open(const char *path, int flags)
{
	int fd = open(path, flags | O_CREAT | O_CLOEXEC, 0644);

	/* Fails but for the file's owner, who made it so the first time. */
	if (fd >= 0 && pmm_host_name_shared)
		fchmod(fd, 0666);
	return fd;
}

int pmm_host_name_replace(const char *path, const char *new_path, const char *text, size_t len)
{
	int fd = pmm_host_name_open(new_path, O_WRONLY | O_TRUNC), ret;

	if (fd < 0)
		return -1;
	ret = pmm_write_all(fd, text, len, -1) == 0 ? rename(new_path, path) : -1;
	close(fd);
	return ret;
}

/*
 * A forked child killed at once (its parent left, and the run ended it) may die between claiming its
 * records file and reading its own /proc/self/maps: the map it inherited goes first, whole (renamed
 * into place), or the run would show a child that ran nothing it can name.
 */
static void pmm_host_name_first_maps(const char *dir, pid_t pid, unsigned int n, const char *maps,
				     size_t len)
{
	char path[PATH_MAX], new_path[PATH_MAX];

	if (len == 0 || pmm_host_name_path(path, sizeof(path), dir, pid, n, ".maps") ||
	    pmm_host_name_path(new_path, sizeof(new_path), dir, pid, n, ".maps.new"))
		return;
	pmm_host_name_replace(path, new_path, maps, len);
}

int pmm_host_name_choose(const char *dir, pid_t pid, const char *maps, size_t maps_len,
			 unsigned int *generation)
{
	char records[PATH_MAX], ring[PATH_MAX];
	struct stat st;

	pmm_host_name_shared = stat(dir, &st) == 0 && (st.st_mode & S_IWOTH);
	for (unsigned int n = 0;; n++) {
		int fd;

		if (pmm_host_name_path(records, sizeof(records), dir, pid, n, ".records") ||
		    pmm_host_name_path(ring, sizeof(ring), dir, pid, n, ".ring"))
			return -1;
		/*
		 * The reader finds a process by its records file, even one that recorded nothing. Only
		 * one live process has the pid: a records file not there now is not made by another.
		 */
		if (access(records, F_OK) < 0 && errno == ENOENT)
			pmm_host_name_first_maps(dir, pid, n, maps, maps_len);
		fd = pmm_host_name_open(records, O_WRONLY | O_EXCL);
		if (fd >= 0) {
			close(fd);
			*generation = n;
			return 0;
		}
		if (errno != EEXIST)
			return -1;
		if (pmm_host_ring_is_mine(ring)) {
			*generation = n;
			return 0;
		}
		if (n == PMM_HOST_GENERATION_MAX)
			return -1;
	}
}

/* kept (the maps path and a '.' at len) names copy n: whether that file is there. */
static int pmm_host_kept_exists(char *kept, size_t len, unsigned int n)
{
	kept[len + 1 + pmm_host_decimal(kept + len + 1, n)] = '\0';
	return access(kept, F_OK) == 0;
}

/*
 * The first copy number not in use. A process's images keep their maps as copies 1, 2, 3... in turn,
 * with no gap, so the numbers in use are a prefix: found by doubling, then halving, in about 2 log n
 * look-ups, where trying each number from 1 made a process that exec()s n times look n^2/2 times.
 */
static unsigned int pmm_host_first_free_copy(char *kept, size_t len)
{
	unsigned int used = 0, free_at = 1;

	while (free_at <= PMM_HOST_GENERATION_MAX && pmm_host_kept_exists(kept, len, free_at)) {
		used = free_at;
		free_at = free_at * 2 > PMM_HOST_GENERATION_MAX ? PMM_HOST_GENERATION_MAX + 1 : free_at * 2;
	}
	/* Copies 1..used are there, free_at is not (or is past the last number). */
	while (free_at - used > 1) {
		unsigned int mid = used + (free_at - used) / 2;

		if (pmm_host_kept_exists(kept, len, mid))
			used = mid;
		else
			free_at = mid;
	}
	return used + 1;
}

unsigned int pmm_host_name_keep_maps(const char *maps_path)
{
	char kept[PATH_MAX];
	size_t len = strlen(maps_path);

	/* The path, '.', n's digits (PMM_HOST_GENERATION_MAX has five) and the NUL, with a byte to spare. */
	if (len + 1 + 5 + 1 >= sizeof(kept))
		return 0;
	memcpy(kept, maps_path, len);
	kept[len] = '.';
	for (unsigned int n = pmm_host_first_free_copy(kept, len); n <= PMM_HOST_GENERATION_MAX; n++) {
		kept[len + 1 + pmm_host_decimal(kept + len + 1, n)] = '\0';
		/* A second name for the text, never one in use; the new image's text replaces the first. */
		if (link(maps_path, kept) == 0)
			return n;
		if (errno != EEXIST)
			return 0;
	}
	return 0;
}

unsigned int pmm_host_name_newest(const char *dir, pid_t pid)
{
	char records[PATH_MAX];
	unsigned int n = 0;

	while (n < PMM_HOST_GENERATION_MAX &&
	       pmm_host_name_path(records, sizeof(records), dir, pid, n + 1, ".records") == 0 &&
	       access(records, F_OK) == 0)
		n++;
	return n;
}
