/**
 * Loading the monitors config: a .ts module (Node 24 strips the types) whose default export is
 * the config, or a .json file. Every failure, from a missing file to a misspelt key, is a
 * ConfigError naming the file.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from './errors.ts';
import { safeParse, toConfigError } from './issues.ts';
import { netprobeConfigSchema } from './schema.ts';
import type { NetprobeConfig } from './types.ts';

export const DEFAULT_CONFIG_PATH = './monitors.config.ts';

const MODULE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

function fileError(source: string, message: string, cause?: unknown): ConfigError {
  return new ConfigError([{ path: '', message }], { source, cause });
}

/**
 * Validates and resolves a config already in memory (an embedded config in a Lambda, a parsed
 * JSON body). `source` names its origin in error messages.
 */
export function parseConfig(input: unknown, source?: string): NetprobeConfig {
  const result = safeParse(netprobeConfigSchema, input);
  if (!result.ok) throw toConfigError(result.issues, source);
  return result.value;
}

/** The config as written (before defaults and checks): what `loadConfig` validates. */
export async function readConfigInput(path: string = DEFAULT_CONFIG_PATH): Promise<unknown> {
  const extension = extname(path).toLowerCase();
  if (extension !== '.json' && !MODULE_EXTENSIONS.includes(extension)) {
    throw fileError(path, `unsupported file type ${JSON.stringify(extension)} (use .ts or .json)`);
  }
  const absolute = resolve(path);
  try {
    if (!(await stat(absolute)).isFile()) throw fileError(path, 'not a file');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw fileError(
      path,
      (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message,
      err,
    );
  }
  if (extension === '.json') {
    const text = await readFile(absolute, 'utf8');
    try {
      return JSON.parse(text);
    } catch (err) {
      throw fileError(path, `invalid JSON: ${(err as Error).message}`, err);
    }
  }
  let module: { default?: unknown };
  try {
    module = await import(pathToFileURL(absolute).href);
  } catch (err) {
    // Syntax errors, failed imports and exceptions thrown while the module runs.
    throw fileError(path, `cannot load: ${(err as Error).message}`, err);
  }
  if (module.default === undefined) {
    throw fileError(path, 'no default export (write `export default defineConfig({ … })`)');
  }
  return module.default;
}

/** Loads, validates and resolves the monitors config (default ./monitors.config.ts). */
export async function loadConfig(path: string = DEFAULT_CONFIG_PATH): Promise<NetprobeConfig> {
  return parseConfig(await readConfigInput(path), path);
}
