import { randomUUID } from 'node:crypto';
import { LlmspellError, toLlmspellError, type EventSink, type HookExecutor, type StateBatchOperation, type StateStore } from '@llmspell/core';
import type { BackupManager } from '../backup/backup-manager.js';
import { SCHEMA_VERSION_KEY } from '../internal-keys.js';
import { decodeValue } from '../value-codec.js';
import { STATE_NAMESPACE, createPhysicalKeySplitter, parseScope, type StateScope } from '../scope.js';
import { hasPath, isFieldObject, setPath } from './field-path.js';
import {
  StepFailure, applyStep, asList, compileFieldSteps, normalizeStep, type CustomTransform, type FieldStep, type MigrationStep,
} from './migration-steps.js';
import { compareVersions, normalizeVersion } from './semver.js';
import { VALUE_TYPES, compileRules, normalizeRule, type ValidationRule, type ValueType } from './validation-rules.js';

export interface FieldSchema {
  type: ValueType;
  required: boolean;
  default?: unknown;
}

export interface StateSchema {
  version: string;
  description?: string;
  fields: Record<string, FieldSchema>;
}

export interface MigrationDefinition {
  from: string;
  to: string;
  description?: string;
  steps: MigrationStep[];
  validation: ValidationRule[];
  /** Scopes the migration touches: exact names (`custom:users`) or prefixes (`agent:*`); default all. */
  scopes?: string[];
  /** Only keys starting with this prefix. */
  key_prefix?: string;
}

export type ValidationLevel = 'none' | 'basic' | 'strict';

export interface MigrateOptions {
  dry_run?: boolean;
  /** strict (default): rule and schema violations fail the migration; basic: they are warnings; none: not checked. */
  validation_level?: ValidationLevel;
  /** Take a backup first (default: backupOnMigration, for persistent stores only). */
  backup?: boolean;
}

export interface MigrationResult {
  success: boolean;
  status: 'completed' | 'already_current' | 'dry_run' | 'rolled_back' | 'failed';
  from_version: string;
  to_version: string;
  steps_completed: number;
  total_steps: number;
  items_scanned: number;
  items_migrated: number;
  duration_ms: number;
  warnings: string[];
  errors: string[];
  dry_run: boolean;
  backup_id?: string;
  /** Up to 10 changed items (dry run and real run). */
  preview: Array<{ scope: string; key: string; before: unknown; after: unknown }>;
  /** The first error, when the migration did not succeed (the reference's `error` field). */
  error?: string;
  /**
   * Where the time went: reading the items, running steps + validation + encoding in memory,
   * the pre-migration backup, and the one atomic write.
   */
  timings_ms: { read: number; transform: number; backup: number; write: number };
}

export interface MigrationStatus {
  current_version: string;
  migration_available: boolean;
  total_schemas: number;
  latest_version: string | null;
  is_latest: boolean;
  migration_targets: string[];
}

export interface MigrationEngineOptions {
  store: StateStore;
  backups?: BackupManager;
  backupOnMigration?: boolean;
  hooks?: () => HookExecutor | undefined;
  events?: () => EventSink | undefined;
  /** Encodes a migrated value with the manager's checks (cycles, secrets, size). */
  prepareValue: (value: unknown, key: string) => string;
}

type ToFunction = (v: unknown) => CustomTransform | undefined;
const plainFunction: ToFunction = (v) => (typeof v === 'function' ? (v as CustomTransform) : undefined);

/** Code point order (what every store's prefix scan uses), not UTF-16 unit order. */
function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return (x[i].codePointAt(0) as number) - (y[i].codePointAt(0) as number);
  }
  return x.length - y.length;
}

const elapsed = (since: number) => Math.round((performance.now() - since) * 1000) / 1000;

/** One stored item during a migration; the value is decoded only when a migration selects it. */
class Item {
  value: unknown = undefined;
  parsed = false;
  touched = false;
  constructor(readonly physical: string, readonly text: string, readonly scope: string, readonly key: string) {}
}

/** A run of field steps compiled into one function, or a single custom step. */
interface Segment {
  start: number;
  count: number;
  run?: (value: unknown) => unknown;
}

