import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

/**
 * Variables a package manager or test runner adds to a child's environment; a user's shell has
 * none of them, and npm would read the `npm_config_*` ones as its configuration.
 */
const RUNNER_VARIABLE = /^(npm_|pnpm_|PNPM_|INIT_CWD$|NODE_OPTIONS$|NODE_PATH$|JEST_WORKER_ID$|TURBO_|XDG_)/;

/** The environment without what pnpm, turbo or jest put there. */
export function cleanEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !RUNNER_VARIABLE.test(key)));
}

export interface MachineNpmConfig {
  /** The registry npm uses on this machine (the local registry's uplink). */
  registry: string;
  /**
   * Node headers for node-gyp, when the machine's npm config sets them (this machine has no
   * route to nodejs.org, so a native addon built from source needs them).
   */
  nodedir?: string;
}

let machineConfig: MachineNpmConfig | undefined;

function npmConfigGet(key: string): string | undefined {
  const value = execFileSync('npm', ['config', 'get', key], { cwd: os.tmpdir(), env: cleanEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  return value && value !== 'undefined' && value !== 'null' ? value : undefined;
}

/** npm's own configuration on this machine, as the user's npm would read it. */
export function machineNpmConfig(): MachineNpmConfig {
  machineConfig ??= { registry: npmConfigGet('registry') ?? 'https://registry.npmjs.org/', nodedir: npmConfigGet('nodedir') };
  return machineConfig;
}

export interface UserEnvOptions {
  /** An empty home directory for the user. */
  home: string;
  /** The registry npm installs from. */
  registry: string;
  /** A global prefix whose bin/ goes first on PATH. */
  prefix?: string;
  /** An npmrc with credentials (only publishing needs one). */
  userconfig?: string;
}

/**
 * The environment of a new user: an empty HOME, npm pointed at `registry` through npm's own
 * config variables, and nothing else from this machine's npm setup but the node-gyp headers.
 */
export function userEnv(options: UserEnvOptions): NodeJS.ProcessEnv {
  const env = cleanEnv();
  const machine = machineNpmConfig();
  env.HOME = options.home;
  env.npm_config_registry = options.registry;
  env.npm_config_userconfig = options.userconfig ?? path.join(options.home, '.npmrc');
  env.npm_config_cache = path.join(options.home, '.npm');
  env.npm_config_update_notifier = 'false';
  env.npm_config_fund = 'false';
  env.npm_config_audit = 'false';
  if (machine.nodedir) env.npm_config_nodedir = machine.nodedir;
  if (options.prefix) env.PATH = `${path.join(options.prefix, 'bin')}${path.delimiter}${env.PATH ?? ''}`;
  return env;
}
