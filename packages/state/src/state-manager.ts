import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import {
  LlmspellError, SecretRedactor, modifiedField, runMaybeSync,
  type EventSink, type MaybePromise, type HookContext, type HookExecutor, type HookPoint, type HookResult, type Logger, type StateAccess, type StateStore,
} from '@llmspell/core';
import { BackupManager, type BackupManagerOptions } from './backup/backup-manager.js';
import { MigrationEngine } from './migration/migration-engine.js';
import { STATE_NAMESPACE, parseScope, splitPhysicalKey, type StateScope } from './scope.js';
import { validateKey } from './validate-key.js';
import { applySecretPolicy, checkStorable, decodeValue, encodeValue, type SecretValuePolicy } from './value-codec.js';

type Getter<T> = T | (() => T | undefined) | undefined;

function resolveGetter<T>(value: Getter<T>): T | undefined {
  return typeof value === 'function' ? (value as () => T | undefined)() : value;
}

export interface StateManagerOptions {
  store: StateStore;
  /** Hook executor for BeforeStateWrite / AfterStateWrite (or a getter, read at each write). */
  hooks?: Getter<HookExecutor>;
  /** Where `state.changed` events go (or a getter). */
  events?: Getter<EventSink>;
  /** Values that look like secrets: "redact" (default), "refuse" or "allow". */
  secretValues?: SecretValuePolicy;
  /** Knows this process's secret values (API keys); default a fresh one with the generic patterns. */
  redactor?: SecretRedactor;
  /** Largest JSON text of one value; default 10,000,000 bytes. */
  maxValueBytes?: number;
  /** Backups; omit to run without them. */
  backup?: Omit<BackupManagerOptions, 'store'>;
  /** Take a backup before a migration that changes data (default true when backups exist). */
  backupOnMigration?: boolean;
  logger?: Logger;
}

/** Per-call overrides: the caller's execution context. */
export interface StateCallOptions {
  hooks?: HookExecutor;
  events?: EventSink;
  language?: string;
  correlationId?: string;
}

const CONFLICT = Symbol('state.conflict');
const MAX_CAS_ATTEMPTS = 100;

/** A key whose `update` function is running, and the update it runs inside (a list, not a Set copied per call). */
interface UpdatingKey {
  readonly manager: StateManager;
  readonly physical: string;
  readonly outer: UpdatingKey | undefined;
  /**
   * False once the function has returned: work it started and left running (a promise not
   * awaited) keeps this async context, and may write the key by then.
   */
  running: boolean;
}

/**
 * The keys whose `update` function the current async context runs in. That function writing
 * its own key would change the value under its compare-and-set, which then fails and runs the
 * function again, forever: every retry repeats the write (and any other side effect).
 */
const updatingKeys = new AsyncLocalStorage<UpdatingKey>();

/** A promise of what `fn` gives, now or later; what it throws becomes a rejection. */
function settled<T>(fn: () => MaybePromise<T>): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Scoped JSON state over any StateStore. Every key lives under
 * `state:<scope prefix><key>`; values are stored as their JSON text. Writes run the
 * BeforeStateWrite hooks (which may cancel or replace the value), then AfterStateWrite, and
 * publish `state.changed`.
 */
export class StateManager implements StateAccess {
  readonly store: StateStore;
  readonly migrations: MigrationEngine;
  readonly backups?: BackupManager;
  readonly secretValues: SecretValuePolicy;
  readonly maxValueBytes: number;
  private readonly redactor: SecretRedactor;
  private readonly hooksSource: Getter<HookExecutor>;
  private readonly eventsSource: Getter<EventSink>;
  private readonly logger?: Logger;

  constructor(options: StateManagerOptions) {
    if (!options?.store) throw new LlmspellError('INVALID_ARGUMENT', 'StateManager: options.store is required');
    this.store = options.store;
    this.hooksSource = options.hooks;
    this.eventsSource = options.events;
    this.secretValues = options.secretValues ?? 'redact';
    if (!['redact', 'refuse', 'allow'].includes(this.secretValues)) {
      throw new LlmspellError('INVALID_ARGUMENT', 'StateManager: secretValues must be "redact", "refuse" or "allow"');
    }
    this.redactor = options.redactor ?? new SecretRedactor();
    this.maxValueBytes = options.maxValueBytes ?? 10_000_000;
    this.logger = options.logger;
    if (options.backup) {
      this.backups = new BackupManager({
        secretValues: this.secretValues, redactor: this.redactor, logger: this.logger, ...options.backup, store: this.store, events: () => this.events(),
      });
    }
    this.migrations = new MigrationEngine({
      store: this.store,
      backups: this.backups,
      backupOnMigration: options.backupOnMigration ?? true,
      hooks: () => this.hooks(),
      events: () => this.events(),
      prepareValue: (value, key) => this.prepare(value, key),
    });
  }

