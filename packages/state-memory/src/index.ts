export { MemoryStateStore, createMemoryStateStore, createStateStore } from './memory-state-store.js';
export { compareKeys } from './key-order.js';
