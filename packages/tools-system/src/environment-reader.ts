import { type ExecutionContext, LlmspellError, defineTool, looksLikeSecretName, looksLikeSecretValue, z } from '@llmspell/core';
import { globToRegExp, missing, normaliseOperation } from './helpers.js';

const TOOL = 'environment_reader';

const OPERATIONS: Record<string, string> = {
  get: 'get', read: 'get', get_var: 'get',
  list: 'list', list_all: 'list', all: 'list',
  pattern: 'pattern', match: 'pattern', search: 'pattern',
  set: 'set', set_var: 'set', write: 'set',
};

/** Variables that change how programs load or where they are found; never settable from a script. */
const PROTECTED = /^(PATH|LD_[A-Z_]+|DYLD_[A-Z_]+|NODE_OPTIONS|NODE_PATH|NODE_EXTRA_CA_CERTS|NODE_TLS_REJECT_UNAUTHORIZED|LLMSPELL_.*|HOME|SHELL|IFS|BASH_ENV|ENV|PYTHONPATH|PYTHONSTARTUP|PERL5LIB|RUBYLIB|GIT_SSH|GIT_SSH_COMMAND|SSL_CERT_FILE|SSL_CERT_DIR|HTTPS?_PROXY|https?_proxy|ALL_PROXY|NO_PROXY)$/;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_FILTER_LENGTH = 200;

const parameters = z.object({
  operation: z.string().describe('get | list | pattern | set'),
  variable_name: z.string().optional().describe('Variable for get/set'),
  name: z.string().optional().describe('Alias of variable_name'),
  key: z.string().optional().describe('Alias of variable_name (DOC spelling)'),
  value: z.string().optional().describe('New value for set'),
  pattern: z.string().optional().describe('Glob on names for operation pattern (* and ?)'),
  filter: z.string().optional().describe('DOC: regular expression on names for list'),
});

type Params = z.infer<typeof parameters>;

/** A URL with a password in it (postgres://user:pw@host) is a secret whatever its name. */
const URL_CREDENTIALS = /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i;

export type Visibility = 'visible' | 'secret' | 'not_allowed';

function allowList(ctx: ExecutionContext): RegExp[] | undefined {
  const raw = ctx.settings.allowed_variables;
  if (!Array.isArray(raw)) return undefined;
  return raw.filter((v): v is string => typeof v === 'string').map((g) => globToRegExp(g));
}

/** Whether a variable may be shown: not on a configured allow-list, or secret by name or value, means no. */
export function classifyVariable(ctx: ExecutionContext, name: string, value: string | undefined): Visibility {
  const allowed = allowList(ctx);
  if (allowed && !allowed.some((re) => re.test(name))) return 'not_allowed';
  if (looksLikeSecretName(name)) return 'secret';
  if (value !== undefined && value !== '') {
    if (looksLikeSecretValue(value) || URL_CREDENTIALS.test(value)) return 'secret';
    if (ctx.policy.redact(value) !== value) return 'secret';
  }
  return 'visible';
}

function visibleVariables(ctx: ExecutionContext, keep: (name: string) => boolean) {
  const variables: Record<string, string> = {};
  let hidden = 0;
  for (const name of Object.keys(process.env).sort()) {
    if (!keep(name)) continue;
    const value = process.env[name];
    if (classifyVariable(ctx, name, value) === 'visible') variables[name] = value ?? '';
    else hidden += 1;
  }
  return { variables, count: Object.keys(variables).length, hidden_count: hidden };
}

