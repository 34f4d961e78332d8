/** Fault modes of the sandbox OFD, switched at run time over HTTP. */
export const FAULT_MODES = ['normal', 'down', 'silent', 'slow', 'reject', 'drop'] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

export interface FaultState {
  readonly mode: FaultMode;
  /** Answer delay in `slow` mode. */
  readonly delayMs: number;
}

export function isFaultMode(v: unknown): v is FaultMode {
  return typeof v === 'string' && (FAULT_MODES as readonly string[]).includes(v);
}

export const FAULT_HELP: Record<FaultMode, string> = {
  normal: 'answer every message',
  down: 'refuse connections (the port is closed)',
  silent: 'read and store, never answer',
  slow: 'answer after delayMs',
  reject: 'answer every message with a ФЛК error (code 14)',
  drop: 'close the connection after reading, without storing or answering',
};
