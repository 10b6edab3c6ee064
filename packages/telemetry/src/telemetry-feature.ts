import type { ScriptValue } from '@llmspell/core';
import { resolveTelemetrySettings } from './settings.js';
import { Telemetry, type ScriptRunInfo, type TelemetryHost, type TelemetryOptions } from './telemetry.js';

/** Service name under which the feature keeps its Telemetry in `runtime.services`. */
export const TELEMETRY_SERVICE = 'telemetry';

export interface TelemetryFeatureOptions extends TelemetryOptions {
  /** Where OTEL_* variables are read (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

/**
 * A runtime feature (`LlmspellRuntime.create({ features: [...builtinFeatures, telemetryFeature()] })`)
 * that records every run: spans for the run, workflows, steps, agents, tools, state and
 * hooks, kept in the run history and exported over OTLP/HTTP when an endpoint is set.
 * Install it after the built-in features: it wraps the hook executor, event sink and state
 * manager they create. OpenTelemetry itself is loaded only when exporting.
 */
export function telemetryFeature(options: TelemetryFeatureOptions = {}) {
  const of = (runtime: TelemetryHost) => runtime.services.get(TELEMETRY_SERVICE) as Telemetry | undefined;
  return {
    name: 'telemetry',
    async setup(runtime: TelemetryHost): Promise<void> {
      const settings = resolveTelemetrySettings(runtime.config.observability, options.env ?? process.env);
      const telemetry = new Telemetry(runtime, settings, options);
      await telemetry.install();
      runtime.services.set(TELEMETRY_SERVICE, telemetry);
    },
    aroundRun(run: () => Promise<ScriptValue>, info: ScriptRunInfo, runtime: TelemetryHost): Promise<ScriptValue> {
      const telemetry = of(runtime);
      return telemetry ? telemetry.aroundRun(run, info) : run();
    },
    async close(runtime: TelemetryHost): Promise<void> {
      await of(runtime)?.close();
    },
  };
}