/** Fills the target schema's defaults for fields the value lacks. */
function applyDefaults(value: unknown, defaults: Array<[string, FieldSchema]>): unknown {
  if (defaults.length === 0 || !isFieldObject(value)) return value;
  for (const [name, field] of defaults) if (!hasPath(value, name)) setPath(value, name, structuredClone(field.default));
  return value;
}

/** Compiled at each run (cheap), so a definition changed after registration is honoured. */
function compileSegments(steps: MigrationStep[]): Segment[] {
  const segments: Segment[] = [];
  for (let i = 0; i < steps.length;) {
    if (steps[i].type === 'custom') {
      segments.push({ start: i, count: 1 });
      i++;
      continue;
    }
    let j = i;
    while (j < steps.length && steps[j].type !== 'custom') j++;
    segments.push({ start: i, count: j - i, run: compileFieldSteps(steps.slice(i, j) as FieldStep[]) });
    i = j;
  }
  return segments;
}

/** A stored item's value; text that is not JSON fails the migration naming the item. */
function decodeStored(text: string, scope: string, key: string): unknown {
  try {
    return decodeValue(text, scope || '(no scope)', key);
  } catch (error) {
    throw new LlmspellError('MIGRATION_FAILED', (error as LlmspellError).detail, { cause: error, details: { scope, key } });
  }
}

function stepError(m: MigrationDefinition, index: number, it: { scope: string; key: string }, error: unknown): LlmspellError {
  const e = toLlmspellError(error, 'MIGRATION_FAILED');
  return new LlmspellError('MIGRATION_FAILED', `migration ${m.from} → ${m.to}, step ${index + 1} (${m.steps[index].type}) failed on ${it.scope}/${it.key}: ${e.detail}`, { cause: error });
}
/**
 * Versioned schemas and the migrations between them. A migration reads every item it
 * touches, runs all steps in memory, validates the results, and writes them together with
 * the new schema version in ONE atomic batch — a failing step or rule leaves the store
 * exactly as it was (status `rolled_back`).
 */
export class MigrationEngine {
  private readonly schemas = new Map<string, StateSchema>();
  private readonly migrations: MigrationDefinition[] = [];
  private readonly options: MigrationEngineOptions;

  constructor(options: MigrationEngineOptions) {
    this.options = options;
  }

  registerSchema(input: unknown): StateSchema {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new LlmspellError('INVALID_ARGUMENT', 'register_schema: schema must be a table/object with a version');
    const raw = input as Record<string, unknown>;
    const version = normalizeVersion(raw.version, 'schema.version');
    const fields: Record<string, FieldSchema> = {};
    if (raw.fields !== undefined && raw.fields !== null) {
      if (typeof raw.fields !== 'object' || Array.isArray(raw.fields)) throw new LlmspellError('INVALID_ARGUMENT', 'schema.fields must be a table/object of field name → {type, required, default}');
      for (const [name, def] of Object.entries(raw.fields as Record<string, unknown>)) {
        const d = (typeof def === 'string' ? { type: def } : def) as Record<string, unknown>;
        if (typeof d !== 'object' || d === null) throw new LlmspellError('INVALID_ARGUMENT', `schema.fields.${name} must be a type name or {type, required, default}`);
        const type = String(d.type ?? d.field_type ?? 'any');
        if (!VALUE_TYPES.includes(type as ValueType)) throw new LlmspellError('INVALID_ARGUMENT', `schema.fields.${name}.type must be one of ${VALUE_TYPES.join(', ')}`);
        fields[name] = { type: type as ValueType, required: d.required === true, default: d.default ?? d.default_value };
      }
    }
    const schema: StateSchema = { version, description: typeof raw.description === 'string' ? raw.description : undefined, fields };
    this.schemas.set(version, schema);
    return schema;
  }

