export { runStateStoreConformance } from './conformance.js';
export type { ConformanceOptions, StateStoreFactory } from './conformance.js';
