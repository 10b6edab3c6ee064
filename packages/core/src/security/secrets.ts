/**
 * Secret detection and redaction. Names are matched on word-ish boundaries rather than
 * plain substrings, so `max_tokens` or `author` are not taken for secrets (a quirk of
 * the reference).
 */
import { SCRIPT_CALLBACK, isScriptError, markScriptError } from '../script-values.js';

const SECRET_NAME = /(^|[_\-.])(api[_-]?key|apikey|secret|secret[_-]?key|password|passwd|pwd|token|access[_-]?token|auth[_-]?token|bearer[_-]?token|refresh[_-]?token|private[_-]?key|privatekey|credentials?|authorization|auth|session[_-]?key|client[_-]?secret)($|[_\-.])/i;

export function looksLikeSecretName(name: string): boolean {
  const n = name.trim();
  if (SECRET_NAME.test(n)) return true;
  // camelCase names: apiKey, accessToken, clientSecret
  return SECRET_NAME.test(n.replace(/([a-z0-9])([A-Z])/g, '$1_$2'));
}

/**
 * Token shapes of well-known services: precise enough to scrub from any output. Prefixes:
 * OpenAI/Anthropic `sk-`, GitHub `ghp_ gho_ ghu_ ghs_ ghr_ github_pat_`, GitLab `glpat-`,
 * Slack `xox?-`/`xapp-`, AWS `AKIA`/`ASIA`, Stripe `sk_live_ rk_live_ whsec_…`, Google `AIza`,
 * npm `npm_`, Hugging Face `hf_`, SendGrid `SG.`, JWTs, bearer tokens and PEM private keys.
 */
const SECRET_VALUE_PATTERNS: RegExp[] = [
  /sk-ant-[A-Za-z0-9_-]{20,}/g,
  /sk-(?:proj-)?[A-Za-z0-9_-]{20,}/g,
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
  /\bgh[pousr]_[A-Za-z0-9]{30,}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{30,}\b/g,
  /\bglpat-[A-Za-z0-9_-]{20,}\b/g,
  /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g,
  /\bxapp-[A-Za-z0-9-]{10,}\b/g,
  /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}\b/g,
  /\bwhsec_[A-Za-z0-9]{16,}\b/g,
  /\bAIza[0-9A-Za-z_-]{35}\b/g,
  /\bnpm_[A-Za-z0-9]{36}\b/g,
  /\bhf_[A-Za-z0-9]{30,}\b/g,
  /\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}\b/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g,
  /\bBearer\s+[A-Za-z0-9._~+/=-]{16,}/g,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
];

/**
 * Cheap first look: every match of SECRET_VALUE_PATTERNS and ASSIGNMENT_PATTERN contains one
 * of these (each pattern's fixed prefix, or a word of the assignment names), so text without
 * any of them is left as it is without running the patterns one by one. The words are grouped
 * by their first letter (sk-, sg., secret under s…): the regex engine then tries one branch
 * per position instead of all of them, which makes the look about 40 % cheaper.
 */
const MAY_HOLD_PATTERN = /a(?:kia|sia|iza|pi)|s(?:k-|g\.|ecret)|g(?:h[pousr]_|ithub_pat_|lpat-)|x(?:ox[abposr]-|app-)|_(?:live|test)_|whsec_|npm_|hf_|eyj|bearer|-----begin|key|token|p(?:assw|wd)/i;

// The name may be quoted (`"password": "…"`, a JSON text such as a tool result's `text`).
const ASSIGNMENT_PATTERN = /\b(api[_-]?key|apikey|api[_-]?secret|access[_-]?token|auth[_-]?token|password|passwd|pwd|secret|private[_-]?key|client[_-]?secret)(["']?\s*[:=]\s*)(["']?)([^\s"',;&]{6,})\3/gi;

export const REDACTED = '[REDACTED]';
const SECRET_NAME_CACHE_SIZE = 4096;
/**
 * Short texts recur (tool and span names, operation names, small results): SecretRedactor keeps
 * the redacted form of texts up to this long, so a caller need not keep its own.
 */
