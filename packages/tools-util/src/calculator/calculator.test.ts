import { calculator } from '../index.js';
import { callTool, expectToolFailure, toolResult } from '@llmspell/core/testing';

const evaluate = async (input: string, variables?: Record<string, unknown>) =>
  (await toolResult(calculator, { input, ...(variables ? { variables } : {}) })).result;

describe('calculator', () => {
  it('evaluates with the reference output shape', async () => {
    const r = await toolResult(calculator, { operation: 'evaluate', input: '2 + 3 * 4' });
    expect(r).toEqual({ result: 14, result_type: 'integer', expression: '2 + 3 * 4', variables: {} });
    const full = await callTool(calculator, { input: '1.5 * 2' });
    expect(JSON.parse(full.text)).toMatchObject({ operation: 'evaluate', success: true, result: { result: 3 } });
  });

  it('follows precedence, associativity and unary minus', async () => {
    expect(await evaluate('(2 + 3) * 4')).toBe(20);
    expect(await evaluate('2 ^ 3 ^ 2')).toBe(512);
    expect(await evaluate('(2 ^ 3) ^ 2')).toBe(64);
    expect(await evaluate('-2 ^ 2')).toBe(-4);
    expect(await evaluate('2 ^ -1')).toBe(0.5);
    expect(await evaluate('10 - 4 - 3')).toBe(3);
    expect(await evaluate('100 / 10 / 5')).toBe(2);
    expect(await evaluate('7 % 3 + 1')).toBe(2);
    expect(await evaluate('--3')).toBe(3);
    expect(await evaluate('2 * -3')).toBe(-6);
    expect(await evaluate('1e3 + .5')).toBe(1000.5);
    expect(await evaluate('2 ** 10')).toBe(1024);
    expect((await toolResult(calculator, { input: '10 / 4' })).result_type).toBe('float');
  });

  it('supports comparison and boolean operators, including word forms', async () => {
    expect(await evaluate('3 > 2 && 2 >= 2')).toBe(true);
    expect(await evaluate('1 == 2 || 3 != 3')).toBe(false);
    expect(await evaluate('!(1 < 2)')).toBe(false);
    expect(await evaluate('x > 3 and y < 2', { x: 4, y: 1 })).toBe(true);
    expect(await evaluate('not flag or 1 <= 0', { flag: true })).toBe(false);
    expect(await evaluate('1 + 1 == 2')).toBe(true);
    expect((await toolResult(calculator, { input: '2 < 3' })).result_type).toBe('boolean');
  });

  it('has the documented functions and constants', async () => {
    expect(await evaluate('sqrt(16) + abs(-2)')).toBe(6);
    expect(await evaluate('round(sin(pi / 2) * 100)')).toBe(100);
    expect(await evaluate('cos(0) + tan(0)')).toBe(1);
    expect(await evaluate('asin(1) * 2')).toBeCloseTo(Math.PI);
    expect(await evaluate('acos(1) + atan(0)')).toBe(0);
    expect(await evaluate('ln(e)')).toBe(1);
    expect(await evaluate('log(1000)')).toBe(3);
    expect(await evaluate('log(2, 8)')).toBeCloseTo(3);
    expect(await evaluate('log10(100) + log2(8)')).toBe(5);
    expect(await evaluate('exp(0)')).toBe(1);
    expect(await evaluate('floor(2.7) + ceil(2.1)')).toBe(5);
    expect(await evaluate('round(2.5) + round(-2.5)')).toBe(0);
    expect(await evaluate('round(3.14159, 2)')).toBe(3.14);
    expect(await evaluate('min(4, 2, 8) + max(1, 9)')).toBe(11);
    expect(await evaluate('pow(2, 8)')).toBe(256);
  });

  it('accepts the rs-llmspell (fasteval) spellings used by its example scripts', async () => {
    expect(await evaluate('sin(pi()/2) + cos(0) + tan(pi()/4)')).toBeCloseTo(3);
    expect(await evaluate('exp(1) + ln(e()) + log(10, 100)')).toBeCloseTo(Math.E + 3);
    expect(await evaluate('int(7.9) + int(-7.9)')).toBe(0);
    expect(await evaluate('asinh(0) + acosh(1) + atanh(0)')).toBe(0);
    await expect(evaluate('pi(1)')).rejects.toThrow(/takes 0 argument/);
    // A variable may still shadow a constant that is also callable.
    expect(await evaluate('e * 2', { e: 5 })).toBe(10);
  });

  it('uses variables', async () => {
    expect(await evaluate('sqrt(x^2 + y^2)', { x: 3, y: 4 })).toBe(5);
    expect(await evaluate('rate * 100', { rate: 0.25 })).toBe(25);
    const r = await toolResult(calculator, { input: 'a + b', variables: { a: 1, b: 2 } });
    expect(r.variables).toEqual({ a: 1, b: 2 });
  });

  it('accepts the DOC parameter name expression', async () => {
    expect((await toolResult(calculator, { expression: '6 * 7' })).result).toBe(42);
  });

  it('fails hard on math errors, naming input and the position', async () => {
    const div = await expectToolFailure(calculator, { input: '1 / (2 - 2)' }, 'INVALID_ARGUMENT', 'input');
    expect(div.message).toMatch(/division by zero at position 3/);
    await expectToolFailure(calculator, { input: '5 % 0' }, 'INVALID_ARGUMENT', /modulo by zero/);
    await expectToolFailure(calculator, { input: 'sqrt(-1)' }, 'INVALID_ARGUMENT', /not a number/);
    await expectToolFailure(calculator, { input: '10 ^ 400' }, 'INVALID_ARGUMENT', /overflow/);
  });

  it('reports syntax errors and unknown names with positions', async () => {
    const fn = await expectToolFailure(calculator, { input: '2 + foo(3)' }, 'INVALID_ARGUMENT', 'input');
    expect(fn.message).toMatch(/unknown function 'foo' at position 5/);
    await expectToolFailure(calculator, { input: 'x + 1' }, 'INVALID_ARGUMENT', /unknown variable 'x' at position 1/);
    await expectToolFailure(calculator, { input: '(1 + 2' }, 'INVALID_ARGUMENT', /expected '\)'.*position 7/);
    await expectToolFailure(calculator, { input: '1 + * 2' }, 'INVALID_ARGUMENT', /unexpected '\*' at position 5/);
    await expectToolFailure(calculator, { input: '1 = 1' }, 'INVALID_ARGUMENT', /use '=='/);
    await expectToolFailure(calculator, { input: 'max()' }, 'INVALID_ARGUMENT', /at least 1 argument/);
    await expectToolFailure(calculator, { input: 'pow(2)' }, 'INVALID_ARGUMENT', /takes 2 argument/);
    await expectToolFailure(calculator, { input: '1 + true_' }, 'INVALID_ARGUMENT', /unknown variable/);
    await expectToolFailure(calculator, { input: '1 + (2 > 1)' }, 'INVALID_ARGUMENT', /needs a number/);
    await expectToolFailure(calculator, { input: '!3' }, 'INVALID_ARGUMENT', /needs a boolean/);
    await expectToolFailure(calculator, { input: '2 $ 3' }, 'INVALID_ARGUMENT', /unexpected character '\$'/);
    // No code execution: JS globals are just unknown names.
    await expectToolFailure(calculator, { input: 'constructor' }, 'INVALID_ARGUMENT', /unknown variable 'constructor'/);
    await expectToolFailure(calculator, { input: 'process.exit(1)' }, 'INVALID_ARGUMENT', /unexpected character '\.'|malformed|unexpected/);
  });

  it('guards expression length and nesting depth', async () => {
    await expectToolFailure(calculator, { input: `1${'+1'.repeat(600)}` }, 'INVALID_ARGUMENT', /over the limit of 1000/);
    expect(await evaluate(`${'('.repeat(50)}1${')'.repeat(50)}`)).toBe(1);
    await expectToolFailure(calculator, { input: `${'('.repeat(51)}1${')'.repeat(51)}` }, 'INVALID_ARGUMENT', /nesting deeper than 50/);
    await expectToolFailure(calculator, { input: `${'-'.repeat(60)}1` }, 'INVALID_ARGUMENT', /nesting deeper than 50/);
  });

  it('validates without evaluating, reporting problems as data', async () => {
    expect(await toolResult(calculator, { operation: 'validate', input: 'max(a, 2) > 1', variables: { a: 1 } })).toEqual({ valid: true, expression: 'max(a, 2) > 1' });
    const bad = await toolResult(calculator, { operation: 'validate', input: '2 +' });
    expect(bad).toMatchObject({ valid: false, position: 4 });
    expect(bad.error).toMatch(/unexpected end/);
    // Division by zero is a runtime matter, not a syntax error.
    expect((await toolResult(calculator, { operation: 'validate', input: '1/0' })).valid).toBe(true);
  });

  it('lists functions, constants and operators', async () => {
    const r = await toolResult(calculator, { operation: 'functions' });
    const names = r.functions.map((f: { name: string }) => f.name);
    for (const f of ['sqrt', 'abs', 'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'ln', 'log', 'log10', 'log2', 'exp', 'floor', 'ceil', 'round', 'min', 'max', 'pow']) {
      expect(names).toContain(f);
    }
    expect(r.constants.pi).toBeCloseTo(Math.PI);
    expect(r.constants.e).toBeCloseTo(Math.E);
  });

  it('rejects bad parameters naming them', async () => {
    await expectToolFailure(calculator, { operation: 'evaluate' }, 'INVALID_ARGUMENT', 'input');
    await expectToolFailure(calculator, { operation: 'integrate', input: '1' }, 'INVALID_ARGUMENT', 'operation');
    await expectToolFailure(calculator, { input: 'x', variables: { x: 'three' } }, 'INVALID_ARGUMENT', 'variables.x');
    await expectToolFailure(calculator, { input: 'sqrt + 1', variables: { sqrt: 1 } }, 'INVALID_ARGUMENT', 'variables.sqrt');
    await expectToolFailure(calculator, { input: 5 }, 'INVALID_ARGUMENT', 'input');
  });
});
