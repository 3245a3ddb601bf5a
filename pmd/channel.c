/* channel: the host's line-framed link, the virtio-serial port org.pmm.0 (or stdin/stdout in tests). */
#include "channel.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHANNEL_SYSFS_PORTS "/sys/class/virtio-ports"

/*
 * virtio_console creates the port only once the host side has announced it, and devtmpfs adds the
 * /dev node a moment later, so a pmd started right after the modules load waits for both.
 */
#define CHANNEL_PORT_WAIT_MS 10000
#define CHANNEL_PORT_POLL_MS 50

#define CHANNEL_READ_CHUNK (64 * 1024)

static int channel_find_port(char *path, size_t len)
{
	DIR *dir = opendir(CHANNEL_SYSFS_PORTS);
	struct dirent *d;
	int found = 0;

	if (!dir)
		return 0;
	while (!found && (d = readdir(dir))) {
		char name_file[512], name[64];
		FILE *f;

		if (d->d_name[0] == '.')
			continue;
		snprintf(name_file, sizeof(name_file), CHANNEL_SYSFS_PORTS "/%s/name", d->d_name);
		f = fopen(name_file, "re");
		if (!f)
			continue;
		if (fgets(name, sizeof(name), f)) {
			name[strcspn(name, "\n")] = '\0';
			if (strcmp(name, CHANNEL_PORT_NAME) == 0) {
				snprintf(path, len, "/dev/%s", d->d_name);
				found = 1;
			}
		}
		fclose(f);
	}
	closedir(dir);
	return found;
}

/*
 * The way out does not block: a write the host is slow to take then waits in poll, which can end at a
 * run's time limit (channel_write_due). On the port, in_fd is the same file: its reads wait in poll too.
 */
static void channel_init(struct channel *ch, int in_fd, int out_fd)
{
	memset(ch, 0, sizeof(*ch));
	ch->in_fd = in_fd;
	ch->out_fd = out_fd;
	fcntl(out_fd, F_SETFL, fcntl(out_fd, F_GETFL) | O_NONBLOCK);
}

/* Until fd is ready for events, or due passes (fires it then); -1 for ever. */
static void channel_wait(int fd, short events, struct deadline *due)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int wait_ms = -1;

	if (due && due->at_ms) {
		unsigned long long now = deadline_now_ms();

		wait_ms = now >= due->at_ms ? 0 : (int)(due->at_ms - now);
	}
	if (poll(&pfd, 1, wait_ms) == 0 && due && due->at_ms) {
		due->at_ms = 0;
		due->fire(due);
	}
}

int channel_open_port(struct channel *ch, const char *path, char *err, size_t errlen)
{
	const struct timespec tick = { 0, CHANNEL_PORT_POLL_MS * 1000000L };
	char found[300];
	int waited = 0, fd;

	for (;;) {
		if (path || channel_find_port(found, sizeof(found))) {
			fd = open(path ? path : found, O_RDWR | O_CLOEXEC);
			if (fd >= 0) {
				channel_init(ch, fd, fd);
				return 0;
			}
			if (path || errno != ENOENT || waited >= CHANNEL_PORT_WAIT_MS) {
				snprintf(err, errlen, "open %s: %s", path ? path : found, strerror(errno));
				return -1;
			}
		} else if (waited >= CHANNEL_PORT_WAIT_MS) {
			snprintf(err, errlen, "no virtio port named %s under %s after %d ms",
				 CHANNEL_PORT_NAME, CHANNEL_SYSFS_PORTS, CHANNEL_PORT_WAIT_MS);
			return -1;
		}
		nanosleep(&tick, NULL);
		waited += CHANNEL_PORT_POLL_MS;
	}
}

void channel_open_stdio(struct channel *ch)
{
	channel_init(ch, 0, 1);
}

/* Drops the line channel_read_line last gave, so that pending only holds what is still unread. */
static void channel_compact(struct channel *ch)
{
	if (!ch->start)
		return;
	memmove(ch->pending.data, ch->pending.data + ch->start, ch->pending.len - ch->start);
	ch->pending.len -= ch->start;
	ch->start = 0;
}

