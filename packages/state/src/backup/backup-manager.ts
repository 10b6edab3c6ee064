import { randomBytes } from 'node:crypto';
// fs.promises, not node:fs/promises: Node loads it on first use, so a host that makes no backup never does
import fs from 'node:fs';
import { join, resolve } from 'node:path';
import { LlmspellError, SecretRedactor, isLlmspellError, type EventSink, type Logger, type StateBatchOperation, type StateStore } from '@llmspell/core';
import { BACKED_UP_KEYS, BACKED_UP_PREFIXES, SCHEMA_VERSION_KEY } from '../internal-keys.js';
import { createPhysicalKeySplitter } from '../scope.js';
import { applySecretPolicy, type SecretValuePolicy } from '../value-codec.js';
import { PRIVATE_FILE_MODE, decodePayload, sha256, signMetadata, verifyMetadata, writePayload, type BackupMetadata, type BackupPayload, type BackupType } from './backup-format.js';
import { compareNewestFirst, decideRetention, type RetentionDecision } from './retention.js';

export interface BackupManagerOptions {
  store: StateStore;
  /** Directory of `<id>.backup` + `<id>.meta` files (created when missing). */
  dir: string;
  /** gzip the snapshot (default true). */
  compression?: boolean;
  /** gzip level 1–9 (default 3). */
  compressionLevel?: number;
  /** Allow incremental backups (default true); when false every backup is full. */
  incrementalEnabled?: boolean;
  /** Keep at most this many backups (default 10; 0 = no limit). */
  maxBackups?: number;
  /** Delete backups older than this many seconds (default 30 days; 0 = no limit). */
  maxBackupAgeSeconds?: number;
  events?: () => EventSink | undefined;
  /** Clock, for tests of age-based retention. */
  now?: () => number;
  /**
   * A secret only the user holds (16+ bytes), or a function returning it (read when first
   * needed, so a missing one fails the backup operation, not the state manager). With a key,
   * every new backup is signed (HMAC-SHA256 of its metadata, which holds the data's SHA-256)
   * and validate/restore refuse a backup in the chain that is unsigned or signed otherwise.
   * Without one, the SHA-256 shows a backup is whole, not who wrote it.
   */
  signingKey?: string | Buffer | (() => string | Buffer);
  /** What a description that looks like a secret gets: "redact" (default), "refuse" or "allow" — the state values' policy. */
  secretValues?: SecretValuePolicy;
  /** Knows this process's secret values; default a fresh one with the generic patterns. */
  redactor?: SecretRedactor;
  /** Warned about `.meta` files that are not backups. */
  logger?: Logger;
}

/** Shortest signing key accepted: an HMAC is only as strong as its key. */
const MIN_SIGNING_KEY_BYTES = 16;

export interface CreateBackupOptions {
  incremental?: boolean;
  description?: string;
  /** Important backups survive the count and age limits. */
  important?: boolean;
  /** Stops the backup (Ctrl-C): its temporary file is removed and the promise rejects with CANCELLED. */
  signal?: AbortSignal;
}

export interface CreateBackupResult {
  success: true;
  id: string;
  backup_id: string;
  backup_type: BackupType;
  parent_id: string | null;
  created_at: string;
  entries: number;
  changed_entries: number;
  deleted_entries: number;
  size_bytes: number;
  path: string;
  warnings: string[];
  /** Temporary files of interrupted backups (a killed process) removed before this one. */
  removed_temp_files: string[];
  retention?: RetentionReport;
}

export interface ValidationReport {
  valid: boolean;
  backup_id: string;
  checksum_valid: boolean;
  integrity_valid: boolean;
  /** Every backup of the chain carries a valid signature; null when no signing key is configured. */
  signature_valid: boolean | null;
  /** Ids from the full backup down to this one. */
  chain: string[];
  errors: string[];
  warnings: string[];
}

