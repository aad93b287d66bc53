export { computeCost, effectivePrice, estimateCostNanos, USD_DECIMALS, type Cost, type CostUsage, type Price } from './cost.js';
export { formatUnits, multiplyDecimal, numberToDecimal, toUnits } from './decimal.js';
export { deploymentModifiers, tablePrice } from './lookup.js';
export {
  PRICING_TABLE,
  type DeploymentModifier,
  type PriceAdjustment,
  type PriceAdjustments,
  type PriceModifier,
  type PriceTier,
  type PricedProvider,
  type ServiceTier,
  type TableEntry,
  type TokenPrices,
  type UsageModifier,
  type UsageModifiers,
} from './table.js';
