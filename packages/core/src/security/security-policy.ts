import os from 'node:os';
import path from 'node:path';
import { isIP } from 'node:net';
import { LlmspellError } from '../errors.js';
import { FileAccess, type LocateOptions, type LocatedEntry, realpathOfLongestExistingPrefix } from './file-access.js';
import { classifyPrivateAddress, isLocalHostname } from './network.js';
import { SecretRedactor } from './secrets.js';
import { type SecurityLevel, securityLevelRank } from './security-levels.js';
import type { FileOpenMode, VerifiedDirectory, VerifiedFile } from './verified-directory.js';

/** node:dns, once a host name was first looked up (most runs look none up). */
let dnsPromises: typeof import('node:dns').promises | undefined;

export interface SecurityPolicyOptions {
  /** Roots that file tools may touch. Default: the working directory and the system temp directory. */
  allowedPaths?: string[];
  /** Let tools touch files at all (`runtime.security.allow_file_access`). Default true. */
  allowFileAccess?: boolean;
  /**
   * Files no tool may read or write, whatever the roots: the config files the runtime loaded
   * (or would load). `.env*` files are always protected.
   */
  protectedFiles?: string[];
  /** Directories no tool may touch anything in (the state store, its backups). */
  protectedDirs?: string[];
  /** Allow loopback/private/link-local targets for network tools. Default false. */
  allowPrivateNetwork?: boolean;
  /** Allow network tools at all. Default true. */
  allowNetwork?: boolean;
  /** Allow process_executor. Default false. */
  allowProcessSpawn?: boolean;
  /** Executables process_executor may run (base names or absolute paths). */
  allowedExecutables?: string[];
  /** Highest tool security level scripts may use. Default "privileged" (every built-in tool). */
  maxSecurityLevel?: SecurityLevel;
  /** Largest file a tool reads or writes, in bytes. Default 50 MiB. */
  maxFileBytes?: number;
  /** Largest HTTP response body a tool downloads, in bytes. Default 10 MiB. */
  maxResponseBytes?: number;
  /** Largest total size an archive may extract to, in bytes. Default 100 MiB. */
  maxExtractBytes?: number;
  /** Most entries an archive may extract. Default 10,000. */
  maxExtractEntries?: number;
  /** Hosts (exact or `*.suffix`) network tools may reach; empty = any public host. */
  allowedDomains?: string[];
  /** Hosts network tools must never reach. */
  blockedDomains?: string[];
  /** Working directory relative paths resolve against. Default process.cwd(). */
  cwd?: string;
}

export const DEFAULT_ALLOWED_EXECUTABLES = [
  'echo', 'cat', 'ls', 'pwd', 'whoami', 'date', 'uname', 'which', 'test', 'head', 'tail', 'wc', 'grep',
  'find', 'sort', 'uniq',
];

export interface ResolvedHost {
  hostname: string;
  addresses: Array<{ address: string; family: number }>;
}

let localAddresses: { at: number; set: Set<string> } | undefined;
function localInterfaceAddresses(): Set<string> {
  const now = Date.now();
  if (!localAddresses || now - localAddresses.at > 5000) {
    const set = new Set<string>();
    for (const list of Object.values(os.networkInterfaces())) for (const i of list ?? []) set.add(i.address.toLowerCase());
    localAddresses = { at: now, set };
  }
  return localAddresses.set;
}

/**
 * A host name as the domain lists compare it: lower case, without brackets and without the one
 * trailing dot of a fully qualified name (`example.com.` is `example.com` to DNS, so it must be
 * to the lists as well).
 */
