/** Small helpers shared by the benches. */
import { stopAll } from '../test/e2e/support.js';

/** `--name <number>` from the command line, or the default. */
export function numberArg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const n = Number(process.argv[i + 1]);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} needs a positive number`);
  return n;
}

/** `--name <n>,<n>,…` from the command line, or the default. */
export function numberListArg(name: string, dflt: readonly number[]): number[] {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return [...dflt];
  const ns = String(process.argv[i + 1])
    .split(',')
    .map(Number);
  if (ns.some((n) => !Number.isFinite(n) || n <= 0))
    throw new Error(`--${name} needs positive numbers, comma-separated`);
  return ns;
}

/** The p-quantile (0..1) of a sample; NaN for an empty one. */
export function quantile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
}

/** Runs a bench's main: exit 0 when it is done; on an error, print it, stop every process it started, exit 1. */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    async (e: unknown) => {
      console.error(e);
      await stopAll();
      process.exit(1);
    },
  );
}
