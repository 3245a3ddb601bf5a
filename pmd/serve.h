/* serve: pmd's main mode, answering the host's requests one at a time (see PROTOCOL.md). */
#ifndef PMD_SERVE_H
#define PMD_SERVE_H

struct serve_options {
	const char *root;	/* chroot here after opening the port; NULL: stay */
	const char *port;	/* a path to open instead of finding org.pmm.0; NULL: find it */
	int use_stdio;		/* requests on stdin, answers on stdout */
};

/* Returns the exit status: 0 after a shutdown, 1 when the channel failed or closed. */
int serve(const struct serve_options *opt);

#endif
