/**
 * `llmspell ui` end to end in a real headless Chromium (Debian's package, driven by
 * playwright-core): a run with a failing step is made, the page lists it, its timeline opens
 * and the failed step is found. Skipped, with a message, only where Chromium is absent.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type TestServer } from '@llmspell/core/testing';
import { chromium, type BrowserContext } from 'playwright-core';
import { cli, scratch, write } from './helpers.js';
import { startUi, type UiServer } from './telemetry-ui-server.js';

/** The system's Chromium, as `which` finds it (Debian: /usr/bin/chromium). */
function findChromium(): string | undefined {
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
    } catch {
      // not this name
    }
  }
  return undefined;
}

const CHROMIUM = findChromium();
const maybe = CHROMIUM ? describe : describe.skip;
if (!CHROMIUM) console.warn('telemetry-ui-browser.test.ts skipped: no chromium on PATH (apt-get install -y chromium)');

maybe('llmspell ui in a headless browser', () => {
  let browser: BrowserContext;
  let profile: string;
  beforeAll(async () => {
    // A fresh profile each run (playwright passes it to Chromium as --user-data-dir).
    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    fs.rmSync(profile, { recursive: true, force: true });
  });

  test('the run list shows a run just made; its timeline opens; the failed step is found with its error', async () => {
    const dir = scratch();
    const env = { HOME: dir, XDG_DATA_HOME: path.join(dir, '.data'), PATH: process.env.PATH ?? '', NO_COLOR: '1' };
    write(dir, 'fine.lua', 'return Tool.invoke("calculator", { input = "1+1" }).result.result');
    write(dir, 'nightly.lua', `
local wf = Workflow.sequential({ name = "nightly", steps = {
  { name = "count", tool = "calculator", input = { input = "6*7" } },
  { name = "divide", tool = "calculator", input = { input = "1 +" } },
}})
local r = wf:execute({})
if not r.success then error("nightly failed") end`);
    expect((await cli(['run', 'fine.lua'], { cwd: dir, env })).code).toBe(0);
    expect((await cli(['run', 'nightly.lua'], { cwd: dir, env })).code).toBe(1);
    const ui: UiServer = await startUi(dir, env);
    const page = await browser.newPage();
    // Nothing may leave the machine: every request the page makes goes to the ui server.
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    try {
      // The printed URL, token and all: the server trades it for a cookie and drops it from the address.
      await page.goto(ui.openUrl);
      expect(page.url()).toBe(ui.url);
      const row = page.locator('tr.run-row', { hasText: 'nightly.lua' });
      await row.waitFor();
      await expect(row.locator('.badge').textContent()).resolves.toBe('error');
      await expect(page.locator('tr.run-row', { hasText: 'fine.lua' }).locator('.badge').textContent()).resolves.toBe('ok');
      // The status filter narrows the list to failed runs.
      await page.selectOption('select[aria-label="status filter"]', 'error');
      await page.locator('tr.run-row', { hasText: 'fine.lua' }).waitFor({ state: 'detached' });
      // the filtered list is fetched anew: the old rows can be gone before the new ones are drawn
      await row.waitFor();
      expect(await page.locator('tr.run-row').count()).toBe(1);
      await row.click();
      await page.locator('.waterfall').waitFor();
      const names = await page.locator('[data-testid="span-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-span-name')));
      expect(names).toEqual(expect.arrayContaining(['run nightly.lua', 'workflow nightly', 'step count', 'step divide', 'execute_tool calculator']));
      const failed = page.locator('[data-testid="span-row"][data-status="error"][data-kind="step"]');
      expect(await failed.count()).toBe(1);
      expect(await failed.getAttribute('data-span-name')).toBe('step divide');
      await failed.click();
      const panel = page.locator('aside.span-panel');
      await panel.waitFor();
      expect(await panel.locator('.span-error').textContent()).toMatch(/INVALID_ARGUMENT.*calculator: parameter 'input'/);
      // The waterfall bars sit inside the track: the failed step starts after the good one ends.
      const box = async (name: string) => page.locator(`[data-testid="span-row"][data-span-name="${name}"] .bar`).first().boundingBox();
      const [good, bad] = [await box('step count'), await box('step divide')];
      expect(bad!.x).toBeGreaterThanOrEqual(good!.x + good!.width - 1);
      expect(problems).toEqual([]);
      const origin = new URL(ui.url).origin;
      expect(requested.filter((u) => !u.startsWith(origin))).toEqual([]);
    } finally {
      await page.close();
      await ui.stop();
    }
  });

  test('a run still going shows as running and fills in without a reload until it ends', async () => {
    const dir = scratch();
    const env = {
      HOME: dir, XDG_DATA_HOME: path.join(dir, '.data'), PATH: process.env.PATH ?? '', NO_COLOR: '1', LLMSPELL_ALLOW_PRIVATE_NETWORK: 'true',
    };
    // The middle step waits on an HTTP call that this test answers once it has seen the run going.
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    let called!: () => void;
    const calling = new Promise<void>((resolve) => (called = resolve));
    const slow: TestServer = await startServer(async (_req, res) => {
      called();
      await answered;
      res.setHeader('content-type', 'application/json');
      res.end('{"ready":true}');
    });
    write(dir, 'slow.lua', `
local wf = Workflow.sequential({ name = "slow", steps = {
  { name = "first", tool = "calculator", input = { input = "1+1" } },
  { name = "wait", tool = "http_request", input = { url = "${slow.url}/ready" } },
  { name = "last", tool = "calculator", input = { input = "2+2" } },
}})
return wf:execute({}).success`);
    const ui = await startUi(dir, env);
    const page = await browser.newPage();
    let run: ReturnType<typeof cli> | undefined;
    try {
      await page.goto(ui.openUrl);
      run = cli(['run', 'slow.lua'], { cwd: dir, env });
      await calling;
      const row = page.locator('tr.run-row', { hasText: 'slow.lua' });
      await row.locator('.badge', { hasText: 'running' }).waitFor({ timeout: 20_000 });
      await row.click();
      const detail = page.locator('.run-detail');
      await page.locator('.run-detail[data-status="running"]').waitFor();
      // The step still going is drawn open-ended; the last step is not there yet.
      await page.locator('[data-testid="span-row"][data-span-name="step wait"] .bar.open').waitFor({ timeout: 20_000 });
      expect(await page.locator('[data-testid="span-row"][data-span-name="step last"]').count()).toBe(0);
      answer();
      expect((await run).code).toBe(0);
      await page.locator('.run-detail[data-status="ok"]').waitFor({ timeout: 20_000 });
      await page.locator('[data-testid="span-row"][data-span-name="step last"]').waitFor();
      expect(await detail.locator('.bar.open').count()).toBe(0);
    } finally {
      answer();
      await run?.catch(() => undefined);
      await page.close();
      await ui.stop();
      await slow.close();
    }
  });
});

