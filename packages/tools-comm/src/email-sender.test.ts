import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { SecurityPolicy, createExecutionContext, executeComponent } from '@llmspell/core';
import { emailSender, signAwsRequest } from './index.js';

const open = new SecurityPolicy({ allowPrivateNetwork: true });

describe('email_sender over SMTP', () => {
  let server: SMTPServer;
  let port: number;
  const received: Array<{ from: string; to: string[]; data: string; user?: string }> = [];
  beforeAll(async () => {
    server = new SMTPServer({
      secure: false,
      disabledCommands: ['STARTTLS'],
      authOptional: true,
      onAuth(auth, _session, cb) {
        if (auth.username === 'bot' && auth.password === 'smtp-secret-pw') cb(null, { user: 'bot' });
        else cb(new Error('bad credentials'));
      },
      onData(stream, session, cb) {
        let data = '';
        stream.on('data', (c) => (data += c));
        stream.on('end', () => {
          received.push({ from: session.envelope.mailFrom ? (session.envelope.mailFrom as { address: string }).address : '', to: session.envelope.rcptTo.map((r) => r.address), data, user: session.user as string | undefined });
          cb();
        });
      },
    });
    // Both stacks where there is IPv6, so `localhost` reaches it whichever address it resolves to first.
    await new Promise<void>((resolve) => {
      server.server.once('error', () => server.listen(0, '127.0.0.1', resolve));
      server.listen(0, '::', resolve);
    });
    port = (server.server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const ctx = (policy = open, smtp: Record<string, unknown> = {}) =>
    createExecutionContext({ policy, settings: { smtp: { host: '127.0.0.1', port, ...smtp } } });

  test('delivers a message with auth, cc and html', async () => {
    const r = await executeComponent(emailSender, {
      to: ['a@example.test', 'b@example.test'], cc: 'c@example.test', from: 'bot@example.test',
      subject: 'Report', body: '<b>all green</b>', html: true,
    }, ctx(open, { username: 'bot', password: 'smtp-secret-pw' }));
    expect(r.success).toBe(true);
    expect(r.result).toMatchObject({ provider: 'smtp', accepted: ['a@example.test', 'b@example.test', 'c@example.test'] });
    const last = received[received.length - 1];
    expect(last.user).toBe('bot');
    expect(last.to).toEqual(['a@example.test', 'b@example.test', 'c@example.test']);
    expect(last.data).toContain('Subject: Report');
    expect(last.data).toContain('<b>all green</b>');
    expect(JSON.stringify(r)).not.toContain('smtp-secret-pw');
  });

  test('bad credentials are a provider error (reported as data, like the reference) without the password', async () => {
    const r = await executeComponent(emailSender, { to: 'a@example.test', from: 'x@example.test', subject: 's', body: 'b' }, ctx(open, { username: 'bot', password: 'wrong-password-123' }));
    expect(r).toMatchObject({ success: false, error: { code: 'PROVIDER_ERROR' } });
    expect(r.message).toMatch(/^Failed to send email: /);
    expect(JSON.stringify(r)).not.toContain('wrong-password-123');
  });

  test('no SMTP server configured is a failed result, not an exception', async () => {
    const saved = { host: process.env.SMTP_HOST, port: process.env.SMTP_PORT };
    delete process.env.SMTP_HOST;
    delete process.env.SMTP_PORT;
    try {
      const r = await executeComponent(emailSender, { to: 'a@example.test', from: 'x@example.test', subject: 's', body: 'b', provider: 'smtp' }, createExecutionContext({ policy: open }));
      expect(r).toMatchObject({ success: false, error: { code: 'PROVIDER_NOT_CONFIGURED' } });
      expect(JSON.parse(r.text)).toMatchObject({ operation: 'send', success: false });
    } finally {
      if (saved.host !== undefined) process.env.SMTP_HOST = saved.host;
      if (saved.port !== undefined) process.env.SMTP_PORT = saved.port;
    }
  });

  test('the operator\'s SMTP host is trusted under the default policy, localhost included', async () => {
    for (const host of ['127.0.0.1', 'localhost']) {
      const r = await executeComponent(emailSender, { to: 'a@example.test', from: 'x@example.test', subject: `via ${host}`, body: 'b' }, ctx(new SecurityPolicy(), { host }));
      expect([host, r.success]).toEqual([host, true]);
      expect(received[received.length - 1].data).toContain(`Subject: via ${host}`);
    }
    // Only a network switched off refuses it.
    await expect(executeComponent(emailSender, { to: 'a@example.test', from: 'x@example.test', subject: 's', body: 'b' }, ctx(new SecurityPolicy({ allowNetwork: false }))))
      .rejects.toMatchObject({ code: 'NETWORK_NOT_ALLOWED' });
  });

  test('a script cannot choose the SMTP host: its host parameters are ignored', async () => {
    const before = received.length;
    // The configured server gets the message; the script's host and port go nowhere.
    const r = await executeComponent(emailSender, {
      to: 'a@example.test', from: 'x@example.test', subject: 'redirect?', body: 'b', smtp_host: '10.0.0.1', smtp_port: 1,
    }, ctx(new SecurityPolicy()));
    expect(r.success).toBe(true);
    expect(received.length).toBe(before + 1);
    await expect(executeComponent(emailSender, { to: 'a@example.test', from: 'x@example.test', subject: 's', body: 'b', host: '10.0.0.1' }, ctx(new SecurityPolicy())))
      .rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  test('validates addresses and refuses header injection', async () => {
    await expect(executeComponent(emailSender, { to: 'not-an-address', from: 'x@example.test', subject: 's', body: 'b' }, ctx()))
      .rejects.toThrow(/parameter 'to'/);
    await expect(executeComponent(emailSender, { to: 'a@example.test', from: 'x@example.test', subject: 'hi\r\nBcc: evil@example.test', body: 'b' }, ctx()))
      .rejects.toThrow(/parameter 'subject' must not contain line breaks/);
    await expect(executeComponent(emailSender, { to: 'a@example.test', subject: 's', body: 'b' }, ctx()))
      .rejects.toThrow(/parameter 'from' is required/);
  });
});

function httpServer(handler: (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => handler(req, body, res));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  })));
}

describe('email_sender over HTTP APIs', () => {
  test('SendGrid: v3 mail/send with a bearer key', async () => {
    let seen: { auth?: string; body?: any; path?: string } = {};
    const srv = await httpServer((req, body, res) => {
      seen = { auth: req.headers.authorization, body: JSON.parse(body), path: req.url };
      res.writeHead(202, { 'x-message-id': 'sg-123' }).end();
    });
    try {
      const r = await executeComponent(emailSender, { to: 'a@example.test', from: 'bot@example.test', subject: 'Hi', body: 'text', provider: 'sendgrid' },
        createExecutionContext({ policy: open, settings: { sendgrid: { api_key: 'SG.secret-key-value', base_url: srv.url } } }));
      expect(seen.path).toBe('/v3/mail/send');
      expect(seen.auth).toBe('Bearer SG.secret-key-value');
      expect(seen.body).toEqual({ personalizations: [{ to: [{ email: 'a@example.test' }] }], from: { email: 'bot@example.test' }, subject: 'Hi', content: [{ type: 'text/plain', value: 'text' }] });
      expect(r.result).toMatchObject({ provider: 'sendgrid', status: 202, message_id: 'sg-123' });
      expect(JSON.stringify(r)).not.toContain('SG.secret-key-value');
    } finally {
      await srv.close();
    }
  });

  test('SES: a SigV4-signed v2 request that the server can verify', async () => {
    const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'ses-secret-key-value' };
    let verified = false;
    const srv = await httpServer((req, body, res) => {
      const amzDate = req.headers['x-amz-date'] as string;
      const now = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
      const expected = signAwsRequest({ method: req.method!, url: `http://${req.headers.host}${req.url}`, body, region: 'eu-west-1', service: 'ses', credentials, headers: { 'content-type': String(req.headers['content-type']) }, now });
      verified = expected.authorization === req.headers.authorization;
      const parsed = JSON.parse(body);
      res.writeHead(verified && parsed.Destination.ToAddresses[0] === 'a@example.test' ? 200 : 403, { 'content-type': 'application/json' }).end(JSON.stringify({ MessageId: 'ses-1' }));
    });
    try {
      const r = await executeComponent(emailSender, { to: 'a@example.test', from: 'bot@example.test', subject: 'Hi', body: 'text', provider: 'ses' },
        createExecutionContext({ policy: open, settings: { ses: { region: 'eu-west-1', access_key_id: credentials.accessKeyId, secret_access_key: credentials.secretAccessKey, base_url: srv.url } } }));
      expect(verified).toBe(true);
      expect(r.result).toMatchObject({ provider: 'ses', message_id: 'ses-1' });
    } finally {
      await srv.close();
    }
  });

  test('missing keys name what to set', async () => {
    const saved = process.env.SENDGRID_API_KEY;
    delete process.env.SENDGRID_API_KEY;
    const r = await executeComponent(emailSender, { to: 'a@example.test', from: 'b@example.test', subject: 's', body: 'b', provider: 'sendgrid' }, createExecutionContext({ policy: open }));
    expect(r).toMatchObject({ success: false, error: { code: 'MISSING_API_KEY' } });
    expect(r.error?.message).toMatch(/SENDGRID_API_KEY/);
    if (saved !== undefined) process.env.SENDGRID_API_KEY = saved;
  });
});
