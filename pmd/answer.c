/* answer: pmd's messages to the host (ready, output, inputTaken, ended, child, result, error, bye), each one JSON line (PROTOCOL.md). */
#include "answer.h"

#include <string.h>
#include <sys/wait.h>

#include "base64.h"
#include "json.h"
#include "stacks.h"

static void answer_id(struct buf *out, const struct request *req)
{
	if (req && req->has_id)
		buf_printf(out, "{\"id\":%lld", req->id);
	else
		buf_puts(out, "{\"id\":null");
}

void answer_ready(struct buf *out, const char *kernel, int pmm_loaded)
{
	buf_puts(out, "{\"type\":\"ready\",\"kernel\":");
	json_escape_str(out, kernel);
	buf_printf(out, ",\"pmmLoaded\":%s}\n", pmm_loaded ? "true" : "false");
}

void answer_error(struct buf *out, const struct request *req, const char *message)
{
	answer_id(out, req);
	buf_puts(out, ",\"type\":\"error\",\"message\":");
	json_escape_str(out, message);
	buf_puts(out, "}\n");
}

void answer_start_error(struct buf *out, const struct request *req, const char *message,
			const char *step, int error)
{
	answer_id(out, req);
	buf_puts(out, ",\"type\":\"error\",\"message\":");
	json_escape_str(out, message);
	buf_printf(out, ",\"cannotStart\":{\"step\":\"%s\",\"errno\":%d,\"reason\":", step, error);
	json_escape_str(out, strerror(error));
	buf_puts(out, "}}\n");
}

void answer_bye(struct buf *out, const struct request *req)
{
	answer_id(out, req);
	buf_puts(out, ",\"type\":\"bye\"}\n");
}

void answer_output(struct buf *out, const struct request *req, int is_stderr, const char *data,
		   size_t len)
{
	answer_id(out, req);
	buf_printf(out, ",\"type\":\"output\",\"stream\":\"%s\",\"data\":\"",
		   is_stderr ? "stderr" : "stdout");
	base64_encode(out, data, len);
	buf_puts(out, "\"}\n");
}

void answer_ended(struct buf *out, const struct request *req)
{
	answer_id(out, req);
	buf_puts(out, ",\"type\":\"ended\"}\n");
}

void answer_input_taken(struct buf *out, const struct request *req, size_t bytes, int closed)
{
	answer_id(out, req);
	buf_puts(out, ",\"type\":\"inputTaken\",\"bytes\":");
	buf_put_u64(out, bytes);
	buf_puts(out, closed ? ",\"closed\":true}\n" : "}\n");
}

/* 64-bit values travel as strings: a JSON number loses them past 2^53 in JavaScript. */
static void answer_frames(struct buf *out, const __u64 *frames, __u32 nframes)
{
	__u32 i, n = nframes < PMM_MAX_FRAMES ? nframes : PMM_MAX_FRAMES;

	buf_putc(out, '[');
	for (i = 0; i < n; i++) {
		buf_puts(out, i ? ",\"" : "\"");
		buf_put_hex(out, frames[i]);
		buf_putc(out, '"');
	}
	buf_putc(out, ']');
}

static void answer_record(struct buf *out, const struct pmm_record *r, size_t stack)
{
	buf_puts(out, "{\"kind\":\"");
	buf_puts(out, monitor_kind_name(r->kind));
	buf_puts(out, "\",\"ptr\":\"");
	buf_put_hex(out, r->ptr);
	buf_puts(out, "\",\"prevPtr\":\"");
	buf_put_hex(out, r->prev_ptr & ~PMM_PREV_SHOWN_ONLY);
	buf_puts(out, "\",\"size\":");
	buf_put_u64(out, r->size);
	buf_puts(out, ",\"timeNs\":\"");
	buf_put_u64(out, r->time_ns);
	buf_puts(out, "\",\"stack\":");
	buf_put_u64(out, stack);
	buf_putc(out, '}');
}

/* A block released by another family's call than its allocation's, with both stacks. */
static void answer_mismatch(struct buf *out, const struct pmm_mismatch *m)
{
	buf_printf(out, "{\"ptr\":\"0x%llx\",\"size\":%llu,\"allocation\":{\"kind\":\"%s\",\"frames\":",
		   (unsigned long long)m->ptr, (unsigned long long)m->size,
		   monitor_kind_name(m->alloc_kind));
	answer_frames(out, m->alloc_frames, m->alloc_nframes);
	buf_printf(out, "},\"release\":{\"kind\":\"%s\",\"frames\":", monitor_kind_name(m->release_kind));
	answer_frames(out, m->release_frames, m->release_nframes);
	buf_puts(out, "}}");
}

/* "mismatches":[...],"mismatchedFrees":N, from a collection or (mon NULL) for a plain run. */
static void answer_mismatches(struct buf *out, const struct monitor_collection *mon)
{
	size_t i;

	buf_puts(out, ",\"mismatches\":[");
	for (i = 0; mon && i < mon->nmismatches; i++) {
		if (i)
			buf_putc(out, ',');
		answer_mismatch(out, &mon->mismatches[i]);
	}
	buf_printf(out, "],\"mismatchedFrees\":%llu", mon ? (unsigned long long)mon->mismatched_frees : 0ULL);
	/* The maps of the images the process left (exec) after mismatches: those have their stacks. */
	buf_puts(out, ",\"earlierMaps\":[");
	for (i = 0; mon && i < mon->nimages; i++) {
		buf_printf(out, "%s{\"mismatchesBefore\":%u,\"maps\":\"", i ? "," : "",
			   mon->images[i].mismatches_before);
		base64_encode(out, mon->images[i].maps.data, mon->images[i].maps.len);
		buf_puts(out, "\"}");
	}
	buf_putc(out, ']');
}