function normalizeHost(hostname: string): string {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

function domainMatches(h: string, pattern: string): boolean {
  const p = normalizeHost(pattern);
  if (p === '*') return true;
  if (p.startsWith('*.')) return h === p.slice(2) || h.endsWith(p.slice(1));
  return h === p;
}

/**
 * The one security policy. Every tool call goes through it: file paths, network
 * targets, process spawning, security levels, size limits and secret redaction.
 */
export class SecurityPolicy {
  readonly allowPrivateNetwork: boolean;
  readonly allowNetwork: boolean;
  readonly allowProcessSpawn: boolean;
  readonly allowedExecutables: readonly string[];
  readonly maxSecurityLevel: SecurityLevel;
  readonly maxFileBytes: number;
  readonly maxResponseBytes: number;
  readonly maxExtractBytes: number;
  readonly maxExtractEntries: number;
  readonly allowedDomains: readonly string[];
  readonly blockedDomains: readonly string[];
  readonly cwd: string;
  readonly secrets = new SecretRedactor();
  /** The fd-verified file access every file tool goes through. */
  readonly files: FileAccess;
  private readonly roots: string[];

  constructor(options: SecurityPolicyOptions = {}) {
    this.cwd = path.resolve(options.cwd ?? process.cwd());
    const roots = options.allowedPaths ?? [this.cwd, os.tmpdir()];
    this.roots = roots.map((r) => realpathOfLongestExistingPrefix(path.resolve(this.cwd, r)));
    this.files = new FileAccess({ cwd: this.cwd, roots: this.roots, enabled: options.allowFileAccess ?? true, protectedFiles: options.protectedFiles ?? [], protectedDirs: options.protectedDirs ?? [] });
    this.allowPrivateNetwork = options.allowPrivateNetwork ?? false;
    this.allowNetwork = options.allowNetwork ?? true;
    this.allowProcessSpawn = options.allowProcessSpawn ?? false;
    this.allowedExecutables = options.allowedExecutables ?? DEFAULT_ALLOWED_EXECUTABLES;
    this.maxSecurityLevel = options.maxSecurityLevel ?? 'privileged';
    this.maxFileBytes = options.maxFileBytes ?? 50 * 1024 * 1024;
    this.maxResponseBytes = options.maxResponseBytes ?? 10 * 1024 * 1024;
    this.maxExtractBytes = options.maxExtractBytes ?? 100 * 1024 * 1024;
    this.maxExtractEntries = options.maxExtractEntries ?? 10_000;
    this.allowedDomains = options.allowedDomains ?? [];
    this.blockedDomains = options.blockedDomains ?? [];
  }

  get allowedRoots(): readonly string[] {
    return this.roots;
  }

  /**
   * Throws SECURITY_LEVEL_NOT_ALLOWED when a tool's level is above the configured maximum;
   * `parameter` names the argument that raised this call's level, when one did.
   */
  checkSecurityLevel(toolName: string, level: SecurityLevel, parameter?: string): void {
    if (securityLevelRank(level) > securityLevelRank(this.maxSecurityLevel)) {
      const why = parameter ? ` for parameter '${parameter}'` : '';
      throw new LlmspellError(
        'SECURITY_LEVEL_NOT_ALLOWED',
        `tool '${toolName}' needs security level '${level}'${why}, above the allowed '${this.maxSecurityLevel}' (runtime.security.max_security_level)`,
        { details: { tool: toolName, level, allowed: this.maxSecurityLevel, ...(parameter ? { parameter } : {}) } },
      );
    }
  }

  get allowFileAccess(): boolean {
    return this.files.enabled;
  }

  /** Real paths of the files no tool may read or write (besides every `.env*` file). */
  get protectedFiles(): readonly string[] {
    return this.files.protectedFiles;
  }

  /**
   * Resolves a path (relative to cwd; `..` and symlinks resolved, including those of
   * not-yet-existing parents) and checks it lies inside an allowed root and is not protected.
   * Returns the real path; throws PATH_NOT_ALLOWED otherwise. This checks a path only: to use
   * the file, open it with `openFile`/`openDirectory`/`locate`, which verify the descriptor.
   */
  resolvePath(input: string, parameter = 'path'): string {
    return this.files.resolve(input, parameter);
  }

  /**
   * Opens a regular file so that the object checked is the object used: its directory is opened
   * and verified through its descriptor, the file is opened from there with O_NOFOLLOW and its
   * descriptor verified inside the roots and against the deny list. Modes: `read` (existing),
   * `write` (create or empty, after verification), `append`, `create` (new only).
   */
  openFile(input: string, options: LocateOptions & { mode?: FileOpenMode; fileMode?: number } = {}): Promise<VerifiedFile> {
    return this.files.openFile(input, options);
  }

  /** Opens a directory (with `create`, making missing components) verified through its descriptor. */
  openDirectory(input: string, options: { parameter?: string; create?: boolean } = {}): Promise<VerifiedDirectory> {
    return this.files.openDirectory(input, options);
  }

  /** The verified parent directory of `input` plus its last component (for delete, move, create). Close `dir`. */
  locate(input: string, options: LocateOptions = {}): Promise<LocatedEntry> {
    return this.files.locate(input, options);
  }

  /** Reads a whole file through a verified descriptor, capped at `maxBytes` (default `maxFileBytes`). */
  readFile(input: string, options: LocateOptions & { maxBytes?: number } = {}): Promise<{ data: Buffer; realPath: string }> {
    return this.files.readFile(input, { ...options, maxBytes: options.maxBytes ?? this.maxFileBytes });
  }

  /** Writes a file atomically inside its verified directory, capped at `maxBytes` (default `maxFileBytes`). */
  writeFile(input: string, data: Buffer | Uint8Array | string, options: LocateOptions & { fileMode?: number; fsync?: boolean; maxBytes?: number } = {}): Promise<{ realPath: string; bytes: number }> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    return this.files.writeFile(input, bytes, { ...options, maxBytes: options.maxBytes ?? this.maxFileBytes });
  }

  /** Makes a directory through verified descriptors; an existing directory is success (`created: false`). */
  mkdir(input: string, options: { parameter?: string; recursive?: boolean } = {}): Promise<{ realPath: string; created: boolean }> {
    return this.files.mkdir(input, options);
  }

  /** Stats what `input` names through checked hops; `isLink` tells whether `input` itself is a symlink. */
  stat(input: string, options: { parameter?: string } = {}) {
    return this.files.stat(input, options);
  }

  /** Checks a size against a limit, naming what was too big. */
  checkSize(what: string, bytes: number, limit: number): void {
    if (bytes > limit) {
      throw new LlmspellError('SIZE_LIMIT_EXCEEDED', `${what} is ${bytes} bytes, over the limit of ${limit} bytes`, {
        details: { bytes, limit },
      });
    }
  }

  /** Throws NETWORK_NOT_ALLOWED for a single address that policy forbids. */
  checkAddress(address: string, hostname = address): void {
    if (this.allowPrivateNetwork) return;
    // This machine's own interface addresses reach its local services, whatever their range.
    const why = classifyPrivateAddress(address) ?? (localInterfaceAddresses().has(address.toLowerCase()) ? 'an address of this machine' : null);
    if (why !== null) {
      throw new LlmspellError(
        'NETWORK_NOT_ALLOWED',
        `${hostname} resolves to ${address} (${why}); private and loopback targets are refused unless runtime.security.allow_private_network = true`,
        { details: { hostname, address, reason: why } },
      );
    }
  }

  /** Checks a host name against the domain lists and, without DNS, obvious local names. */
  checkHostname(hostname: string): void {
    if (!this.allowNetwork) {
      throw new LlmspellError('NETWORK_NOT_ALLOWED', 'network access is disabled (runtime.security.allow_network_access = false)');
    }
    const host = hostname.replace(/^\[|\]$/g, '');
    const name = normalizeHost(host);
    if (this.blockedDomains.some((d) => domainMatches(name, d))) {
      throw new LlmspellError('NETWORK_NOT_ALLOWED', `${host} is in the blocked domains`, { details: { hostname: host } });
    }
    if (this.allowedDomains.length > 0 && !this.allowedDomains.some((d) => domainMatches(name, d))) {
      throw new LlmspellError('NETWORK_NOT_ALLOWED', `${host} is not in the allowed domains`, { details: { hostname: host } });
    }
    if (!this.allowPrivateNetwork && isLocalHostname(name)) {
      throw new LlmspellError(
        'NETWORK_NOT_ALLOWED',
        `${host} is a local host name; refused unless runtime.security.allow_private_network = true`,
        { details: { hostname: host } },
      );
    }
    if (isIP(host)) this.checkAddress(host, host);
  }

  /**
   * Resolves a host through DNS and checks every address. Network tools connect only to
   * the addresses returned here (see `guardedLookup`), so DNS rebinding cannot swap a
   * private address in after the check.
   */
  async resolveHost(hostname: string): Promise<ResolvedHost> {
    this.checkHostname(hostname);
    const host = hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) return { hostname: host, addresses: [{ address: host, family: isIP(host) }] };
    let addresses: Array<{ address: string; family: number }>;
    try {
      // node:dns loads with the first name looked up, not with every host's start
      dnsPromises ??= (await import('node:dns')).promises;
      addresses = await dnsPromises.lookup(host, { all: true, verbatim: true });
    } catch (error) {
      // a name that does not resolve is a network failure, not a refusal by policy
      throw new LlmspellError('IO_ERROR', `cannot resolve ${host}: ${(error as Error).message}`, {
        details: { hostname: host },
        cause: error,
      });
    }
    for (const a of addresses) this.checkAddress(a.address, host);
    return { hostname: host, addresses };
  }

  /** Parses and checks a URL (scheme http/https, host allowed after DNS). */
  async checkUrl(url: string, parameter = 'input'): Promise<URL> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new LlmspellError('INVALID_ARGUMENT', `parameter '${parameter}' is not a valid URL: ${url}`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new LlmspellError('NETWORK_NOT_ALLOWED', `parameter '${parameter}': only http and https URLs are allowed, got ${parsed.protocol}`);
    }
    await this.resolveHost(parsed.hostname);
    return parsed;
  }

  /**
   * A `lookup` for node:http/https/net that resolves and checks addresses at connect
   * time, refusing private targets unless allowed.
   */
  guardedLookup = (
    hostname: string,
    options: { all?: boolean; family?: number } | number | undefined,
    callback: (err: NodeJS.ErrnoException | null, address: string | Array<{ address: string; family: number }>, family?: number) => void,
  ): void => {
    const all = typeof options === 'object' && options !== null && options.all === true;
    this.resolveHost(hostname).then(
      (resolved) => {
        if (all) callback(null, resolved.addresses);
        else callback(null, resolved.addresses[0].address, resolved.addresses[0].family);
      },
      (error: NodeJS.ErrnoException) => callback(error, all ? [] : '', 0),
    );
  };

  /** Checks that process spawning is allowed and the executable is on the allow-list. */
  checkExecutable(executable: string): void {
    if (!this.allowProcessSpawn) {
      throw new LlmspellError(
        'PROCESS_NOT_ALLOWED',
        'process spawning is disabled; set runtime.security.allow_process_spawn = true or LLMSPELL_ALLOW_PROCESS_SPAWN=true',
        { details: { executable } },
      );
    }
    const base = path.basename(executable);
    const ok = this.allowedExecutables.some((e) => e === executable || (!e.includes('/') && e === base && !executable.includes('/')));
    if (!ok) {
      throw new LlmspellError('PROCESS_NOT_ALLOWED', `executable '${executable}' is not in the allow-list (${this.allowedExecutables.join(', ')})`, {
        details: { executable },
      });
    }
  }

  /** Scrubs known secrets and secret-looking strings from text. */
  redact(text: string): string {
    return this.secrets.redact(text);
  }

  redactValue<T>(value: T): T {
    return this.secrets.redactValue(value);
  }
}
