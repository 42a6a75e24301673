import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { EnvironmentVariables } from './environment-variables';
import { webConcurrencyOf } from './web-concurrency';

export { EnvironmentVariables } from './environment-variables';

/** One bad variable: its name and what is wrong, without its value when that may be a secret. */
export interface EnvironmentProblem {
  variable: string;
  message: string;
}

/**
 * Variables whose value is never repeated in a message: credentials, and URLs (which may carry a user and
 * password). Named by what they hold, so that a new `*_TOKEN` or `*_URL` is covered without a change here.
 */
const SECRET_NAME = /KEY|TOKEN|SECRET|PASSWORD|URL|DSN/;

/** Thrown by {@link validateEnv}: one line per bad variable. */
export class InvalidEnvironmentError extends Error {
  override readonly name = 'InvalidEnvironmentError';

  constructor(readonly problems: EnvironmentProblem[]) {
    super(`Invalid environment: ${problems.map((problem) => problem.message).join(' ')}`);
  }
}

/** What is wrong with the environment, one problem per variable (the first rule it breaks). */
export function environmentProblems(raw: Record<string, unknown>): EnvironmentProblem[] {
  return checkEnvironment(raw).problems;
}

export function validateEnv(raw: Record<string, unknown>): EnvironmentVariables {
  const { env, problems } = checkEnvironment(raw);
  if (problems.length > 0) {
    throw new InvalidEnvironmentError(problems);
  }
  return env;
}

/** The environment typed (defaults filled in), and what is wrong with it: usable only when `problems` is empty. */
export function checkEnvironment(raw: Record<string, unknown>): {
  env: EnvironmentVariables;
  problems: EnvironmentProblem[];
} {
  const env = plainToInstance(EnvironmentVariables, raw, { exposeDefaultValues: true });
  const errors = validateSync(env, { skipMissingProperties: false, forbidUnknownValues: false });
  const problems = errors.map(({ property, constraints = {} }) => {
    // One message: the type's before the range's ("must be an integer" before "must not be greater than").
    const rules = Object.entries(constraints);
    const [, rule] = rules.find(([name]) => name !== 'min' && name !== 'max') ?? rules[0];
    const shown = SECRET_NAME.test(property) ? '' : ` (got ${JSON.stringify(raw[property])})`;
    return { variable: property, message: `${rule.replace(/\.$/, '')}${shown}.` };
  });
  if (env.DATABASE_READ_URL && !env.DATABASE_URL) {
    problems.push({
      variable: 'DATABASE_READ_URL',
      message: 'DATABASE_READ_URL is set without DATABASE_URL: replicas need a PostgreSQL server.',
    });
  }
  const processes = webConcurrencyOf(env.WEB_CONCURRENCY);
  if (processes > 1 && !env.DATABASE_URL && !problems.some((problem) => problem.variable === 'WEB_CONCURRENCY')) {
    problems.push({
      variable: 'WEB_CONCURRENCY',
      message:
        `WEB_CONCURRENCY=${env.WEB_CONCURRENCY?.trim()} (${processes} processes) needs DATABASE_URL: the embedded ` +
        'database belongs to one process. Set DATABASE_URL to a PostgreSQL server, or WEB_CONCURRENCY=1.',
    });
  }
  return { env, problems };
}
