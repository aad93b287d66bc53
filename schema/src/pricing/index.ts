export { computeCost, effectivePrice, estimateCostNanos, USD_DECIMALS, type Cost, type CostUsage, type Price } from './cost.js';
export { formatUnits, numberToDecimal, toUnits } from './decimal.js';
export { tablePrice } from './lookup.js';
export { PRICING_TABLE, type PriceTier, type PricedProvider, type ServiceTier, type TableEntry, type TokenPrices } from './table.js';
