// Table tests for reading `addr2line -a -f -C -i` output, one chain per address block (innermost first).

import {parseAddr2lineOutput} from '../parseAddr2lineOutput';

it.each([
  ['one address', '0x000000000000116f\nmain\n/src/t.c:6\n', [[{function: 'main', file: '/src/t.c', line: 6}]]],
  [
    'a discriminator and a demangled C++ name',
    '0x0000000000001200\nns::Widget::grow(unsigned long)\n/src/w.cc:42 (discriminator 3)\n',
    [[{function: 'ns::Widget::grow(unsigned long)', file: '/src/w.cc', line: 42}]],
  ],
  [
    'an inline chain, innermost first: the last pair owns the address',
    '0x0000000000001180\nhelper\n/src/h.h:3\nmain\n/src/t.c:9\n',
    [[{function: 'helper', file: '/src/h.h', line: 3}, {function: 'main', file: '/src/t.c', line: 9}]],
  ],
  [
    'unknown parts',
    '0x00000000ffffffff\n??\n??:0\n0x0000000000001000\n_init\n??:?\n',
    [[{function: null, file: null, line: null}], [{function: '_init', file: null, line: null}]],
  ],
  [
    'several addresses keep their order',
    '0x1\nf\n/a.c:1\n0x2\ng\n/b.c:2\n',
    [[{function: 'f', file: '/a.c', line: 1}], [{function: 'g', file: '/b.c', line: 2}]],
  ],
  ['a torn block', '0x1\nf\n', [[{function: null, file: null, line: null}]]],
  ['no output', '', []],
])('%s', (_name, output, expected) => {
  expect(parseAddr2lineOutput(output)).toEqual(expected);
});
