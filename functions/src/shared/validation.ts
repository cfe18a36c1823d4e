import { z } from 'zod';
import { InvalidInputError } from './errors';

/** Parses or throws an InvalidInputError whose message names each bad field in plain words. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 10).map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : 'request';
    if (issue.code === 'unrecognized_keys') return `${where}: unknown field(s) ${issue.keys.join(', ')}`;
    if (issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined) return `${where}: is required`;
    return `${where}: ${issue.message}`;
  });
  throw new InvalidInputError(problems.join('; '), { issues: problems });
}

/** The value at a zod issue's path (undefined when the path leaves the input): absent vs. wrong type. */
export function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