export interface RestoreOptions {
  dry_run?: boolean;
  /** Take a full backup of the current state first (default false). */
  backup_current?: boolean;
}

export interface RestoreResult {
  success: true;
  backup_id: string;
  dry_run: boolean;
  /** Keys written (added or changed back). */
  restored_keys: number;
  /** Keys removed because the snapshot did not have them. */
  removed_keys: number;
  /** Keys in the restored snapshot. */
  total_keys: number;
  pre_restore_backup_id?: string;
  /** Retention run after the pre-restore backup (never deleting the backup restored or its chain). */
  retention?: RetentionReport;
}

export interface RetentionReport {
  evaluated: number;
  retained: number;
  deleted: string[];
  space_freed: number;
  decisions: RetentionDecision[];
  dry_run: boolean;
  execution_time_ms: number;
  /** Temporary files of interrupted backups removed (with dry_run: that would be). */
  removed_temp_files: string[];
}

export interface StorageUsage {
  backup_dir: string;
  total_backups: number;
  full_backups: number;
  incremental_backups: number;
  total_size_bytes: number;
  state_size_bytes: number | null;
  state_keys: number;
  oldest_backup: string | null;
  newest_backup: string | null;
  /** `<id>.backup.tmp`/`.meta.tmp` files: a backup in progress, or left by one that was killed. */
  temp_files: number;
  temp_size_bytes: number;
}

const ID_PATTERN = /^backup_\d+_[0-9a-f]{16}$/;
const TEMP_PATTERN = /^backup_\d+_[0-9a-f]{16}\.(backup|meta)\.tmp$/;

/**
 * A temporary file untouched this long is left by a backup that was killed (SIGKILL, a power
 * loss): a backup in progress writes to its file continuously, so its time stays recent.
 */
const STALE_TEMP_MS = 5 * 60 * 1000;

function cancelled(id: string, signal: AbortSignal): LlmspellError {
  const why: unknown = signal.reason;
  const reason = isLlmspellError(why) ? `: ${why.detail}` : why instanceof Error ? `: ${why.message}` : '';
  return new LlmspellError('CANCELLED', `backup ${id} was cancelled${reason}; its temporary files were removed`, { details: { id } });
}

/**
 * The stored schema version for a backup's metadata. Text that is not JSON is backed up as it
 * is (the backup is how a user keeps it before repairing), with a warning naming the key.
 */
function schemaVersion(text: string | undefined, warnings: string[]): string | null {
  if (text === undefined) return null;
  try {
    return JSON.parse(text) as string;
  } catch (error) {
    warnings.push(`the stored schema version (key ${SCHEMA_VERSION_KEY}) is not valid JSON (${(error as Error).message}); the backup holds it as it is`);
    return null;
  }
}

function checkId(id: unknown): string {
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    throw new LlmspellError('INVALID_ARGUMENT', `backup id must look like backup_<seconds>_<16 hex digits>, got ${JSON.stringify(id)}`);
  }
  return id;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/**
 * Why the parsed `<id>.meta` is not the metadata of backup `id`, or undefined when it is. Its
 * `id` must be the file's own: the files deleted, read and restored are named after it, so an id
 * like `../x` would reach outside the backup directory. The other fields are the ones listing,
 * retention and loading read.
 */