  registerMigration(input: unknown, toFunction: ToFunction = plainFunction): MigrationDefinition {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new LlmspellError('INVALID_ARGUMENT', 'register_migration: migration must be a table/object {from, to, steps}');
    const raw = input as Record<string, unknown>;
    const from = normalizeVersion(raw.from ?? raw.from_version, 'migration.from');
    const to = normalizeVersion(raw.to ?? raw.to_version, 'migration.to');
    if (from === to) throw new LlmspellError('INVALID_ARGUMENT', 'migration.from and migration.to must differ');
    const stepsRaw = asList(raw.steps ?? raw.transforms ?? []);
    if (!stepsRaw) throw new LlmspellError('INVALID_ARGUMENT', 'migration.steps must be a list');
    const rulesRaw = asList(raw.validation ?? raw.validation_rules ?? []);
    if (!rulesRaw) throw new LlmspellError('INVALID_ARGUMENT', 'migration.validation must be a list');
    let scopes: string[] | undefined;
    if (raw.scopes !== undefined && raw.scopes !== null) {
      const list = typeof raw.scopes === 'string' ? [raw.scopes] : asList(raw.scopes);
      if (!list || !list.every((s) => typeof s === 'string')) throw new LlmspellError('INVALID_ARGUMENT', 'migration.scopes must be a list of scope names');
      scopes = list as string[];
    }
    const def: MigrationDefinition = {
      from, to,
      description: typeof raw.description === 'string' ? raw.description : undefined,
      steps: stepsRaw.map((s, i) => normalizeStep(s, `migration.steps[${i + 1}]`, toFunction)),
      validation: rulesRaw.map((r, i) => normalizeRule(r, `migration.validation[${i + 1}]`)),
      scopes,
      key_prefix: typeof raw.key_prefix === 'string' ? raw.key_prefix : undefined,
    };
    const existing = this.migrations.findIndex((m) => m.from === from && m.to === to);
    if (existing >= 0) this.migrations[existing] = def;
    else this.migrations.push(def);
    return def;
  }

  /** Every known version (registered schemas and migration ends), ascending. */
  versions(): string[] {
    const all = new Set<string>(this.schemas.keys());
    for (const m of this.migrations) {
      all.add(m.from);
      all.add(m.to);
    }
    return [...all].sort(compareVersions);
  }

  schema(version: string): StateSchema | undefined {
    return this.schemas.get(normalizeVersion(version));
  }

  /** The stored schema version, else the oldest known one, else undefined. */
  async currentVersion(): Promise<string | undefined> {
    const stored = await this.options.store.get(SCHEMA_VERSION_KEY);
    if (stored === undefined) return this.versions()[0];
    try {
      return JSON.parse(stored) as string;
    } catch (error) {
      throw new LlmspellError('STATE_ERROR', `the stored schema version (key ${SCHEMA_VERSION_KEY}) is not valid JSON (${(error as Error).message}); set it again with State.set_schema_version`, { cause: error, details: { key: SCHEMA_VERSION_KEY } });
    }
  }

  async setCurrentVersion(version: string): Promise<void> {
    await this.options.store.put(SCHEMA_VERSION_KEY, JSON.stringify(normalizeVersion(version)));
  }

  async status(): Promise<MigrationStatus> {
    const current = await this.currentVersion();
    const versions = this.versions();
    const latest = versions.length > 0 ? versions[versions.length - 1] : null;
    const targets = current ? versions.filter((v) => v !== current && this.plan(current, v) !== undefined) : [];
    return {
      current_version: current ?? 'unknown',
      migration_available: targets.length > 0,
      total_schemas: versions.length,
      latest_version: latest,
      is_latest: current !== undefined && latest !== null && current === latest,
      migration_targets: targets,
    };
  }

  /** The shortest chain of registered migrations from → to, or undefined. */
  plan(from: string, to: string): MigrationDefinition[] | undefined {
    if (from === to) return [];
    const previous = new Map<string, MigrationDefinition>();
    const queue = [from];
    const seen = new Set([from]);
    while (queue.length > 0) {
      const v = queue.shift() as string;
      for (const m of this.migrations.filter((x) => x.from === v).sort((a, b) => compareVersions(a.to, b.to))) {
        if (seen.has(m.to)) continue;
        seen.add(m.to);
        previous.set(m.to, m);
        if (m.to === to) {
          const path: MigrationDefinition[] = [];
          for (let at = to; at !== from;) {
            const step = previous.get(at) as MigrationDefinition;
            path.unshift(step);
            at = step.from;
          }
          return path;
        }
        queue.push(m.to);
      }
    }
    return undefined;
  }

