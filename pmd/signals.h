/* signals: pmd lives through what its programs send it, and gives each program the default dispositions. */
#ifndef PMD_SIGNALS_H
#define PMD_SIGNALS_H

/* Every signal pmd can ignore, ignored: but SIGCHLD and the others ignored by default already. */
void signals_ignore(void);

/* Every disposition back to the default, in a child before its exec: an ignored signal survives exec. */
void signals_default(void);

#endif