function metadataProblem(meta: unknown, id: string): string | undefined {
  if (!isObject(meta)) return `it is ${meta === null ? 'null' : Array.isArray(meta) ? 'an array' : `a ${typeof meta}`}, not an object`;
  if (meta.id !== id) return `its id ${JSON.stringify(meta.id)} is not the file's`;
  if (typeof meta.created_at !== 'string' || !Number.isFinite(Date.parse(meta.created_at))) return 'created_at is not a date';
  if (typeof meta.sequence !== 'number' || !Number.isFinite(meta.sequence)) return 'sequence is not a number';
  if (meta.backup_type !== 'full' && meta.backup_type !== 'incremental') return 'backup_type is neither full nor incremental';
  if (meta.parent_id !== null && (typeof meta.parent_id !== 'string' || !ID_PATTERN.test(meta.parent_id))) return 'parent_id is not a backup id';
  if (meta.important !== undefined && typeof meta.important !== 'boolean') return 'important is not a boolean';
  if (!isObject(meta.checksums) || typeof meta.checksums.sha256 !== 'string') return 'checksums.sha256 is missing';
  if (!isObject(meta.compression) || !isCount(meta.compression.compressed_size)) return 'compression.compressed_size is missing';
  if (!isObject(meta.stats) || !isCount(meta.stats.total_entries)) return 'stats.total_entries is missing';
  return undefined;
}

/**
 * Backups of every state scope (and the schema version), full or incremental, each a gzip
 * file `<id>.backup` with a `<id>.meta` JSON holding its SHA-256. Incrementals store only
 * what changed since their parent — additions, changes and deletions, found by comparing
 * the live state with the parent's snapshot, so writes by other processes are captured
 * too. Every restore verifies the whole chain first and applies the snapshot in one
 * atomic batch, removing keys the snapshot does not have.
 */
export class BackupManager {
  readonly dir: string;
  private readonly store: StateStore;
  private readonly compression: boolean;
  private readonly level: number;
  private readonly incrementalEnabled: boolean;
  private readonly maxBackups: number;
  private readonly maxAge: number;
  private readonly events?: () => EventSink | undefined;
  private readonly now: () => number;
  private readonly signingKeySource?: BackupManagerOptions['signingKey'];
  private readonly secretValues: SecretValuePolicy;
  private readonly redactor: SecretRedactor;
  private readonly logger?: Logger;
  /** `.meta` files already warned about, so repeated listings do not repeat the warning. */
  private readonly skipped = new Set<string>();
  private lastSequence = 0;

  constructor(options: BackupManagerOptions) {
    if (typeof options?.dir !== 'string' || options.dir === '') throw new LlmspellError('INVALID_ARGUMENT', 'BackupManager: options.dir must be a directory path');
    this.dir = resolve(options.dir);
    this.store = options.store;
    this.compression = options.compression ?? true;
    this.level = options.compressionLevel ?? 3;
    if (!Number.isInteger(this.level) || this.level < 1 || this.level > 9) throw new LlmspellError('INVALID_ARGUMENT', 'BackupManager: compressionLevel must be an integer 1–9');
    this.incrementalEnabled = options.incrementalEnabled ?? true;
    this.maxBackups = options.maxBackups ?? 10;
    this.maxAge = options.maxBackupAgeSeconds ?? 2_592_000;
    this.events = options.events;
    this.now = options.now ?? Date.now;
    this.signingKeySource = options.signingKey;
    this.secretValues = options.secretValues ?? 'redact';
    if (!['redact', 'refuse', 'allow'].includes(this.secretValues)) throw new LlmspellError('INVALID_ARGUMENT', 'BackupManager: secretValues must be "redact", "refuse" or "allow"');
    this.redactor = options.redactor ?? new SecretRedactor();
    this.logger = options.logger;
  }

  /** The description as stored: the .meta is a plain file beside the data, so it gets the state values' secret policy. */
  private description(text: string | undefined): string | null {
    if (typeof text !== 'string') return null;
    if (this.secretValues === 'allow') return text;
    const redacted = applySecretPolicy(text, 'description', 'redact', this.redactor) as string;
    if (redacted !== text && this.secretValues === 'refuse') {
      throw new LlmspellError('STATE_SECRET_REFUSED', 'the backup description looks like it holds a secret (API key, token or password); state refuses to store secrets (runtime.state_persistence.secret_values = "refuse")');
    }
    return redacted;
  }

