import { CircuitBreaker, DEFAULT_BREAKER_CONFIG } from './circuit-breaker.js';

describe('CircuitBreaker', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => { now = 1_000_000; });

  test('opens after consecutive failures, half-opens after the cool-down, closes after successes', () => {
    const changes: string[] = [];
    const b = new CircuitBreaker(DEFAULT_BREAKER_CONFIG, clock, (s) => changes.push(s));
    b.recordFailure('x');
    b.recordFailure('x');
    expect(b.canExecute()).toBe(true);
    b.recordFailure('x');
    expect(b.current).toBe('open');
    expect(b.canExecute()).toBe(false);
    now += DEFAULT_BREAKER_CONFIG.open_duration_ms - 1;
    expect(b.canExecute()).toBe(false);
    now += 1;
    expect(b.canExecute()).toBe(true);
    expect(b.current).toBe('half_open');
    b.recordSuccess(1);
    expect(b.current).toBe('half_open');
    b.recordSuccess(1);
    expect(b.current).toBe('closed');
    expect(changes).toEqual(['open', 'half_open', 'closed']);
    expect(b.snapshot().times_opened).toBe(1);
  });

  test('a success between failures resets the count', () => {
    const b = new CircuitBreaker(DEFAULT_BREAKER_CONFIG, clock);
    b.recordFailure();
    b.recordFailure();
    b.recordSuccess(1);
    b.recordFailure();
    b.recordFailure();
    expect(b.current).toBe('closed');
  });

  test('slow calls open it; a failure while half-open re-opens it', () => {
    const b = new CircuitBreaker({ ...DEFAULT_BREAKER_CONFIG, slow_call_duration_ms: 10, slow_call_threshold: 2 }, clock);
    b.recordSuccess(15);
    expect(b.current).toBe('closed');
    b.recordSuccess(20);
    expect(b.current).toBe('open');
    now += DEFAULT_BREAKER_CONFIG.open_duration_ms;
    expect(b.canExecute()).toBe(true);
    b.recordFailure('again');
    expect(b.current).toBe('open');
    expect(b.canExecute()).toBe(false);
  });
});
