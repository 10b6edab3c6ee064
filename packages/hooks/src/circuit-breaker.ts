export interface BreakerConfig {
  /** Consecutive failures (errors, timeouts) that open the breaker. */
  failure_threshold: number;
  /** Successes in half-open that close it again. */
  success_threshold: number;
  /** How long an open breaker stays open before a trial call is let through (ms). */
  open_duration_ms: number;
  /** Consecutive slow calls that open the breaker. */
  slow_call_threshold: number;
  /** A call at least this long is slow (ms). */
  slow_call_duration_ms: number;
}

/** The reference's CODE defaults (spec 2.7). */
export const DEFAULT_BREAKER_CONFIG: BreakerConfig = {
  failure_threshold: 3,
  success_threshold: 2,
  open_duration_ms: 15_000,
  slow_call_threshold: 2,
  slow_call_duration_ms: 50,
};

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerSnapshot {
  state: BreakerState;
  consecutive_failures: number;
  consecutive_slow_calls: number;
  total_failures: number;
  total_slow_calls: number;
  times_opened: number;
  opened_at?: string;
  last_reason?: string;
}

/**
 * Closed → open → half-open → closed, per hook. Unlike the reference (whose counts were
 * cumulative for the breaker's life), failures and slow calls count while consecutive: a
 * fast success resets them, so one slow call a day never disables a hook.
 */
export class CircuitBreaker {
  private state: BreakerState = 'closed';
  private failures = 0;
  private slow = 0;
  private halfOpenSuccesses = 0;
  private openedAt = 0;
  private totalFailures = 0;
  private totalSlow = 0;
  private opened = 0;
  private lastReason?: string;

  constructor(
    readonly config: BreakerConfig = DEFAULT_BREAKER_CONFIG,
    private readonly now: () => number = Date.now,
    private readonly onChange?: (state: BreakerState, reason: string) => void,
  ) {}

  /** True when a call may run. An open breaker turns half-open once its cool-down is over. */
  canExecute(): boolean {
    if (this.state === 'closed' || this.state === 'half_open') return true;
    if (this.now() - this.openedAt >= this.config.open_duration_ms) {
      this.transition('half_open', 'cool-down over');
      this.halfOpenSuccesses = 0;
      return true;
    }
    return false;
  }

  /**
   * A call that answered. `countSlow` false: its duration is not held against it (a guard's
   * check, a `cancel`: a hook doing its job slowly is not failing).
   */
  recordSuccess(durationMs: number, countSlow = true): void {
    if (countSlow && durationMs >= this.config.slow_call_duration_ms) {
      this.slow += 1;
      this.totalSlow += 1;
      if (this.state === 'half_open') return this.open(`slow call (${Math.round(durationMs)} ms) while half-open`);
      if (this.slow >= this.config.slow_call_threshold) {
        return this.open(`${this.slow} slow calls (>= ${this.config.slow_call_duration_ms} ms) in a row`);
      }
      return;
    }
    this.slow = 0;
    this.failures = 0;
    if (this.state === 'half_open') {
      this.halfOpenSuccesses += 1;
      if (this.halfOpenSuccesses >= this.config.success_threshold) this.transition('closed', 'recovered');
    }
  }

  recordFailure(reason = 'failure'): void {
    this.failures += 1;
    this.totalFailures += 1;
    if (this.state === 'half_open') return this.open(`failed while half-open: ${reason}`);
    if (this.failures >= this.config.failure_threshold) this.open(`${this.failures} failures in a row (last: ${reason})`);
  }

  reset(): void {
    this.transition('closed', 'reset');
  }

  get current(): BreakerState {
    return this.state;
  }

  snapshot(): BreakerSnapshot {
    return {
      state: this.state,
      consecutive_failures: this.failures,
      consecutive_slow_calls: this.slow,
      total_failures: this.totalFailures,
      total_slow_calls: this.totalSlow,
      times_opened: this.opened,
      ...(this.state !== 'closed' ? { opened_at: new Date(this.openedAt).toISOString() } : {}),
      ...(this.lastReason ? { last_reason: this.lastReason } : {}),
    };
  }

  private open(reason: string): void {
    this.openedAt = this.now();
    this.opened += 1;
    this.transition('open', reason);
  }

  private transition(state: BreakerState, reason: string): void {
    if (state === 'closed') {
      this.failures = 0;
      this.slow = 0;
      this.halfOpenSuccesses = 0;
    }
    const changed = state !== this.state;
    this.state = state;
    this.lastReason = reason;
    if (changed) this.onChange?.(state, reason);
  }
}