  /**
   * The stored items the path may touch: when every hop names exact scopes, only those
   * scopes' key ranges are read (a store with other data is not scanned); otherwise the
   * whole state namespace. Either way `scopeSelected` filters again per hop.
   */
  private async readItems(path: MigrationDefinition[]): Promise<Array<[string, string]>> {
    const prefixes = new Set<string>();
    for (const m of path) {
      if (!m.scopes || m.scopes.some((s) => s.endsWith('*'))) return this.options.store.entries(STATE_NAMESPACE);
      for (const s of m.scopes) {
        let scope: StateScope;
        try {
          scope = parseScope(s);
        } catch {
          continue; // a name no key can have selects nothing
        }
        if (scope.name === s) prefixes.add(scope.prefix);
      }
    }
    const out: Array<[string, string]> = [];
    // Prefixes of distinct scopes never nest, so reading them in order keeps the store's key order.
    for (const prefix of [...prefixes].sort(compareCodePoints)) {
      const entries = await this.options.store.entries(prefix);
      for (let i = 0; i < entries.length; i++) out.push(entries[i]);
    }
    return out;
  }

  private scopeSelected(m: MigrationDefinition, scope: string): boolean {
    if (!m.scopes) return true;
    return m.scopes.some((s) => (s.endsWith('*') ? scope.startsWith(s.slice(0, -1)) : scope === s || (s === 'global' && scope === 'global')));
  }

  /**
   * Steps run one at a time over every selected item (a custom step sees all items before the
   * next step starts, as before compiled runs existed). Used when the path has custom steps.
   */
  private async migrateStepMajor(path: MigrationDefinition[], entries: Array<[string, string]>, level: ValidationLevel, result: MigrationResult): Promise<StateBatchOperation[]> {
    const split = createPhysicalKeySplitter();
    const items: Item[] = new Array(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const [physical, text] = entries[i];
      const where = split(physical);
      items[i] = new Item(physical, text, where ? where.scope : '', where ? where.key : physical);
    }
    for (const m of path) {
      const selected: Item[] = [];
      const scopeSelected = new Map<string, boolean>();
      for (const it of items) {
        if (m.key_prefix && !it.key.startsWith(m.key_prefix)) continue;
        let ok = scopeSelected.get(it.scope);
        if (ok === undefined) scopeSelected.set(it.scope, (ok = this.scopeSelected(m, it.scope)));
        if (!ok) continue;
        // Parsed once, on first use: items no migration selects are never decoded.
        if (!it.parsed) {
          it.value = decodeStored(it.text, it.scope, it.key);
          it.parsed = true;
        }
        selected.push(it);
      }
      for (const segment of compileSegments(m.steps)) {
        if (segment.run) {
          const run = segment.run;
          for (const it of selected) {
            try {
              it.value = run(it.value);
            } catch (error) {
              const failure = error instanceof StepFailure ? error : new StepFailure(0, error);
              result.steps_completed += failure.index;
              throw stepError(m, segment.start + failure.index, it, failure.reason);
            }
          }
        } else {
          const step = m.steps[segment.start];
          for (const it of selected) {
            try {
              it.value = await applyStep(step, it.value, { scope: it.scope, key: it.key, from_version: m.from, to_version: m.to });
            } catch (error) {
              throw stepError(m, segment.start, it, error);
            }
          }
        }
        result.steps_completed += segment.count;
      }
      const { defaults, check } = this.hopChecks(m, level);
      const problemsGo = level === 'strict' ? result.errors : result.warnings;
      for (const it of selected) {
        it.touched = true;
        it.value = applyDefaults(it.value, defaults);
        const problems = check?.(it.value);
        if (problems) for (const p of problems) problemsGo.push(`${it.scope}/${it.key}: ${p} (schema ${m.to})`);
      }
      if (result.errors.length > 0) throw new LlmspellError('MIGRATION_FAILED', `validation failed for ${result.errors.length} item(s)`);
    }
    const ops: StateBatchOperation[] = [];
    for (const it of items) {
      if (!it.touched) continue;
      result.items_scanned++;
      const text = this.options.prepareValue(it.value, it.key);
      if (text === it.text) continue;
      result.items_migrated++;
      ops.push({ type: 'put', key: it.physical, value: text });
      if (result.preview.length < 10) result.preview.push({ scope: it.scope, key: it.key, before: JSON.parse(it.text), after: JSON.parse(text) });
    }
    return ops;
  }

