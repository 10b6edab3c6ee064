import {
  ASYNC_ITERATOR_KEY, abortableDelay, checkStoreKey, checkStoreValue, emptyTableAsList, hostMethod, isLlmspellError, isScriptAsyncIterator, missingParameter,
  MAX_TIMER_MS, normaliseOperation, paramError, prefixUpperBound, timerDelay,
} from './index.js';

describe('abortableDelay', () => {
  it('resolves after the delay and leaves no listener behind', async () => {
    const controller = new AbortController();
    const added: string[] = [];
    const removed: string[] = [];
    const signal = controller.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((type: string, ...rest: unknown[]) => { added.push(type); return (add as (...a: unknown[]) => void)(type, ...rest); }) as typeof signal.addEventListener;
    signal.removeEventListener = ((type: string, ...rest: unknown[]) => { removed.push(type); return (remove as (...a: unknown[]) => void)(type, ...rest); }) as typeof signal.removeEventListener;
    await expect(abortableDelay(1, signal)).resolves.toBeUndefined();
    expect(added).toEqual(['abort']);
    expect(removed).toEqual(['abort']);
  });

  it('waits a delay longer than a timer takes (Node fires those at once), until cancelled', async () => {
    expect(timerDelay(1e12)).toBe(MAX_TIMER_MS);
    expect(timerDelay(-5)).toBe(0);
    expect(timerDelay(Number.NaN)).toBe(0);
    expect(timerDelay(250)).toBe(250);
    const controller = new AbortController();
    let settled = 'no';
    const waiting = abortableDelay(1e12, controller.signal).then(() => (settled = 'resolved'), () => (settled = 'cancelled'));
    // a timer of 1 ms would have fired by the time one of 20 ms has
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe('no');
    controller.abort();
    await waiting;
    expect(settled).toBe('cancelled');
  });

  it('rejects CANCELLED with the given detail when aborted before or during the wait', async () => {
    const before = new AbortController();
    before.abort();
    await expect(abortableDelay(10, before.signal, 'workflow cancelled')).rejects.toThrow('CANCELLED: workflow cancelled');

    const during = new AbortController();
    const waiting = abortableDelay(60_000, during.signal);
    during.abort();
    const err = await waiting.catch((e: unknown) => e);
    expect(isLlmspellError(err) && err.code).toBe('CANCELLED');
  });
});

describe('prefixUpperBound', () => {
  it('is the next string after every key with the prefix, skipping surrogates', () => {
    expect(prefixUpperBound('a:')).toBe('a;');
    expect(prefixUpperBound('a\uD7FF')).toBe('a\uE000');
    expect(prefixUpperBound('a\u{10FFFF}')).toBe('b');
    expect(prefixUpperBound('\u{10FFFF}')).toBeUndefined();
    expect(prefixUpperBound('')).toBeUndefined();
  });
});

describe('operation parameters', () => {
  const table = { read: 'read', read_file: 'read', write: 'write' };

  it('maps aliases case-insensitively and names the parameter when unknown', () => {
    expect(normaliseOperation('file_operations', ' Read_File ', table)).toBe('read');
    const err = (() => { try { return normaliseOperation('file_operations', 'zap', table); } catch (e) { return e; } })();
    expect(isLlmspellError(err) && err.code).toBe('INVALID_ARGUMENT');
    expect(String((err as Error).message)).toBe("INVALID_ARGUMENT: file_operations: parameter 'operation': unknown operation 'zap' (expected one of read, write)");
  });

  it('names the missing parameter and the operation that needs it', () => {
    expect(missingParameter('file_operations', 'path', 'read').message).toBe("INVALID_ARGUMENT: file_operations: parameter 'path' is required for operation 'read'");
    expect(missingParameter('t', 'x').details).toEqual({ tool: 't', parameter: 'x' });
  });

  it('reads an empty Lua table as an empty list and leaves anything else alone', () => {
    expect(emptyTableAsList({})).toEqual([]);
    expect(emptyTableAsList({ a: 1 })).toEqual({ a: 1 });
    expect(emptyTableAsList(null)).toBeNull();
    expect(emptyTableAsList(['a'])).toEqual(['a']);
  });
});

describe('HTTP helpers shared by the network tools', () => {
  test('decodeHttpBody, stringHeaders, redactStrings', async () => {
    const { decodeHttpBody, stringHeaders, redactStrings } = await import('./index.js');
    expect(decodeHttpBody(Buffer.from(''), undefined)).toBeNull();
    expect(decodeHttpBody(Buffer.from('{"a":1}'), 'text/plain')).toEqual({ a: 1 });
    expect(decodeHttpBody(Buffer.from('"s"'), undefined)).toBe('s');
    expect(decodeHttpBody(Buffer.from('{broken'), 'application/json')).toBe('{broken');
    expect(decodeHttpBody(Buffer.from('<p>x</p>'), 'text/html')).toBe('<p>x</p>');
    expect(stringHeaders({ a: 1, b: 'x', c: null })).toEqual({ a: '1', b: 'x' });
    expect(() => stringHeaders({ bad: { x: 1 } })).toThrow("parameter 'headers.bad' must be a string or number");
    expect(redactStrings({ a: ['key sk-1'], n: 2 }, (t) => t.replace('sk-1', '[R]'))).toEqual({ a: ['key [R]'], n: 2 });
  });
});

describe('paramError', () => {
  it('names tool and parameter in message and details, with the code asked for', () => {
    let caught: unknown;
    try {
      paramError('hash_calculator', 'algorithm', "unknown 'md4'", 'UNSUPPORTED', { value: 'md4' });
    } catch (e) {
      caught = e;
    }
    expect(isLlmspellError(caught)).toBe(true);
    expect(caught).toMatchObject({ code: 'UNSUPPORTED', message: "UNSUPPORTED: hash_calculator: parameter 'algorithm': unknown 'md4'", details: { tool: 'hash_calculator', parameter: 'algorithm', value: 'md4' } });
    expect(() => paramError('t', 'p', 'bad')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('state store boundary checks', () => {
  it('refuse a non-string key or value naming the operation', () => {
    expect(() => checkStoreKey(42, 'get')).toThrow("get: key must be a string, got number");
    expect(() => checkStoreValue(undefined, 'put')).toThrow('put: value must be a string, got undefined');
    expect(() => checkStoreKey('k', 'get')).not.toThrow();
    expect(() => checkStoreValue('', 'put')).not.toThrow();
  });
});

describe('the pull-stream protocol', () => {
  it('recognises an object marked with ASYNC_ITERATOR_KEY that has next()', () => {
    const next = hostMethod(async () => ({ done: true }));
    expect(isScriptAsyncIterator({ [ASYNC_ITERATOR_KEY]: true, next })).toBe(true);
    expect(isScriptAsyncIterator({ [ASYNC_ITERATOR_KEY]: true })).toBe(false);
    expect(isScriptAsyncIterator({ [ASYNC_ITERATOR_KEY]: 'yes', next })).toBe(false);
    expect(isScriptAsyncIterator({ next })).toBe(false);
    expect(isScriptAsyncIterator(null)).toBe(false);
  });
});
