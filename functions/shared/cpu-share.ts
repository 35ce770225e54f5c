/**
 * The share of one vCPU a Lambda function runs on. Lambda allots CPU in proportion to memory, one full
 * vCPU at 1,769 MB (AWS Lambda developer guide, "Memory and computing power"); the runtime sets
 * AWS_LAMBDA_FUNCTION_MEMORY_SIZE. The runner's pacer spreads its starts by it (shared/engine/pace.ts):
 * at the default 512 MB a function runs about 29% of the time, and probes started at a whole core's
 * pace would queue their marks behind each other.
 */
export const MB_PER_VCPU = 1769;

/** memory ÷ 1,769 MB, at most 1 (the probes share one JS thread); 1 outside Lambda. */
export function lambdaCpuShare(env: Record<string, string | undefined> = process.env): number {
  const mb = Number(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
  return Number.isFinite(mb) && mb > 0 ? Math.min(1, mb / MB_PER_VCPU) : 1;
}
