/**
 * `llmspell ui` lets in only who has the token it printed: the page trades `?token=` for a
 * cookie, the API takes the cookie or a bearer header, everything else is 401; `--no-auth`
 * serves as before. Another local user could otherwise read every run's prompts and outputs.
 */
import path from 'node:path';
import { scratch } from './helpers.js';
import { startUi, type UiServer } from './telemetry-ui-server.js';

function envFor(dir: string): Record<string, string> {
  return { HOME: dir, XDG_DATA_HOME: path.join(dir, '.data'), PATH: process.env.PATH ?? '', NO_COLOR: '1' };
}

describe('llmspell ui token', () => {
  let ui: UiServer;
  beforeAll(async () => {
    const dir = scratch();
    ui = await startUi(dir, envFor(dir));
  });
  afterAll(async () => {
    await ui.stop();
  });

  test('the printed URL carries a 43-character base64url token', () => {
    expect(ui.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(ui.openUrl).toBe(`${ui.url}?token=${ui.token}`);
  });

  test('without a token the API and the page are 401, saying to open the printed URL', async () => {
    for (const p of ['api/runs', 'api/runs/latest', '', 'index.html']) {
      const r = await fetch(new URL(p, ui.url));
      expect([p, r.status]).toEqual([p, 401]);
      const body = (await r.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('UNAUTHORIZED');
      expect(body.error.message).toContain('open the URL `llmspell ui` printed');
    }
  });

  test('?token= on the page sets an HttpOnly SameSite=Strict cookie and redirects to the address without it', async () => {
    const r = await fetch(ui.openUrl, { redirect: 'manual' });
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe('/');
    expect(r.headers.get('set-cookie')).toBe(`llmspell_ui_${new URL(ui.url).port}=${ui.token}; HttpOnly; SameSite=Strict; Path=/`);
    expect(r.headers.get('content-security-policy')).toContain("default-src 'none'");
    // other query parameters stay
    const kept = await fetch(new URL(`index.html?x=1&token=${ui.token}`, ui.url), { redirect: 'manual' });
    expect([kept.status, kept.headers.get('location')]).toEqual([302, '/index.html?x=1']);
  });

  test('the cookie lets the page and the API in', async () => {
    const cookie = `other=1; llmspell_ui_${new URL(ui.url).port}=${ui.token}`;
    const page = await fetch(ui.url, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app">');
    const api = await fetch(new URL('api/runs', ui.url), { headers: { cookie } });
    expect([api.status, await api.json()]).toEqual([200, []]);
  });

  test('a bearer token lets the API in', async () => {
    const api = await fetch(new URL('api/runs', ui.url), { headers: { authorization: `Bearer ${ui.token}` } });
    expect(api.status).toBe(200);
  });

  test('a wrong token is 401, in the cookie, the header or the query', async () => {
    const wrong = `${ui.token!.slice(0, -1)}${ui.token!.endsWith('A') ? 'B' : 'A'}`;
    for (const headers of [{ cookie: `llmspell_ui_${new URL(ui.url).port}=${wrong}` }, { cookie: `llmspell_ui_1=${ui.token}` }, { authorization: `Bearer ${wrong}` }, { authorization: 'Bearer short' }, { cookie: `llmspell_ui_${new URL(ui.url).port}=` }] as Array<Record<string, string>>) {
      expect((await fetch(new URL('api/runs', ui.url), { headers })).status).toBe(401);
    }
    const q = await fetch(`${ui.url}?token=${wrong}`, { redirect: 'manual' });
    expect([q.status, q.headers.get('set-cookie')]).toEqual([401, null]);
    // the query is for the page: the API takes the token only as the cookie or the header
    expect((await fetch(new URL(`api/runs?token=${ui.token}`, ui.url), { redirect: 'manual' })).status).toBe(401);
  });
});

test('llmspell ui --no-auth serves without a token', async () => {
  const dir = scratch();
  const ui = await startUi(dir, envFor(dir), ['--no-auth']);
  try {
    expect([ui.token, ui.openUrl]).toEqual([undefined, ui.url]);
    expect((await fetch(new URL('api/runs', ui.url))).status).toBe(200);
    expect((await fetch(ui.url)).status).toBe(200);
  } finally {
    await ui.stop();
  }
});
