// SIGUSR1 makes Node open its debugger (the inspector, on 127.0.0.1:9229, with pmm's rights, root's when
// run as root), unless a listener takes it. Imported first, this one takes it from pmm's start to its end:
// while the program runs, forwardSignals passes it on, as valgrind's program would get it; at any other
// time it ends pmm by the signal's default action, as it would end a program that has no handler.

function guard(): void {
  // forwardSignals' handler is there too: it acts, and ends pmm itself with a signal when it must.
  if (process.listenerCount('SIGUSR1') > 1) return;
  // Alone: gone, Node's own handler does not come back (the signal's action is the default now).
  process.removeListener('SIGUSR1', guard);
  process.kill(process.pid, 'SIGUSR1');
}

process.on('SIGUSR1', guard);
