/*
 * pmm_exec_target.c: which file an exec or spawn call runs, as an absolute path. pmm_exec.c names it
 * to the host before the call (pmm_maps_exec), so that a process whose new image never takes the hook
 * (statically linked, set-user-ID, an allocator of its own) is said by the file it ran, and why.
 * Runs in vfork children too: nothing here allocates, and only system calls are made.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pmm_internal.h"

/* dir "/" name into out; -1 when it does not fit. An empty dir is the working directory. */
static int pmm_join(const char *dir, size_t dir_len, const char *name, char *out, size_t size)
{
	size_t name_len = strlen(name), at = 0;

	if (dir_len == 0 || dir[0] != '/') {
		if (!getcwd(out, size))
			return -1;
		at = strlen(out);
		if (dir_len && at + 1 + dir_len < size) {
			out[at++] = '/';
			memcpy(out + at, dir, dir_len);
			at += dir_len;
		} else if (dir_len) {
			return -1;
		}
	} else {
		if (dir_len >= size)
			return -1;
		memcpy(out, dir, dir_len);
		at = dir_len;
	}
	if (at + 1 + name_len >= size)
		return -1;
	if (at == 0 || out[at - 1] != '/')
		out[at++] = '/';
	memcpy(out + at, name, name_len + 1);
	return 0;
}

/* What /proc/self/fd/FD names; -1 when it cannot be told. */
static int pmm_fd_path(int fd, char *out, size_t size)
{
	char link[32];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, out, size - 1);
	if (n <= 0 || out[0] != '/')
		return -1;
	out[n] = '\0';
	return 0;
}

/* execvp's search: the first entry of PATH (the C library's default without one) holding file, runnable. */
static int pmm_search_path(const char *file, char *out, size_t size)
{
	const char *path = getenv("PATH");

	if (!path)
		path = "/bin:/usr/bin";
	for (;;) {
		const char *end = strchrnul(path, ':');

		if (pmm_join(path, (size_t)(end - path), file, out, size) == 0 && access(out, X_OK) == 0)
			return 0;
		if (!*end)
			return -1;
		path = end + 1;
	}
}

int pmm_exec_target(const char *path, int search, int dirfd, int flags, char *out, size_t size)
{
	if (!path)
		return pmm_fd_path(dirfd, out, size);
	if (search && *path && !strchr(path, '/'))
		return pmm_search_path(path, out, size);
	if (!*path) {
		/* execveat's AT_EMPTY_PATH: the file dirfd is open on. */
		return (flags & AT_EMPTY_PATH) && dirfd >= 0 ? pmm_fd_path(dirfd, out, size) : -1;
	}
	if (path[0] == '/') {
		if (strlen(path) >= size)
			return -1;
		strcpy(out, path);
	} else if (dirfd == AT_FDCWD) {
		if (pmm_join("", 0, path, out, size) < 0)
			return -1;
	} else {
		char dir[PATH_MAX];

		if (pmm_fd_path(dirfd, dir, sizeof(dir)) < 0 || pmm_join(dir, strlen(dir), path, out, size) < 0)
			return -1;
	}
	/* A file that cannot run makes the call fail: nothing to name. */
	return access(out, X_OK) == 0 ? 0 : -1;
}
