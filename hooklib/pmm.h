/* pmm.h: the hook's public API for programs that want to switch recording on and off themselves. */
#ifndef PMM_H
#define PMM_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * hooks_active: 0 sends every allocation straight to the C library unrecorded, 1 records again.
 * The environment variable PMM_HOOKS_ACTIVE=0 starts a process with it off.
 *
 * Weak, so that a program built with this header still links and runs without the hook:
 *	if (pmm_hooks_active)
 *		pmm_hooks_active(0);
 */
extern void pmm_hooks_active(int on) __attribute__((weak));

#ifdef __cplusplus
}
#endif

#endif /* PMM_H */
