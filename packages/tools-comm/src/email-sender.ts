import { LlmspellError, defineTool, guardedRequest, z, type ExecutionContext } from '@llmspell/core';
import { signAwsRequest } from './aws-sigv4.js';
import { softFailure } from './soft-failure.js';

const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

const address = z.string().refine((v) => EMAIL.test(v.replace(/^.*<([^>]+)>\s*$/, '$1')), 'not a valid e-mail address');
const addresses = z.union([address, z.array(address).min(1)]);

const parameters = z.object({
  to: addresses.describe('Recipient address, or a list of them'),
  subject: z.string().min(1).max(998).describe('Subject line'),
  body: z.string().describe('Message body (text, or HTML when html = true)'),
  from: address.optional().describe('Sender; default from [tools.email_sender] default_from or EMAIL_FROM'),
  html: z.boolean().default(false).describe('Send the body as HTML'),
  provider: z.enum(['smtp', 'sendgrid', 'ses']).optional().describe('Delivery provider; default from settings, else smtp'),
  cc: addresses.optional().describe('Carbon-copy recipients'),
  bcc: addresses.optional().describe('Blind carbon-copy recipients'),
  reply_to: address.optional().describe('Reply-To address'),
  operation: z.literal('send').optional().describe('DOC spelling; the only operation is send'),
});

type Params = z.infer<typeof parameters>;