  /**
   * Field steps only: each item goes through every hop, is validated and encoded before the
   * next one is read, so its decoded value dies young instead of 100K objects living on the
   * heap at once. Reports the same errors as the step-major order: validation problems of the
   * earliest failing hop, before any encoding error.
   */
  private migrateItemMajor(path: MigrationDefinition[], entries: Array<[string, string]>, level: ValidationLevel, result: MigrationResult): StateBatchOperation[] {
    let stepsBefore = 0;
    const hops = path.map((m) => {
      const hop = {
        m,
        run: compileFieldSteps(m.steps as FieldStep[]),
        ...this.hopChecks(m, level),
        scopes: new Map<string, boolean>(),
        problems: [] as string[],
        stepsBefore,
      };
      stepsBefore += m.steps.length;
      return hop;
    });
    const split = createPhysicalKeySplitter();
    const ops: StateBatchOperation[] = [];
    let encodeError: unknown;
    for (let i = 0; i < entries.length; i++) {
      const [physical, text] = entries[i];
      const where = split(physical);
      const scope = where ? where.scope : '';
      const key = where ? where.key : physical;
      let value: unknown;
      let touched = false;
      for (const hop of hops) {
        if (hop.m.key_prefix && !key.startsWith(hop.m.key_prefix)) continue;
        let ok = hop.scopes.get(scope);
        if (ok === undefined) hop.scopes.set(scope, (ok = this.scopeSelected(hop.m, scope)));
        if (!ok) continue;
        if (!touched) {
          value = decodeStored(text, scope, key);
          touched = true;
        }
        try {
          value = hop.run(value);
        } catch (error) {
          const failure = error instanceof StepFailure ? error : new StepFailure(0, error);
          result.steps_completed = hop.stepsBefore + failure.index;
          throw stepError(hop.m, failure.index, { scope, key }, failure.reason);
        }
        value = applyDefaults(value, hop.defaults);
        const problems = hop.check?.(value);
        if (problems) for (const p of problems) hop.problems.push(`${scope}/${key}: ${p} (schema ${hop.m.to})`);
      }
      if (!touched) continue;
      result.items_scanned++;
      if (encodeError !== undefined) continue;
      let out: string;
      try {
        out = this.options.prepareValue(value, key);
      } catch (error) {
        encodeError = error;
        continue;
      }
      if (out === text) continue;
      result.items_migrated++;
      ops.push({ type: 'put', key: physical, value: out });
      if (result.preview.length < 10) result.preview.push({ scope, key, before: JSON.parse(text), after: JSON.parse(out) });
    }
    for (const hop of hops) {
      if (level === 'strict' && hop.problems.length > 0) {
        result.errors.push(...hop.problems);
        result.steps_completed = hop.stepsBefore + hop.m.steps.length;
        throw new LlmspellError('MIGRATION_FAILED', `validation failed for ${result.errors.length} item(s)`);
      }
      result.warnings.push(...hop.problems);
    }
    if (encodeError !== undefined) throw encodeError;
    result.steps_completed = stepsBefore;
    return ops;
  }

  /** The target schema's defaults and the hop's compiled validation (none at level `none`). */
  private hopChecks(m: MigrationDefinition, level: ValidationLevel): { defaults: Array<[string, FieldSchema]>; check?: (value: unknown) => string[] | undefined } {
    const target = this.schemas.get(m.to);
    const defaults = target ? Object.entries(target.fields).filter(([, field]) => field.default !== undefined) : [];
    if (level === 'none') return { defaults };
    const rules: ValidationRule[] = [...m.validation];
    if (target) {
      for (const [name, field] of Object.entries(target.fields)) {
        if (field.required) rules.push({ rule: 'required', field: name });
        if (field.type !== 'any') rules.push({ rule: 'type', field: name, type: field.type });
      }
    }
    return { defaults, check: compileRules(rules) };
  }

