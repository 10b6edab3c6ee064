export { decodeOtlpTraces, startOtlpCollector } from './otlp-collector.js';
export type { CollectedSpan, OtlpCollector, OtlpValue } from './otlp-collector.js';
