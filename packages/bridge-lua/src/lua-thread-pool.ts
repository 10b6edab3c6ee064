// Lua threads that runs and callbacks execute on: a thread that finished normally is reused.
import { LUA_OK, LUA_REGISTRYINDEX, LUA_YIELD, type LuaModule } from './lua-module.js';

/** Finished threads kept for reuse. */
const IDLE_THREADS = 8;

export interface PooledThread {
  thread: number;
  /** Registry reference that keeps the thread from being collected. */
  ref: number;
}

/** What the pool needs from the context that owns the Lua state. */
export interface ThreadPoolDeps {
  /** Runs `task` inside a protected call on `L` (a memory error at the cap must not panic). */
  protect<T>(L: number, task: (L: number) => { count: number; value: T }): T;
  /** Whether the Lua state is closed (a thread then is gone with it). */
  isClosed(): boolean;
}

export class LuaThreadPool {
  /** Threads that finished normally, kept for the next run or callback (creating one costs a protected call). */
  private readonly idleThreads: PooledThread[] = [];

  constructor(
    private readonly m: LuaModule,
    private readonly G: number,
    private readonly deps: ThreadPoolDeps,
  ) {}

  newThread(): PooledThread {
    const idle = this.idleThreads.pop();
    if (idle) return idle;
    return this.deps.protect(this.G, (L) => {
      const thread = this.m._lua_newthread(L);
      const ref = this.m._luaL_ref(L, LUA_REGISTRYINDEX);
      return { count: 0, value: { thread, ref } };
    });
  }

  releaseThread(thread: number, ref: number): void {
    if (this.deps.isClosed()) return;
    const { m } = this;
    const status = m._lua_status(thread);
    if (status === LUA_OK && this.idleThreads.length < IDLE_THREADS) {
      // a thread that returned normally starts the next callback as a fresh one would
      m._lua_settop(thread, 0);
      this.idleThreads.push({ thread, ref });
      return;
    }
    if (status === LUA_YIELD) {
      // an abandoned run (time limit, cancel): close its pending to-be-closed variables;
      // with no run active the count hook stops a __close handler that does not return
      m._lua_resetthread(thread);
    }
    m._lua_settop(thread, 0);
    m._luaL_unref(this.G, LUA_REGISTRYINDEX, ref);
  }
}
