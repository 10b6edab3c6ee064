import { createRequire } from 'node:module';

const requireBuiltin = createRequire(import.meta.url);

/**
 * node:worker_threads, loaded where it is used: the CLI and its process hosts never need it,
 * and importing it cost a few ms of each start.
 */
export function workerThreads(): typeof import('node:worker_threads') {
  return requireBuiltin('node:worker_threads') as typeof import('node:worker_threads');
}
