// The environment's constructor: the options it reads, before any VM (setup() boots nothing it is not asked to).
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import PmmEnvironment from '../PmmEnvironment';

function environment(testEnvironmentOptions: Record<string, unknown>): PmmEnvironment {
  const config = { globalConfig: {}, projectConfig: { testEnvironmentOptions } } as unknown as JestEnvironmentConfig;
  const context = { console, docblockPragmas: {}, testPath: __filename } as unknown as EnvironmentContext;
  return new PmmEnvironment(config, context);
}

test('options under the pmm key are the ones in force', async () => {
  const env = environment({ pmm: { memoryMiB: 512 } });
  expect((env.global.pmm as { options: { memoryMiB: number } }).options.memoryMiB).toBe(512);
  await env.teardown();
});

test('pmm.options cannot be changed, nor replaced: what it shows stays what is in force', async () => {
  const env = environment({ pmm: { memoryMiB: 512 } });
  const pmm = env.global.pmm as { options: { memoryMiB: number } };
  expect(() => {
    pmm.options.memoryMiB = 2048;
  }).toThrow(TypeError);
  expect(() => {
    pmm.options = { memoryMiB: 2048 };
  }).toThrow(TypeError);
  expect(pmm.options.memoryMiB).toBe(512);
  await env.teardown();
});

test('pmm.options shows a leakThreshold figure left out as left out (it showed blocks: 9007199254740991)', async () => {
  const env = environment({ pmm: { leakThreshold: { bytes: 100 } } });
  expect((env.global.pmm as { options: { leakThreshold: unknown } }).options.leakThreshold).toStrictEqual({ bytes: 100 });
  await env.teardown();
});

test("one of pmm's options given beside the pmm key (a config's or a docblock's) fails the file, saying where it goes", () => {
  expect(() => environment({ memoryMiB: 512 })).toThrow(/^pmm: option "memoryMiB" must be under the "pmm" key of testEnvironmentOptions/);
});
