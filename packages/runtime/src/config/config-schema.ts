import { z } from 'zod';
import { LlmspellError } from '@llmspell/core';

/**
 * The `llmspell.toml` schema: rs-llmspell's RuntimeConfig, every section defaulted (the
 * reference required some), plus the keys llmspell adds. Unknown keys are kept and
 * reported as warnings, never errors, so the reference's example configs (which carry
 * keys it never read) still load.
 */
const boolish = z.boolean();
const positiveInt = z.number().int().positive();

export const SecurityConfigSchema = z.looseObject({
  allow_file_access: boolish.default(true),
  allow_network_access: boolish.default(true),
  allow_process_spawn: boolish.default(false),
  allow_private_network: boolish.default(false),
  allowed_paths: z.array(z.string()).optional(),
  allowed_executables: z.array(z.string()).optional(),
  allowed_domains: z.array(z.string()).default([]),
  blocked_domains: z.array(z.string()).default([]),
  max_security_level: z.enum(['safe', 'restricted', 'privileged']).default('privileged'),
  max_memory_bytes: positiveInt.optional(),
  max_execution_time_ms: positiveInt.optional(),
  max_file_bytes: positiveInt.optional(),
  max_response_bytes: positiveInt.optional(),
  max_extract_bytes: positiveInt.optional(),
});

export const BackupConfigSchema = z.looseObject({
  backup_dir: z.string().optional(),
  compression_enabled: boolish.default(true),
  /** "gzip" or "none" (no compression); the reference's "zstd"/"lz4" load, with a warning, as gzip. */
  compression_type: z.string().default('gzip'),
  compression_level: z.number().int().min(1).max(9).default(3),
  incremental_enabled: boolish.default(true),
  max_backups: z.number().int().nonnegative().default(10),
  max_backup_age: z.number().int().nonnegative().default(2_592_000),
  /** Environment variable holding the key that signs backups (HMAC); restore then refuses unsigned ones. */
  signing_key_env: z.string().min(1).optional(),
});

export const StatePersistenceConfigSchema = z.looseObject({
  enabled: boolish.default(true),
  backend_type: z.string().default('sqlite'),
  /** File or directory of a persistent backend; default in the user's data directory. */
  path: z.string().optional(),
  /** Connection string of a server backend: `postgres://user:password@host:5432/db` (`LLMSPELL_STATE_URL`). */
  url: z.string().min(1).optional(),
  /** Connections a server backend keeps open (postgres; default 10). */
  pool_size: positiveInt.optional(),
  /** The server cancels a statement running longer (postgres; default 30000, 0 = never). */
  statement_timeout_ms: z.number().int().nonnegative().optional(),
  /** Wait for a connection, new or from the pool (postgres; default 10000). */
  connect_timeout_ms: positiveInt.optional(),
  /** The table of a server backend and the schema holding it (postgres: `llmspell_state`, the search path). */
  table: z.string().min(1).optional(),
  schema: z.string().min(1).optional(),
  /** Shown in the server's list of connections (postgres: `pg_stat_activity`; default "llmspell"). */
  application_name: z.string().max(63).optional(),
  migration_enabled: boolish.default(true),
  /** Accepted for rs-llmspell configs, no effect: scripts register schemas and migrations. */
  schema_directory: z.string().optional(),
  backup_on_migration: boolish.default(true),
  max_state_size_bytes: positiveInt.default(10_000_000),
  backup_enabled: boolish.default(true),
  /** What to do with values that look like secrets: "redact" (default), "refuse" or "allow". */
  secret_values: z.enum(['redact', 'refuse', 'allow']).default('redact'),
  backup: BackupConfigSchema.prefault({}),
});

export const RuntimeSectionSchema = z.looseObject({
  /** Accepted for rs-llmspell configs, no effect: a run is one script in its own process. */
  max_concurrent_scripts: positiveInt.default(10),
  script_timeout_seconds: positiveInt.default(300),
  /** Accepted for rs-llmspell configs, no effect: streaming is always available. */
  enable_streaming: boolish.default(true),
  security: SecurityConfigSchema.prefault({}),
  state_persistence: StatePersistenceConfigSchema.prefault({}),
});

