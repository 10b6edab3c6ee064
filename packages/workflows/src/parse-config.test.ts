import { createWorkflowFromConfig } from './parse-config.js';

describe('workflow config keys', () => {
  test("the reference examples' on_start / on_complete are known keys, not near misses of on_step_complete", () => {
    const said: string[] = [];
    const resolver = { warn: (m: string) => void said.push(m), fn: (v: unknown) => (typeof v === 'function' ? (v as () => unknown) : undefined) };
    const body = [{ name: 's', execute: () => 1 }];
    createWorkflowFromConfig('loop', { name: 'inventory', iterator: { range: { start: 1, end: 2 } }, body, on_start: () => null, on_complete: () => null }, resolver);
    createWorkflowFromConfig('sequential', { name: 'stateful', steps: body, on_complete: () => null }, resolver);
    expect(said).toEqual([]);
    // a real near miss is still said
    createWorkflowFromConfig('sequential', { name: 'typo', steps: body, on_step_complet: () => null }, resolver);
    expect(said).toEqual(["Workflow.sequential 'typo': unknown field 'on_step_complet' is ignored (did you mean 'on_step_complete'?)"]);
  });
});
