/* answer: pmd's messages to the host (ready, output, inputTaken, child, result, error, bye), each one JSON line (PROTOCOL.md). */
#ifndef PMD_ANSWER_H
#define PMD_ANSWER_H

#include "buf.h"
#include "children.h"
#include "monitor.h"
#include "request.h"
#include "run.h"

void answer_ready(struct buf *out, const char *kernel, int pmm_loaded);

/* The id is null when req is NULL or its id could not be read. */
void answer_error(struct buf *out, const struct request *req, const char *message);

/*
 * The program could not be started: its child failed at step (stdin, dup2, chdir, execve) with error,
 * which the host words as pmm's own refusal (PROTOCOL.md's cannotStart).
 */
void answer_start_error(struct buf *out, const struct request *req, const char *message,
			const char *step, int error);
void answer_bye(struct buf *out, const struct request *req);

/* A descendant of the run's program, a line of its own, sent before the run's result. */
void answer_child(struct buf *out, const struct request *req, const struct child_collection *child);

/* A piece of a streamed run's output (stdout or stderr), as it came. */
void answer_output(struct buf *out, const struct request *req, int is_stderr, const char *data,
		   size_t len);

/* The run's program has ended: what follows is the collection of what it left (its children, its result). */
void answer_ended(struct buf *out, const struct request *req);

/* A streamed run's input line, taken (bytes long); closed: the program's stdin has no reader any more. */
void answer_input_taken(struct buf *out, const struct request *req, size_t bytes, int closed);

/* mon is NULL for a plain run: no records, an empty map, zero counters. nchildren: the lines sent before. */
void answer_result(struct buf *out, const struct request *req, const struct run_result *run,
		   const struct monitor_collection *mon, size_t nchildren);

#endif
