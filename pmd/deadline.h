/*
 * deadline: something due at a time, for a wait that may outlast it. A streamed run's output waits for
 * the host to take it, and the host waits for its own reader; the run's time limit must not wait too.
 */
#ifndef PMD_DEADLINE_H
#define PMD_DEADLINE_H

struct deadline {
	unsigned long long at_ms;		/* CLOCK_MONOTONIC, in ms; 0: none */
	void (*fire)(struct deadline *d);	/* called once at_ms has passed during the wait */
};

/* CLOCK_MONOTONIC now, in ms: the clock of at_ms. */
unsigned long long deadline_now_ms(void);

#endif
