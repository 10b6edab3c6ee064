import { SCRIPT_CALLBACK } from '@llmspell/core';
import { checkStorable } from './value-codec.js';

/** What the Lua and JS bridges hand the host for a script function. */
class LuaCallback {
  readonly [SCRIPT_CALLBACK] = true as const;
  call(): Promise<null> {
    return Promise.resolve(null);
  }
}

describe('checkStorable wording', () => {
  it('calls a script function "a function", not the bridge class behind it', () => {
    expect(() => checkStorable(new LuaCallback())).toThrow('INVALID_ARGUMENT: value at $ is a function; state holds JSON-like data only');
    expect(() => checkStorable({ a: [1, new LuaCallback()] })).toThrow(/value at \$\.a\[1\] is a function;/);
    expect(() => checkStorable({ a: [1, new LuaCallback()] })).not.toThrow(/LuaCallback/);
  });

  it('still names the class of any other non-plain object', () => {
    expect(() => checkStorable({ when: new Date(0) })).toThrow(/value at \$\.when is a Date object;/);
  });
});
