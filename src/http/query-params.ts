import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
} from 'class-validator';
import { readInstant } from '../domain/time.js';

/*
 * One decorator per query field: it parses, validates and documents the field, so that a query
 * DTO reads as a list of parameters. Query values arrive as strings, or as arrays when repeated.
 */

type Params = { value: unknown };

/** A repeated scalar parameter (`?limit=1&limit=2`) is an error, not a silent pick. */
const Once = (): PropertyDecorator =>
  ValidateBy({
    name: 'once',
    validator: {
      validate: (value: unknown) => !Array.isArray(value),
      defaultMessage: (args) => `${args?.property ?? 'parameter'} must be given once`,
    },
  });

const splitList = ({ value }: Params): unknown => {
  const parts = (Array.isArray(value) ? value : [value]).flatMap((part: unknown) =>
    typeof part === 'string' ? part.split(',').map((item) => item.trim()) : [part],
  );
  return parts.filter((part) => part !== '');
};

/** A comma-separated list (or a repeated parameter) of values from a closed set. */
export function ListOf(
  values: readonly string[],
  description: string,
  example: string,
): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      type: String,
      description: `${description} Comma-separated, any of: \`${values.join('`, `')}\`.`,
      example,
    }),
    IsOptional(),
    Transform(splitList),
    ArrayNotEmpty({ message: ({ property }) => `${property} must name at least one value` }),
    IsIn(values, {
      each: true,
      message: ({ property, value }) =>
        `${property} has ${describeUnknown(value, values)}; allowed: ${values.join(', ')}`,
    }),
  );
}

/**
 * A comma-separated list (or a repeated parameter) of names from a set known only when the gateway
 * starts (its providers): checked against that set where the query is resolved.
 */
export function ListOfNames(description: string, example: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: String, description, example }),
    IsOptional(),
    Transform(splitList),
    ArrayNotEmpty({ message: ({ property }) => `${property} must name at least one value` }),
    ArrayMaxSize(20, { message: ({ property }) => `${property} takes at most 20 values` }),
    MaxLength(32, {
      each: true,
      message: ({ property }) => `each ${property} is at most 32 characters`,
    }),
  );
}

/** A comma-separated list (or a repeated parameter) of free-form identifiers. */
export function ListOfIds(description: string, example: string, maxItems = 100): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      type: String,
      description: `${description} Comma-separated, at most ${maxItems}.`,
      example,
    }),
    IsOptional(),
    Transform(splitList),
    ArrayNotEmpty({ message: ({ property }) => `${property} must name at least one value` }),
    ArrayMaxSize(maxItems, {
      message: ({ property }) => `${property} takes at most ${maxItems} values`,
    }),
    MaxLength(200, {
      each: true,
      message: ({ property }) => `each ${property} is at most 200 characters`,
    }),
  );
}

/** One value from a closed set. */
export function OneOf<T extends string>(
  values: readonly T[],
  description: string,
  defaultValue?: T,
): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ enum: values, description, default: defaultValue }),
    IsOptional(),
    Once(),
    IsIn(values, { message: ({ property }) => `${property} must be one of: ${values.join(', ')}` }),
  );
}

/** A whole number written in digits only: `1.5`, `1e3` and ` 7` are refused, not rounded. */
export function WholeNumber(
  description: string,
  range: { min: number; max?: number; default?: number },
): PropertyDecorator {
  const bounds =
    range.max === undefined ? `at least ${range.min}` : `from ${range.min} to ${range.max}`;
  const message = ({ property }: { property: string }): string =>
    `${property} must be a whole number ${bounds}`;
  return applyDecorators(
    ApiPropertyOptional({
      type: 'integer',
      description,
      minimum: range.min,
      maximum: range.max,
      default: range.default,
    }),
    IsOptional(),
    Once(),
    Transform(({ value }: Params) =>
      typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value,
    ),
    ValidateBy(
      {
        name: 'wholeNumber',
        validator: { validate: Number.isSafeInteger, defaultMessage: () => '' },
      },
      { message },
    ),
    Min(range.min, { message }),
    ...(range.max === undefined ? [] : [Max(range.max, { message })]),
  );
}

/**
 * An RFC 3339 date-time with an offset (`Z` or `±hh:mm`) that names an instant that exists (see
 * readInstant), at or after `earliest` (epoch ms).
 */
export function DateTime(
  description: string,
  example: string,
  earliest: number,
): PropertyDecorator {
  const problem = (value: unknown): string | null => {
    if (typeof value !== 'string') return 'must be an RFC 3339 date-time';
    const reading = readInstant(value, { requireOffset: true });
    if (!reading.ok) return reading.reason;
    return reading.ms < earliest
      ? `is before ${new Date(earliest).toISOString()}, earlier than any provider keeps calls`
      : null;
  };
  return applyDecorators(
    ApiPropertyOptional({ type: String, format: 'date-time', description, example }),
    IsOptional(),
    Once(),
    ValidateBy({
      name: 'instant',
      validator: {
        validate: (value: unknown) => problem(value) === null,
        defaultMessage: (args) =>
          `${args?.property ?? 'parameter'} ${problem(args?.value) ?? 'is not valid'}; write an RFC 3339 date-time with an offset, such as ${example}`,
      },
    }),
  );
}

/** `true` or `false`. */
export function Flag(description: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: Boolean, description, default: false }),
    IsOptional(),
    Once(),
    Transform(({ value }: Params) => ({ true: true, false: false })[String(value)] ?? value),
    IsBoolean({ message: ({ property }) => `${property} must be true or false` }),
  );
}

/** A free-form string of bounded length. */
export function Text(
  description: string,
  example: string,
  maxLength: number,
  pattern?: RegExp,
): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: String, description, example, maxLength }),
    IsOptional(),
    Once(),
    IsString(),
    MaxLength(maxLength, {
      message: ({ property }) => `${property} is at most ${maxLength} characters`,
    }),
    ...(pattern === undefined
      ? []
      : [
          Matches(pattern, {
            message: ({ property }) => `${property} does not look like ${example}`,
          }),
        ]),
  );
}

export function describeUnknown(value: unknown, allowed: readonly string[]): string {
  const unknown = (Array.isArray(value) ? value : [value]).filter(
    (item) => !allowed.includes(String(item)),
  );
  return `unknown value${unknown.length === 1 ? '' : 's'} ${unknown.map((item) => JSON.stringify(item)).join(', ')}`;
}