  hooks(options?: StateCallOptions): HookExecutor | undefined {
    return options?.hooks ?? resolveGetter(this.hooksSource);
  }

  events(options?: StateCallOptions): EventSink | undefined {
    return options?.events ?? resolveGetter(this.eventsSource);
  }

  /** The physical key of `key` in `scope`, after validation. */
  locate(scope: unknown, key: unknown): { scope: StateScope; key: string; physical: string } {
    const s = parseScope(scope);
    const k = validateKey(key, s.prefix);
    return { scope: s, key: k, physical: s.prefix + k };
  }

  /** Checks a value, applies the secret policy and encodes it. */
  prepare(value: unknown, key: string): string {
    checkStorable(value);
    const safe = applySecretPolicy(value, key, this.secretValues, this.redactor);
    const text = encodeValue(safe);
    // A UTF-16 unit is at most 3 UTF-8 bytes, so most values skip counting bytes.
    if (text.length > this.maxValueBytes || (text.length * 3 > this.maxValueBytes && Buffer.byteLength(text) > this.maxValueBytes)) {
      throw new LlmspellError('SIZE_LIMIT_EXCEEDED', `the value for key '${key}' is ${Buffer.byteLength(text)} bytes of JSON, over the limit of ${this.maxValueBytes} (runtime.state_persistence.max_state_size_bytes)`, { details: { key } });
    }
    return text;
  }

  get(scope: string, key: string): Promise<unknown> {
    return settled(() => this.getNow(scope, key));
  }

  /**
   * `get` answering within the call when the store can (`getSync`): the value, or a thrown
   * error; a promise otherwise. A script's `State.load` runs through here.
   */
  getNow(scope: string, key: string): MaybePromise<unknown> {
    const loc = this.locate(scope, key);
    const read = this.read(loc.physical);
    return typeof read === 'string' || read === undefined ? decodeValue(read, loc.scope.name, loc.key) : read.then((text) => decodeValue(text, loc.scope.name, loc.key));
  }

  /** A stored value's text: within the call from a store that can, else a promise. */
  private read(physical: string): MaybePromise<string | undefined> {
    return this.store.getSync ? this.store.getSync(physical) : this.store.get(physical);
  }

  async exists(scope: string, key: string): Promise<boolean> {
    const { physical } = this.locate(scope, key);
    return (await this.store.get(physical)) !== undefined;
  }

  set(scope: string, key: string, value: unknown, options: StateCallOptions = {}): Promise<void> {
    return settled(() => this.setNow(scope, key, value, options));
  }

  /**
   * `set` finishing within the call when nothing on its way waits (a store with `putSync`,
   * no BeforeStateWrite/AfterStateWrite hooks); a promise otherwise. Same checks, hooks,
   * event and errors. A script's `State.save` runs through here.
   */
  setNow(scope: string, key: string, value: unknown, options: StateCallOptions = {}): MaybePromise<void> {
    return runMaybeSync(this.setSteps(scope, key, value, options));
  }

  /** The body of `set`; each `yield` is an `await` (see runMaybeSync). */
  private *setSteps(scope: string, key: string, value: unknown, options: StateCallOptions): Generator<unknown, void, unknown> {
    const loc = this.locate(scope, key);
    this.refuseWriteInsideUpdate('save', loc.scope, loc.physical);
    let text = this.prepare(value, loc.key);
    const hooks = this.hooks(options);
    const events = this.events(options);
    const before = hooks?.hasHooks('BeforeStateWrite') ?? false;
    const after = hooks?.hasHooks('AfterStateWrite') ?? false;
    const publish = this.wantsEvent(events);
    const observed = before || after || publish;
    const old = observed ? this.decodeOld((yield this.read(loc.physical)) as string | undefined, loc) : undefined;
    // Only hooks and the event carry the correlation id: a write nobody watches draws no UUID.
    const correlation = options.correlationId ?? (observed ? randomUUID() : '');
    if (before) {
      const replaced = (yield this.runHook(hooks!, 'BeforeStateWrite', 'set', loc, old, JSON.parse(text), correlation, options)) as { found: boolean; value?: unknown };
      if (replaced.found) text = this.prepare(replaced.value, loc.key);
    }
    yield this.store.putSync ? this.store.putSync(loc.physical, text) : this.store.put(loc.physical, text);
    yield this.afterWrite('set', loc, old, after || publish ? JSON.parse(text) : undefined, correlation, options, hooks, after, events, publish);
  }