export const ProviderConfigSchema = z.looseObject({
  provider_type: z.string(),
  api_key_env: z.string().optional(),
  api_key: z.string().optional(),
  base_url: z.string().optional(),
  model: z.string().optional(),
  max_tokens: positiveInt.optional(),
  timeout_seconds: positiveInt.optional(),
  max_retries: z.number().int().nonnegative().optional(),
});

const isTable = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `[providers.<name>]` is read as `[providers.providers.<name>]` (the reference's form, two
 * levels deep, is easy to get wrong, and the short one was silently ignored), and a provider
 * without `provider_type` is of the type its name says (`[providers.providers.openai]`), as the
 * provider registry already treats it. Returns `raw` itself when nothing changes; never mutates it.
 */
export function normalizeProviders(raw: unknown): unknown {
  if (!isTable(raw) || !isTable(raw.providers)) return raw;
  const section = raw.providers;
  let nested = isTable(section.providers) ? section.providers : undefined;
  let changed = false;
  const out: Record<string, unknown> = {};
  const moved: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(section)) {
    if (key !== 'providers' && key !== 'default_provider' && isTable(value)) {
      if (nested && Object.hasOwn(nested, key)) {
        throw new LlmspellError('CONFIG_INVALID', `provider '${key}' is set twice: as [providers.${key}] and as [providers.providers.${key}]; keep one`, { details: { key: `providers.${key}` } });
      }
      moved[key] = value;
      changed = true;
    } else out[key] = value;
  }
  if (changed) nested = { ...nested, ...moved };
  if (nested) {
    for (const [name, entry] of Object.entries(nested)) {
      if (isTable(entry) && entry.provider_type === undefined) {
        if (!changed) nested = { ...nested };
        changed = true;
        nested[name] = { provider_type: name, ...entry };
      }
    }
  }
  if (!changed) return raw;
  return { ...raw, providers: { ...out, providers: nested } };
}

export const ProvidersSectionSchema = z.looseObject({
  default_provider: z.string().optional(),
  providers: z.record(z.string(), ProviderConfigSchema).default({}),
});

export const EnginesSectionSchema = z.looseObject({
  /**
   * Of the engine settings only the memory limits act (`max_memory`, `max_heap_size`;
   * `runtime.security.max_memory_bytes`, when set, replaces both); the others are accepted for rs-llmspell configs and
   * reported when set to what the fixed sandbox does not do (load-config.ts, NO_EFFECT).
   */
  lua: z.looseObject({
    stdlib: z.enum(['none', 'safe', 'full']).default('safe'),
    max_memory: positiveInt.optional(),
    debug: boolish.default(false),
    package_paths: z.array(z.string()).default([]),
  }).prefault({}),
  javascript: z.looseObject({
    strict_mode: boolish.default(true),
    max_heap_size: positiveInt.optional(),
    enable_console: boolish.default(true),
    module_resolution: z.string().default('node'),
  }).prefault({}),
});

export const ToolsSectionSchema = z.looseObject({
  /** npm package names of third-party tool plugins to load. */
  plugins: z.array(z.string()).default([]),
  /** Optional built-in tool packages to load (e.g. "@llmspell/tools-media"). */
  packages: z.array(z.string()).default([]),
});

/** How servers' elicitation requests are answered (`auto`: with the defaults at a terminal, declined otherwise). */
const McpElicitationSchema = z.enum(['auto', 'defaults', 'decline']);

/** `[mcp.servers.NAME]`: a process llmspell starts (`command`) or an HTTP server (`url`). */
export const McpServerConfigSchema = z.looseObject({
  command: z.string().min(1).optional(),
  args: z.array(z.string()).default([]),
  /** The only variables the child gets beyond PATH, HOME and LANG. */
  env: z.record(z.string(), z.string()).default({}),
  cwd: z.string().optional(),
  url: z.url({ protocol: /^https?$/ }).optional(),
  headers: z.record(z.string(), z.string()).default({}),
  /** `provider/model` that answers the server's sampling requests; without it they are refused. */
  sampling: z.string().regex(/^[^/\s]+\/\S+$/, 'use "provider/model"').optional(),
  timeout_secs: z.number().positive().optional(),
  /** Overrides `[mcp] elicitation` for this server. */
  elicitation: McpElicitationSchema.optional(),
  enabled: boolish.default(true),
}).refine((s) => (s.command === undefined) !== (s.url === undefined), 'set either command (a process) or url (an HTTP server)');

