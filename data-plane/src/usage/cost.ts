import { computeCost, effectivePrice, type Cost, type Price } from '@tollgate/schema';
import type { RuntimeModel } from '../config/runtime.js';
import type { FinalUsage } from '../pipeline/accounting.js';

/**
 * A deployment's prices (its own, else the pricing table's, else the fallbacks: see `effectivePrice`), resolved
 * once per deployment object: runtime models are frozen and replaced, never changed, when a new config arrives.
 */
const prices = new WeakMap<RuntimeModel, Price>();

export function deploymentPrice(model: RuntimeModel): Price {
  let price = prices.get(model);
  if (price === undefined) {
    price = effectivePrice(model);
    prices.set(model, price);
  }
  return price;
}

/** A decimal that is zero (`0`, `0.00`). */
const FREE = /^0(\.0*)?$/;

/** Nothing to bill: no deployment was chosen, or the upstream never worked on the request. */
export const NO_COST: Cost = Object.freeze({ usd: '0.000000000000', nanos: 0n });

/**
 * The exact cost of a request's usage on a deployment. `images` is asked only of a deployment with a per-image
 * price (counting a request's images means walking its messages).
 */
export function usageCost(usage: FinalUsage, model: RuntimeModel, images: () => number): Cost {
  const price = deploymentPrice(model);
  return computeCost(price, FREE.test(price.perImage) ? usage : { ...usage, images: images() });
}
