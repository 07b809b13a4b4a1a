import type { ServerEnv } from '@parta/protocol';
import { AppError } from './errors.js';

/**
 * Abuse limits: token buckets, pure and in memory (each node limits what it serves). A bucket holds
 * up to `burst` tokens and gains `ratePerSec` a second; an action takes one, or waits.
 */

/** One bucket's state; the arithmetic is in `refill` and `takeFrom`, shared by every limiter here. */
interface Bucket {
  tokens: number;
  at: number;
}

/** Adds what the bucket gained since `at` (never past `burst`). */
function refill(b: Bucket, ratePerSec: number, burst: number, now: number): void {
  b.tokens = Math.min(burst, b.tokens + (Math.max(0, now - b.at) * ratePerSec) / 1000);
  b.at = now;
}

/** Takes `cost` tokens: 0 when taken, else the milliseconds until they are there (nothing taken). */
function takeFrom(b: Bucket, ratePerSec: number, burst: number, now: number, cost: number): number {
  refill(b, ratePerSec, burst, now);
  if (b.tokens >= cost) {
    b.tokens -= cost;
    return 0;
  }
  return Math.max(1, Math.ceil(((cost - b.tokens) * 1000) / ratePerSec));
}

/** A rate: `ratePerSec` sustained, `burst` at once. */
export interface Rate {
  ratePerSec: number;
  burst: number;
}

/**
 * A per-minute allowance as a rate: bursts of a third of a minute's allowance pass, and never fewer
 * than 5 (a person reacting to a few messages in a row is not abusing anything).
 */
export function perMinute(perMin: number): Rate {
  return { ratePerSec: perMin / 60, burst: Math.max(5, Math.ceil(perMin / 3)) };
}

/** One token bucket (one socket's, for example). */
export class TokenBucket {
  private readonly b: Bucket;

  constructor(
    private readonly rate: Rate,
    now: number,
  ) {
    this.b = { tokens: rate.burst, at: now };
  }

  /** True when the bucket is full again: it then holds nothing a new bucket would not. */
  isFull(now: number): boolean {
    refill(this.b, this.rate.ratePerSec, this.rate.burst, now);
    return this.b.tokens >= this.rate.burst;
  }

  /** Takes `cost` tokens; returns 0 when allowed, else the milliseconds until they are available. */
  take(now: number, cost = 1): number {
    // More than a full bucket could never be had: a full bucket pays for it.
    return takeFrom(this.b, this.rate.ratePerSec, this.rate.burst, now, Math.min(cost, this.rate.burst));
  }
}

/** A token bucket per key (an account): `ratePerSec` sustained, `burst` at once. */
export class RateLimiter {
  private readonly buckets = new Map<number, Bucket>();

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
  ) {}

  /** Takes one token; returns 0 when allowed, else the milliseconds until a token is available. */
  take(key: number, now: number): number {
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: this.burst, at: now };
      this.buckets.set(key, b);
      if (this.buckets.size > 100_000) this.sweep(now);
    }
    return takeFrom(b, this.ratePerSec, this.burst, now, 1);
  }

  /** Forgets full buckets: they hold nothing a new bucket would not. */
  private sweep(now: number): void {
    for (const [k, b] of this.buckets)
      if (b.tokens + ((now - b.at) * this.ratePerSec) / 1000 >= this.burst) this.buckets.delete(k);
  }
}

/** The `rate_limited` refusal, with the wait in whole seconds (HTTP `Retry-After`) and in milliseconds. */
export function rateLimited(what: string, waitMs: number): AppError {
  return new AppError('rate_limited', `too many ${what}; retry in ${waitMs} ms`, {
    retryAfterSeconds: Math.ceil(waitMs / 1000),
    retryAfterMs: waitMs,
  });
}

/** What an account does besides sending, each limited on its own: one reaction spree does not stop edits. */
export interface ActionLimits {
  /** Adding or removing a reaction. */
  react: RateLimiter;
  /** Editing a message (each edit is kept in the edit history). */
  edit: RateLimiter;
  /** Reporting a message to the moderators. */
  report: RateLimiter;
}

/** The per-account action limits from the environment. */
export function actionLimits(
  env: Pick<ServerEnv, 'PARTA_REACTION_RATE_PER_MIN' | 'PARTA_EDIT_RATE_PER_MIN' | 'PARTA_REPORT_RATE_PER_MIN'>,
): ActionLimits {
  const limiter = (perMin: number) => {
    const r = perMinute(perMin);
    return new RateLimiter(r.ratePerSec, r.burst);
  };
  return {
    react: limiter(env.PARTA_REACTION_RATE_PER_MIN),
    edit: limiter(env.PARTA_EDIT_RATE_PER_MIN),
    report: limiter(env.PARTA_REPORT_RATE_PER_MIN),
  };
}

/** Takes one of the account's tokens for an action, or throws `rate_limited` naming it. */
export function spend(limiter: RateLimiter, accountId: number, now: number, what: string): void {
  const wait = limiter.take(accountId, now);
  if (wait > 0) throw rateLimited(what, wait);
}

/** What the frame budget says of one frame. */
export type FrameVerdict =
  /** Act on it. */
  | { verdict: 'admit' }
  /** Drop it and tell the client to wait this long. */
  | { verdict: 'refuse'; retryAfterMs: number }
  /** Drop it and close the socket: it kept sending after being told to wait. */
  | { verdict: 'close' };

/** The frame budget's settings. */
export interface FrameBudgetOptions extends Rate {
  /** Refused frames after which the socket is closed; one is forgiven each second. */
  refusalsToClose: number;
}

/** The frame budget from the environment. */
export function frameBudgetOptions(
  env: Pick<ServerEnv, 'PARTA_WS_FRAME_RATE_PER_SEC' | 'PARTA_WS_FRAME_BURST' | 'PARTA_WS_REFUSED_FRAMES_TO_CLOSE'>,
): FrameBudgetOptions {
  return {
    ratePerSec: env.PARTA_WS_FRAME_RATE_PER_SEC,
    burst: env.PARTA_WS_FRAME_BURST,
    refusalsToClose: env.PARTA_WS_REFUSED_FRAMES_TO_CLOSE,
  };
}

/**
 * One socket's budget over every frame it sends. A frame over budget is refused (and costs the
 * server nothing more than this check: it is not even parsed); refusals are counted in a second
 * bucket, and a socket that runs that one dry too is closed. A client that waits when told is
 * refused a few frames at most and never closed.
 */
export class FrameBudget {
  private readonly frames: TokenBucket;
  private readonly refusals: TokenBucket;

  constructor(options: FrameBudgetOptions, now: number) {
    this.frames = new TokenBucket(options, now);
    this.refusals = new TokenBucket({ ratePerSec: 1, burst: options.refusalsToClose }, now);
  }

  /** True when both buckets are full again: forgetting this budget forgives nothing. */
  isRested(now: number): boolean {
    return this.frames.isFull(now) && this.refusals.isFull(now);
  }

  /** Charges one frame of `cost` tokens (1 for most frames). */
  admit(now: number, cost = 1): FrameVerdict {
    const wait = this.frames.take(now, cost);
    if (wait === 0) return { verdict: 'admit' };
    if (this.refusals.take(now) > 0) return { verdict: 'close' };
    return { verdict: 'refuse', retryAfterMs: wait };
  }
}
