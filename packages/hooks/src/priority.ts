import { LlmspellError } from '@llmspell/core';

/** Lower runs first. Values as the reference's `Priority(i32)` constants. */
export const Priority = {
  HIGHEST: -2147483648,
  HIGH: -100,
  NORMAL: 0,
  LOW: 100,
  LOWEST: 2147483647,
} as const;

const NAMED: Record<string, number> = {
  highest: Priority.HIGHEST,
  critical: Priority.HIGHEST,
  high: Priority.HIGH,
  normal: Priority.NORMAL,
  medium: Priority.NORMAL,
  default: Priority.NORMAL,
  low: Priority.LOW,
  lowest: Priority.LOWEST,
};

/** `"high"`, `-100`, nil (normal). An unknown name is an error rather than a silent "normal". */
export function parsePriority(value: unknown, param = 'priority'): number {
  if (value === undefined || value === null) return Priority.NORMAL;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new LlmspellError('INVALID_ARGUMENT', `${param} must be a finite number or a name (highest, high, normal, low, lowest)`);
    return Math.max(Priority.HIGHEST, Math.min(Priority.LOWEST, Math.trunc(value)));
  }
  if (typeof value === 'string') {
    const named = NAMED[value.trim().toLowerCase()];
    if (named !== undefined) return named;
    const n = Number(value);
    if (value.trim() !== '' && Number.isFinite(n)) return parsePriority(n, param);
  }
  throw new LlmspellError('INVALID_ARGUMENT', `${param}: unknown priority '${String(value)}' (highest, high, normal, low, lowest, or a number; lower runs first)`);
}

/** A name for listings: the five named levels, numbers between them bucketed (±50 around each). */
export function priorityName(priority: number): string {
  if (priority === Priority.HIGHEST) return 'highest';
  if (priority < -50) return 'high';
  if (priority <= 50) return 'normal';
  if (priority < Priority.LOWEST) return 'low';
  return 'lowest';
}
