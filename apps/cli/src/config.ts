import { readFileSync } from 'node:fs';
import type { Command } from 'commander';

/**
 * The one place that reads the environment: every flag of every command can also come from an
 * OPENKASSA_* variable (OPENKASSA_DATA for --data, OPENKASSA_UPSTREAM_RELAY for
 * --upstream-relay) or from a JSON config file (--config / OPENKASSA_CONFIG) whose keys are
 * the flag names, with an optional section per command: { "db": "...", "server": { "http": ... } }.
 * Precedence: flag, then variable, then config file, then the default.
 */
export function envName(flag: string): string {
  return `OPENKASSA_${flag.replace(/^--/, '').replace(/-/g, '_').toUpperCase()}`;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message}`);
  }
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError(`config file ${file} is not a JSON object: ${(e as Error).message}`);
  }
}

/** Fills options the user did not give on the command line from the environment and the config file. */
export function applyEnvironment(cmd: Command, env: NodeJS.ProcessEnv): void {
  const configPath = cmd.optsWithGlobals<{ config?: string }>().config ?? env.OPENKASSA_CONFIG;
  const file = configPath !== undefined ? readConfigFile(configPath) : {};
  const section = file[cmd.name()];
  const scoped =
    typeof section === 'object' && section !== null && !Array.isArray(section)
      ? (section as Record<string, unknown>)
      : {};
  for (const opt of cmd.options) {
    const key = opt.attributeName();
    const source = cmd.getOptionValueSource(key);
    if (source === 'cli') continue;
    const long = opt.long;
    if (!long || long === '--config' || long === '--help') continue;
    const fromEnv = env[envName(long)];
    const name = long.replace(/^--/, '');
    const fromFile = scoped[name] ?? file[name];
    let value: unknown;
    let from: 'env' | 'config' | undefined;
    if (fromEnv !== undefined) {
      value =
        opt.isBoolean() && !opt.required && !opt.optional
          ? !['0', 'false', 'no', ''].includes(fromEnv.toLowerCase())
          : fromEnv;
      from = 'env';
    } else if (fromFile !== undefined) {
      value = fromFile;
      from = 'config';
    }
    if (from === undefined) continue;
    const parse = opt.parseArg as ((v: string, prev: unknown) => unknown) | undefined;
    cmd.setOptionValueWithSource(
      key,
      parse && typeof value === 'string' ? parse(value, undefined) : value,
      from,
    );
  }
}