  async delete(scope: string, key: string, options: StateCallOptions = {}): Promise<boolean> {
    const loc = this.locate(scope, key);
    this.refuseWriteInsideUpdate('delete', loc.scope, loc.physical);
    const hooks = this.hooks(options);
    const events = this.events(options);
    const before = hooks?.hasHooks('BeforeStateWrite') ?? false;
    const after = hooks?.hasHooks('AfterStateWrite') ?? false;
    const publish = this.wantsEvent(events);
    const old = before || after || publish ? this.decodeOld(await this.store.get(loc.physical), loc) : undefined;
    const correlation = options.correlationId ?? randomUUID();
    if (before) await this.runHook(hooks!, 'BeforeStateWrite', 'delete', loc, old, undefined, correlation, options);
    const existed = await this.store.delete(loc.physical);
    if (existed) await this.afterWrite('delete', loc, old, undefined, correlation, options, hooks, after, events, publish);
    return existed;
  }

  async keys(scope: string): Promise<string[]> {
    const s = parseScope(scope);
    return (await this.store.keys(s.prefix)).map((k) => k.slice(s.prefix.length));
  }

  /** Every key and value of a scope. */
  async entries(scope: string): Promise<Record<string, unknown>> {
    const s = parseScope(scope);
    const out: Record<string, unknown> = {};
    for (const [k, v] of await this.store.entries(s.prefix)) {
      const key = k.slice(s.prefix.length);
      out[key] = decodeValue(v, s.name, key);
    }
    return out;
  }

  /** Scopes that hold at least one key, in canonical form. */
  async scopes(): Promise<string[]> {
    const found = new Set<string>();
    for (const k of await this.store.keys(STATE_NAMESPACE)) {
      const split = splitPhysicalKey(k);
      if (split) found.add(split.scope);
    }
    return [...found].sort();
  }

  /** Removes every key of a scope in one atomic batch; resolves the number removed. */
  async clear(scope: string, options: StateCallOptions = {}): Promise<number> {
    const s = parseScope(scope);
    this.refuseWriteInsideUpdate('clear', s, s.prefix, true);
    const keys = await this.store.keys(s.prefix);
    if (keys.length === 0) return 0;
    const hooks = this.hooks(options);
    const events = this.events(options);
    const correlation = options.correlationId ?? randomUUID();
    const loc = { scope: s, key: '*', physical: `${s.prefix}*` };
    if (hooks?.hasHooks('BeforeStateWrite')) await this.runHook(hooks, 'BeforeStateWrite', 'clear', loc, undefined, undefined, correlation, options);
    await this.store.batch(keys.map((key) => ({ type: 'delete' as const, key })));
    await this.afterWrite('clear', loc, undefined, undefined, correlation, options, hooks, hooks?.hasHooks('AfterStateWrite') ?? false, events, this.wantsEvent(events), { count: keys.length });
    return keys.length;
  }

  /** Removes every key of a scope that starts with `keyPrefix`, in one atomic batch. */
  async deletePrefix(scope: string, keyPrefix: string, options: StateCallOptions = {}): Promise<number> {
    const s = parseScope(scope);
    this.refuseWriteInsideUpdate('delete', s, s.prefix + keyPrefix, true);
    const keys = await this.store.keys(s.prefix + keyPrefix);
    if (keys.length === 0) return 0;
    const hooks = this.hooks(options);
    const events = this.events(options);
    const correlation = options.correlationId ?? randomUUID();
    const loc = { scope: s, key: `${keyPrefix}*`, physical: `${s.prefix}${keyPrefix}*` };
    if (hooks?.hasHooks('BeforeStateWrite')) await this.runHook(hooks, 'BeforeStateWrite', 'clear', loc, undefined, undefined, correlation, options);
    await this.store.batch(keys.map((key) => ({ type: 'delete' as const, key })));
    await this.afterWrite('clear', loc, undefined, undefined, correlation, options, hooks, hooks?.hasHooks('AfterStateWrite') ?? false, events, this.wantsEvent(events), { count: keys.length });
    return keys.length;
  }

