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

const toBool = ({ value }: Params): unknown =>
  typeof value === 'string'
    ? ({ true: true, false: false, '1': true, '0': false }[value.trim().toLowerCase()] ?? value)
    : value;
const toInt = ({ value }: Params): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const blankToUndefined = ({ value }: Params): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

const URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/** A whole number from `min` to `max`. */
export const IntVar = (min: number, max: number): PropertyDecorator =>
  applyDecorators(Transform(toInt), IsInt(), Min(min), Max(max));

/** `true`/`false` (or `1`/`0`). */
export const FlagVar = (): PropertyDecorator => applyDecorators(Transform(toBool), IsBoolean());

/** One of a closed set, after `normalize` (such as upper-casing). */
export const ChoiceVar = (
  values: readonly string[],
  normalize: (text: string) => string = (text) => text,
): PropertyDecorator =>
  applyDecorators(
    Transform(({ value }: Params) => (typeof value === 'string' ? normalize(value) : value)),
    IsIn(values),
  );

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
