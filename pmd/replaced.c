#include "replaced.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#define DELETED " (deleted)"

/* The last file looked at: an object's lines come one after another, and a stat over 9p is not free. */
struct replaced_seen {
	char path[4096];
	unsigned long long ino;
	int replaced;
};

/* Whether a maps line's file (its device, inode and path) is another file at that path now. */
static int replaced_line(const char *line, size_t len, struct replaced_seen *seen)
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
	if (seen->ino == ino && strcmp(seen->path, path) == 0)
		return seen->replaced;
	/* A file gone, or seen through another device (an overlay), says nothing either way. */
	seen->replaced = stat(path, &st) == 0 && st.st_dev == makedev(major, minor) &&
			 (unsigned long long)st.st_ino != ino;
	seen->ino = ino;
	strcpy(seen->path, path);
	return seen->replaced;
}

void replaced_mark(struct buf *maps)
{
	/* Nothing looked at yet: no line with a file has inode 0. */
	struct replaced_seen seen = { "", 0, 0 };
	struct buf out = BUF_INIT;
	size_t start = 0;
	int any = 0;

	while (start < maps->len) {
		const char *line = maps->data + start;
		const char *nl = memchr(line, '\n', maps->len - start);
		size_t len = nl ? (size_t)(nl - line) : maps->len - start;

		buf_append(&out, line, len);
		if (replaced_line(line, len, &seen)) {
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