/* "samples":[...]: pmthread's look at the process while it lived (growth mode judges them). */
static void answer_samples(struct buf *out, const struct monitor_collection *mon)
{
	size_t i;

	buf_puts(out, ",\"samples\":[");
	for (i = 0; i < mon->nsamples; i++) {
		const struct pmm_sample *s = &mon->samples[i];

		buf_printf(out, "%s{\"timeNs\":\"%llu\",\"vmBytes\":%llu,\"rssBytes\":%llu}",
			   i ? "," : "", (unsigned long long)s->time_ns,
			   (unsigned long long)s->vm_bytes, (unsigned long long)s->rss_bytes);
	}
	buf_putc(out, ']');
}

/* "exitCode" and "signal" of a wait status. */
static void answer_status(struct buf *out, int status)
{
	char name[32];

	if (WIFEXITED(status)) {
		buf_printf(out, ",\"exitCode\":%d,\"signal\":null", WEXITSTATUS(status));
		return;
	}
	run_signal_name(WTERMSIG(status), name, sizeof(name));
	buf_printf(out, ",\"exitCode\":null,\"signal\":\"%s\"", name);
}

/*
 * What a process left, the same for the program and each child: its object map, its unmatched
 * allocations, its counters and its mismatched releases. mon is NULL for a plain run: all empty.
 */
static void answer_process(struct buf *out, const struct monitor_collection *mon)
{
	struct stacks stacks = { NULL, NULL, 0 };
	size_t i;

	buf_puts(out, ",\"maps\":\"");
	if (mon)
		base64_encode(out, mon->maps.data, mon->maps.len);
	/* Each distinct stack once, its records naming it by number (stacks.h). */
	if (mon)
		stacks_number(mon->records, mon->count, &stacks);
	buf_puts(out, "\",\"stacks\":[");
	for (i = 0; i < stacks.count; i++) {
		const struct pmm_record *r = &mon->records[stacks.first[i]];

		if (i)
			buf_putc(out, ',');
		answer_frames(out, r->frames, r->nframes);
	}
	buf_puts(out, "],\"records\":[");
	for (i = 0; mon && i < mon->count; i++) {
		if (i)
			buf_putc(out, ',');
		answer_record(out, &mon->records[i], stacks.of[i]);
	}
	stacks_free(&stacks);
	buf_printf(out, "],\"unmatchedFrees\":%llu,\"dropped\":%llu,\"unhooked\":%s,\"stopped\":%s,\"overwritten\":%s",
		   mon ? (unsigned long long)mon->unmatched_frees : 0ULL,
		   mon ? (unsigned long long)mon->dropped : 0ULL,
		   mon && mon->unhooked ? "true" : "false",
		   mon && mon->stopped ? "true" : "false",
		   mon && mon->overwritten ? "true" : "false");
	/* Only when so: the host reads a missing one as false. */
	if (mon && mon->no_device)
		buf_puts(out, ",\"noDevice\":true");
	answer_mismatches(out, mon);
}

/* A child's leaks, object map and counters, and how it ended when pmm.ko saw it. */
void answer_child(struct buf *out, const struct request *req, const struct child_collection *child)
{
	const struct monitor_collection *mon = &child->mon;

	answer_id(out, req);
	buf_printf(out, ",\"type\":\"child\",\"pid\":%d", (int)child->pid);
	/* pmd is not its parent: pmm.ko kept the status, when it saw the exit. */
	if (mon->exit_known)
		answer_status(out, mon->wait_status);
	buf_printf(out, ",\"endedByRun\":%s", child->ended_by_run ? "true" : "false");
	answer_process(out, mon);
	answer_samples(out, mon);
	buf_puts(out, "}\n");
}

void answer_result(struct buf *out, const struct request *req, const struct run_result *run,
		   const struct monitor_collection *mon, size_t nchildren)
{
	answer_id(out, req);
	buf_printf(out, ",\"type\":\"result\",\"pid\":%d", (int)run->pid);
	answer_status(out, run->status);
	buf_printf(out, ",\"timedOut\":%s", run->timed_out ? "true" : "false");
	if (run->out.truncated || run->err.truncated)
		buf_puts(out, ",\"truncated\":true");
	if (run->oom_kills > 0)
		buf_printf(out, ",\"oomKills\":%lld", run->oom_kills);
	buf_puts(out, ",\"stdout\":\"");
	base64_encode(out, run->out.data.data, run->out.data.len);
	buf_puts(out, "\",\"stderr\":\"");
	base64_encode(out, run->err.data.data, run->err.data.len);
	buf_putc(out, '"');
	answer_process(out, mon);
	/* Only a monitored run has samples; a plain one (hook null) leaves the field out. */
	if (mon) {
		answer_samples(out, mon);
		buf_printf(out, ",\"children\":%zu", nchildren);
	}
	buf_puts(out, "}\n");
}
