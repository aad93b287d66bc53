import { describe, expect, it } from 'vitest';
import { LoginThrottle } from './login-throttle.js';

describe('LoginThrottle', () => {
  it('refuses a client an email after five failures until the window since the first one ends', () => {
    let now = 0;
    const throttle = new LoginThrottle(5, 15 * 60_000, 100, () => now);
    for (let i = 0; i < 4; i += 1) throttle.failed('a@x', '10.0.0.9');
    expect(throttle.retryAfterMs('a@x', '10.0.0.9')).toBe(0);
    throttle.failed('A@x', '10.0.0.9');
    now = 60_000;
    expect(throttle.retryAfterMs('a@x', '10.0.0.9')).toBe(14 * 60_000);
    expect(throttle.retryAfterMs('b@x', '10.0.0.9')).toBe(0);
    // The user, from their own address, is not locked out by someone else's failures.
    expect(throttle.retryAfterMs('a@x', '192.0.2.1')).toBe(0);
    now = 15 * 60_000;
    expect(throttle.retryAfterMs('a@x', '10.0.0.9')).toBe(0);
  });

  it('counts attempts as they start, so a burst sent at once is refused past the limit before any password is checked', () => {
    const throttle = new LoginThrottle(5, 15 * 60_000, 100, () => 0);
    const waits = Array.from({ length: 40 }, () => throttle.attempt('a@x', '10.0.0.9'));
    expect(waits.filter((w) => w === 0)).toHaveLength(5);
    // One of the five was right: a success clears the count.
    throttle.succeeded('a@x', '10.0.0.9');
    expect(throttle.attempt('a@x', '10.0.0.9')).toBe(0);
  });

  it('forgets failures after a success, and never tracks more than its limit', () => {
    let now = 0;
    const throttle = new LoginThrottle(2, 1000, 3, () => now);
    throttle.failed('a@x', null);
    throttle.succeeded('a@x', null);
    throttle.failed('a@x', null);
    expect(throttle.retryAfterMs('a@x', null)).toBe(0);
    for (const email of ['b', 'c', 'd', 'e']) throttle.failed(email, null);
    throttle.failed('e', null);
    expect(throttle.retryAfterMs('e', null)).toBe(1000);
    now = 500;
    expect(throttle.retryAfterMs('a@x', null)).toBe(0);
  });
});
