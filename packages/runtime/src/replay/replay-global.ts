import { HANDLE_KEY, LlmspellError, hostMethod, isPlainObject, type ScriptObject, type ScriptValue } from '@llmspell/core';
import type { GlobalScope } from '../global-scope.js';
import { compareJson, toJsonValue } from './json-diff.js';
import {
  REPLAY_MODES, applyModifications, copyJson, defaultReplayConfig, parseModificationPath,
  type ParameterModification, type ReplayConfigState, type ReplayMode,
} from './replay-model.js';

const FN = 'Replay';

interface ModeEntity {
  readonly mode: ReplayMode;
}

function nonNegative(value: unknown, name: string, fn: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new LlmspellError('INVALID_ARGUMENT', `${fn}: parameter '${name}' must be a number of seconds >= 0`, { details: { parameter: name } });
  }
  return value;
}

function enabledFlag(value: unknown, fn: string): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value !== 'boolean') throw new LlmspellError('INVALID_ARGUMENT', `${fn}: parameter 'enabled' must be a boolean`, { details: { parameter: 'enabled' } });
  return value;
}

/**
 * The `Replay` global: rs-llmspell v0.5.0's hook-replay helpers. v0.5.0 never recorded hook
 * executions (its persistence call was commented out), so nothing here re-runs a past
 * execution. What is real: configs whose modifications `apply` to a hook context (a what-if
 * copy a hook can return or pass on), and a structural JSON comparator. Modes, timeouts and
 * schedules are values a script can read back; nothing runs on them.
 */
