import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from '../parse-args.js';
import { providersCommand } from './providers.js';

const toml = `[providers.providers.myp]
provider_type = "openai"
base_url = "https://user:pass123@llm.example.org/v1?token=qsecret999"
`;

async function providers(argv: string[]): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-providers-'));
  try {
    fs.writeFileSync(path.join(dir, 'llmspell.toml'), toml);
    let out = '';
    const io = { stdout: (t: string) => void (out += t), stderr: () => {}, isTTY: false, env: { HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir }, cwd: dir };
    expect(await providersCommand(parseArgs(argv), io)).toBe(0);
    return out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('providers prints a base_url without its password or secret query values', async () => {
  const text = await providers(['providers']);
  expect(text).toContain('myp: openai at https://user:[REDACTED]@llm.example.org/v1?token=[REDACTED]');
  const json = await providers(['providers', '--output', 'json']);
  expect(JSON.parse(json).configured[0].base_url).toBe('https://user:[REDACTED]@llm.example.org/v1?token=[REDACTED]');
  expect(text + json).not.toMatch(/pass123|qsecret999/);
});
