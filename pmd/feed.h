/*
 * feed: a streamed run's stdin (PROTOCOL.md, "stdinStream"): the pipe the program reads, filled from the
 * host's input lines as the program takes them. pmd holds at most one line's data: it takes the next
 * line only when the pipe has taken the last, so a program that reads slowly holds the host back (each
 * line taken is answered with inputTaken, which the host counts) and pmd's memory stays small.
 */
#ifndef PMD_FEED_H
#define PMD_FEED_H

#include <stddef.h>

#include "buf.h"

struct feed {
	int fd;			/* the pipe's write end, non-blocking; -1 once closed */
	struct buf pending;	/* taken from the host, not yet in the pipe */
	size_t start;		/* where pending's unwritten bytes begin */
	int end;		/* the host has sent all: close the pipe once pending is in it */
	int refused;		/* the program's end is closed (EPIPE): what comes is dropped */
};

#define FEED_INIT { -1, BUF_INIT, 0, 0, 0 }

/* Whether the feed takes another input line now: nothing left to write, and not ended by the host. */
int feed_ready(const struct feed *f);

/* Whether poll should wait for the pipe to take more. */
int feed_wants_room(const struct feed *f);

/* Data for the pipe: written as far as the pipe takes it, the rest kept for feed_write. */
void feed_take(struct feed *f, const char *data, size_t len);

/* The host has sent all: the pipe is closed (EOF for the program) once what is kept is written. */
void feed_end(struct feed *f);

/* Writes what is kept, as far as the pipe takes it (the pipe had room, or the feed gives up on it). */
void feed_write(struct feed *f);

/* The run is over: the pipe closed, anything kept dropped. */
void feed_close(struct feed *f);

#endif