export const McpSectionSchema = z.looseObject({
  /** Per request; the script's own time limit still applies. */
  timeout_secs: z.number().positive().default(30),
  /** Largest single message a server may send. */
  max_response_bytes: positiveInt.default(4 * 1024 * 1024),
  elicitation: McpElicitationSchema.default('auto'),
  servers: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'a server name starts with a letter and uses letters, digits, _ or -'), McpServerConfigSchema).default({}),
});

/** `[queue]`: where `llmspell worker`, `submit`, `jobs` and distributed workflows meet (BullMQ on Redis). */
export const QueueSectionSchema = z.looseObject({
  /** `redis://[:password@]host:6379[/db]` or `rediss://…` (`LLMSPELL_QUEUE_URL`). */
  url: z.string().regex(/^rediss?:\/\//, 'use redis://host:port or rediss://host:port').optional(),
  /** Queue name: workers take jobs only from the queue they name. */
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . -').default('llmspell'),
  /** Jobs a worker runs at once (`--concurrency`). */
  concurrency: positiveInt.default(1),
  /** Runs of a job before it ends failed (`submit --attempts`). */
  attempts: positiveInt.default(3),
  /** Wait before a failed job runs again; doubles after each failure. */
  backoff_ms: z.number().int().nonnegative().default(1000),
  /** How long a worker's claim on a job lasts without renewal: a killed worker's jobs run again after it. */
  lock_duration_ms: positiveInt.default(30_000),
  /** How often workers look for jobs whose worker died. */
  stalled_interval_ms: positiveInt.default(30_000),
  /** Times a job may be recovered from a dead worker before it ends failed. */
  max_stalled_count: z.number().int().nonnegative().default(1),
  /** First wait after a provider's rate limit (HTTP 429); doubles each time, up to 10 minutes. */
  rate_limit_delay_ms: positiveInt.default(30_000),
  /** Rate-limit waits a job may take before it ends failed with RATE_LIMITED. */
  max_rate_limit_delays: z.number().int().nonnegative().default(20),
  /**
   * Distributed workflows send their units to the queue (`LLMSPELL_DISTRIBUTE_WORKFLOWS`);
   * false runs them in place. Workers set it false for the jobs they run, so a job never
   * waits on jobs that need its worker's own slots.
   */
  distribute_workflows: boolish.default(true),
  /** Finished jobs kept for `llmspell jobs` (the oldest are removed beyond these). */
  keep_completed: z.number().int().nonnegative().default(1000),
  keep_failed: z.number().int().nonnegative().default(5000),
});

export const LlmspellConfigSchema = z.looseObject({
  default_engine: z.string().default('lua'),
  engines: EnginesSectionSchema.prefault({}),
  providers: ProvidersSectionSchema.prefault({}),
  runtime: RuntimeSectionSchema.prefault({}),
  tools: ToolsSectionSchema.prefault({}),
  mcp: McpSectionSchema.prefault({}),
  queue: QueueSectionSchema.prefault({}),
  /** Sections owned by the packages that read them (agents, hooks, events, workflows, observability). */
  agents: z.record(z.string(), z.unknown()).default({}),
  hooks: z.record(z.string(), z.unknown()).default({}),
  events: z.record(z.string(), z.unknown()).default({}),
  workflows: z.record(z.string(), z.unknown()).default({}),
  /** `[observability]`: traces, OTLP export and the run history (@llmspell/telemetry reads it). */
  observability: z.record(z.string(), z.unknown()).default({}),
});

export type LlmspellConfig = z.infer<typeof LlmspellConfigSchema>;
export type ProviderConfig = z.infer<typeof ProviderConfigSchema>;
export type SecurityConfig = z.infer<typeof SecurityConfigSchema>;
export type StatePersistenceConfig = z.infer<typeof StatePersistenceConfigSchema>;
export type McpSectionConfig = z.infer<typeof McpSectionSchema>;
export type McpServerConfig = z.infer<typeof McpServerConfigSchema>;

export function defaultConfig(): LlmspellConfig {
  return LlmspellConfigSchema.parse({});
}
