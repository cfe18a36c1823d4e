export function chiSquareUniform(counts: number[]): { statistic: number; p: number };
export function chiSquareSurvival(x: number, k: number): number;
