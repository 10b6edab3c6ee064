import { BudgetTracker } from './prices.js';

describe('BudgetTracker.setLimit', () => {
  it('may lower the configured budget and restore it, never lift or remove it', () => {
    const b = new BudgetTracker(0.5);
    b.setLimit(0.1);
    expect(b.budget).toBe(0.1);
    b.setLimit(0.5);
    expect(b.budget).toBe(0.5);
    expect(() => b.setLimit(0.51)).toThrow(/^OPERATION_NOT_ALLOWED: budget of \$0.51 refused: \[agents\] budget_usd = 0.5 in the configuration/);
    expect(() => b.setLimit(undefined)).toThrow(/^OPERATION_NOT_ALLOWED: budget removal refused: .*budget_usd = 0.5/);
    expect(b.budget).toBe(0.5);
    expect(() => b.setLimit(-1)).toThrow(/^INVALID_ARGUMENT: budget must be a non-negative number/);
  });

  it('without a configured budget, takes any amount or none', () => {
    const b = new BudgetTracker();
    b.setLimit(1000);
    b.setLimit(undefined);
    expect(b.budget).toBeUndefined();
    // An explicit ceiling is independent of the starting limit.
    const c = new BudgetTracker(undefined, 2);
    c.setLimit(2);
    expect(() => c.setLimit(3)).toThrow(/^OPERATION_NOT_ALLOWED/);
  });
});
