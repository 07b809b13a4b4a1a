import { describe, expect, it } from 'vitest';
import { AppError } from './errors.js';
import { FrameBudget, type FrameVerdict, RateLimiter, TokenBucket, perMinute, rateLimited, spend } from './rate-limit.js';

describe('perMinute', () => {
  it.each([
    [1, 1 / 60, 5],
    [10, 10 / 60, 5],
    [30, 0.5, 10],
    [60, 1, 20],
    [120, 2, 40],
    [100, 100 / 60, 34],
  ])('%i a minute is %d a second with bursts of %i', (perMin, ratePerSec, burst) => {
    expect(perMinute(perMin)).toEqual({ ratePerSec, burst });
  });
});

describe('TokenBucket', () => {
  it.each<[string, { ratePerSec: number; burst: number }, [at: number, cost: number, wait: number][]]>([
    [
      'a full bucket lets a burst through, then refuses',
      { ratePerSec: 1, burst: 3 },
      [
        [0, 1, 0],
        [0, 1, 0],
        [0, 1, 0],
        [0, 1, 1000],
      ],
    ],
    [
      'a refused take takes nothing',
      { ratePerSec: 1, burst: 1 },
      [
        [0, 1, 0],
        [500, 1, 500],
        [500, 1, 500],
        [1000, 1, 0],
      ],
    ],
    [
      'tokens come back at the rate, never past the burst',
      { ratePerSec: 10, burst: 2 },
      [
        [0, 2, 0],
        [50, 1, 50],
        [100, 1, 0],
        [10_000, 2, 0],
        [10_000, 1, 100],
      ],
    ],
    [
      'a cost above the burst is charged as a full bucket',
      { ratePerSec: 1, burst: 2 },
      [
        [0, 5, 0],
        [0, 1, 1000],
      ],
    ],
    [
      'a clock going back gains nothing',
      { ratePerSec: 1, burst: 1 },
      [
        [1000, 1, 0],
        [0, 1, 1000],
      ],
    ],
  ])('%s', (_name, rate, steps) => {
    const bucket = new TokenBucket(rate, steps[0]![0]);
    for (const [at, cost, wait] of steps) expect(bucket.take(at, cost), `at ${at} cost ${cost}`).toBe(wait);
  });
});

describe('RateLimiter', () => {
  it('keeps one bucket per key', () => {
    const limiter = new RateLimiter(1, 2);
    expect([limiter.take(1, 0), limiter.take(1, 0), limiter.take(1, 0)]).toEqual([0, 0, 1000]);
    expect(limiter.take(2, 0)).toBe(0);
    expect(limiter.take(1, 1000)).toBe(0);
  });

  it('spend throws rate_limited with the wait in seconds (rounded up) and milliseconds', () => {
    const limiter = new RateLimiter(0.5, 1);
    spend(limiter, 7, 0, 'reactions');
    let caught: unknown;
    try {
      spend(limiter, 7, 0, 'reactions');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect(caught).toMatchObject({ code: 'rate_limited', details: { retryAfterSeconds: 2, retryAfterMs: 2000 } });
    expect((caught as AppError).message).toMatch(/reactions/);
    expect(rateLimited('edits', 1).details).toEqual({ retryAfterSeconds: 1, retryAfterMs: 1 });
  });
});

describe('FrameBudget', () => {
  const admit: FrameVerdict = { verdict: 'admit' };
  const close: FrameVerdict = { verdict: 'close' };
  const refuse = (retryAfterMs: number): FrameVerdict => ({ verdict: 'refuse', retryAfterMs });

  it.each<[string, [at: number, verdict: FrameVerdict][]]>([
    [
      'admits the burst, then refuses with the wait',
      [
        [0, admit],
        [0, admit],
        [0, refuse(100)],
      ],
    ],
    [
      'closes after the allowed refusals',
      [
        [0, admit],
        [0, admit],
        [0, refuse(100)],
        [0, refuse(100)],
        [0, refuse(100)],
        [0, close],
      ],
    ],
    [
      'a client that waits when told is admitted again and never closed',
      [
        [0, admit],
        [0, admit],
        [0, refuse(100)],
        [100, admit],
        [100, refuse(100)],
        [200, admit],
        [300, admit],
        [400, admit],
        [400, refuse(100)],
        [500, admit],
      ],
    ],
    [
      'refusals are forgiven one a second',
      [
        [0, admit],
        [0, admit],
        [0, refuse(100)],
        [0, refuse(100)],
        [0, refuse(100)],
        [1000, admit],
        [1000, admit],
        [1000, refuse(100)],
        [1000, close],
      ],
    ],
  ])('%s', (_name, steps) => {
    // 10 frames a second, bursts of 2, closed at the fourth refusal in a row.
    const budget = new FrameBudget({ ratePerSec: 10, burst: 2, refusalsToClose: 3 }, 0);
    steps.forEach(([at, verdict], i) => expect(budget.admit(at), `frame ${i} at ${at} ms`).toEqual(verdict));
  });
});

describe('FrameBudget.isRested', () => {
  it('is rested when new, not after use, and again once both buckets have refilled', () => {
    const budget = new FrameBudget({ ratePerSec: 10, burst: 2, refusalsToClose: 3 }, 0);
    expect(budget.isRested(0)).toBe(true);
    budget.admit(0);
    budget.admit(0);
    budget.admit(0);
    expect(budget.isRested(0)).toBe(false);
    // Frames are back after 200 ms, the refusal only after a second.
    expect(budget.isRested(200)).toBe(false);
    expect(budget.isRested(1000)).toBe(true);
  });
});
