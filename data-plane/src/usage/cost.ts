/** USD for a request: tokens × price per million tokens. */
export function usageCost(
  promptTokens: number,
  completionTokens: number,
  price: { inputCostPerMillion: number; outputCostPerMillion: number } | null,
): number {
  if (price === null) return 0;
  return (promptTokens * price.inputCostPerMillion + completionTokens * price.outputCostPerMillion) / 1e6;
}
