/* channel: the host's line-framed link, the virtio-serial port org.pmm.0 (or stdin/stdout in tests). */
#ifndef PMD_CHANNEL_H
#define PMD_CHANNEL_H

#include <stddef.h>

#include "buf.h"

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

/* Writes all of data, however many writes it takes. */
int channel_write(struct channel *ch, const void *data, size_t len, char *err, size_t errlen);

#endif
