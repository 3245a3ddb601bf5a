/* oom: the guest's out-of-memory kills, counted by the kernel (see oom.h). */
#include "oom.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OOM_VMSTAT_MAX	16384	/* /proc/vmstat is about 5 KB */

int oom_open(void)
{
	return open("/proc/vmstat", O_RDONLY | O_CLOEXEC);
}

long long oom_kills(int fd)
{
	static const char key[] = "\noom_kill ";
	char text[OOM_VMSTAT_MAX + 1];
	ssize_t len;
	char *at;

	if (fd < 0)
		return -1;
	/* From the start each time: procfs makes the text anew for every read at offset 0. */
	text[0] = '\n';
	len = pread(fd, text + 1, OOM_VMSTAT_MAX - 1, 0);
	if (len <= 0)
		return -1;
	text[len + 1] = '\0';
	at = strstr(text, key);
	return at ? strtoll(at + sizeof(key) - 1, NULL, 10) : -1;
}
