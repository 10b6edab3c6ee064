import { aliasOf, compileGlob, compileScriptRegex, type ExecutionContext, type GlobMatcher, LlmspellError, defineTool, looksLikeSecretEnvVar, z } from '@llmspell/core';
import { missing, normaliseOperation } from './helpers.js';

const TOOL = 'environment_reader';

const OPERATIONS: Record<string, string> = {
  get: 'get', read: 'get', get_var: 'get',
  list: 'list', list_all: 'list', all: 'list',
  pattern: 'pattern', match: 'pattern', search: 'pattern',
  set: 'set', set_var: 'set', write: 'set',
};

/**
 * Variables that change how programs load, where they are found or where this process sends
 * its requests (and its keys); never settable from a script. Provider endpoints are on the
 * list because an agent takes its configured base URL from them.
 */
const PROTECTED = /^(PATH|LD_[A-Z_]+|DYLD_[A-Z_]+|NODE_[A-Z_]+|LLMSPELL_.*|HOME|SHELL|IFS|BASH_ENV|ENV|PYTHON[A-Z_]*|PERL5[A-Z_]*|RUBY[A-Z_]*|GIT_[A-Z_]+|SSL_[A-Z_]+|CURL_CA_BUNDLE|REQUESTS_CA_BUNDLE|TMPDIR|TEMP|TMP|XDG_[A-Z_]+|[A-Z0-9_]*_(BASE_URL|API_BASE|API_URL|HOST|ENDPOINT|PROXY|CA_BUNDLE))$|^(https?_proxy|all_proxy|no_proxy)$/i;

/**
 * What `list`, `get` and `pattern` show when no `allowed_variables` is configured: variables
 * that describe the machine and the session, none of which carries a credential.
 */
export const DEFAULT_ALLOWED_ENV_VARS: readonly string[] = [
  'PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'PWD', 'LANG', 'LANGUAGE', 'LC_*', 'TERM', 'TERM_PROGRAM', 'COLORTERM', 'TZ',
  'TMPDIR', 'TEMP', 'TMP', 'HOSTNAME', 'EDITOR', 'VISUAL', 'PAGER', 'COLUMNS', 'LINES', 'NO_COLOR', 'FORCE_COLOR', 'CI',
  'NODE_ENV', 'XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'XDG_CACHE_HOME', 'XDG_STATE_HOME', 'XDG_RUNTIME_DIR',
];

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_FILTER_LENGTH = 200;

const parameters = z.object({
  operation: z.string().describe('get | list | pattern | set'),
  variable_name: z.string().optional().describe('Variable for get/set'),
  name: aliasOf('variable_name'),
  key: aliasOf('variable_name'),
  value: z.string().optional().describe('New value for set'),
  pattern: z.string().optional().describe('Glob on names for operation pattern (* and ?)'),
  filter: z.string().optional().describe('DOC: regular expression on names for list'),
});

type Params = z.infer<typeof parameters>;

export type Visibility = 'visible' | 'secret' | 'not_allowed';

/** `[tools.environment_reader] allowed_variables` (or `allowed_vars`) when configured. */
function configuredAllowList(ctx: ExecutionContext): string[] | undefined {
  const raw = ctx.settings.allowed_variables ?? ctx.settings.allowed_vars;
  return Array.isArray(raw) ? raw.filter((v): v is string => typeof v === 'string') : undefined;
}

/** The configured globs, replacing the default list, or the default list. */
function allowList(ctx: ExecutionContext): GlobMatcher[] {
  const globs = configuredAllowList(ctx) ?? DEFAULT_ALLOWED_ENV_VARS;
  return globs.map((g) => compileGlob(g, { parameter: 'allowed_variables' }));
}

/**
 * Whether a variable may be shown. Only names on the allow-list can be; even then a name or
 * value that looks like a credential is hidden, and the value joins the policy's redaction
 * set so it never prints, whichever way it reaches the output.
 */
export function classifyVariable(ctx: ExecutionContext, name: string, value: string | undefined): Visibility {
  const secret = looksLikeSecretEnvVar(name, value) || (value !== undefined && value !== '' && ctx.policy.redact(value) !== value);
  if (secret && value) ctx.policy.secrets.addFromEnvironment({ [name]: value });
  if (secret) return 'secret';
  return allowList(ctx).some((matches) => matches(name)) ? 'visible' : 'not_allowed';
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
        const why = visibility === 'secret'
          ? 'it looks like a secret'
          : configuredAllowList(ctx)
            ? 'it is not in [tools.environment_reader] allowed_variables'
            : 'it is not one of the harmless variables shown by default; list it in [tools.environment_reader] allowed_variables';
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
        // Linear-time matching: a script's pattern cannot stall the host.
        const re = compileScriptRegex(p.filter, { tool: TOOL, parameter: 'filter' });
        keep = (n) => re.test(n);
      }
      const out = visibleVariables(ctx, keep);
      return { operation, message: `${out.count} variables (${out.hidden_count} hidden)`, result: out };
    }
    case 'pattern': {
      const glob = p.pattern ?? p.filter;
      if (!glob) throw missing(TOOL, 'pattern', operation);
      const matches = compileGlob(glob, { tool: TOOL, parameter: 'pattern', caseInsensitive: process.platform === 'win32' });
      const out = visibleVariables(ctx, matches);
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
        throw new LlmspellError('PROCESS_NOT_ALLOWED', `${TOOL}: parameter '${nameParam}': ${name} changes how programs are found or loaded, or where requests go, and cannot be set from a script`);
      }
      if (looksLikeSecretEnvVar(name, undefined)) {
        throw new LlmspellError('PROCESS_NOT_ALLOWED', `${TOOL}: parameter '${nameParam}': ${name} looks like a credential variable and cannot be set from a script`);
      }
      // A configured allow-list bounds what may be set; the default one is about reading only.
      if (configuredAllowList(ctx) && !allowList(ctx).some((matches) => matches(name))) {
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
  description: 'Read harmless environment variables (get, list, glob pattern); only an allow-list is visible, secrets never; set only when configured',
  outputSchema: z.union([
    z.object({ variable_name: z.string(), value: z.string().nullable(), exists: z.boolean(), hidden: z.literal(false) }).describe('get'),
    z.object({ variable_name: z.string(), set: z.literal(true), had_previous: z.boolean(), hidden: z.boolean() }).describe('set'),
    z.object({
      pattern: z.string().optional().describe('pattern'), variables: z.record(z.string(), z.string()), count: z.number(),
      hidden_count: z.number().describe('Matching variables not shown (secret or not allowed)'),
    }).describe('list, pattern'),
  ]),
  ignoredParameters: ['variables'],
  category: 'system',
  securityLevel: 'restricted',
  tags: ['environment', 'env', 'variables', 'system'],
  parameters,
  examples: [
    { description: 'Read HOME', params: { operation: 'get', variable_name: 'HOME' } },
    { description: 'The visible variables whose name starts with XDG', params: { operation: 'list', filter: '^XDG' } },
    { description: 'All LC_* variables', params: { operation: 'pattern', pattern: 'LC_*' } },
  ],
  execute: run,
});
