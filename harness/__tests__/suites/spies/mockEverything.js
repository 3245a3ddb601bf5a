// Spies on every function of a core module, each mocked to throw: what pmm does on the host must not call one.
// Except those that Node's own functions call through the module object, where no copy of pmm's reaches:
// child_process makes its pipes with net.Socket, fs's functions pass their paths through
// path.toNamespacedPath, path.join normalizes with path.normalize (path.relative resolves with path.resolve),
// and a write stream (the VM's console log) opens, writes and closes with fs.open, fs.write and fs.close.
const CALLED_BY_NODE = {
  net: ['Socket'],
  path: ['normalize', 'resolve', 'toNamespacedPath'],
  fs: ['open', 'write', 'writev', 'close'],
};

function mockEveryFunction(module, name) {
  for (const key of Object.keys(module)) {
    const own = Object.getOwnPropertyDescriptor(module, key);
    // A getter's value (fs.promises) or a property the module fixed (crypto.getRandomValues) is no spy's to replace.
    if (!own || !('value' in own) || typeof own.value !== 'function' || !own.configurable) continue;
    if ((CALLED_BY_NODE[name] ?? []).includes(key)) continue;
    jest.spyOn(module, key).mockImplementation(() => {
      throw new Error(`${name}.${key} was called: the test mocked it`);
    });
  }
}

/** The core modules pmm's host side uses, by name. */
const CORE_MODULES = ['fs', 'child_process', 'net', 'os', 'path', 'readline', 'crypto'];

module.exports = { mockEveryFunction, CORE_MODULES };
