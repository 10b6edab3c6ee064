import { LlmspellError, z } from '@llmspell/core';

/** `[observability]` in llmspell.toml. */
export const ObservabilityConfigSchema = z.looseObject({
  /**
   * OTLP/HTTP base endpoint (`http://127.0.0.1:4318`); spans go to `<endpoint>/v1/traces`.
   * `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` win over it.
   */
  otlp_endpoint: z.string().url().optional(),
  /** Extra request headers for the collector (an API key of a hosted backend). */
  otlp_headers: z.record(z.string(), z.string()).optional(),
  /** `service.name` of the exported spans (default "llmspell"; `OTEL_SERVICE_NAME` wins). */
  service_name: z.string().min(1).optional(),
  /** Put prompts, responses, tool arguments and results into spans and the history. */
  capture_content: z.boolean().default(false),
  /** How many runs the history keeps (0 turns the history off). */
  history_runs: z.number().int().nonnegative().default(100),
  /** Spans kept per run in the history (further ones are counted, not stored). */
  max_spans: z.number().int().positive().default(5000),
});

export type ObservabilityConfig = z.infer<typeof ObservabilityConfigSchema>;

export interface OtlpSettings {
  /** Full traces URL (`…/v1/traces`). */
  url: string;
  headers: Record<string, string>;
  serviceName: string;
}

export interface TelemetrySettings {
  captureContent: boolean;
  historyRuns: number;
  maxSpans: number;
  /** Present when spans are exported. */
  otlp?: OtlpSettings;
}

/** `k1=v1,k2=v2` with URL-encoded values, as the OTel spec writes OTEL_EXPORTER_OTLP_HEADERS. */
export function parseOtlpHeaders(text: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const part of (text ?? '').split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    try {
      value = decodeURIComponent(value);
    } catch {
      // kept as written
    }
    if (key) headers[key] = value;
  }
  return headers;
}

function checkUrl(url: string, source: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new LlmspellError('CONFIG_INVALID', `${source}: '${url}' is not a URL (e.g. http://127.0.0.1:4318)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new LlmspellError('CONFIG_INVALID', `${source}: the OTLP/HTTP endpoint must be an http or https URL, got '${parsed.protocol}'`);
  }
  return url;
}

/** The base endpoint plus `v1/traces`, as the OTel spec says for the non-signal-specific setting. */
function tracesUrl(base: string): string {
  return base.endsWith('/') ? `${base}v1/traces` : `${base}/v1/traces`;
}

/**
 * Settings from `[observability]` and the standard OTel environment variables (which win, as
 * everywhere in OpenTelemetry). Only the user sets these: scripts can read neither the config
 * nor the environment of the host, so they cannot redirect spans.
 */
export function resolveTelemetrySettings(section: unknown, env: NodeJS.ProcessEnv): TelemetrySettings {
  const parsed = ObservabilityConfigSchema.safeParse(section ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new LlmspellError('CONFIG_INVALID', `observability.${issue.path.map(String).join('.')}: ${issue.message}`, {
      details: { key: `observability.${issue.path.map(String).join('.')}` },
    });
  }
  const config = parsed.data;
  const settings: TelemetrySettings = { captureContent: config.capture_content, historyRuns: config.history_runs, maxSpans: config.max_spans };
  const disabled = /^true$/i.test(env.OTEL_SDK_DISABLED ?? '') || /^none$/i.test(env.OTEL_TRACES_EXPORTER ?? '');
  const signalUrl = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const baseUrl = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  let url: string | undefined;
  if (signalUrl) url = checkUrl(signalUrl, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  else if (baseUrl) url = tracesUrl(checkUrl(baseUrl, 'OTEL_EXPORTER_OTLP_ENDPOINT'));
  else if (config.otlp_endpoint) url = tracesUrl(checkUrl(config.otlp_endpoint, 'observability.otlp_endpoint'));
  if (url && !disabled) {
    settings.otlp = {
      url,
      headers: {
        ...config.otlp_headers,
        ...parseOtlpHeaders(env.OTEL_EXPORTER_OTLP_HEADERS),
        ...parseOtlpHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS),
      },
      serviceName: env.OTEL_SERVICE_NAME?.trim() || config.service_name || 'llmspell',
    };
  }
  return settings;
}