async function run(p: Params, ctx: ExecutionContext) {
  const operation = normaliseOperation(TOOL, p.operation, OPERATIONS);
  const nameParam = p.variable_name !== undefined ? 'variable_name' : p.name !== undefined ? 'name' : 'key';
  const name = p.variable_name ?? p.name ?? p.key;

  switch (operation) {
    case 'get': {
      if (!name) throw missing(TOOL, 'variable_name', operation);
      const value = process.env[name];
      const exists = value !== undefined;
      const visibility = exists ? classifyVariable(ctx, name, value) : classifyVariable(ctx, name, undefined);
      if (visibility !== 'visible') {
        // Refused like the reference ("Access to environment variable 'X' is not permitted"):
        // its scripts test that reading a secret is blocked, not quietly answered with nil.
        const why = visibility === 'secret' ? 'it looks like a secret' : 'it is not in [tools.environment_reader] allowed_variables';
        throw new LlmspellError('OPERATION_NOT_ALLOWED', `${TOOL}: parameter '${nameParam}': access to environment variable '${name}' is not permitted (${why})`, {
          details: { parameter: nameParam, variable_name: name, reason: visibility },
        });
      }
      return { operation, result: { variable_name: name, value: value ?? null, exists, hidden: false } };
    }
    case 'list': {
      let keep: (n: string) => boolean = () => true;
      if (p.filter !== undefined) {
        if (p.filter.length > MAX_FILTER_LENGTH) {
          throw new LlmspellError('INVALID_ARGUMENT', `${TOOL}: parameter 'filter' is longer than ${MAX_FILTER_LENGTH} characters`);
        }
        let re: RegExp;
        try {
          re = new RegExp(p.filter);
        } catch (error) {
          throw new LlmspellError('INVALID_ARGUMENT', `${TOOL}: parameter 'filter' is not a valid regular expression: ${(error as Error).message}`);
        }
        keep = (n) => re.test(n);
      }
      const out = visibleVariables(ctx, keep);
      return { operation, message: `${out.count} variables (${out.hidden_count} hidden)`, result: out };
    }
    case 'pattern': {
      const glob = p.pattern ?? p.filter;
      if (!glob) throw missing(TOOL, 'pattern', operation);
      const re = globToRegExp(glob, process.platform === 'win32');
      const out = visibleVariables(ctx, (n) => re.test(n));
      return { operation, message: `${out.count} variables match ${glob} (${out.hidden_count} hidden)`, result: { pattern: glob, ...out } };
    }
    case 'set': {
      if (ctx.settings.allow_set !== true) {
        throw new LlmspellError('PROCESS_NOT_ALLOWED', `${TOOL}: operation 'set' is disabled; enable it with [tools.environment_reader] allow_set = true`);
      }
      if (!name) throw missing(TOOL, 'variable_name', operation);
      if (p.value === undefined) throw missing(TOOL, 'value', operation);
      if (!NAME.test(name)) {
        throw new LlmspellError('INVALID_ARGUMENT', `${TOOL}: parameter '${nameParam}': '${name}' is not a valid variable name`);
      }
      if (PROTECTED.test(name)) {
        throw new LlmspellError('PROCESS_NOT_ALLOWED', `${TOOL}: parameter '${nameParam}': ${name} changes how programs are found or loaded and cannot be set from a script`);
      }
      const allowed = allowList(ctx);
      if (allowed && !allowed.some((re) => re.test(name))) {
        throw new LlmspellError('PROCESS_NOT_ALLOWED', `${TOOL}: parameter '${nameParam}': ${name} is not in the allowed variables`);
      }
      const previous = process.env[name];
      process.env[name] = p.value;
      const secret = classifyVariable(ctx, name, p.value) === 'secret' || (previous !== undefined && classifyVariable(ctx, name, previous) === 'secret');
      return {
        operation,
        message: `Set ${name} for this process`,
        result: { variable_name: name, set: true, had_previous: previous !== undefined, hidden: secret },
      };
    }
    default:
      throw new LlmspellError('INTERNAL', `${TOOL}: unhandled operation ${operation}`);
  }
}

export const environmentReaderTool = defineTool({
  name: TOOL,
  aliases: ['environment-reader', 'env_reader'],
  description: 'Read environment variables (get, list, glob pattern); secrets are hidden; set only when configured',
  category: 'system',
  securityLevel: 'restricted',
  tags: ['environment', 'env', 'variables', 'system'],
  parameters,
  examples: [
    { description: 'Read HOME', params: { operation: 'get', variable_name: 'HOME' } },
    { description: 'All LC_* variables', params: { operation: 'pattern', pattern: 'LC_*' } },
  ],
  execute: run,
});
