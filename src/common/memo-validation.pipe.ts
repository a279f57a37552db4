import { type ArgumentMetadata, ValidationPipe, type ValidationPipeOptions } from '@nestjs/common';
import { LRUCache } from 'lru-cache';

/**
 * The validation pipe, remembering the query strings it accepted: validating a query is a pure
 * function of its parameters, and apps repeat the same queries all day. The DTO it returns is
 * shared between requests and never changed. Refused queries are not remembered.
 */
export class MemoValidationPipe extends ValidationPipe {
  private readonly accepted = new LRUCache<string, object>({ max: 2000 });

  constructor(options: ValidationPipeOptions) {
    super(options);
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'query') return super.transform(value, metadata);
    const key = `${metadata.metatype?.name ?? ''}?${JSON.stringify(value)}`;
    const known = this.accepted.get(key);
    if (known !== undefined) return known;
    const result: unknown = await super.transform(value, metadata);
    if (typeof result === 'object' && result !== null)
      this.accepted.set(key, Object.freeze(result));
    return result;
  }
}
