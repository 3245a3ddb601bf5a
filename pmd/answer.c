/* answer: pmd's messages to the host (ready, result, error, bye), each one JSON line (PROTOCOL.md). */
#include "answer.h"

#include <sys/wait.h>

#include "base64.h"
#include "json.h"

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

void answer_bye(struct buf *out, const struct request *req)
{
	answer_id(out, req);
	buf_puts(out, ",\"type\":\"bye\"}\n");
}

static void answer_record(struct buf *out, const struct pmm_record *r)
{
	__u32 i, nframes = r->nframes < PMM_MAX_FRAMES ? r->nframes : PMM_MAX_FRAMES;

	/* 64-bit values travel as strings: a JSON number loses them past 2^53 in JavaScript. */
	buf_printf(out, "{\"kind\":\"%s\",\"ptr\":\"0x%llx\",\"prevPtr\":\"0x%llx\",\"size\":%llu,"
		   "\"timeNs\":\"%llu\",\"frames\":[", monitor_kind_name(r->kind),
		   (unsigned long long)r->ptr, (unsigned long long)r->prev_ptr,
		   (unsigned long long)r->size, (unsigned long long)r->time_ns);
	for (i = 0; i < nframes; i++)
		buf_printf(out, "%s\"0x%llx\"", i ? "," : "", (unsigned long long)r->frames[i]);
	buf_puts(out, "]}");
}

/* A descendant of the run's program: its own leaks, object map and counters. */
static void answer_child(struct buf *out, const struct child_collection *child)
{
	const struct monitor_collection *mon = &child->mon;
	size_t i;

	buf_printf(out, "{\"pid\":%d,\"maps\":\"", (int)child->pid);
	base64_encode(out, mon->maps.data, mon->maps.len);
	buf_puts(out, "\",\"records\":[");
	for (i = 0; i < mon->count; i++) {
		if (i)
			buf_putc(out, ',');
		answer_record(out, &mon->records[i]);
	}
	buf_printf(out, "],\"unmatchedFrees\":%llu,\"dropped\":%llu}",
		   (unsigned long long)mon->unmatched_frees, (unsigned long long)mon->dropped);
}

void answer_result(struct buf *out, const struct request *req, const struct run_result *run,
		   const struct monitor_collection *mon, const struct child_collection *children,
		   size_t nchildren)
{
	size_t i;

	answer_id(out, req);
	buf_printf(out, ",\"type\":\"result\",\"pid\":%d", (int)run->pid);
	if (WIFEXITED(run->status)) {
		buf_printf(out, ",\"exitCode\":%d,\"signal\":null", WEXITSTATUS(run->status));
	} else {
		char name[32];
		run_signal_name(WTERMSIG(run->status), name, sizeof(name));
		buf_printf(out, ",\"exitCode\":null,\"signal\":\"%s\"", name);
	}
	buf_printf(out, ",\"timedOut\":%s", run->timed_out ? "true" : "false");
	if (run->out.truncated || run->err.truncated)
		buf_puts(out, ",\"truncated\":true");
	buf_puts(out, ",\"stdout\":\"");
	base64_encode(out, run->out.data.data, run->out.data.len);
	buf_puts(out, "\",\"stderr\":\"");
	base64_encode(out, run->err.data.data, run->err.data.len);
	buf_puts(out, "\",\"maps\":\"");
	if (mon)
		base64_encode(out, mon->maps.data, mon->maps.len);
	buf_puts(out, "\",\"records\":[");
	for (i = 0; mon && i < mon->count; i++) {
		if (i)
			buf_putc(out, ',');
		answer_record(out, &mon->records[i]);
	}
	buf_printf(out, "],\"unmatchedFrees\":%llu,\"dropped\":%llu",
		   mon ? (unsigned long long)mon->unmatched_frees : 0ULL,
		   mon ? (unsigned long long)mon->dropped : 0ULL);
	/* Only a monitored run has samples; a plain one (hook null) leaves the field out. */
	if (mon) {
		buf_puts(out, ",\"samples\":[");
		for (i = 0; i < mon->nsamples; i++) {
			const struct pmm_sample *s = &mon->samples[i];

			buf_printf(out, "%s{\"timeNs\":\"%llu\",\"vmBytes\":%llu,\"rssBytes\":%llu}",
				   i ? "," : "", (unsigned long long)s->time_ns,
				   (unsigned long long)s->vm_bytes, (unsigned long long)s->rss_bytes);
		}
		buf_putc(out, ']');
		buf_puts(out, ",\"children\":[");
		for (i = 0; i < nchildren; i++) {
			if (i)
				buf_putc(out, ',');
			answer_child(out, &children[i]);
		}
		buf_putc(out, ']');
	}
	buf_puts(out, "}\n");
}
