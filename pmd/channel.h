/* channel: the host's line-framed link, the virtio-serial port org.pmm.0 (or stdin/stdout in tests). */
#ifndef PMD_CHANNEL_H
#define PMD_CHANNEL_H

#include <stddef.h>

#include "buf.h"
#include "deadline.h"

#define CHANNEL_PORT_NAME "org.pmm.0"

/* A request line longer than this is answered with an error and skipped. */
#define CHANNEL_MAX_LINE (64u << 20)

struct channel {
	int in_fd, out_fd;
	struct buf pending;	/* bytes read from in_fd that no line has used yet */
	size_t start;		/* where pending's unused bytes begin */
	int discarding;		/* dropping the rest of an over-long line */
};

enum channel_status {
	CHANNEL_ERROR = -1,
	CHANNEL_EOF = 0,
	CHANNEL_LINE = 1,
	CHANNEL_TOO_LONG = 2,
};

/* Opens path O_RDWR, or, when path is NULL, the /dev node of the port named org.pmm.0. */
int channel_open_port(struct channel *ch, const char *path, char *err, size_t errlen);
void channel_open_stdio(struct channel *ch);

/* The next line, without its '\n', valid until the next call. */
enum channel_status channel_read_line(struct channel *ch, char **line, size_t *len,
				      char *err, size_t errlen);

/*
 * While a run goes on: reads what the host has sent (one read; in_fd must be readable) into the lines
 * still to come, for channel_take_line_if. 0, or -1 when the host closed the channel or it failed.
 */
int channel_fill(struct channel *ch);

/*
 * Takes out of the lines still to come the first whole one that wanted() picks (returns 1 for), and
 * gives it wanted() to act on; the others stay, in order, for channel_read_line. 1 if one was taken.
 */
int channel_take_line_if(struct channel *ch, int (*wanted)(const char *line, size_t len, void *arg),
			 void *arg);

/* Writes all of data, however many writes it takes. */
int channel_write(struct channel *ch, const void *data, size_t len, char *err, size_t errlen);

/*
 * The same, and if the host has not taken it all when due->at_ms passes, calls due->fire once (then
 * goes on waiting). due may be NULL.
 */
int channel_write_due(struct channel *ch, const void *data, size_t len, struct deadline *due,
		      char *err, size_t errlen);

#endif