  /**
   * Adds `delta` to a numeric value (missing counts as 0), atomically — across processes
   * when the store is shared (SQLite). Resolves the new value.
   */
  async increment(scope: string, key: string, delta: number = 1, options: StateCallOptions = {}): Promise<number> {
    if (typeof delta !== 'number' || !Number.isFinite(delta)) throw new LlmspellError('INVALID_ARGUMENT', 'increment: delta must be a finite number');
    const loc = this.locate(scope, key);
    this.refuseWriteInsideUpdate('increment', loc.scope, loc.physical);
    const add = (current: unknown): number => {
      if (current === undefined || current === null) return delta;
      if (typeof current !== 'number') throw new LlmspellError('INVALID_ARGUMENT', `increment: the value of '${loc.key}' in scope ${loc.scope.name} is a ${Array.isArray(current) ? 'array' : typeof current}, not a number`);
      const sum = current + delta;
      // The fast path below writes without prepare(): JSON would store Infinity as null, losing the count.
      if (!Number.isFinite(sum)) {
        throw new LlmspellError('INVALID_ARGUMENT', `increment: ${current} + ${delta} overflows to ${sum}, which JSON cannot hold; '${loc.key}' in scope ${loc.scope.name} keeps its value`, { details: { scope: loc.scope.name, key: loc.key } });
      }
      return sum;
    };
    const hooks = this.hooks(options);
    if (hooks?.hasHooks('BeforeStateWrite')) return (await this.update(scope, key, add, options)) as number;
    let old: unknown;
    let result = 0;
    await this.store.update(loc.physical, (text) => {
      old = decodeValue(text, loc.scope.name, loc.key);
      result = add(old);
      return encodeValue(result);
    });
    const events = this.events(options);
    const after = hooks?.hasHooks('AfterStateWrite') ?? false;
    const publish = this.wantsEvent(events);
    await this.afterWrite('set', loc, old, result, options.correlationId ?? randomUUID(), options, hooks, after, events, publish);
    return result;
  }

  /**
   * Replaces a value with `fn(current)` as an optimistic compare-and-set: `fn` may be async
   * (a script callback), so it runs outside the store's lock and the write only lands if
   * the stored value is still the one `fn` saw; otherwise `fn` runs again on the new value.
   * `fn` returning undefined deletes the key. Resolves the stored value.
   */
  async update(scope: string, key: string, fn: (current: unknown) => unknown, options: StateCallOptions = {}): Promise<unknown> {
    if (typeof fn !== 'function') throw new LlmspellError('INVALID_ARGUMENT', 'update: fn must be a function');
    const loc = this.locate(scope, key);
    this.refuseWriteInsideUpdate('update', loc.scope, loc.physical);
    const hooks = this.hooks(options);
    const events = this.events(options);
    const correlation = options.correlationId ?? randomUUID();
    const inside: UpdatingKey = { manager: this, physical: loc.physical, outer: updatingKeys.getStore(), running: false };
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const seen = await this.store.get(loc.physical);
      const current = decodeValue(seen, loc.scope.name, loc.key);
      inside.running = true;
      let next: unknown;
      try {
        next = await updatingKeys.run(inside, () => fn(current === undefined ? undefined : JSON.parse(seen as string)));
      } finally {
        inside.running = false;
      }
      let text = next === undefined ? undefined : this.prepare(next, loc.key);
      if (hooks?.hasHooks('BeforeStateWrite')) {
        const replaced = await this.runHook(hooks, 'BeforeStateWrite', text === undefined ? 'delete' : 'set', loc, current, text === undefined ? undefined : JSON.parse(text), correlation, options);
        if (replaced.found && text !== undefined) text = this.prepare(replaced.value, loc.key);
      }
      try {
        await this.store.update(loc.physical, (now) => {
          if (now !== seen) throw CONFLICT;
          return text;
        });
      } catch (error) {
        if (error === CONFLICT) {
          await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
        throw error;
      }
      const stored = text === undefined ? undefined : JSON.parse(text);
      const after = hooks?.hasHooks('AfterStateWrite') ?? false;
      await this.afterWrite(text === undefined ? 'delete' : 'set', loc, current, stored, correlation, options, hooks, after, events, this.wantsEvent(events));
      return stored;
    }
    throw new LlmspellError('STATE_ERROR', `update of '${loc.key}' in scope ${loc.scope.name} gave up after ${MAX_CAS_ATTEMPTS} attempts: other writers kept changing it`);
  }

  /**
   * Refuses a write, from inside an `update` function of this manager, to the key being updated
   * (or, for `clear`/`deletePrefix`, to a range holding it): it would only make that update's
   * compare-and-set fail.
   */
  private refuseWriteInsideUpdate(operation: string, scope: StateScope, physicalOrPrefix: string, isPrefix = false): void {
    for (let link = updatingKeys.getStore(); link; link = link.outer) {
      if (link.manager !== this || !link.running) continue;
      if (isPrefix ? !link.physical.startsWith(physicalOrPrefix) : link.physical !== physicalOrPrefix) continue;
      const key = link.physical.slice(scope.prefix.length);
      throw new LlmspellError(
        'OPERATION_NOT_ALLOWED',
        `state ${operation} of '${key}' in scope ${scope.name} refused: it runs inside the function given to State.update for that same key, and writing the key you are updating would undo the update; return the new value from the function instead`,
        { details: { scope: scope.name, key, operation } },
      );
    }
  }

