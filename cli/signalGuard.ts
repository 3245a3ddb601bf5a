// SIGUSR1 makes Node open its debugger (the inspector, on 127.0.0.1:9229, with pmm's rights, root's when
// run as root): Node's own handler does it. A listener added and taken away again leaves the signal's
// action the default instead (libuv sets it back, and Node's handler does not come back), so from pmm's
// start SIGUSR1 ends pmm as it ends a program without a handler, even while Node's event loop is held
// (a spawnSync, a report being made), where a listener would not run; while the program runs,
// forwardSignals passes it on, as valgrind's program would get it. Imported first.

const none = (): void => {};
process.on('SIGUSR1', none);
process.removeListener('SIGUSR1', none);
