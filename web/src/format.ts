/** Display formatting shared by the views. Pure functions, no Vue. */

const usdPrecise = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 6,
  maximumFractionDigits: 6,
});

const usdPlain = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 2,
  maximumFractionDigits: 4,
});

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/**
 * Spend, to the micro-dollar: `$0.000123`. One request to a cheap model costs a few hundred-thousandths of a
 * dollar, so fewer decimals would hide it.
 */
export function formatSpend(amount: number): string {
  return usdPrecise.format(amount);
}

/** A budget or price: `$10.00`, `$0.15`, `$0.0375`. */
export function formatUsd(amount: number): string {
  return usdPlain.format(amount);
}

/** A max budget, or "No limit" when there is none. */
export function formatBudget(maxBudget: number | null): string {
  return maxBudget === null ? 'No limit' : formatUsd(maxBudget);
}

export function formatCount(value: number): string {
  return integer.format(value);
}

/** A model access list; an empty list means every model. */
export function formatModels(models: readonly string[]): string {
  return models.length === 0 ? 'All models' : models.join(', ');
}

/** `DateTimeISO` → a short local date and time; the raw value when it does not parse. */
export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}
