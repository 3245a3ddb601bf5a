/**
 * @jest-environment-options {"pmm": {"memoryMB": 512}}
 */
test('never runs: the environment refuses the option', () => {});
