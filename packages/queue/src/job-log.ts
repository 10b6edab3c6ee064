import type { Redis } from 'ioredis';
import { MAX_LINE_BYTES, MAX_LOG_BYTES, clipText } from './job-text.js';

/** Lines of a job's output kept in its log, over all its runs; the rest is summarised. */
export const MAX_LOG_LINES = 1000;

/** One run's writer of a job's log. */
export interface JobLog {
  /** Adds a line, cut to MAX_LINE_BYTES; beyond the job's budget, only counts it. Never throws. */
  write(line: string): void;
  /** Adds one line saying what was not kept, if anything was. Never rejects. */
  close(): Promise<void>;
}

const MIB = 1024 * 1024;

/**
 * Opens a job's log (the Redis list `key`, which `append` adds to) for one run. The whole
 * log, every run of the job together, keeps at most MAX_LOG_LINES lines and MAX_LOG_BYTES
 * (plus a line saying what was dropped): a retried job must not grow it run after run. Earlier
 * runs keep at most half, their newest lines, so the latest run always has room to show why
 * it ended.
 */
export async function openJobLog(control: Redis, key: string, append: (line: string) => Promise<unknown>): Promise<JobLog> {
  let lines = 0;
  let bytes = 0;
  try {
    const total = await control.llen(key);
    if (total > 0) {
      // Only the newest half can be kept: never read more (a log written before these limits may be huge).
      const tail = await control.lrange(key, -Math.floor(MAX_LOG_LINES / 2), -1);
      let kept = 0;
      for (let i = tail.length - 1; i >= 0; i--) {
        const size = Buffer.byteLength(tail[i]);
        if (bytes + size > MAX_LOG_BYTES / 2) break;
        kept++;
        bytes += size;
      }
      lines = kept;
      if (kept < total) {
        const note = `… ${total - kept} line${total - kept === 1 ? '' : 's'} of earlier runs' output not kept`;
        await control.multi().ltrim(key, total - kept, -1).lpush(key, note).exec();
        lines++;
        bytes += Buffer.byteLength(note);
      }
    }
  } catch {
    // The earlier runs' log could not be read: this run still keeps within its own budget.
  }
  let droppedLines = 0;
  let droppedBytes = 0;
  return {
    write(line) {
      const text = clipText(line, MAX_LINE_BYTES);
      const size = Buffer.byteLength(text);
      // Once a line is dropped, so is every later one: a log with gaps in it would mislead.
      if (droppedLines === 0 && lines < MAX_LOG_LINES && bytes + size <= MAX_LOG_BYTES) {
        lines++;
        bytes += size;
        void append(text).catch(() => undefined);
      } else {
        droppedLines++;
        droppedBytes += Buffer.byteLength(line);
      }
    },
    async close() {
      if (droppedLines === 0) return;
      const what = `${droppedLines} more line${droppedLines === 1 ? '' : 's'} (${droppedBytes} bytes)`;
      await append(`… ${what} of output not kept: a job's log keeps at most ${MAX_LOG_LINES} lines and ${MAX_LOG_BYTES / MIB} MiB`).catch(() => undefined);
    },
  };
}
