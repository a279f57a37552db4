import { ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';

/** One bad parameter of a request. */
export class ProblemErrorDto {
  @ApiProperty({ example: 'limit' }) parameter!: string;
  @ApiProperty({ example: 'limit must be a whole number from 1 to 500' }) detail!: string;
}

/** An error body, RFC 9457 (`application/problem+json`). */
export class ProblemDto {
  @ApiProperty({ example: '/problems/invalid-parameters' }) type!: string;
  @ApiProperty({ example: 'Invalid parameters' }) title!: string;
  @ApiProperty({ example: 400 }) status!: number;
  @ApiProperty({ example: 'limit must be a whole number from 1 to 500' }) detail!: string;
  @ApiProperty({ example: '/call-logs?limit=0' }) instance!: string;
  @ApiProperty({
    description: 'Also in the `X-Request-Id` header.',
    example: 'b7f0c3d2-5d1e-4d7e-9d55-3f4f1ce7c0de',
  })
  requestId!: string;
  @ApiPropertyOptional({ type: [ProblemErrorDto], description: 'Each bad parameter (400).' })
  errors?: ProblemErrorDto[];
  @ApiPropertyOptional({
    description: 'Per-provider outcome (502).',
    type: 'array',
    items: { type: 'object' },
  })
  providers?: unknown[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Problem types the front door answers itself, before any route: what they mean to a caller. */
export const FRONT_DOOR_PROBLEMS = {
  400: { type: '/problems/bad-request', title: 'Bad request' },
  404: { type: '/problems/not-found', title: 'Not found' },
  414: { type: '/problems/uri-too-long', title: 'URI too long' },
  431: { type: '/problems/headers-too-large', title: 'Request headers too large' },
} as const;

/**
 * An error that is its own answer: the problem the filter sends for it, less what every problem
 * has (`instance`, `requestId`). Errors of the layers above (such as every provider failing)
 * extend it, so the one filter turns them into answers without knowing them.
 */
export abstract class ProblemError extends Error {
  abstract problem(): Omit<ProblemDto, 'instance' | 'requestId'> & Record<string, unknown>;

  /** Headers the answer carries besides the problem (`WWW-Authenticate`, `Retry-After`, `Allow`). */
  headers(): Record<string, string> {
    return {};
  }
}

/** A 400 that names each bad parameter; thrown by validation and by the service's own checks. */
export class InvalidParametersError extends ProblemError {
  constructor(readonly errors: ProblemErrorDto[]) {
    super(errors.map((error) => error.detail).join('; '));
    this.name = 'InvalidParametersError';
  }

  problem(): ReturnType<ProblemError['problem']> {
    return {
      type: '/problems/invalid-parameters',
      title: 'Invalid parameters',
      status: 400,
      detail: this.message,
      errors: this.errors,
    };
  }

  static of(parameter: string, detail: string): InvalidParametersError {
    return new InvalidParametersError([{ parameter, detail }]);
  }
}

/** Documents an error response as `application/problem+json` with the problem schema and an example. */
export function ApiProblemResponse(
  status: number,
  description: string,
  example: Partial<ProblemDto>,
  headers?: Record<string, { description: string; schema: { type: 'string' | 'integer' } }>,
): MethodDecorator & ClassDecorator {
  return ApiResponse({
    status,
    description,
    ...(headers !== undefined && { headers }),
    content: {
      [PROBLEM_CONTENT_TYPE]: {
        schema: { $ref: getSchemaPath(ProblemDto) },
        example: { status, ...example },
      },
    },
  });
}