/* The line ending at the first '\n' in pending[from..), if any. */
static int channel_take_line(struct channel *ch, size_t from, char **line, size_t *len)
{
	char *nl = memchr(ch->pending.data + from, '\n', ch->pending.len - from);

	if (!nl)
		return 0;
	*line = ch->pending.data + ch->start;
	*len = (size_t)(nl - *line);
	*nl = '\0';
	ch->start = (size_t)(nl - ch->pending.data) + 1;
	return 1;
}

enum channel_status channel_read_line(struct channel *ch, char **line, size_t *len,
				      char *err, size_t errlen)
{
	size_t scanned;

	channel_compact(ch);
	scanned = 0;
	for (;;) {
		if (ch->discarding) {
			char *nl = ch->pending.len ? memchr(ch->pending.data, '\n', ch->pending.len)
						   : NULL;
			size_t drop = nl ? (size_t)(nl - ch->pending.data) + 1 : ch->pending.len;
			memmove(ch->pending.data, ch->pending.data + drop, ch->pending.len - drop);
			ch->pending.len -= drop;
			if (nl)
				ch->discarding = 0;
			scanned = 0;
		}
		if (!ch->discarding) {
			if (channel_take_line(ch, scanned, line, len))
				return CHANNEL_LINE;
			scanned = ch->pending.len;
			if (ch->pending.len > CHANNEL_MAX_LINE) {
				ch->pending.len = 0;
				ch->discarding = 1;
				return CHANNEL_TOO_LONG;
			}
		}
		buf_reserve(&ch->pending, CHANNEL_READ_CHUNK);
		ssize_t n = read(ch->in_fd, ch->pending.data + ch->pending.len, CHANNEL_READ_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			channel_wait(ch->in_fd, POLLIN, NULL);
			continue;
		}
		if (n < 0) {
			snprintf(err, errlen, "read from the host: %s", strerror(errno));
			return CHANNEL_ERROR;
		}
		if (n == 0)
			return CHANNEL_EOF;	/* a partial last line is not a request */
		ch->pending.len += (size_t)n;
	}
}

int channel_fill(struct channel *ch)
{
	ssize_t n;

	channel_compact(ch);
	buf_reserve(&ch->pending, CHANNEL_READ_CHUNK);
	do
		n = read(ch->in_fd, ch->pending.data + ch->pending.len, CHANNEL_READ_CHUNK);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return 0;	/* nothing after all: the port's file does not block */
	if (n <= 0)
		return -1;
	ch->pending.len += (size_t)n;
	return 0;
}

int channel_take_line_if(struct channel *ch, int (*wanted)(const char *line, size_t len, void *arg),
			 void *arg)
{
	size_t at = 0;
	char *nl;

	/* An over-long line being dropped: what pending holds is its rest, no line of its own. */
	if (ch->discarding)
		return 0;
	channel_compact(ch);
	while (at < ch->pending.len &&
	       (nl = memchr(ch->pending.data + at, '\n', ch->pending.len - at))) {
		size_t end = (size_t)(nl - ch->pending.data) + 1;

		if (wanted(ch->pending.data + at, end - 1 - at, arg)) {
			memmove(ch->pending.data + at, ch->pending.data + end, ch->pending.len - end);
			ch->pending.len -= end - at;
			return 1;
		}
		at = end;
	}
	return 0;
}

int channel_write(struct channel *ch, const void *data, size_t len, char *err, size_t errlen)
{
	return channel_write_due(ch, data, len, NULL, err, errlen);
}

int channel_write_due(struct channel *ch, const void *data, size_t len, struct deadline *due,
		      char *err, size_t errlen)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(ch->out_fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			/* The host has not taken what came before: wait, but not past due. */
			channel_wait(ch->out_fd, POLLOUT, due);
			continue;
		}
		if (n <= 0) {
			snprintf(err, errlen, "write to the host: %s", n < 0 ? strerror(errno) : "wrote 0");
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
