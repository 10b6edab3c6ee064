import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  type ExecutionContextInit, type SecurityPolicyOptions, type Tool, type ToolResult, SecurityPolicy, createExecutionContext, executeComponent,
} from '@llmspell/core';

export interface Sandbox {
  dir: string;
  policy: SecurityPolicy;
  run(tool: Tool, params: Record<string, unknown>, init?: Partial<ExecutionContextInit>): Promise<ToolResult>;
  cleanup(): void;
}

export function sandbox(options: Partial<SecurityPolicyOptions> = {}): Sandbox {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-sys-')));
  const policy = new SecurityPolicy({ allowedPaths: [dir], cwd: dir, ...options });
  return {
    dir,
    policy,
    run: (tool, params, init = {}) => executeComponent(tool, params, createExecutionContext({ policy, ...init })),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

export { expectRejection as expectCode } from '@llmspell/core/testing';