  async migrate(targetInput: unknown, options: MigrateOptions = {}): Promise<MigrationResult> {
    const started = performance.now();
    const dryRun = options.dry_run === true;
    const level: ValidationLevel = options.validation_level ?? 'strict';
    if (!['none', 'basic', 'strict'].includes(level)) throw new LlmspellError('INVALID_ARGUMENT', 'migrate: validation_level must be none, basic or strict');
    const to = normalizeVersion(targetInput, 'target_version');
    const from = (await this.currentVersion()) ?? to;
    const result: MigrationResult = {
      success: false, status: 'failed', from_version: from, to_version: to, steps_completed: 0, total_steps: 0,
      items_scanned: 0, items_migrated: 0, duration_ms: 0, warnings: [], errors: [], dry_run: dryRun, preview: [],
      timings_ms: { read: 0, transform: 0, backup: 0, write: 0 },
    };
    const finish = () => {
      result.duration_ms = Math.round((performance.now() - started) * 1000) / 1000;
      if (!result.success && result.errors.length > 0) result.error = result.errors[0];
      return result;
    };
    if (from === to) {
      Object.assign(result, { success: true, status: 'already_current' });
      return finish();
    }
    const path = this.plan(from, to);
    if (!path) {
      result.errors.push(`no registered migration path from ${from} to ${to} (known versions: ${this.versions().join(', ') || 'none'})`);
      return finish();
    }
    result.total_steps = path.reduce((n, m) => n + m.steps.length, 0);
    const events = this.options.events?.();
    const correlation = randomUUID();
    events?.publish('migration.started', { from_version: from, to_version: to, dry_run: dryRun }, { correlation_id: correlation, source: 'state' });
    try {
      const hooks = this.options.hooks?.();
      if (hooks?.hasHooks('StateMigration')) {
        const r = await hooks.execute('StateMigration', {
          point: 'StateMigration', component_id: { id: 'state_manager', type: 'state', name: 'state' },
          data: { from_version: from, to_version: to, dry_run: dryRun }, metadata: { from_version: from, to_version: to },
          correlation_id: correlation, language: 'native', timestamp: new Date().toISOString(),
        });
        if (r?.type === 'cancel') throw new LlmspellError('HOOK_CANCELLED', `migration ${from} → ${to} cancelled by a StateMigration hook: ${r.reason}`);
      }
      let phase = performance.now();
      const entries = await this.readItems(path);
      result.timings_ms.read = elapsed(phase);
      phase = performance.now();
      const ops: StateBatchOperation[] = path.every((m) => m.steps.every((st) => st.type !== 'custom'))
        ? this.migrateItemMajor(path, entries, level, result)
        : await this.migrateStepMajor(path, entries, level, result);
      result.timings_ms.transform = elapsed(phase);
      if (dryRun) {
        Object.assign(result, { success: true, status: 'dry_run' });
        return finish();
      }
      const backups = this.options.backups;
      if (backups && ops.length > 0 && (options.backup ?? ((this.options.backupOnMigration ?? true) && this.options.store.persistent))) {
        phase = performance.now();
        const backup = await backups.create({ description: `before migration ${from} → ${to}` });
        result.backup_id = backup.id;
        result.timings_ms.backup = elapsed(phase);
      }
      ops.push({ type: 'put', key: SCHEMA_VERSION_KEY, value: JSON.stringify(to) });
      phase = performance.now();
      await this.options.store.batch(ops);
      result.timings_ms.write = elapsed(phase);
      Object.assign(result, { success: true, status: 'completed' });
      events?.publish('migration.completed', { from_version: from, to_version: to, items_migrated: result.items_migrated }, { correlation_id: correlation, source: 'state' });
      return finish();
    } catch (error) {
      const e = toLlmspellError(error, 'MIGRATION_FAILED');
      if (!result.errors.includes(e.detail)) result.errors.push(e.message);
      // Nothing was written: every change is applied in the final batch only.
      Object.assign(result, { success: false, status: 'rolled_back', items_scanned: 0, items_migrated: 0, preview: [] });
      events?.publish('migration.failed', { from_version: from, to_version: to, error: e.message }, { correlation_id: correlation, source: 'state' });
      return finish();
    }
  }
}
