/*
 * pmm_maps.c: the object map. Sends the text of /proc/self/maps once at start, so that the host can
 * turn recorded return addresses into object + offset, and then into symbols, after the process is gone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "pmm_internal.h"

/* Static: the hook must not allocate, and 256 KiB is too much for a thread's stack. */
static char pmm_maps_text[PMM_MAX_MAPS];

void pmm_maps_record(void)
{
	size_t len = 0;
	int fd;

	fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	/* The kernel hands out whole lines per read; read until EOF or the buffer is full. */
	while (len < sizeof(pmm_maps_text)) {
		ssize_t n = read(fd, pmm_maps_text + len, sizeof(pmm_maps_text) - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	/* A full buffer may end mid-line; send whole lines only. */
	if (len == sizeof(pmm_maps_text)) {
		char *nl = memrchr(pmm_maps_text, '\n', len);

		len = nl ? (size_t)(nl - pmm_maps_text) + 1 : 0;
	}
	if (len > 0)
		pmm_transport_send_maps(pmm_maps_text, len);
}
