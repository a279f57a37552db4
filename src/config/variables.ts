import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
} from 'class-validator';

/*
 * One decorator per environment variable: it converts the text the environment holds and checks
 * it, so that a schema reads as a list of variables with their defaults. A variable's rules stop
 * at the first that fails, and the type is checked first: "many" is reported as not a number, not
 * as out of range.
 */

type Params = { value: unknown };

const blankToUndefined = ({ value }: Params): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;
const toBool = ({ value }: Params): unknown =>
  typeof value === 'string' && value.trim() !== ''
    ? ({ true: true, false: false, '1': true, '0': false }[value.trim().toLowerCase()] ?? value)
    : blankToUndefined({ value });
const toInt = ({ value }: Params): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim())
    ? Number(value)
    : blankToUndefined({ value });

const URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/** Nothing, when `optional` (a blank variable counts as unset). */
const Optional = (optional: boolean | undefined): PropertyDecorator[] =>
  optional === true ? [IsOptional()] : [];

/** A whole number from `min` to `max`. */
export const IntVar = (
  min: number,
  max: number,
  options: { optional?: boolean } = {},
): PropertyDecorator =>
  applyDecorators(...Optional(options.optional), Transform(toInt), IsInt(), Min(min), Max(max));

/** `true`/`false` (or `1`/`0`). */
export const FlagVar = (options: { optional?: boolean } = {}): PropertyDecorator =>
  applyDecorators(...Optional(options.optional), Transform(toBool), IsBoolean());

/** One of a closed set, after `normalize` (such as upper-casing); or nothing, when `optional`. */
export const ChoiceVar = (
  values: readonly string[],
  options: { normalize?: (text: string) => string; optional?: boolean } = {},
): PropertyDecorator => {
  const normalize = options.normalize ?? ((text: string) => text);
  return applyDecorators(
    Transform(({ value }: Params) =>
      typeof value === 'string' ? blankToUndefined({ value: normalize(value) }) : value,
    ),
    ...(options.optional === true ? [IsOptional()] : []),
    IsIn(values),
  );
};

/** An http(s) URL, or nothing. */
export const UrlVar = (): PropertyDecorator =>
  applyDecorators(Transform(blankToUndefined), IsOptional(), IsUrl(URL_OPTIONS));

/** Any text, or nothing; at least `minLength` characters when given. */
export const TextVar = (minLength = 0): PropertyDecorator =>
  applyDecorators(
    Transform(blankToUndefined),
    IsOptional(),
    IsString(),
    ...(minLength > 0 ? [MinLength(minLength)] : []),
  );

/** Text matching `pattern`, or nothing when `optional`; `message` says what is expected. */
export const PatternVar = (pattern: RegExp, message: string, optional = true): PropertyDecorator =>
  applyDecorators(
    ...(optional ? [Transform(blankToUndefined), IsOptional()] : []),
    Matches(pattern, { message }),
  );
