import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

/** The process environment, or the one a test gives. */
export type Environment = Record<string, string | undefined>;

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigValidationError';
  }
}

/**
 * Reads `env` into a schema of variables (see variables.ts): the typed values, with the schema's
 * defaults where a variable is not set, and one message per bad variable, each starting with the
 * variable's name as the operator set it (`named` maps a schema property to that name).
 */
export function readVariables<T extends object>(
  Schema: new () => T,
  env: Environment,
  named: (property: string) => string = (property) => property,
): { values: T; problems: string[] } {
  const values = plainToInstance(Schema, env, { exposeDefaultValues: true });
  const problems = validateSync(values, { stopAtFirstError: true }).flatMap((error) =>
    Object.values(error.constraints ?? {}).map((message) =>
      message.startsWith(error.property)
        ? named(error.property) + message.slice(error.property.length)
        : `${named(error.property)}: ${message}`,
    ),
  );
  return { values, problems };
}
