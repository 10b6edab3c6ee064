export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function shouldLog(threshold: LogLevel, level: LogLevel): boolean {
  return ORDER[level] >= ORDER[threshold];
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/** A logger writing `[level] message {data}` lines to a sink (stderr by default). */
export function createLogger(options: {
  level?: LogLevel;
  sink?: (line: string) => void;
  redact?: (text: string) => string;
} = {}): Logger {
  const threshold = options.level ?? 'info';
  const sink = options.sink ?? ((line: string) => process.stderr.write(line + '\n'));
  const redact = options.redact ?? ((t: string) => t);
  const log = (level: LogLevel) => (message: string, data?: Record<string, unknown>) => {
    if (!shouldLog(threshold, level)) return;
    let line = `[${level}] ${message}`;
    if (data !== undefined && Object.keys(data).length > 0) {
      try {
        line += ' ' + JSON.stringify(data);
      } catch {
        line += ' [unserializable data]';
      }
    }
    sink(redact(line));
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
