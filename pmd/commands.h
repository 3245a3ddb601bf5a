/* commands: the seed's daemon commands for use inside the guest (config, pids, start, stop, logs). */
#ifndef PMD_COMMANDS_H
#define PMD_COMMANDS_H

/* Each prints to stdout, reports errors on stderr, and returns the exit status. */
int command_config(void);
int command_pids(void);
int command_start(const char *pid_arg);
int command_stop(const char *pid_arg);
int command_logs(const char *pid_arg);

#endif
