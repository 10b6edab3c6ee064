import { builtinHookName, normalizeHookResult, parseHookPoint, parseOverflowStrategy } from './index.js';

// Names come from scripts and config: the ones Object.prototype carries must be as unknown as any other.
describe.each(['constructor', 'toString', '__proto__'])('the name %s', (name) => {
  test('is no overflow strategy', () => {
    expect(() => parseOverflowStrategy(name)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
  test('is no hook point', () => {
    expect(() => parseHookPoint(name)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
  test('is no hook result type', () => {
    expect(() => normalizeHookResult({ type: name })).toThrow(expect.objectContaining({ code: 'HOOK_ERROR' }));
  });
  test('is no built-in hook', () => {
    expect(() => builtinHookName(name)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED' }));
  });
});