  /**
   * The value a write replaces, for its hooks and event. Text that is not JSON reads as missing
   * (with a warning): overwriting or deleting it is how a user repairs it, so it must not fail.
   */
  private decodeOld(text: string | undefined, loc: { scope: StateScope; key: string }): unknown {
    try {
      return decodeValue(text, loc.scope.name, loc.key);
    } catch (error) {
      this.logger?.warn(`replacing a stored value that is not valid JSON: ${(error as Error).message}`, { scope: loc.scope.name, key: loc.key });
      return undefined;
    }
  }

  private wantsEvent(events: EventSink | undefined): boolean {
    if (!events) return false;
    return events.hasSubscribers ? events.hasSubscribers('state.changed') : true;
  }

  private context(point: HookPoint, operation: string, loc: { scope: StateScope; key: string }, old: unknown, value: unknown, correlation: string, options: StateCallOptions): HookContext {
    return {
      point,
      component_id: { id: 'state_manager', type: 'state', name: 'state' },
      data: { operation, scope: loc.scope.name, key: loc.key, value, old_value: old },
      metadata: { operation, scope: loc.scope.name, key: loc.key },
      correlation_id: correlation,
      language: options.language ?? 'native',
      timestamp: new Date().toISOString(),
    };
  }

  private async runHook(hooks: HookExecutor, point: HookPoint, operation: string, loc: { scope: StateScope; key: string }, old: unknown, value: unknown, correlation: string, options: StateCallOptions): Promise<{ found: boolean; value?: unknown }> {
    const context = this.context(point, operation, loc, old, value, correlation, options);
    const original = { ...context.data };
    const result = await hooks.execute(point, context);
    if (result?.type === 'cancel') {
      throw new LlmspellError('HOOK_CANCELLED', `state ${operation} of '${loc.key}' in scope ${loc.scope.name} cancelled by a ${point} hook: ${result.reason}`, { details: { scope: loc.scope.name, key: loc.key, reason: result.reason } });
    }
    return this.replacement(result, original);
  }

  /**
   * A `modified` (or `replace`) result's new value: core's reading of the payload — the
   * whole data record (`{value = …}`, what the hook executor returns) or the bare new value.
   */
  private replacement(result: HookResult, original: Record<string, unknown>): { found: boolean; value?: unknown } {
    if (result?.type !== 'modified' && result?.type !== 'replace') return { found: false };
    return { found: true, value: modifiedField(result.data, 'value', original) };
  }

  /** After a write: the AfterStateWrite hooks (a promise, when there are any), then `state.changed`. */
  private afterWrite(
    operation: string, loc: { scope: StateScope; key: string }, old: unknown, value: unknown, correlation: string,
    options: StateCallOptions, hooks: HookExecutor | undefined, after: boolean, events: EventSink | undefined, publish: boolean,
    extra: Record<string, unknown> = {},
  ): MaybePromise<void> {
    if (after && hooks) {
      return hooks.execute('AfterStateWrite', this.context('AfterStateWrite', operation, loc, old, value, correlation, options)).then(
        () => undefined,
        (error: unknown) => {
          // The write has happened; an after-hook failing must not report it as failed.
          this.logger?.warn('AfterStateWrite hook failed', { error: String(error), key: loc.key });
        },
      ).then(() => this.publishChange(operation, loc, old, value, correlation, options, events, publish, extra));
    }
    this.publishChange(operation, loc, old, value, correlation, options, events, publish, extra);
  }

  private publishChange(
    operation: string, loc: { scope: StateScope; key: string }, old: unknown, value: unknown, correlation: string,
    options: StateCallOptions, events: EventSink | undefined, publish: boolean, extra: Record<string, unknown>,
  ): void {
    if (publish && events) {
      try {
        events.publish('state.changed', { operation, scope: loc.scope.name, key: loc.key, old_value: old ?? null, new_value: value ?? null, ...extra }, {
          correlation_id: correlation, source: 'state', language: options.language,
        });
      } catch (error) {
        this.logger?.warn('publishing state.changed failed', { error: String(error), key: loc.key });
      }
    }
  }

  /** Closes the underlying store. */
  async close(): Promise<void> {
    await this.store.close();
  }
}
