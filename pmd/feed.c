/* feed: a streamed run's stdin pipe, filled from the host's input lines (feed.h). */
#include "feed.h"

#include <errno.h>
#include <unistd.h>

static void feed_close_pipe(struct feed *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

static void feed_drop_pending(struct feed *f)
{
	f->pending.len = 0;
	f->start = 0;
}

int feed_ready(const struct feed *f)
{
	return !f->end && f->start == f->pending.len;
}

int feed_wants_room(const struct feed *f)
{
	return f->fd >= 0 && f->start < f->pending.len;
}

void feed_write(struct feed *f)
{
	while (f->fd >= 0 && f->start < f->pending.len) {
		ssize_t n = write(f->fd, f->pending.data + f->start, f->pending.len - f->start);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;	/* full: poll says when it has room */
		if (n <= 0) {
			/* EPIPE: nothing reads it any more (the program closed its stdin, or ended). */
			f->refused = 1;
			feed_close_pipe(f);
			break;
		}
		f->start += (size_t)n;
	}
	if (f->start == f->pending.len || f->fd < 0)
		feed_drop_pending(f);
	if (f->end && f->pending.len == 0)
		feed_close_pipe(f);
}

void feed_take(struct feed *f, const char *data, size_t len)
{
	if (f->fd < 0)
		return;	/* refused: dropped, as a pipe's reader that has gone drops it */
	buf_append(&f->pending, data, len);
	feed_write(f);
}

void feed_end(struct feed *f)
{
	f->end = 1;
	feed_write(f);
}

void feed_close(struct feed *f)
{
	feed_close_pipe(f);
	buf_free(&f->pending);
	f->start = 0;
}
