import { createWorkflowFromConfig, executeWorkflow } from './index.js';
import { evaluateExpression } from './expression.js';
import { changedShared } from './distributed.js';
import { context } from './__fixtures__/helpers.js';

/**
 * Equal JSON values are equal whatever the order of their keys: a Lua table or a JS object
 * built in another order, a value that went through state or a queue, must still match.
 */
describe('equality in conditions ignores key order', () => {
  test('expression == and !=', () => {
    const vars = { input: { user: { name: 'ada', role: 'admin' } }, other: { role: 'admin', name: 'ada' } };
    expect(evaluateExpression('input.user == other', vars)).toBe(true);
    expect(evaluateExpression('input.user != other', vars)).toBe(false);
    expect(evaluateExpression('input.user == other', { ...vars, other: { role: 'user', name: 'ada' } })).toBe(false);
    expect(evaluateExpression('input.list == other', { input: { list: [{ a: 1, b: 2 }] }, other: [{ b: 2, a: 1 }] })).toBe(true);
    // Arrays keep their order.
    expect(evaluateExpression('input.list == other', { input: { list: [1, 2] }, other: [2, 1] })).toBe(false);
  });

  test('shared_data_equals, step_output_equals and input_equals', async () => {
    const branch = (condition: object) => createWorkflowFromConfig('conditional', {
      name: 'eq',
      branches: [{ name: 'hit', condition, steps: [{ name: 'h', tool: 'upper', input: { input: 'hit' } }] }],
      default_branch: { steps: [{ name: 'd', tool: 'upper', input: { input: 'miss' } }] },
    });
    const input = { filter: { status: 'open', owner: 'ada' } };
    const run = async (condition: object) => (await executeWorkflow(branch(condition), { input }, context())).output;
    expect(await run({ type: 'input_equals', key: 'filter', value: { owner: 'ada', status: 'open' } })).toBe('HIT');
    expect(await run({ type: 'input_equals', key: 'filter', value: { owner: 'bob', status: 'open' } })).toBe('MISS');

    // A loop body builds objects and shares them; the break conditions name them in another order.
    const make = async (ctx: any) => {
      const value = ctx.current_item === 'c' ? { z: 1, a: { y: 2, x: 3 } } : { z: 0 };
      ctx.set_shared('last', value);
      return value;
    };
    const loop = (condition: object) => createWorkflowFromConfig('loop', {
      name: 'l', iterator: { collection: ['a', 'b', 'c', 'd'] }, body: [{ name: 'make', execute: make }], break_conditions: [condition],
    });
    const stops = async (condition: object) => ((await executeWorkflow(loop(condition), { input: {} }, context())).data as { completed_iterations: number }).completed_iterations;
    expect(await stops({ type: 'step_output_equals', step: 'make', value: { a: { x: 3, y: 2 }, z: 1 } })).toBe(3);
    expect(await stops({ type: 'shared_data_equals', key: 'last', value: { a: { x: 3, y: 2 }, z: 1 } })).toBe(3);
    expect(await stops({ type: 'shared_data_equals', key: 'last', value: { a: { x: 3, y: 9 }, z: 1 } })).toBe(4);
  });

  test('a unit that rewrote a shared value in another key order changed nothing', () => {
    expect(changedShared({ cfg: { a: 1, b: 2 } }, { cfg: { b: 2, a: 1 } })).toBeUndefined();
    expect(changedShared({ cfg: { a: 1 } }, { cfg: { a: 2 } })).toEqual({ cfg: { a: 2 } });
    expect(changedShared({}, { fresh: null })).toEqual({ fresh: null });
  });
});
