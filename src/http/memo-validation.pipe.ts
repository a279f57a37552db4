import { type ArgumentMetadata, ValidationPipe, type ValidationPipeOptions } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { LRUCache } from 'lru-cache';
import { InvalidParametersError, type ProblemErrorDto } from './problem.js';

/**
 * The validation pipe, remembering the query strings it accepted: validating a query is a pure
 * function of its parameters, and apps repeat the same queries all day. The DTO it returns is
 * shared between requests and never changed. Refused queries are not remembered.
 *
 * A query parameter the DTO does not declare is refused by name before class-transformer sees it:
 * the whitelist looks names up on the DTO, where `constructor` and `__proto__` are found.
 */
export class MemoValidationPipe extends ValidationPipe {
  private readonly accepted = new LRUCache<string, object>({ max: 2000 });
  private readonly declared = new Map<unknown, ReadonlySet<string>>();

  constructor(options: ValidationPipeOptions) {
    super(options);
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'query' || typeof value !== 'object' || value === null) {
      return super.transform(value, metadata);
    }
    const key = `${metadata.metatype?.name ?? ''}?${JSON.stringify(value)}`;
    const known = this.accepted.get(key);
    if (known !== undefined) return known;
    const declared = this.declaredBy(metadata.metatype);
    const unknown: ProblemErrorDto[] = Object.keys(value)
      .filter((name) => !declared.has(name))
      .map((name) => ({ parameter: name, detail: `${name} is not a parameter of this endpoint` }));
    if (unknown.length > 0) {
      const rest = Object.entries(value).filter(([name]) => declared.has(name));
      const others = await super.transform(Object.fromEntries(rest), metadata).then(
        () => [],
        (error: unknown) => {
          if (error instanceof InvalidParametersError) return error.errors;
          throw error;
        },
      );
      throw new InvalidParametersError([...others, ...unknown]);
    }
    const result: unknown = await super.transform(value, metadata);
    if (typeof result === 'object' && result !== null)
      this.accepted.set(key, Object.freeze(result));
    return result;
  }

  /** The properties a DTO declares validation for: its parameters. */
  private declaredBy(metatype: ArgumentMetadata['metatype']): ReadonlySet<string> {
    let names = this.declared.get(metatype);
    if (names === undefined) {
      names = new Set(
        metatype === undefined
          ? []
          : getMetadataStorage()
              .getTargetValidationMetadatas(metatype, '', true, false)
              .map((rule) => rule.propertyName),
      );
      this.declared.set(metatype, names);
    }
    return names;
  }
}
