import { HANDLE_KEY } from '@llmspell/core';

/**
 * Live host entities handed to scripts (agents, workflows, hook handles) are tagged
 * with a handle id under HANDLE_KEY; when a script passes the object back, the runtime
 * finds the entity again by that id. One table per runtime.
 */
export class HandleTable {
  private next = 1;
  private readonly byId = new Map<string, unknown>();
  private readonly byEntity = new WeakMap<object, string>();

  add(kind: string, entity: object): string {
    const existing = this.byEntity.get(entity);
    if (existing) return existing;
    const id = `${kind}#${this.next++}`;
    this.byId.set(id, entity);
    this.byEntity.set(entity, id);
    return id;
  }

  get<T>(id: string): T | undefined {
    return this.byId.get(id) as T | undefined;
  }

  remove(id: string): void {
    const e = this.byId.get(id);
    if (e && typeof e === 'object') this.byEntity.delete(e);
    this.byId.delete(id);
  }

  /** The entity behind a script value, when it is a tagged object. */
  resolve<T>(value: unknown, kind?: string): T | undefined {
    if (typeof value !== 'object' || value === null) return undefined;
    const id = (value as Record<string, unknown>)[HANDLE_KEY];
    if (typeof id !== 'string') return undefined;
    if (kind && !id.startsWith(kind + '#')) return undefined;
    return this.get<T>(id);
  }
}
