#!/usr/bin/env node
// Committed so the bin exists from the first `pnpm install`, before dist/ is built (a bin
// pointing into dist/ made pnpm warn "Failed to create bin" on every fresh clone).
await import('../dist/testing/mock-llm-cli.js');
