import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  type EventSink, type ExecutionContextInit, type SecurityPolicyOptions, type Tool, type ToolResult, SecurityPolicy,
  createExecutionContext, executeComponent,
} from '@llmspell/core';

export interface Sandbox {
  dir: string;
  /** A directory beside the sandbox, outside the allowed roots. */
  outside: string;
  policy: SecurityPolicy;
  run(tool: Tool, params: Record<string, unknown>, init?: Partial<ExecutionContextInit>): Promise<ToolResult>;
  file(rel: string, content?: string | Buffer): string;
  read(rel: string): string;
  cleanup(): void;
}

export function sandbox(options: Partial<SecurityPolicyOptions> = {}): Sandbox {
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-fs-')));
  const dir = path.join(base, 'root');
  const outside = path.join(base, 'outside');
  fs.mkdirSync(dir);
  fs.mkdirSync(outside);
  const policy = new SecurityPolicy({ allowedPaths: [dir], cwd: dir, ...options });
  return {
    dir,
    outside,
    policy,
    run: (tool, params, init = {}) => executeComponent(tool, params, createExecutionContext({ policy, ...init })),
    file(rel, content = '') {
      const full = path.join(dir, rel);
      fs.mkdirSync(path.dirname(full), { recursive: true });
      fs.writeFileSync(full, content);
      return full;
    },
    read: (rel) => fs.readFileSync(path.join(dir, rel), 'utf8'),
    cleanup: () => fs.rmSync(base, { recursive: true, force: true }),
  };
}

/** An EventSink that resolves `ready` when the named event is published. */
export function eventWaiter(type: string): { sink: EventSink; ready: Promise<unknown> } {
  let resolve!: (v: unknown) => void;
  const ready = new Promise<unknown>((r) => {
    resolve = r;
  });
  return {
    sink: { publish: (t, data) => { if (t === type) resolve(data); } },
    ready,
  };
}

export { expectRejection as expectCode } from '@llmspell/core/testing';
