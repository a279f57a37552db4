import type { OpenAPIObject } from '@nestjs/swagger';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The document as OpenAPI 3.1, whose schemas are JSON Schema: `nullable` (3.0) becomes `null` in
 * the type, and a nullable reference (`nullable` beside `allOf: [$ref]`, which 3.0 validators read
 * differently) becomes `anyOf: [$ref, null]`, which they all read the same.
 */
export function toOpenApi31(document: OpenAPIObject): OpenAPIObject {
  return { ...(convert(document) as OpenAPIObject), openapi: '3.1.0' };
}

function convert(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(convert);
  if (!isObject(node)) return node;
  const converted: Json = Object.fromEntries(
    Object.entries(node).map(([key, value]) => [key, convert(value)]),
  );
  if (converted.nullable !== true) return converted;
  const { nullable: _nullable, type, allOf, enum: values, ...rest } = converted;
  if (Array.isArray(allOf) && allOf.length === 1) {
    return { ...rest, anyOf: [allOf[0], { type: 'null' }] };
  }
  return {
    ...rest,
    ...(type !== undefined && { type: [type, 'null'] }),
    ...(Array.isArray(values) && { enum: [...(values as unknown[]), null] }),
  };
}
