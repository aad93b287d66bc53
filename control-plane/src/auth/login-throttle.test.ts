import { describe, expect, it } from 'vitest';
import { LoginThrottle } from './login-throttle.js';

describe('LoginThrottle', () => {
  it('refuses an email after five failures until the window since the first one ends', () => {
    let now = 0;
    const throttle = new LoginThrottle(5, 15 * 60_000, 100, () => now);
    for (let i = 0; i < 4; i += 1) throttle.failed('a@x');
    expect(throttle.retryAfterMs('a@x')).toBe(0);
    throttle.failed('a@x');
    now = 60_000;
    expect(throttle.retryAfterMs('a@x')).toBe(14 * 60_000);
    expect(throttle.retryAfterMs('b@x')).toBe(0);
    now = 15 * 60_000;
    expect(throttle.retryAfterMs('a@x')).toBe(0);
  });

  it('forgets failures after a success, and never tracks more than its limit', () => {
    let now = 0;
    const throttle = new LoginThrottle(2, 1000, 3, () => now);
    throttle.failed('a@x');
    throttle.succeeded('a@x');
    throttle.failed('a@x');
    expect(throttle.retryAfterMs('a@x')).toBe(0);
    for (const email of ['b', 'c', 'd', 'e']) throttle.failed(email);
    throttle.failed('e');
    expect(throttle.retryAfterMs('e')).toBe(1000);
    now = 500;
    expect(throttle.retryAfterMs('a@x')).toBe(0);
  });
});