export const REDACTOR_REMEMBERED_TEXT_LENGTH = 64;
const SHORT_TEXT_CACHE_SIZE = 2048;

export function looksLikeSecretValue(value: string): boolean {
  for (const p of SECRET_VALUE_PATTERNS) {
    p.lastIndex = 0;
    if (p.test(value)) return true;
  }
  ASSIGNMENT_PATTERN.lastIndex = 0;
  return ASSIGNMENT_PATTERN.test(value);
}

/**
 * Names of environment variables that hold credentials. Broader than `looksLikeSecretName`
 * (which judges JSON keys, where `max_tokens` must stay visible): variable names are
 * upper-case words, so any name containing KEY, SECRET, PASS, TOKEN, COOKIE, SESSION, AUTH,
 * CREDENTIAL, PRIVATE, DSN, WEBHOOK, SIGNING, SALT… counts, and short words as a segment
 * (`GH_PAT`, `STRIPE_SK`, `DB_PW`). Hiding a harmless variable costs little.
 */
const SECRET_ENV_WORDS = /KEY|SECRET|PASS|PWD|TOKEN|COOKIE|SESSION|AUTH|CREDENTIAL|PRIVATE|DSN|WEBHOOK|SIGNING|SALT|SIGNATURE|JWT|BEARER|CERT|OTP/i;
const SECRET_ENV_SEGMENTS = /(^|[_.-])(PAT|SK|PK|PW|PIN|API|SID|CONN|CONNECTION_STRING|DATABASE_URL|DB_URL|DB_URI)(\d*)($|[_.-])/i;

export function looksLikeSecretEnvName(name: string): boolean {
  // The shell's working directories, not passwords.
  if (name === 'PWD' || name === 'OLDPWD') return false;
  return SECRET_ENV_WORDS.test(name) || SECRET_ENV_SEGMENTS.test(name) || looksLikeSecretName(name);
}

/** A URL carrying user info (`redis://:pw@host`, `https://key@sentry.io/1`) is a credential. */
const URL_WITH_CREDENTIALS = /\b[a-z][a-z0-9+.-]*:\/\/([^\s/@:]*)(?::([^\s/@]*))?@[^\s/@]/i;

export function urlCredentials(value: string): string[] {
  const m = URL_WITH_CREDENTIALS.exec(value);
  if (!m) return [];
  const decode = (t: string) => {
    try {
      return decodeURIComponent(t);
    } catch {
      return t;
    }
  };
  // With a password the user name is an account name; alone (Sentry DSN) it is the key.
  return m[2] ? [decode(m[2]), m[2]] : m[1] ? [decode(m[1]), m[1]] : [];
}

/**
 * The user info of a URL with a password: user, `:`, then the password up to the authority's
 * last `@` (as URL parsers read it, so an unencoded `@` in the password is masked too). A URL
 * ends at a space, quote or angle bracket (prose, JSON, HTML). The match starts at `://`, not at
 * the scheme: a scheme pattern would be tried at every word of the text.
 */
