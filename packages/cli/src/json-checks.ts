import { LowbitError } from '@lowbit/core-tensor';

/** Checks a JSON value and returns its problems, each starting with the value's path. */
export type Check = (value: unknown, path: string) => string[];

function shown(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'number') return String(value);
  return typeof value === 'object' ? 'an object' : JSON.stringify(value);
}

function expect(ok: boolean, path: string, expected: string, value: unknown): string[] {
  return ok ? [] : [`${path} is ${shown(value)}; expected ${expected}`];
}

export const string: Check = (v, p) => expect(typeof v === 'string', p, 'a string', v);
export const boolean: Check = (v, p) => expect(typeof v === 'boolean', p, 'true or false', v);
export const finite: Check = (v, p) => expect(Number.isFinite(v), p, 'a finite number', v);
export const count: Check = (v, p) =>
  expect(Number.isInteger(v) && (v as number) >= 0, p, 'a non-negative integer', v);

export const oneOf =
  (...values: readonly (string | number)[]): Check =>
  (v, p) =>
    expect(values.includes(v as string), p, `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`, v);

export const nullable =
  (check: Check): Check =>
  (v, p) =>
    v === null ? [] : check(v, p);

export const optional =
  (check: Check): Check =>
  (v, p) =>
    v === undefined ? [] : check(v, p);

export const arrayOf =
  (check: Check): Check =>
  (v, p) =>
    Array.isArray(v) ? v.flatMap((item, i) => check(item, `${p}[${i}]`)) : expect(false, p, 'an array', v);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An object with these fields; any other field must pass `rest` (default: anything goes). */
export const object =
  (fields: Record<string, Check>, rest?: Check): Check =>
  (v, p) => {
    if (!isObject(v)) return expect(false, p, 'an object', v);
    const known = Object.entries(fields).flatMap(([key, check]) => check(v[key], `${p}.${key}`));
    const extra = rest
      ? Object.keys(v)
          .filter((key) => !(key in fields))
          .flatMap((key) => rest(v[key], `${p}.${key}`))
      : [];
    return [...known, ...extra];
  };

/** Throws BAD_FILE listing the first problems of `value`, with `fix` appended. */
export function assertValid(value: unknown, check: Check, root: string, fix: string): void {
  const problems = check(value, root);
  if (problems.length === 0) return;
  const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
  throw new LowbitError('BAD_FILE', `${problems.slice(0, 5).join('; ')}${more}. ${fix}`, { problems });
}
