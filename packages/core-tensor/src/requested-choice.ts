import { LowbitError } from './errors';

/**
 * What the user asked for: the option's value, else the environment variable's, else 'auto';
 * checked against `names` (a bad value is BAD_ARGS naming where it came from), with its source for
 * reports: 'requested', `ENV=value` or 'auto'.
 */
export function requestedChoice<T extends string>(
  option: string | undefined,
  optionName: string,
  envName: string,
  names: readonly T[],
): { choice: T | 'auto'; source: string } {
  const env = process.env[envName];
  const [value, from] = option ? [option, optionName] : env ? [env, envName] : ['auto', ''];
  if (value !== 'auto' && !(names as readonly string[]).includes(value)) {
    throw new LowbitError('BAD_ARGS', `${from} is "${value}"; use one of auto, ${names.join(', ')}.`);
  }
  const source = option ? 'requested' : env ? `${envName}=${env}` : 'auto';
  return { choice: value as T | 'auto', source };
}
