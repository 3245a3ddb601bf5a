// Table tests for reading llvm-symbolizer's JSON answers, including inline chains and errors.

import {parseLlvmSymbolizerJson} from '../parseLlvmSymbolizerJson';

const symbol = (FunctionName: string, FileName: string, Line: number): object => ({
  Column: 3,
  Discriminator: 0,
  FileName,
  FunctionName,
  Line,
  StartAddress: '0x1139',
  StartFileName: FileName,
  StartLine: 1,
});

it.each([
  [
    'a plain frame',
    {Address: '0x116f', ModuleName: '/t', Symbol: [symbol('main', '/src/t.c', 6)]},
    [{function: 'main', file: '/src/t.c', line: 6}],
  ],
  [
    'an inline chain, innermost first: the outermost (last) entry owns the address',
    {Address: '0x1', ModuleName: '/t', Symbol: [symbol('helper', '/src/h.h', 3), symbol('main', '/src/t.c', 9)]},
    [{function: 'helper', file: '/src/h.h', line: 3}, {function: 'main', file: '/src/t.c', line: 9}],
  ],
  [
    'a symbol-table hit without debug info',
    {Address: '0x2', ModuleName: '/libc.so.6', Symbol: [symbol('printf', '', 0)]},
    [{function: 'printf', file: null, line: null}],
  ],
  [
    'nothing known',
    {Address: '0x3', ModuleName: '/t', Symbol: [symbol('??', '??', 0)]},
    [{function: null, file: null, line: null}],
  ],
  [
    'a missing file',
    {Address: '0x10', Error: {Message: 'No such file or directory'}, ModuleName: '/nonexist'},
    [{function: null, file: null, line: null}],
  ],
  ['an empty Symbol list', {Address: '0x4', ModuleName: '/t', Symbol: []}, [{function: null, file: null, line: null}]],
  ['a bare number', 42, [{function: null, file: null, line: null}]],
])('%s', (_name, answer, expected) => {
  expect(parseLlvmSymbolizerJson(JSON.stringify(answer))).toEqual(expected);
});

it('answers nulls for a line that is not JSON', () => {
  expect(parseLlvmSymbolizerJson('main\n/src/t.c:6')).toEqual([{function: null, file: null, line: null}]);
});