export function createReplayGlobal(scope: GlobalScope): ScriptObject {
  const indexBase = scope.language === 'lua' ? 1 : 0;

  const modeEntities = new Map<ReplayMode, ModeEntity>(REPLAY_MODES.map((m) => [m, { mode: m }]));
  const modeObject = (mode: ReplayMode): ScriptObject => {
    const entity = modeEntities.get(mode)!;
    return { [HANDLE_KEY]: scope.handles.add('replay-mode', entity), name: hostMethod(() => mode) };
  };

  const readMode = (value: ScriptValue, fn: string): ReplayMode => {
    if (value === undefined || value === null) return 'exact';
    const entity = scope.handles.resolve<ModeEntity>(value, 'replay-mode');
    if (entity) return entity.mode;
    if (typeof value === 'string' && (REPLAY_MODES as readonly string[]).includes(value.toLowerCase())) return value.toLowerCase() as ReplayMode;
    throw new LlmspellError('INVALID_ARGUMENT', `${fn}: parameter 'mode' must be one of Replay.modes (${REPLAY_MODES.join(', ')})`, { details: { parameter: 'mode' } });
  };

  const newModification = (path: ScriptValue, value: ScriptValue, enabled: ScriptValue, fn: string): ParameterModification => ({
    path: path as string,
    segments: parseModificationPath(path, fn),
    value: toJsonValue(value, 'value', fn, indexBase),
    enabled: enabledFlag(enabled, fn),
  });

  // Methods close over the host object, so the table a script holds and the one a config lists
  // are the same modification: `get_modifications()[2]:set_enabled(false)` changes the config.
  const modificationObject = (mod: ParameterModification): ScriptObject => ({
    [HANDLE_KEY]: scope.handles.add('replay-modification', mod),
    get_path: hostMethod(() => mod.path),
    get_value: hostMethod(() => copyJson(mod.value)),
    is_enabled: hostMethod(() => mod.enabled),
    set_enabled: hostMethod((enabled: ScriptValue) => {
      if (typeof enabled !== 'boolean') throw new LlmspellError('INVALID_ARGUMENT', `${FN} modification:set_enabled: parameter 'enabled' must be a boolean`, { details: { parameter: 'enabled' } });
      mod.enabled = enabled;
      return null;
    }),
  });

  const configObject = (config: ReplayConfigState): ScriptObject => ({
    get_mode: hostMethod(() => modeObject(config.mode)),
    should_compare_results: hostMethod(() => config.compare_results),
    get_timeout_seconds: hostMethod(() => config.timeout_seconds),
    should_stop_on_error: hostMethod(() => config.stop_on_error),
    get_modifications: hostMethod(() => config.modifications.map(modificationObject)),
    /** `(path, value, enabled?)`, or a modification from `Replay.create_modification`. */
    add_modification: hostMethod((path: ScriptValue, value?: ScriptValue, enabled?: ScriptValue) => {
      const fn = `${FN} config:add_modification`;
      const existing = scope.handles.resolve<ParameterModification>(path, 'replay-modification');
      const mod = existing ?? newModification(path, value, enabled, fn);
      config.modifications.push(mod);
      return modificationObject(mod);
    }),
    apply: hostMethod((context: ScriptValue) => applyModifications(context, config.modifications, `${FN} config:apply`) as ScriptObject),
  });

  const scheduleObject = (type: string, fields: Record<string, ScriptValue>): ScriptObject => ({ type, ...fields, type_name: hostMethod(() => type) });

  const readIgnore = (options: ScriptValue): string[] => {
    if (options === undefined || options === null) return [];
    const fn = `${FN}.create_comparator`;
    if (!isPlainObject(options)) throw new LlmspellError('INVALID_ARGUMENT', `${fn}: parameter 'options' must be a table {ignore_paths = {...}}`, { details: { parameter: 'options' } });
    const ignore = options.ignore_paths ?? [];
    const list = Array.isArray(ignore) ? ignore : isPlainObject(ignore) && Object.keys(ignore).length === 0 ? [] : undefined;
    if (!list || !list.every((p) => typeof p === 'string')) {
      throw new LlmspellError('INVALID_ARGUMENT', `${fn}: options.ignore_paths must be a list of paths such as "metadata.timestamp"`, { details: { parameter: 'options.ignore_paths' } });
    }
    return list as string[];
  };

  return {
    modes: Object.fromEntries(REPLAY_MODES.map((m) => [m, modeObject(m)])),
    create_config: (mode?: ScriptValue) => configObject(defaultReplayConfig(readMode(mode, `${FN}.create_config`))),
    create_modification: (path: ScriptValue, value: ScriptValue, enabled?: ScriptValue) => {
      return modificationObject(newModification(path, value, enabled, `${FN}.create_modification`));
    },
    schedules: {
      once: (delay: ScriptValue) => scheduleObject('once', { delay_seconds: nonNegative(delay, 'delay', `${FN}.schedules.once`) }),
      interval: (initial: ScriptValue, interval: ScriptValue, max?: ScriptValue) => {
        const fn = `${FN}.schedules.interval`;
        const every = nonNegative(interval, 'interval', fn);
        if (every === 0) throw new LlmspellError('INVALID_ARGUMENT', `${fn}: parameter 'interval' must be more than 0 seconds`, { details: { parameter: 'interval' } });
        if (max !== undefined && max !== null && !(typeof max === 'number' && Number.isInteger(max) && max > 0)) {
          throw new LlmspellError('INVALID_ARGUMENT', `${fn}: parameter 'max' must be a positive whole number (or nil for no limit)`, { details: { parameter: 'max' } });
        }
        return scheduleObject('interval', { initial_delay_seconds: nonNegative(initial, 'initial', fn), interval_seconds: every, max_executions: max ?? null });
      },
      cron: (expression: ScriptValue) => {
        if (typeof expression !== 'string' || expression.trim() === '') {
          throw new LlmspellError('INVALID_ARGUMENT', `${FN}.schedules.cron: parameter 'expression' must be a non-empty string`, { details: { parameter: 'expression' } });
        }
        return scheduleObject('cron', { expression });
      },
    },
    create_comparator: (options?: ScriptValue) => {
      const ignorePaths = readIgnore(options);
      return {
        compare_json: hostMethod((original: ScriptValue, replayed: ScriptValue) => {
          const fn = `${FN} comparator:compare_json`;
          const a = toJsonValue(original, 'original', fn, indexBase);
          const b = toJsonValue(replayed, 'replayed', fn, indexBase);
          const c = compareJson(a, b, { indexBase, ignorePaths });
          return c as unknown as ScriptObject;
        }),
      };
    },
  };
}
