/**
 * Stable error codes. Scripts and users match on these, so a code is never renamed;
 * new failure kinds get new codes.
 */
export const ErrorCodes = [
  'SCRIPT_ERROR',
  'SCRIPT_SYNTAX_ERROR',
  'SCRIPT_TIMEOUT',
  'SCRIPT_MEMORY_LIMIT',
  'SCRIPT_STACK_OVERFLOW',
  'ENGINE_NOT_AVAILABLE',
  'INVALID_ARGUMENT',
  'PATH_NOT_ALLOWED',
  'NETWORK_NOT_ALLOWED',
  'PROCESS_NOT_ALLOWED',
  'SECURITY_LEVEL_NOT_ALLOWED',
  'SIZE_LIMIT_EXCEEDED',
  'OPERATION_NOT_ALLOWED',
  'TOOL_NOT_FOUND',
  'TOOL_EXECUTION_FAILED',
  'AGENT_NOT_FOUND',
  'AGENT_ERROR',
  'WORKFLOW_NOT_FOUND',
  'WORKFLOW_ERROR',
  'PROVIDER_NOT_CONFIGURED',
  'PROVIDER_ERROR',
  'MISSING_API_KEY',
  'RATE_LIMITED',
  'BUDGET_EXCEEDED',
  'TIMEOUT',
  'CANCELLED',
  'HOOK_CANCELLED',
  'HOOK_ERROR',
  'STATE_ERROR',
  'STATE_INVALID_KEY',
  'STATE_CIRCULAR_VALUE',
  'STATE_SECRET_REFUSED',
  'STATE_READ_ONLY',
  'MIGRATION_FAILED',
  'BACKUP_NOT_FOUND',
  'BACKUP_INVALID',
  'CONFIG_NOT_FOUND',
  'CONFIG_INVALID',
  'PACKAGE_NOT_INSTALLED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'UNSUPPORTED',
  'IO_ERROR',
  'MCP_CONNECT_FAILED',
  'MCP_TIMEOUT',
  'MCP_PROTOCOL_ERROR',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ErrorCodes)[number];

/**
 * Longest `detail` an error keeps, in characters. A message can quote input (a script's
 * `error(...)`, a value that failed to parse); past this length the middle is cut and a marker
 * says how much, so a 20 MB message prints as about 8 KiB. String values in `details` are cut
 * the same way.
 */
export const MAX_ERROR_DETAIL_LENGTH = 8192;

/**
 * Room a cut message keeps for being wrapped again (`file:line: ` plus the cut one): only text over
 * the limit by more than this is cut, so a cut message is not cut a second time, which would drop
 * the first marker and misstate how much was cut.
 */
const WRAP_SLACK = 1024;

/** Cuts text over `max` characters (plus a small slack), keeping its start and end with a marker of what was cut between. */
export function truncateMiddle(text: string, max = MAX_ERROR_DETAIL_LENGTH): string {
  if (text.length <= max + WRAP_SLACK) return text;
  const keepEnd = Math.floor(max / 4);
  const keepStart = max - keepEnd;
  const cut = text.length - keepStart - keepEnd;
  return `${text.slice(0, keepStart)} … [${cut} characters cut] … ${text.slice(text.length - keepEnd)}`;
}

function boundDetails(details: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!details) return {};
  let out: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(details)) {
    if (typeof value === 'string' && value.length > MAX_ERROR_DETAIL_LENGTH + WRAP_SLACK) {
      out ??= { ...details };
      out[key] = truncateMiddle(value);
    }
  }
  return out ?? details;
}

export interface LlmspellErrorOptions {
  cause?: unknown;
  details?: Record<string, unknown>;
}

/**
 * The one error type llmspell throws. `message` always starts with the code
 * (`PATH_NOT_ALLOWED: /etc/passwd is outside the allowed roots`) so that a script
 * which only sees a string can still tell failures apart.
 */
export class LlmspellError extends Error {
  readonly code: ErrorCode;
  /** The message without the code prefix, at most MAX_ERROR_DETAIL_LENGTH characters plus the cut marker. */
  readonly detail: string;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, detail: string, options: LlmspellErrorOptions = {}) {
    const bounded = truncateMiddle(detail);
    super(`${code}: ${bounded}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LlmspellError';
    this.code = code;
    this.detail = bounded;
    this.details = boundDetails(options.details);
  }

  toJSON(): { code: ErrorCode; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }

  /**
   * `instanceof LlmspellError` holds for an error of another copy of this package too (a
   * plugin's own @llmspell/core, the CLI's bundled host): code written against either copy
   * must see the other's errors as coded errors, not wrap them as unknown failures.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== LlmspellError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[ERROR_BRAND] === true;
  }
}

const ERROR_BRAND = Symbol.for('llmspell.error');
Object.defineProperty(LlmspellError.prototype, ERROR_BRAND, { value: true });

export function isLlmspellError(value: unknown): value is LlmspellError {
  return value instanceof LlmspellError || (
    typeof value === 'object' && value !== null && (value as { name?: unknown }).name === 'LlmspellError' &&
    typeof (value as { code?: unknown }).code === 'string'
  );
}

/** Wraps anything thrown into an LlmspellError, keeping an existing code. */
export function toLlmspellError(error: unknown, fallback: ErrorCode = 'INTERNAL', context?: string): LlmspellError {
  if (isLlmspellError(error)) return error;
  if (error instanceof Error && error.name === 'AbortError') {
    return new LlmspellError('CANCELLED', context ? `${context}: operation cancelled` : 'operation cancelled', { cause: error });
  }
  const text = error instanceof Error ? error.message : String(error);
  return new LlmspellError(fallback, context ? `${context}: ${text}` : text, { cause: error });
}
