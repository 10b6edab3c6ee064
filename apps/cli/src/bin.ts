#!/usr/bin/env node
import { main } from './main.js';

// A script must never take the CLI down with an unhandled rejection from a late host
// callback; report it and keep the exit code honest.
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`llmspell: unhandled error: ${reason instanceof Error ? reason.message : String(reason)}\n`);
  process.exitCode = 1;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`llmspell: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
