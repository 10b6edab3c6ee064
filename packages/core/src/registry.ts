import { LlmspellError, type ErrorCode } from './errors.js';
import { optionalToolHint, optionalToolPackage } from './optional-tools.js';
import { closestMatch } from './suggest.js';

/**
 * A name → item registry with aliases. One per runtime instance; never a module-level
 * singleton, so two runtimes in one process never see each other's components.
 */
export class ComponentRegistry<T extends { name: string }> {
  private readonly items = new Map<string, T>();
  private readonly aliases = new Map<string, string>();

  constructor(private readonly kind: string, private readonly notFound: ErrorCode = 'NOT_FOUND') {}

  register(item: T, options: { aliases?: readonly string[]; replace?: boolean } = {}): T {
    const taken = this.items.has(item.name) || this.aliases.has(item.name);
    if (taken && !options.replace) {
      throw new LlmspellError('ALREADY_EXISTS', `${this.kind} '${item.name}' is already registered`);
    }
    if (taken) this.unregister(item.name);
    this.items.set(item.name, item);
    for (const alias of options.aliases ?? []) {
      if (alias !== item.name && !this.items.has(alias)) this.aliases.set(alias, item.name);
    }
    return item;
  }

  unregister(name: string): boolean {
    const canonical = this.aliases.get(name) ?? name;
    const existed = this.items.delete(canonical);
    for (const [alias, target] of this.aliases) if (target === canonical) this.aliases.delete(alias);
    return existed;
  }

  get(name: string): T | undefined {
    return this.items.get(name) ?? this.items.get(this.aliases.get(name) ?? '');
  }

  require(name: string): T {
    const item = this.get(name);
    if (!item) throw this.notFoundError(name);
    return item;
  }

  /** The registered name or alias closest to a name that is not registered (`calculater` → `calculator`). */
  suggest(name: string): string | undefined {
    return closestMatch(name, [...this.items.keys(), ...this.aliases.keys()]);
  }

  /**
   * The error for a name that is not registered, with the closest registered name when one is
   * near: `TOOL_NOT_FOUND: tool 'calculater' not found (did you mean 'calculator'?)`; for a tool
   * of one of our optional packages not loaded, the package and how to enable it instead.
   * `prefix` starts the message (`step 'x': `), `noun` replaces the kind (`Tool`), `hint`
   * follows when nothing is near.
   */
  notFoundError(name: string, options: { prefix?: string; noun?: string; hint?: string } = {}): LlmspellError {
    const pkg = this.notFound === 'TOOL_NOT_FOUND' ? optionalToolPackage(name) : undefined;
    if (pkg !== undefined) {
      return new LlmspellError(this.notFound, `${options.prefix ?? ''}${options.noun ?? this.kind} '${name}' not found: ${optionalToolHint(name)}`, {
        details: { name, package: pkg },
      });
    }
    const suggestion = this.suggest(name);
    const tail = suggestion !== undefined ? ` (did you mean '${suggestion}'?)` : options.hint ? ` (${options.hint})` : '';
    return new LlmspellError(this.notFound, `${options.prefix ?? ''}${options.noun ?? this.kind} '${name}' not found${tail}`, {
      details: { name, ...(suggestion !== undefined ? { suggestion } : {}) },
    });
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Canonical names in registration order. */
  names(): string[] {
    return [...this.items.keys()];
  }

  /** Alias names pointing at canonical names. */
  aliasEntries(): Array<[string, string]> {
    return [...this.aliases.entries()];
  }

  list(): T[] {
    return [...this.items.values()];
  }

  get size(): number {
    return this.items.size;
  }

  clear(): void {
    this.items.clear();
    this.aliases.clear();
  }
}