const URL_PASSWORD = /(:\/\/[^\s/?#@:"'<>`]*:)([^\s/?#"'<>`]+)@/g;
/**
 * A query (or fragment: OAuth's implicit flow hands `#access_token=…` back there) parameter
 * whose name holds a word every secret name has: only these reach the exact name check, so a
 * text full of `?page=2` links costs one scan. The name's length is bounded so that a long
 * run of such words cannot make the scan quadratic.
 */
const URL_SECRET_PARAM = /([?&#])([^=&#\s"'<>`]{0,48}?(?:key|secret|pass|pwd|token|auth|credential|sig|code|bearer)[^=&#\s"'<>`]{0,48})=([^&#\s"'<>`]*)/gi;
/**
 * Query parameters that carry credentials besides those `looksLikeSecretName` knows: API keys
 * (`?key=`), signed-URL signatures (`sig`, `X-Amz-Signature`) and OAuth codes, as `redactUrl`
 * of guarded-http reads them.
 */
const SECRET_QUERY_NAME = /^(?:key|sig|code)$|(?:^|[_.-])signature$/i;

export function looksLikeSecretQueryName(name: string): boolean {
  return SECRET_QUERY_NAME.test(name) || looksLikeSecretName(name);
}

/**
 * Masks the credentials of every URL in a text: the password of its user info
 * (`postgres://app:[REDACTED]@db/x`) and the values of secret-named query parameters
 * (`?token=[REDACTED]`). The user name stays, so the account is still recognisable.
 */
export function redactUrlCredentials(text: string, isSecretName: (name: string) => boolean = looksLikeSecretQueryName): string {
  if (!text.includes('://')) return text;
  let out = text;
  if (out.includes('@')) out = out.replace(URL_PASSWORD, (m, head: string, password: string) => (password === REDACTED ? m : `${head}${REDACTED}@`));
  if (out.includes('=')) {
    out = out.replace(URL_SECRET_PARAM, (m, sep: string, name: string, value: string) => {
      if (value === '' || value === REDACTED) return m;
      let plain = name;
      if (name.includes('%')) {
        try {
          plain = decodeURIComponent(name);
        } catch {
          // a malformed escape: judge the name as written
        }
      }
      return isSecretName(plain) ? `${sep}${name}=${REDACTED}` : m;
    });
  }
  return out;
}

function shannonBits(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * A long random-looking token of no known shape: 32+ hex digits, or 24+ characters of a
 * token alphabet mixing letters and digits with at least 4 bits of entropy per character
 * (random base64 has about 4.3; words, paths and version strings stay well below).
 */
export function looksLikeHighEntropySecret(value: string): boolean {
  const v = value.trim();
  if (v.length < 24 || v.length > 8192 || /^[/~.]/.test(v) || v.includes('//')) return false;
  if (!/^[A-Za-z0-9+/=_.~-]+$/.test(v) || !/[0-9]/.test(v) || !/[A-Za-z]/.test(v)) return false;
  if (/^[0-9a-f-]+$/i.test(v)) return v.replace(/-/g, '').length >= 32;
  return shannonBits(v) >= 4;
}

/** Values that are credentials whatever they are called: webhook URLs (the URL is the key), PEM blocks. */
const SECRET_ENV_VALUE = /hooks\.slack\.com\/(services|workflows)\/|discord(app)?\.com\/api\/webhooks\/|-----BEGIN [A-Z ]*(PRIVATE KEY|CERTIFICATE)-----/i;

/** Whether an environment variable holds a secret, by its name or by the shape of its value. */
export function looksLikeSecretEnvVar(name: string, value: string | undefined): boolean {
  if (looksLikeSecretEnvName(name)) return true;
  if (value === undefined || value === '') return false;
  return looksLikeSecretValue(value) || urlCredentials(value).length > 0 || looksLikeHighEntropySecret(value) || SECRET_ENV_VALUE.test(value);
}

/**
 * The parts of an environment variable's value worth scrubbing from output: the whole value
 * when it is credential-like, the password when it is a URL. Paths, words and flags under a
 * secret-sounding name (`XAUTHORITY=/run/…`, `AUTH_MODE=oauth`) are not registered, so output
 * mentioning them stays readable.
 */
function environmentSecretParts(name: string, value: string): string[] {
  const fromUrl = urlCredentials(value);
  if (fromUrl.length > 0) return fromUrl;
  if (looksLikeSecretValue(value) || looksLikeHighEntropySecret(value) || SECRET_ENV_VALUE.test(value)) return [value];
  if (!looksLikeSecretEnvName(name)) return [];
  const v = value.trim();
  if (v.length < 8 || /^[/~.]/.test(v) || /^[A-Za-z]:[\\/]/.test(v) || /^[a-z]+$/.test(v) || /^(true|false|yes|no|on|off|\d+)$/i.test(v)) return [];
  return [value];
}

/**
 * Encodings of a secret a script might print instead of the secret itself: reversed, hex,
 * URL-encoded and base64 (standard and URL-safe, at each of the three byte alignments the
 * secret can have inside a longer text, keeping only the characters that depend on the
 * secret alone). Masking cannot follow arbitrary transformations; these are the cheap,
 * common ones.
 */
function encodedForms(secret: string): string[] {
  const forms = new Set<string>();
  const bytes = Buffer.from(secret, 'utf8');
  forms.add([...secret].reverse().join(''));
  forms.add(bytes.toString('hex'));
  forms.add(bytes.toString('hex').toUpperCase());
  forms.add(encodeURIComponent(secret));
  for (const pad of [0, 1, 2]) {
    const text = Buffer.concat([Buffer.alloc(pad), bytes]).toString('base64');
    const core = text.slice(Math.ceil((pad * 8) / 6), Math.floor(((pad + bytes.length) * 8) / 6));
    forms.add(core);
    forms.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  forms.delete(secret);
  return [...forms].filter((f) => f.length >= 8);
}

/** Objects met while redacting one value and their copies: a short list (most values hold a few objects), a map past that. */
class Copies {
  private static readonly LIST_MAX = 16;
  private readonly from: object[];
  private readonly to: unknown[];
  private map?: Map<object, unknown>;

  constructor(first: object, copy: unknown) {
    this.from = [first];
    this.to = [copy];
  }

  get(value: object): unknown {
    if (this.map) return this.map.get(value);
    const from = this.from;
    for (let i = 0; i < from.length; i++) if (from[i] === value) return this.to[i];
    return undefined;
  }

  set(value: object, copy: unknown): void {
    if (!this.map && this.from.length < Copies.LIST_MAX) {
      this.from.push(value);
      this.to.push(copy);
      return;
    }
    if (!this.map) {
      this.map = new Map<object, unknown>();
      for (let i = 0; i < this.from.length; i++) this.map.set(this.from[i], this.to[i]);
    }
    this.map.set(value, copy);
  }
}

/**
 * Holds the exact secret values this process knows (API keys from config and the
 * environment) plus the generic patterns, and scrubs them (and their common encodings)
 * from any text.
 */
export class SecretRedactor {
  private readonly known = new Set<string>();
  /** Every string to scrub (secrets and their encodings), longest first. */
  private forms: string[] = [];
  /** The length of the shortest of `forms` (Infinity with none): a shorter text cannot hold any. */
  private shortestForm = Infinity;
  /** Verdicts of `looksLikeSecretName` for the keys seen so far (the same few keys recur in every value). */
  private readonly secretNames = new Map<string, boolean>();
  /** Short texts `redact` found clean since the last secret was added (a new secret may be in any of them). */
  private readonly shortTexts = new Set<string>();

  /** Registers a secret value; values shorter than 6 characters are ignored (too many false hits). */
  add(value: string | undefined | null): void {
    if (typeof value !== 'string' || value.length < 6 || this.known.has(value)) return;
    this.known.add(value);
    const all = new Set(this.forms);
    all.add(value);
    for (const f of encodedForms(value)) all.add(f);
    this.forms = [...all].sort((a, b) => b.length - a.length);
    this.shortestForm = this.forms[this.forms.length - 1].length;
    this.shortTexts.clear();
  }

  /**
   * Registers every secret found in an environment (by variable name and value shape, see
   * `looksLikeSecretEnvVar`); returns the names of the variables taken.
   */
  addFromEnvironment(env: Record<string, string | undefined>): string[] {
    const taken: string[] = [];
    for (const [name, value] of Object.entries(env)) {
      if (value === undefined || value === '') continue;
      const parts = environmentSecretParts(name, value);
      if (parts.length === 0) continue;
      for (const part of parts) this.add(part);
      taken.push(name);
    }
    return taken;
  }

  get size(): number {
    return this.known.size;
  }

  redact(text: string): string {
    if (text.length > REDACTOR_REMEMBERED_TEXT_LENGTH) return this.redactText(text);
    // A text shorter than every secret form, with no pattern's marker, is clean: one regex test
    // costs less than the cache's lookup and entry (a span name per workflow step is new each time).
    if (text.length < this.shortestForm && !MAY_HOLD_PATTERN.test(text) && !text.includes('://')) return text;
    if (this.shortTexts.has(text)) return text;
    const out = this.redactText(text);
    // only clean texts are kept: a text holding a secret is not remembered anywhere
    if (out === text) {
      if (this.shortTexts.size >= SHORT_TEXT_CACHE_SIZE) this.shortTexts.clear();
      this.shortTexts.add(text);
    }
    return out;
  }

  private redactText(text: string): string {
    let out = text;
    for (const secret of this.forms) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    // URL passwords have no shape or name of their own that the patterns below could catch
    out = redactUrlCredentials(out, this.isSecretQueryName);
    if (!MAY_HOLD_PATTERN.test(out)) return out;
    for (const p of SECRET_VALUE_PATTERNS) out = out.replace(p, REDACTED);
    out = out.replace(ASSIGNMENT_PATTERN, (_m, name: string, sep: string, q: string) => `${name}${sep}${q}${REDACTED}${q}`);
    return out;
  }

  /**
   * Redacts strings inside a JSON-like value, and every value stored under a secret-looking
   * key. An object reached twice (a tool result's `result` and `output` are one object) is
   * redacted once and its copy used at both places; a cycle gets the copy being built.
   */
  redactValue<T>(value: T): T {
    return this.redactIn(value, undefined);
  }

  /** `copies` maps each object met to its redacted copy; made only for values with objects inside. */
  private redactIn<T>(value: T, copies: Copies | undefined): T {
    if (typeof value === 'string') return this.redact(value) as T;
    if (typeof value !== 'object' || value === null) return value;
    // a script's function is opaque: its host object leads into the engine, nothing to redact
    if ((value as Record<symbol, unknown>)[SCRIPT_CALLBACK] === true) return value;
    const copied = copies?.get(value);
    if (copied !== undefined) return copied as T;
    if (Array.isArray(value)) {
      const list = value as unknown[];
      const out = new Array<unknown>(list.length);
      copies?.set(list, out);
      for (let i = 0; i < list.length; i++) {
        const v = list[i];
        out[i] = typeof v === 'object' && v !== null ? this.redactIn(v, (copies ??= new Copies(list, out))) : typeof v === 'string' ? this.redact(v) : v;
      }
      return out as T;
    }
    const record = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    copies?.set(record, out);
    // a text equal to the one just masked (a tool result's `output` after its `result`) is not scanned again
    let lastText: string | undefined;
    let lastMasked = '';
    for (const k of Object.keys(record)) {
      const v = record[k];
      // an own "__proto__" key stays a key: assigning it would set the copy's prototype
      if (k === '__proto__') Object.defineProperty(out, k, { value: undefined, enumerable: true, writable: true, configurable: true });
      if (typeof v === 'object' && v !== null) out[k] = this.redactIn(v, (copies ??= new Copies(record, out)));
      else if (typeof v === 'string' || typeof v === 'number') {
        if (v !== '' && this.isSecretName(k)) out[k] = REDACTED;
        else if (typeof v !== 'string') out[k] = v;
        else if (v === lastText) out[k] = lastMasked;
        else {
          lastMasked = this.redact(v);
          lastText = v;
          out[k] = lastMasked;
        }
      } else out[k] = v;
    }
    // the copy stays an error value scripts may use as text (a tool's soft failure)
    if (isScriptError(record)) markScriptError(out as { message: string });
    return out as T;
  }

  private readonly isSecretQueryName = (name: string): boolean => SECRET_QUERY_NAME.test(name) || this.isSecretName(name);

  private isSecretName(key: string): boolean {
    let verdict = this.secretNames.get(key);
    if (verdict === undefined) {
      verdict = looksLikeSecretName(key);
      if (this.secretNames.size >= SECRET_NAME_CACHE_SIZE) this.secretNames.clear();
      this.secretNames.set(key, verdict);
    }
    return verdict;
  }
}
