import { z } from 'zod';
import { generationRequestSchema, poolKeyOf, requestKeyOf, type PoolParams } from '../questions/poolParams';
import { InvalidInputError } from '../shared/errors';
import { canonicalJson, sha256Hex } from '../shared/hashing';
import { valueAt } from '../shared/validation';

export const MAX_PLAN_POOLS = 5_000;

/** One problem of a plan: which expanded entry (null for the plan as a whole), which field, which rule. */
export type PlanIssue = { position: number | null; field: string; rule: string };

export type PlanEntry = { position: number; pool: PoolParams; targetCount: number; poolKey: string; requestKey: string };

export type ExpandedPlan = { batchId: string; entries: PlanEntry[] };

// Matrix values are checked one by one by the pool schema after expansion; here only the shape.
const values = z.array(z.unknown()).min(1, 'must list at least one value');
const matrixSchema = z.strictObject({
  lang: values,
  country: values,
  level: values,
  subject: values,
  theme: values,
  type: values,
  version: z.unknown().optional(),
});

const planSchema = z.union([
  z.array(z.unknown()),
  z.strictObject({ pools: z.array(z.unknown()) }),
  z.strictObject({ matrix: matrixSchema, targetCount: z.unknown() }),
]);

function describe(issues: readonly z.core.$ZodIssue[], position: number | null, input: unknown): PlanIssue[] {
  return issues.map((issue) => {
    const field = issue.path.map(String).join('.') || (position === null ? 'plan' : 'entry');
    if (issue.code === 'unrecognized_keys') return { position, field, rule: `unknown field(s) ${issue.keys.join(', ')}` };
    if (issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined) return { position, field, rule: 'is required' };
    return { position, field, rule: issue.message };
  });
}

function refuse(issues: PlanIssue[]): never {
  const shown = issues.slice(0, 5).map((i) => `${i.position === null ? '' : `#${i.position} `}${i.field}: ${i.rule}`);
  const more = issues.length > shown.length ? ` (and ${issues.length - shown.length} more)` : '';
  throw new InvalidInputError(`Invalid plan: ${shown.join('; ')}${more}`, { issues });
}

/** Every combination of the matrix values, lang varying slowest. */
function expandMatrix(matrix: z.output<typeof matrixSchema>, targetCount: unknown): unknown[] {
  const versions = matrix.version === undefined ? [undefined] : Array.isArray(matrix.version) ? matrix.version : [matrix.version];
  const entries: unknown[] = [];
  for (const lang of matrix.lang)
    for (const country of matrix.country)
      for (const level of matrix.level)
        for (const subject of matrix.subject)
          for (const theme of matrix.theme)
            for (const type of matrix.type)
              for (const version of versions) entries.push({ pool: { lang, country, level, subject, theme, type, ...(version === undefined ? {} : { version }) }, targetCount });
  return entries;
}

function matrixSize(matrix: z.output<typeof matrixSchema>): number {
  const versions = Array.isArray(matrix.version) ? matrix.version.length : 1;
  return matrix.lang.length * matrix.country.length * matrix.level.length * matrix.subject.length * matrix.theme.length * matrix.type.length * versions;
}

/**
 * Expands and validates a plan with requestGeneration's own schema. Any bad entry refuses the
 * whole plan, naming every problem by position. Repeated entries collapse into one; the batch id
 * is the hash of the resulting set, so the same plan (in any order) is the same batch.
 */
export function expandPlan(input: unknown): ExpandedPlan {
  const shape = planSchema.safeParse(input);
  if (!shape.success) {
    // The union hides which branch was meant: report against the branch the input resembles.
    const branch = Array.isArray(input) ? planSchema.options[0]
      : input && typeof input === 'object' && 'matrix' in input ? planSchema.options[2]
      : planSchema.options[1];
    const again = branch.safeParse(input);
    refuse(again.success ? [{ position: null, field: 'plan', rule: 'must be a list of pools, { pools: [...] } or { matrix: {...}, targetCount }' }] : describe(again.error.issues, null, input));
  }
  const plan = shape.data;
  let raw: unknown[];
  if (Array.isArray(plan)) raw = plan;
  else if ('pools' in plan) raw = plan.pools;
  else {
    const size = matrixSize(plan.matrix);
    if (size > MAX_PLAN_POOLS) refuse([{ position: null, field: 'matrix', rule: `expands to ${size} pools; at most ${MAX_PLAN_POOLS} per batch` }]);
    raw = expandMatrix(plan.matrix, plan.targetCount);
  }
  if (raw.length === 0) refuse([{ position: null, field: 'pools', rule: 'must list at least one pool' }]);
  if (raw.length > MAX_PLAN_POOLS) refuse([{ position: null, field: 'pools', rule: `has ${raw.length} pools; at most ${MAX_PLAN_POOLS} per batch` }]);

  const issues: PlanIssue[] = [];
  const entries: PlanEntry[] = [];
  const seen = new Map<string, PlanEntry>();
  raw.forEach((item, position) => {
    const parsed = generationRequestSchema.safeParse(item);
    if (!parsed.success) {
      issues.push(...describe(parsed.error.issues, position, item));
      return;
    }
    // One entry per pool (the pool is the unit of work): a pool listed twice asks for the larger target.
    const requestKey = requestKeyOf(parsed.data);
    const earlier = seen.get(requestKey);
    if (earlier) {
      earlier.targetCount = Math.max(earlier.targetCount, parsed.data.targetCount);
      return;
    }
    const entry = { position, pool: parsed.data.pool, targetCount: parsed.data.targetCount, poolKey: poolKeyOf(parsed.data.pool), requestKey };
    seen.set(requestKey, entry);
    entries.push(entry);
  });
  if (issues.length > 0) refuse(issues);
  // The targets are part of the plan: the same pools at other targets are another batch.
  const batchId = sha256Hex(canonicalJson(entries.map((e) => `${e.requestKey}:${e.targetCount}`).sort()));
  return { batchId, entries };
}
