import type { Scope } from '../auth/caller.js';
import type { CallLogQueryDto } from './call-log-query.dto.js';

/** The scopes a query needs beyond reading call logs, each with what asks for it. */
export function scopesNeeded(
  query: CallLogQueryDto,
  noCache: boolean,
): Array<{ scope: Scope; because: string }> {
  return [
    ...(query.includeRaw === true ? [{ scope: 'raw' as const, because: 'includeRaw=true' }] : []),
    ...(query.refresh === true ? [{ scope: 'refresh' as const, because: 'refresh=true' }] : []),
    ...(noCache && query.refresh !== true
      ? [{ scope: 'refresh' as const, because: 'Cache-Control: no-cache' }]
      : []),
  ];
}
