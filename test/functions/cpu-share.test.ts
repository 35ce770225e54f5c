import { describe, expect, it } from 'vitest';
import { lambdaCpuShare, MB_PER_VCPU } from '../../functions/shared/cpu-share.ts';

describe('lambdaCpuShare', () => {
  it('is memory ÷ 1,769 MB, at most one core, and a whole core outside Lambda or for a value it cannot read', () => {
    expect(lambdaCpuShare({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512' })).toBeCloseTo(512 / MB_PER_VCPU, 9);
    expect(lambdaCpuShare({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1769' })).toBe(1);
    expect(lambdaCpuShare({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '10240' })).toBe(1);
    expect(lambdaCpuShare({})).toBe(1);
    expect(lambdaCpuShare({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: 'lots' })).toBe(1);
    expect(lambdaCpuShare({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '0' })).toBe(1);
  });
});
