import { LlmspellError } from '@llmspell/core';
import { isWellFormed } from './well-formed.js';

export type ScopeKind = 'global' | 'agent' | 'workflow' | 'step' | 'session' | 'custom';

export interface StateScope {
  kind: ScopeKind;
  /** The id (agent, workflow, session, custom name); absent for global. */
  id?: string;
  /** For `step` scopes: the workflow and step names. */
  workflow?: string;
  step?: string;
  /** Canonical script-facing form: `global`, `agent:gpt`, `step:wf:fetch`, `custom:user`. */
  name: string;
  /** Physical key prefix under which this scope's keys live. */
  prefix: string;
}

/** Namespace of every state key in the store; other namespaces hold the manager's own data. */
export const STATE_NAMESPACE = 'state:';

const SCOPE_ID_MAX_BYTES = 256;

function checkId(id: string, what: string, scope: string): void {
  if (id === '') throw new LlmspellError('INVALID_ARGUMENT', `scope '${scope}': the ${what} must not be empty`);
  if (Buffer.byteLength(id) > SCOPE_ID_MAX_BYTES) throw new LlmspellError('INVALID_ARGUMENT', `scope '${scope}': the ${what} is longer than ${SCOPE_ID_MAX_BYTES} bytes`);
  if (/[\0\n\r]/.test(id)) throw new LlmspellError('INVALID_ARGUMENT', `scope '${scope}': the ${what} must not contain NUL or line breaks`);
  if (!isWellFormed(id)) throw new LlmspellError('INVALID_ARGUMENT', `scope '${scope}': the ${what} contains an unpaired surrogate`);
}

/**
 * Ids are escaped so they never contain ':' — otherwise `agent:a:b` + key `c` and `agent:a`
 * + key `b:c` would share a physical key. Ids without ':' or '%' are stored as written, so
 * `State.save("agent:gpt", "history", …)` lives under `state:agent:gpt:history` as in the
 * reference.
 */
function escapeId(id: string): string {
  return id.replace(/%/g, '%25').replace(/:/g, '%3A');
}

/**
 * Parses a script's scope string: `global`, `agent:<id>`, `workflow:<id>`,
 * `step:<workflow>:<step>`, `session:<id>`, `custom:<name>`; any other string is the
 * name of a custom scope (`"user"` ≡ `"custom:user"`), as in the reference.
 */
export function parseScope(input: unknown): StateScope {
  if (typeof input !== 'string') return parseScopeText(input);
  // Every state call parses its scope, and a script uses a few: each is parsed once.
  let parsed = parsedScopes.get(input);
  if (parsed === undefined) {
    parsed = Object.freeze(parseScopeText(input));
    if (parsedScopes.size >= PARSED_SCOPES_MAX) parsedScopes.clear();
    parsedScopes.set(input, parsed);
  }
  return parsed;
}

const PARSED_SCOPES_MAX = 256;
const parsedScopes = new Map<string, StateScope>();

function parseScopeText(input: unknown): StateScope {
  if (input === undefined || input === null) return parseScopeText('global');
  if (typeof input !== 'string') throw new LlmspellError('INVALID_ARGUMENT', `scope must be a string, got ${typeof input}`);
  const text = input.normalize('NFC');
  if (text === '' || text === 'global') return { kind: 'global', name: 'global', prefix: `${STATE_NAMESPACE}global:` };
  const colon = text.indexOf(':');
  const head = colon < 0 ? '' : text.slice(0, colon);
  const rest = colon < 0 ? '' : text.slice(colon + 1);
  switch (head) {
    case 'agent':
    case 'workflow':
    case 'session':
    case 'custom': {
      checkId(rest, head === 'custom' ? 'name' : 'id', text);
      return { kind: head, id: rest, name: `${head}:${rest}`, prefix: `${STATE_NAMESPACE}${head}:${escapeId(rest)}:` };
    }
    case 'step': {
      const sep = rest.indexOf(':');
      if (sep <= 0 || sep === rest.length - 1) throw new LlmspellError('INVALID_ARGUMENT', `scope '${text}': a step scope is written step:<workflow>:<step>`);
      const workflow = rest.slice(0, sep);
      const step = rest.slice(sep + 1);
      checkId(workflow, 'workflow id', text);
      checkId(step, 'step name', text);
      return { kind: 'step', workflow, step, id: `${workflow}:${step}`, name: `step:${workflow}:${step}`, prefix: `${STATE_NAMESPACE}step:${escapeId(workflow)}:${escapeId(step)}:` };
    }
    default: {
      checkId(text, 'name', text);
      return { kind: 'custom', id: text, name: `custom:${text}`, prefix: `${STATE_NAMESPACE}custom:${escapeId(text)}:` };
    }
  }
}

function unescapeId(id: string): string {
  return id.replace(/%3A/g, ':').replace(/%25/g, '%');
}

/** The scope and key of a physical state key, or undefined for keys outside the state namespace. */
export function splitPhysicalKey(physical: string): { scope: string; key: string } | undefined {
  if (!physical.startsWith(STATE_NAMESPACE)) return undefined;
  const rest = physical.slice(STATE_NAMESPACE.length);
  const parts = rest.split(':');
  const kind = parts[0];
  if (kind === 'global') return { scope: 'global', key: rest.slice('global:'.length) };
  if (kind === 'step' && parts.length >= 4) {
    return { scope: `step:${unescapeId(parts[1])}:${unescapeId(parts[2])}`, key: parts.slice(3).join(':') };
  }
  if (parts.length >= 3) return { scope: `${kind}:${unescapeId(parts[1])}`, key: parts.slice(2).join(':') };
  return undefined;
}

/**
 * `splitPhysicalKey` for many keys at once: the scope of each key prefix is worked out once
 * and remembered, so a scan of 100K keys in a few scopes costs one slice per key.
 */
export function createPhysicalKeySplitter(): (physical: string) => { scope: string; key: string } | undefined {
  const scopes = new Map<string, string>();
  const start = STATE_NAMESPACE.length;
  return (physical) => {
    if (!physical.startsWith(STATE_NAMESPACE)) return undefined;
    const kindEnd = physical.indexOf(':', start);
    let end = kindEnd < 0 ? -1 : physical.indexOf(':', kindEnd + 1);
    if (end >= 0 && kindEnd - start === 4 && physical.startsWith('step', start)) {
      const third = physical.indexOf(':', end + 1);
      if (third >= 0) end = third;
    } else if (kindEnd - start === 6 && physical.startsWith('global', start)) end = kindEnd;
    if (end < 0) return splitPhysicalKey(physical);
    const prefix = physical.slice(0, end + 1);
    let scope = scopes.get(prefix);
    if (scope === undefined) {
      const split = splitPhysicalKey(physical);
      // Only a prefix that splits the same way as the general rule is remembered.
      if (!split || prefix + split.key !== physical) return split;
      scope = split.scope;
      scopes.set(prefix, scope);
    }
    return { scope, key: physical.slice(end + 1) };
  };
}