interface Settings {
  default_from?: string;
  provider?: string;
  smtp?: { host?: string; port?: number; secure?: boolean; username?: string; password?: string; password_env?: string; reject_unauthorized?: boolean };
  sendgrid?: { api_key?: string; api_key_env?: string; base_url?: string };
  ses?: { region?: string; access_key_id?: string; secret_access_key?: string; session_token?: string; base_url?: string };
  timeout_seconds?: number;
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function noHeaderInjection(name: string, value: string | string[] | undefined): void {
  for (const v of list(value)) {
    if (/[\r\n]/.test(v)) throw new LlmspellError('INVALID_ARGUMENT', `email_sender: parameter '${name}' must not contain line breaks`);
  }
}

function secret(ctx: ExecutionContext, value: string | undefined, envName: string | undefined, fallbackEnv: string): string | undefined {
  const v = value ?? (envName ? process.env[envName] : undefined) ?? process.env[fallbackEnv];
  if (v) ctx.policy.secrets.add(v);
  return v;
}

async function sendSmtp(p: Params, from: string, s: Settings, ctx: ExecutionContext): Promise<Record<string, unknown>> {
  const smtp = s.smtp ?? {};
  const host = smtp.host ?? process.env.SMTP_HOST;
  if (!host) throw new LlmspellError('PROVIDER_NOT_CONFIGURED', 'email_sender: no SMTP server configured; set [tools.email_sender.smtp] host/port or SMTP_HOST/SMTP_PORT');
  // The host comes only from the operator (llmspell.toml or SMTP_HOST): no parameter reaches it
  // (`smtp_host` is ignored), and scripts can neither change the config nor set *_HOST variables.
  // So it is trusted like database_connector's configured URL: a relay on localhost or the
  // private network is what operators run. Only a network switched off still refuses it.
  if (!ctx.policy.allowNetwork) {
    throw new LlmspellError('NETWORK_NOT_ALLOWED', 'email_sender: network access is disabled (runtime.security.allow_network_access = false)');
  }
  const port = Number(smtp.port ?? process.env.SMTP_PORT ?? 587);
  const user = smtp.username ?? process.env.SMTP_USERNAME;
  const pass = secret(ctx, smtp.password, smtp.password_env, 'SMTP_PASSWORD');
  const nodemailer = await import('nodemailer');
  const transport = nodemailer.createTransport({
    host,
    port,
    secure: smtp.secure ?? port === 465,
    auth: user ? { user, pass } : undefined,
    tls: { servername: host, rejectUnauthorized: smtp.reject_unauthorized ?? true },
    connectionTimeout: (s.timeout_seconds ?? 30) * 1000,
    greetingTimeout: (s.timeout_seconds ?? 30) * 1000,
    socketTimeout: (s.timeout_seconds ?? 30) * 1000,
  });
  try {
    const info = await transport.sendMail({
      from,
      to: list(p.to),
      cc: list(p.cc),
      bcc: list(p.bcc),
      replyTo: p.reply_to,
      subject: p.subject,
      ...(p.html ? { html: p.body } : { text: p.body }),
    });
    return { message_id: info.messageId, accepted: info.accepted, rejected: info.rejected, response: info.response };
  } catch (error) {
    throw new LlmspellError('PROVIDER_ERROR', `email_sender: SMTP delivery failed: ${ctx.policy.redact((error as Error).message)}`);
  } finally {
    transport.close();
  }
}

async function sendSendgrid(p: Params, from: string, s: Settings, ctx: ExecutionContext): Promise<Record<string, unknown>> {
  const cfg = s.sendgrid ?? {};
  const key = secret(ctx, cfg.api_key, cfg.api_key_env, 'SENDGRID_API_KEY');
  if (!key) throw new LlmspellError('MISSING_API_KEY', 'email_sender: SendGrid needs an API key: set SENDGRID_API_KEY or [tools.email_sender.sendgrid] api_key_env');
  const personalization: Record<string, unknown> = { to: list(p.to).map((email) => ({ email })) };
  if (p.cc) personalization.cc = list(p.cc).map((email) => ({ email }));
  if (p.bcc) personalization.bcc = list(p.bcc).map((email) => ({ email }));
  const payload = {
    personalizations: [personalization],
    from: { email: from },
    ...(p.reply_to ? { reply_to: { email: p.reply_to } } : {}),
    subject: p.subject,
    content: [{ type: p.html ? 'text/html' : 'text/plain', value: p.body }],
  };
  const res = await guardedRequest(ctx.policy, {
    url: `${(cfg.base_url ?? 'https://api.sendgrid.com').replace(/\/$/, '')}/v3/mail/send`,
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(payload),
    timeoutMs: (s.timeout_seconds ?? 30) * 1000,
    signal: ctx.signal,
    parameter: 'sendgrid.base_url',
  });
  if (res.status >= 300) throw new LlmspellError('PROVIDER_ERROR', `email_sender: SendGrid answered ${res.status}: ${ctx.policy.redact(res.body.toString('utf8').slice(0, 500))}`);
  return { status: res.status, message_id: res.headers['x-message-id'] ?? null };
}

async function sendSes(p: Params, from: string, s: Settings, ctx: ExecutionContext): Promise<Record<string, unknown>> {
  const cfg = s.ses ?? {};
  const region = cfg.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  const accessKeyId = cfg.access_key_id ?? process.env.AWS_ACCESS_KEY_ID;
  const secretKey = secret(ctx, cfg.secret_access_key, undefined, 'AWS_SECRET_ACCESS_KEY');
  if (!region || !accessKeyId || !secretKey) {
    throw new LlmspellError('MISSING_API_KEY', 'email_sender: SES needs AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or [tools.email_sender.ses])');
  }
  const body = JSON.stringify({
    FromEmailAddress: from,
    Destination: { ToAddresses: list(p.to), CcAddresses: list(p.cc), BccAddresses: list(p.bcc) },
    ...(p.reply_to ? { ReplyToAddresses: [p.reply_to] } : {}),
    Content: { Simple: { Subject: { Data: p.subject, Charset: 'UTF-8' }, Body: { [p.html ? 'Html' : 'Text']: { Data: p.body, Charset: 'UTF-8' } } } },
  });
  const url = `${(cfg.base_url ?? `https://email.${region}.amazonaws.com`).replace(/\/$/, '')}/v2/email/outbound-emails`;
  const headers = signAwsRequest({
    method: 'POST', url, body, region, service: 'ses',
    credentials: { accessKeyId, secretAccessKey: secretKey, sessionToken: cfg.session_token ?? process.env.AWS_SESSION_TOKEN },
    headers: { 'content-type': 'application/json' },
  });
  const res = await guardedRequest(ctx.policy, { url, method: 'POST', headers, body, timeoutMs: (s.timeout_seconds ?? 30) * 1000, signal: ctx.signal, parameter: 'ses.base_url' });
  const text = res.body.toString('utf8');
  if (res.status >= 300) throw new LlmspellError('PROVIDER_ERROR', `email_sender: SES answered ${res.status}: ${ctx.policy.redact(text.slice(0, 500))}`);
  let messageId: unknown = null;
  try {
    messageId = (JSON.parse(text) as { MessageId?: string }).MessageId ?? null;
  } catch {
    // SES always answers JSON; a proxy might not — the status already told us it worked
  }
  return { status: res.status, message_id: messageId };
}

export const emailSender = defineTool({
  name: 'email_sender',
  aliases: ['email-sender'],
  description: 'Sends an e-mail through SMTP, SendGrid or Amazon SES, as configured in [tools.email_sender]',
  outputSchema: z.object({
    provider: z.enum(['smtp', 'sendgrid', 'ses']), from: z.string(), to: z.array(z.string()), message_id: z.string().nullable(),
    accepted: z.array(z.string()).optional().describe('smtp'), rejected: z.array(z.string()).optional().describe('smtp'), response: z.string().optional().describe('smtp: the server\'s answer'),
    status: z.number().optional().describe('sendgrid, ses: the HTTP status'),
  }),
  ignoredParameters: ['smtp_host', 'smtp_port', 'smtp_username', 'smtp_password', 'html_body', 'region', 'attachments'],
  category: 'communication',
  securityLevel: 'restricted',
  parameters,
  examples: [{
    description: 'Send a plain-text report', params: { to: 'team@example.com', subject: 'Nightly report', body: 'All green.', from: 'bot@example.com' },
    needs: 'a mail provider in [tools.email_sender] (smtp host, sendgrid or ses)',
  }],
  execute: async (p, ctx) => {
    const s = ctx.settings as Settings;
    for (const k of ['to', 'subject', 'from', 'cc', 'bcc', 'reply_to'] as const) noHeaderInjection(k, p[k]);
    const from = p.from ?? s.default_from ?? process.env.EMAIL_FROM;
    if (!from) throw new LlmspellError('INVALID_ARGUMENT', "email_sender: parameter 'from' is required (or set [tools.email_sender] default_from / EMAIL_FROM)");
    const provider = p.provider ?? s.provider ?? 'smtp';
    const started = performance.now();
    return softFailure('send', 'Failed to send email', async () => {
      const delivery = provider === 'sendgrid' ? await sendSendgrid(p, from, s, ctx) : provider === 'ses' ? await sendSes(p, from, s, ctx) : await sendSmtp(p, from, s, ctx);
      return {
        operation: 'send',
        message: `sent to ${list(p.to).length + list(p.cc).length + list(p.bcc).length} recipient(s) via ${provider}`,
        result: { provider, from, to: list(p.to), ...delivery },
        metadata: { duration_ms: Math.round(performance.now() - started) },
      };
    });
  },
});
