// The ai SDK's packages pin @ai-sdk/provider-utils exactly, each release a different one: with
// caret ranges npm installs the newest of each, and with them up to four copies of
// provider-utils (4.5 MB of an install). Agents pins the set whose members share one copy.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

type Manifest = { name: string; version: string; dependencies?: Record<string, string> };

const agentsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const read = (file: string): Manifest => JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
const installed = (name: string, from: string): { dir: string; manifest: Manifest } => {
  const file = createRequire(path.join(from, 'package.json')).resolve(`${name}/package.json`);
  return { dir: path.dirname(file), manifest: read(file) };
};

const SDK = ['ai', '@ai-sdk/openai', '@ai-sdk/anthropic', '@ai-sdk/provider'];

test('the ai SDK packages are pinned to exact versions', () => {
  const deps = read(path.join(agentsDir, 'package.json')).dependencies ?? {};
  for (const name of SDK) expect([name, deps[name]]).toEqual([name, expect.stringMatching(/^\d+\.\d+\.\d+$/)]);
});

test('ai, its gateway and the providers depend on one @ai-sdk/provider-utils and one @ai-sdk/provider', () => {
  const ai = installed('ai', agentsDir);
  const members = [ai, installed('@ai-sdk/gateway', ai.dir), installed('@ai-sdk/openai', agentsDir), installed('@ai-sdk/anthropic', agentsDir)];
  const wanted = (dep: string) => new Set(members.map((m) => `${dep}@${m.manifest.dependencies?.[dep]}`));
  const pins = read(path.join(agentsDir, 'package.json')).dependencies ?? {};
  expect([...wanted('@ai-sdk/provider-utils')]).toHaveLength(1);
  expect([...wanted('@ai-sdk/provider')]).toEqual([`@ai-sdk/provider@${pins['@ai-sdk/provider']}`]);
  // What is installed is what is pinned (the lockfile agrees with package.json).
  for (const name of ['ai', '@ai-sdk/openai', '@ai-sdk/anthropic']) expect(installed(name, agentsDir).manifest.version).toBe(pins[name]);
});
