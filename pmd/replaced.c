#include "replaced.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#define DELETED " (deleted)"

/* Whether a maps line's file (its device, inode and path) is another file at that path now. */
static int replaced_line(const char *line, size_t len)
{
	unsigned int major, minor;
	unsigned long long ino;
	char path[4096];
	struct stat st;
	int at = -1;

	if (len >= sizeof(path))
		return 0;
	memcpy(path, line, len);
	path[len] = '\0';
	/* start-end perms offset major:minor inode path */
	if (sscanf(path, "%*x-%*x %*4s %*x %x:%x %llu %n", &major, &minor, &ino, &at) != 3 || at < 0)
		return 0;
	memmove(path, path + at, len - (size_t)at + 1);
	if (ino == 0 || path[0] != '/')
		return 0;
	if (len >= strlen(DELETED) && memcmp(line + len - strlen(DELETED), DELETED, strlen(DELETED)) == 0)
		return 0;
	/* A file gone, or seen through another device (an overlay), says nothing either way. */
	if (stat(path, &st) < 0 || st.st_dev != makedev(major, minor))
		return 0;
	return (unsigned long long)st.st_ino != ino;
}

void replaced_mark(struct buf *maps)
{
	struct buf out = BUF_INIT;
	size_t start = 0;
	int any = 0;

	while (start < maps->len) {
		const char *line = maps->data + start;
		const char *nl = memchr(line, '\n', maps->len - start);
		size_t len = nl ? (size_t)(nl - line) : maps->len - start;

		buf_append(&out, line, len);
		if (replaced_line(line, len)) {
			buf_puts(&out, DELETED);
			any = 1;
		}
		if (nl)
			buf_putc(&out, '\n');
		start += len + (nl ? 1 : 0);
	}
	if (!any) {
		buf_free(&out);
		return;
	}
	buf_putc(&out, '\0');
	out.len--;
	buf_free(maps);
	*maps = out;
}
