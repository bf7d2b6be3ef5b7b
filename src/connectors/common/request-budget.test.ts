import { describe, expect, it } from 'vitest';
import { createRequestBudget } from './request-budget.ts';

describe('request budget', () => {
  it('fixed windows reset at the boundary (DrChrono: top of the hour), sliding ones roll', () => {
    let t = 3_600_000 * 10 + 3_599_000; // one second before the top of an hour
    const budget = createRequestBudget(
      [
        { name: 'hour', limit: 2, windowMs: 3_600_000, kind: 'fixed' },
        { name: 'second', limit: 5, windowMs: 1000, kind: 'sliding' },
      ],
      () => t,
    );
    expect(budget.tryTake('GET /a')).toBe(0);
    expect(budget.tryTake('GET /a')).toBe(0);
    expect(budget.tryTake('GET /a')).toBe(1000);
    t += 1000;
    expect(budget.tryTake('GET /a')).toBe(0);
    expect(budget.usage()).toEqual([
      { window: 'hour', used: 1, limit: 2, windowMs: 3_600_000, kind: 'fixed' },
      { window: 'second', used: 1, limit: 5, windowMs: 1000, kind: 'sliding' },
    ]);
  });

  it('per-endpoint windows count endpoints apart; a settled request counts from its answer', () => {
    let t = 1_000_000;
    const budget = createRequestBudget(
      [{ name: 'minute', limit: 1, windowMs: 60_000, kind: 'sliding', perEndpoint: true }],
      () => t,
    );
    expect(budget.tryTake('GET /a', t)).toBe(0);
    expect(budget.tryTake('GET /b', t)).toBe(0);
    const sentAt = t;
    t += 5000;
    budget.settle('GET /a', sentAt);
    t += 55_000;
    // Sent 60 s ago but answered 55 s ago: still inside the source's window.
    expect(budget.tryTake('GET /a')).toBe(5001);
    expect(budget.tryTake('GET /b')).toBe(0);
  });

  it('a 429 pause holds every request back', () => {
    let t = 0;
    const budget = createRequestBudget([], () => t);
    budget.pause(1500);
    expect(budget.tryTake('GET /a')).toBe(1500);
    t = 1500;
    expect(budget.tryTake('GET /a')).toBe(0);
  });
});
