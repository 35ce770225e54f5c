import { expect } from 'vitest';
import { ConfigError } from '../../shared/config/errors.ts';

/** The ConfigError `fn` throws; fails the test if it returns or throws anything else. */
export function catchConfigError(fn: () => unknown): ConfigError {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(ConfigError);
  return thrown as ConfigError;
}

/** Same, for async functions. */
export async function rejectsWithConfigError(promise: Promise<unknown>): Promise<ConfigError> {
  const thrown = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(thrown).toBeInstanceOf(ConfigError);
  return thrown as ConfigError;
}
