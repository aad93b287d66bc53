/**
 * Exact decimal arithmetic for money, as BigInt fixed point. Prices are published as decimals ("$0.075 per million
 * tokens") and a float cannot hold most of them (0.1 + 0.2 !== 0.3), so prices are kept as decimal strings and
 * costs are computed as integers of a small unit: nothing is rounded until a figure leaves the module, and then
 * only in the documented direction.
 */

/** A decimal number without exponent: `"3"`, `"0.075"`, `"12.5"`. */
const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/**
 * `text` (a non-negative decimal, or a number in JavaScript's shortest round-trip form, which may carry an
 * exponent: `1e-7`) as an integer count of 10^-scale units. Digits beyond `scale` round UP, so a price is never
 * understated; at the scales used here (12 decimals per million tokens, 18 per request) no published price has any.
 */
export function toUnits(text: string | number, scale: number): bigint {
  const plain = typeof text === 'number' ? numberToDecimal(text) : text;
  const match = DECIMAL.exec(plain);
  if (match === null) throw new RangeError(`not a non-negative decimal: ${JSON.stringify(plain)}`);
  const whole = match[1]!;
  const fraction = match[2] ?? '';
  const kept = fraction.slice(0, scale).padEnd(scale, '0');
  const units = BigInt(whole + kept);
  return /[1-9]/.test(fraction.slice(scale)) ? units + 1n : units;
}

/**
 * A finite non-negative number as the decimal it was written as. `String(n)` is the shortest text that reads back
 * as the same double (so `0.075` gives `"0.075"`, not `0.07499999…`), but small and large values come with an
 * exponent, which is expanded here.
 */
export function numberToDecimal(n: number): string {
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`not a finite non-negative number: ${n}`);
  const text = String(n);
  const e = text.indexOf('e');
  if (e === -1) return text;
  const exponent = Number(text.slice(e + 1));
  const [whole, fraction = ''] = text.slice(0, e).split('.') as [string, string?];
  const digits = whole + fraction;
  const point = whole.length + exponent;
  if (point <= 0) return `0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return digits + '0'.repeat(point - digits.length);
  return `${digits.slice(0, point)}.${digits.slice(point)}`;
}

/**
 * `units` of 10^-scale as a decimal string with exactly `decimals` decimals (`decimals` ≤ `scale`), no exponent.
 * Digits beyond `decimals` round UP: a cost is never understated.
 */
export function formatUnits(units: bigint, scale: number, decimals: number): string {
  if (units < 0n) throw new RangeError('negative amount');
  const divisor = 10n ** BigInt(scale - decimals);
  const rounded = ceilDiv(units, divisor);
  if (decimals === 0) return rounded.toString();
  const text = rounded.toString().padStart(decimals + 1, '0');
  return `${text.slice(0, -decimals)}.${text.slice(-decimals)}`;
}

/** ⌈a / b⌉ for non-negative a and positive b. */
export function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return q * b === a ? q : q + 1n;
}

/**
 * `price × factor`, exact, as a plain decimal without trailing zeros (`"3" × "1.1"` → `"3.3"`): a price at a
 * multiplier (Bedrock's regional endpoints). Digits beyond 12 decimals (the precision costs are computed at) round UP.
 */
export function multiplyDecimal(price: string, factor: string): string {
  const units = toUnits(price, 12) * toUnits(factor, 6);
  const text = formatUnits(units, 18, 12);
  return text.replace(/\.?0+$/, '');
}