  /** The signing key, or undefined when none is configured; a configured but unusable key is CONFIG_INVALID. */
  private signingKey(): Buffer | undefined {
    const source = this.signingKeySource;
    if (source === undefined) return undefined;
    const raw = typeof source === 'function' ? source() : source;
    const key = Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw ?? ''), 'utf8');
    if (key.length < MIN_SIGNING_KEY_BYTES) {
      throw new LlmspellError('CONFIG_INVALID', `the backup signing key is ${key.length} bytes; use at least ${MIN_SIGNING_KEY_BYTES} random bytes (e.g. \`openssl rand -hex 32\`)`);
    }
    return key;
  }

  private paths(id: string): { data: string; meta: string } {
    // Every file touched is named after an id checked here, never one taken unchecked from a file.
    checkId(id);
    return { data: join(this.dir, `${id}.backup`), meta: join(this.dir, `${id}.meta`) };
  }

  /** The live snapshot: every backed-up key and its stored text, in key order per prefix. */
  private async readLive(): Promise<Array<[string, string]>> {
    const out: Array<[string, string]> = [];
    for (const prefix of BACKED_UP_PREFIXES) {
      const entries = await this.store.entries(prefix);
      for (let i = 0; i < entries.length; i++) out.push(entries[i]);
    }
    for (const key of BACKED_UP_KEYS) {
      const v = await this.store.get(key);
      if (v !== undefined) out.push([key, v]);
    }
    return out;
  }

  async list(): Promise<BackupMetadata[]> {
    let names: string[];
    try {
      names = await fs.promises.readdir(this.dir);
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') return [];
      throw new LlmspellError('IO_ERROR', `cannot read the backup directory ${this.dir}: ${(error as Error).message}`, { cause: error });
    }
    const metas: BackupMetadata[] = [];
    for (const name of names) {
      const id = name.slice(0, -5);
      if (!name.endsWith('.meta') || !ID_PATTERN.test(id)) continue;
      let meta: unknown;
      try {
        meta = JSON.parse(await fs.promises.readFile(join(this.dir, name), 'utf8'));
      } catch {
        // A torn or foreign .meta is not a backup; validate() reports it when asked by id.
        continue;
      }
      const problem = metadataProblem(meta, id);
      if (problem === undefined) metas.push(meta as BackupMetadata);
      else if (!this.skipped.has(name)) {
        // Not a backup (info/validate report why when asked by id), and never a name to delete or read by.
        this.skipped.add(name);
        this.logger?.warn(`ignoring ${name} in the backup directory: ${problem}`, { dir: this.dir });
      }
    }
    return metas.sort(compareNewestFirst);
  }

  async info(idInput: string): Promise<BackupMetadata> {
    const id = checkId(idInput);
    let text: string;
    try {
      text = await fs.promises.readFile(this.paths(id).meta, 'utf8');
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') throw new LlmspellError('BACKUP_NOT_FOUND', `no backup ${id} in ${this.dir}`, { details: { id } });
      throw new LlmspellError('IO_ERROR', `cannot read backup metadata ${id}: ${(error as Error).message}`, { cause: error });
    }
    let meta: unknown;
    try {
      meta = JSON.parse(text);
    } catch (error) {
      throw new LlmspellError('BACKUP_INVALID', `metadata of backup ${id} is not valid JSON`, { cause: error });
    }
    const problem = metadataProblem(meta, id);
    if (problem !== undefined) throw new LlmspellError('BACKUP_INVALID', `metadata of backup ${id} is not backup metadata: ${problem}`, { details: { id, check: 'metadata' } });
    return meta as BackupMetadata;
  }

  /** Reads and verifies one backup file against its metadata. */
  private async load(id: string, key = this.signingKey()): Promise<{ meta: BackupMetadata; payload: BackupPayload }> {
    const meta = await this.info(id);
    if (key) {
      // The metadata holds the data's checksum: once its signature holds, so does the data's.
      if (!meta.signature) {
        throw new LlmspellError('BACKUP_INVALID', `backup ${id} is not signed, and a signing key is configured (backup.signing_key_env): refusing to trust it`, { details: { id, check: 'signature' } });
      }
      if (!verifyMetadata(meta, key)) {
        throw new LlmspellError('BACKUP_INVALID', `backup ${id}: the signature does not match; the backup was changed or signed with another key`, { details: { id, check: 'signature' } });
      }
    }
    let data: Buffer;
    try {
      data = await fs.promises.readFile(this.paths(id).data);
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') throw new LlmspellError('BACKUP_INVALID', `backup ${id}: the data file ${id}.backup is missing`);
      throw new LlmspellError('IO_ERROR', `cannot read backup ${id}: ${(error as Error).message}`, { cause: error });
    }
    if (data.length !== meta.compression?.compressed_size) {
      throw new LlmspellError('BACKUP_INVALID', `backup ${id}: file is ${data.length} bytes, metadata says ${meta.compression?.compressed_size}`, { details: { id, check: 'size' } });
    }
    const actual = sha256(data);
    if (actual !== meta.checksums?.sha256) {
      throw new LlmspellError('BACKUP_INVALID', `backup ${id}: SHA-256 checksum mismatch (file ${actual.slice(0, 16)}…, metadata ${String(meta.checksums?.sha256).slice(0, 16)}…); the file was changed or corrupted`, { details: { id, check: 'checksum' } });
    }
    return { meta, payload: await decodePayload(data, meta) };
  }

  /** The verified chain full → … → id, and the snapshot it adds up to (unless only checking). */
  private async materialize(id: string, build = true): Promise<{ chain: BackupMetadata[]; snapshot: Map<string, string> }> {
    const key = this.signingKey();
    const loaded: Array<{ meta: BackupMetadata; payload: BackupPayload }> = [];
    const seen = new Set<string>();
    for (let at: string | null = id; at !== null;) {
      if (seen.has(at)) throw new LlmspellError('BACKUP_INVALID', `backup ${id}: its parent chain loops at ${at}`);
      seen.add(at);
      let item: { meta: BackupMetadata; payload: BackupPayload };
      try {
        item = await this.load(at, key);
      } catch (error) {
        if (at !== id && (error as LlmspellError).code === 'BACKUP_NOT_FOUND') throw new LlmspellError('BACKUP_INVALID', `backup ${id}: its parent ${at} is missing`, { cause: error });
        throw error;
      }
      loaded.unshift(item);
      at = item.meta.backup_type === 'incremental' ? item.meta.parent_id : null;
      if (item.meta.backup_type === 'incremental' && at === null) throw new LlmspellError('BACKUP_INVALID', `backup ${item.meta.id} is incremental but names no parent`);
    }
    const snapshot = new Map<string, string>();
    if (!build) return { chain: loaded.map((l) => l.meta), snapshot };
    for (const { payload } of loaded) {
      for (const key of payload.deleted) snapshot.delete(key);
      for (const [k, v] of payload.entries) snapshot.set(k, v);
    }
    return { chain: loaded.map((l) => l.meta), snapshot };
  }

  create(options: CreateBackupOptions = {}): Promise<CreateBackupResult> {
    return this.createKeeping(options, []);
  }

  /** `create`, whose retention run keeps `keep` (and their chains) whatever the limits say. */
  private async createKeeping(options: CreateBackupOptions, keep: string[]): Promise<CreateBackupResult> {
    const started = performance.now();
    const warnings: string[] = [];
    try {
      await fs.promises.mkdir(this.dir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new LlmspellError('IO_ERROR', `cannot create the backup directory ${this.dir}: ${(error as Error).message}`, { cause: error });
    }
    const key = this.signingKey();
    const description = this.description(options.description);
    const signal = options.signal;
    const removedTemps = await this.removeStaleTemps();
    const existing = await this.list();
    const live = await this.readLive();
    let type: BackupType = 'full';
    let parent: BackupMetadata | null = null;
    let entries = live;
    let deleted: string[] = [];
    if (options.incremental) {
      if (!this.incrementalEnabled) warnings.push('incremental backups are disabled (backup.incremental_enabled = false); made a full backup');
      else if (existing.length === 0) warnings.push('no earlier backup to build on; made a full backup');
      else {
        try {
          const base = await this.materialize(existing[0].id);
          parent = existing[0];
          type = 'incremental';
          entries = [];
          // One pass over the live keys: what changed is kept, and each key seen is struck
          // from the base so what remains there is what was deleted.
          for (const entry of live) {
            const before = base.snapshot.get(entry[0]);
            if (before !== entry[1]) entries.push(entry);
            if (before !== undefined) base.snapshot.delete(entry[0]);
          }
          deleted = [...base.snapshot.keys()];
        } catch (error) {
          warnings.push(`the latest backup ${existing[0].id} cannot be used as a parent (${(error as Error).message}); made a full backup`);
        }
      }
    }
    const nowMs = this.now();
    const id = `backup_${Math.floor(nowMs / 1000)}_${randomBytes(8).toString('hex')}`;
    const sequence = existing.reduce((max, b) => Math.max(max, b.sequence ?? 0), this.lastSequence) + 1;
    this.lastSequence = sequence;
    const payload: BackupPayload = { format: 'llmspell-backup', format_version: 1, id, backup_type: type, parent_id: parent?.id ?? null, entries, deleted };
    const split = createPhysicalKeySplitter();
    const scopes = new Set<string>();
    let totalSize = 0;
    let schema: string | undefined;
    for (const [k, v] of live) {
      const where = split(k);
      if (where) scopes.add(where.scope);
      else if (k === SCHEMA_VERSION_KEY) schema = v;
      totalSize += Buffer.byteLength(k) + Buffer.byteLength(v);
    }
    const paths = this.paths(id);
    let written: { sha256: string; size: number; originalSize: number };
    try {
      if (signal?.aborted) throw signal.reason;
      // Data first, metadata last, each via rename: a crash leaves no half backup listed.
      written = await writePayload(`${paths.data}.tmp`, payload, this.compression, this.level, signal);
      if (signal?.aborted) throw signal.reason;
      await fs.promises.rename(`${paths.data}.tmp`, paths.data);
    } catch (error) {
      await fs.promises.unlink(`${paths.data}.tmp`).catch(() => undefined);
      if (signal?.aborted) throw cancelled(id, signal);
      throw new LlmspellError('IO_ERROR', `cannot write backup ${id} to ${this.dir}: ${(error as Error).message}`, { cause: error });
    }
    const meta: BackupMetadata = {
      id,
      created_at: new Date(nowMs).toISOString(),
      sequence,
      backup_type: type,
      parent_id: parent?.id ?? null,
      description,
      important: options.important === true,
      schema_version: schemaVersion(schema, warnings),
      checksums: { sha256: written.sha256 },
      compression: { algorithm: this.compression ? 'gzip' : 'none', level: this.compression ? this.level : 0, original_size: written.originalSize, compressed_size: written.size },
      encryption: null,
      stats: {
        total_entries: live.length, changed_entries: entries.length, deleted_entries: deleted.length,
        total_size: totalSize, duration_ms: 0, scopes_backed_up: [...scopes].sort(),
      },
    };
    try {
      if (signal?.aborted) throw signal.reason;
      meta.stats.duration_ms = Math.round(performance.now() - started);
      if (key) meta.signature = signMetadata(meta, key);
      await fs.promises.writeFile(`${paths.meta}.tmp`, JSON.stringify(meta, null, 2), { mode: PRIVATE_FILE_MODE });
      await fs.promises.rename(`${paths.meta}.tmp`, paths.meta);
    } catch (error) {
      await fs.promises.unlink(`${paths.meta}.tmp`).catch(() => undefined);
      await fs.promises.unlink(paths.data).catch(() => undefined);
      if (signal?.aborted) throw cancelled(id, signal);
      throw new LlmspellError('IO_ERROR', `cannot write backup ${id} to ${this.dir}: ${(error as Error).message}`, { cause: error });
    }
    this.events?.()?.publish('backup.completed', { backup_id: id, backup_type: type, entries: live.length }, { source: 'state' });
    const result: CreateBackupResult = {
      success: true, id, backup_id: id, backup_type: type, parent_id: meta.parent_id, created_at: meta.created_at,
      entries: live.length, changed_entries: entries.length, deleted_entries: deleted.length, size_bytes: written.size, path: paths.data, warnings,
      removed_temp_files: removedTemps,
    };
    if (this.maxBackups > 0 || this.maxAge > 0) result.retention = await this.cleanup({ keep });
    return result;
  }

  async validate(idInput: string): Promise<ValidationReport> {
    const id = checkId(idInput);
    const signing = this.signingKey() !== undefined;
    const report: ValidationReport = {
      valid: false, backup_id: id, checksum_valid: false, integrity_valid: false, signature_valid: signing ? false : null, chain: [], errors: [], warnings: [],
    };
    try {
      const { chain } = await this.materialize(id, false);
      report.chain = chain.map((m) => m.id);
      Object.assign(report, { valid: true, checksum_valid: true, integrity_valid: true, signature_valid: signing ? true : null });
      if (!signing) {
        report.warnings.push(chain.some((m) => m.signature)
          ? 'signed, but no signing key is configured to check the signature (backup.signing_key_env)'
          : 'the SHA-256 shows the backup is whole, not who made it; set backup.signing_key_env to sign backups');
      }
    } catch (error) {
      const e = error as LlmspellError;
      if (e.code === 'BACKUP_NOT_FOUND' && e.details?.id === id) throw error;
      report.errors.push(e.message ?? String(error));
      // A checksum mismatch means the file is whole (right size) but its bytes changed.
      report.integrity_valid = e.details?.check === 'checksum';
      report.checksum_valid = false;
    }
    return report;
  }

  async restore(idInput: string, options: RestoreOptions = {}): Promise<RestoreResult> {
    const id = checkId(idInput);
    // Verify the whole chain before touching anything.
    const { snapshot } = await this.materialize(id);
    const total = snapshot.size;
    // One pass over live state: keys the snapshot lacks are deleted, changed ones rewritten, and
    // each live key is struck from the snapshot so what remains there is missing from live.
    const deletes: StateBatchOperation[] = [];
    const puts: StateBatchOperation[] = [];
    for (const [k, v] of await this.readLive()) {
      const want = snapshot.get(k);
      if (want === undefined) deletes.push({ type: 'delete', key: k });
      else {
        if (want !== v) puts.push({ type: 'put', key: k, value: want });
        snapshot.delete(k);
      }
    }
    for (const [k, v] of snapshot) puts.push({ type: 'put', key: k, value: v });
    const ops = deletes.concat(puts);
    const result: RestoreResult = {
      success: true, backup_id: id, dry_run: options.dry_run === true, restored_keys: puts.length, removed_keys: deletes.length, total_keys: total,
    };
    if (options.dry_run) return result;
    if (options.backup_current) {
      // The retention this backup triggers must not delete the very backup being restored.
      const pre = await this.createKeeping({ description: `before restoring ${id}` }, [id]);
      result.pre_restore_backup_id = pre.id;
      if (pre.retention) result.retention = pre.retention;
    }
    await this.store.batch(ops);
    this.events?.()?.publish('restore.completed', { backup_id: id, restored_keys: result.restored_keys, removed_keys: result.removed_keys }, { source: 'state' });
    return result;
  }

  /** Applies retention; `keep` names backups (with their chains) to keep whatever the limits say. */
  async cleanup(options: { dry_run?: boolean; keep?: string[] } = {}): Promise<RetentionReport> {
    const started = performance.now();
    const removedTemps = await this.removeStaleTemps(options.dry_run === true);
    const backups = await this.list();
    const decisions = decideRetention(backups, { maxBackups: this.maxBackups, maxBackupAgeSeconds: this.maxAge }, this.now(), options.keep);
    const deleted: string[] = [];
    let freed = 0;
    for (const d of decisions) {
      if (d.should_retain) continue;
      const paths = this.paths(d.backup_id);
      const size = await fs.promises.stat(paths.data).then((s) => s.size, () => 0);
      if (!options.dry_run) {
        // Metadata first: a crash in between leaves an orphan data file, never a listed backup without data.
        await fs.promises.unlink(paths.meta).catch(() => undefined);
        await fs.promises.unlink(paths.data).catch(() => undefined);
      }
      deleted.push(d.backup_id);
      freed += size;
    }
    if (!options.dry_run && deleted.length > 0) this.events?.()?.publish('cleanup.completed', { deleted }, { source: 'state' });
    return {
      evaluated: backups.length, retained: backups.length - deleted.length, deleted, space_freed: freed, decisions,
      dry_run: options.dry_run === true, execution_time_ms: Math.round(performance.now() - started), removed_temp_files: removedTemps,
    };
  }

  async usage(): Promise<StorageUsage> {
    const backups = await this.list();
    const temps = await this.tempFiles();
    let total = 0;
    for (const b of backups) total += await fs.promises.stat(this.paths(b.id).data).then((s) => s.size, () => 0);
    return {
      backup_dir: this.dir,
      total_backups: backups.length,
      full_backups: backups.filter((b) => b.backup_type === 'full').length,
      incremental_backups: backups.filter((b) => b.backup_type === 'incremental').length,
      total_size_bytes: total,
      state_size_bytes: this.store.size ? await this.store.size() : null,
      state_keys: (await this.store.keys('state:')).length,
      oldest_backup: backups.length ? backups[backups.length - 1].id : null,
      newest_backup: backups.length ? backups[0].id : null,
      temp_files: temps.length,
      temp_size_bytes: temps.reduce((n, t) => n + t.size, 0),
    };
  }

  /** The backup temporary files in the directory, with their size and last write. */
  private async tempFiles(): Promise<Array<{ name: string; size: number; mtimeMs: number }>> {
    let names: string[];
    try {
      names = await fs.promises.readdir(this.dir);
    } catch {
      return [];
    }
    const out: Array<{ name: string; size: number; mtimeMs: number }> = [];
    for (const name of names) {
      if (!TEMP_PATTERN.test(name)) continue;
      const stat = await fs.promises.stat(join(this.dir, name)).catch(() => undefined);
      if (stat?.isFile()) out.push({ name, size: stat.size, mtimeMs: stat.mtimeMs });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /**
   * Removes the temporary files of backups that were killed before they could remove their
   * own; resolves their names. Files written to in the last few minutes belong to a backup in
   * progress (another process's) and are left alone.
   */
  private async removeStaleTemps(dryRun = false): Promise<string[]> {
    const removed: string[] = [];
    const cutoff = Date.now() - STALE_TEMP_MS;
    for (const t of await this.tempFiles()) {
      if (t.mtimeMs > cutoff) continue;
      if (!dryRun) {
        try {
          await fs.promises.unlink(join(this.dir, t.name));
        } catch (error) {
          if ((error as { code?: string }).code !== 'ENOENT') this.logger?.warn(`cannot remove the stale backup temporary file ${t.name}: ${(error as Error).message}`, { dir: this.dir });
          continue;
        }
      }
      removed.push(t.name);
    }
    if (removed.length > 0 && !dryRun) this.logger?.debug(`removed ${removed.length} temporary file(s) left by interrupted backups`, { dir: this.dir, files: removed.join(', ') });
    return removed;
  }
}
