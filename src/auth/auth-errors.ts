import { ProblemError } from '../http/problem.js';

/** No credentials, or credentials that name no caller: 401, with the scheme to use. */
export class UnauthenticatedError extends ProblemError {
  constructor(
    detail: string,
    /** Credentials were given but are not good (RFC 6750 `invalid_token`). */
    private readonly invalid: boolean,
  ) {
    super(detail);
    this.name = 'UnauthenticatedError';
  }

  problem(): ReturnType<ProblemError['problem']> {
    return {
      type: '/problems/unauthenticated',
      title: 'Unauthenticated',
      status: 401,
      detail: this.message,
    };
  }

  override headers(): Record<string, string> {
    return {
      'www-authenticate': this.invalid
        ? 'Bearer realm="call-logs", error="invalid_token"'
        : 'Bearer realm="call-logs"',
    };
  }
}

/** A caller without the scope an operation or a parameter needs: 403, naming both. */
export class ForbiddenError extends ProblemError {
  constructor(detail: string) {
    super(detail);
    this.name = 'ForbiddenError';
  }

  problem(): ReturnType<ProblemError['problem']> {
    return { type: '/problems/forbidden', title: 'Forbidden', status: 403, detail: this.message };
  }
}
