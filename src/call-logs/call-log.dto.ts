import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  CALL_STATUSES,
  DIRECTIONS,
  MEDIA_TYPES,
  type CallLog,
  type CallStatus,
  type Cost,
  type Direction,
  type EndedBy,
  type Location,
  type MediaType,
  type Party,
  type ProviderName,
} from '../domain/call-log.js';
import { UPSTREAM_ERROR_CODES, type UpstreamErrorCode } from '../domain/upstream-error.js';

/*
 * The documented response shapes. They implement the domain types, so the compiler keeps the
 * OpenAPI document and the records the service builds in step.
 */

export class LocationDto implements Location {
  @ApiProperty({ type: String, nullable: true, example: 'Hong Kong' }) city!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'Hong Kong' }) province!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'HK' }) regionCode!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'HK-HCW' }) subdivision!: string | null;
}

export class PartyDto implements Party {
  @ApiProperty({ type: String, nullable: true, description: 'E.164.', example: '+85298765432' })
  number!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'Mei Chan' }) name!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Staff id (CINNOX eid).',
    example: 'eid-1001',
  })
  staffId!: string | null;
  @ApiProperty({ type: Boolean, nullable: true }) isStaff!: boolean | null;
  @ApiProperty({ type: String, nullable: true, description: 'ISO 3166-1 alpha-2.', example: 'HK' })
  country!: string | null;
  @ApiPropertyOptional({
    type: LocationDto,
    nullable: true,
    description: 'Callee only, where CINNOX gives one.',
  })
  location?: LocationDto | null;
}

export class CostDto implements Cost {
  @ApiProperty({ example: 1.5 }) amount!: number;
  @ApiProperty({ enum: ['credits'] }) unit!: 'credits';
}

export class CallLogDto implements CallLog {
  @ApiProperty({
    description: '`<provider>:<providerCallId>`, unique across providers.',
    example: 'kaleyra:75c1a2b3-1',
  })
  id!: string;
  /** The enum of the gateway's providers is added when the document is built (see openapi.ts). */
  @ApiProperty({ type: String }) provider!: ProviderName;
  @ApiProperty({ example: '75c1a2b3-1' }) providerCallId!: string;
  @ApiProperty({ enum: DIRECTIONS }) direction!: Direction;
  @ApiProperty({ enum: CALL_STATUSES }) status!: CallStatus;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "The provider's own status.",
    example: 'ANSWER',
  })
  statusRaw!: string | null;
  @ApiProperty({
    format: 'date-time',
    description: 'UTC, milliseconds.',
    example: '2026-11-20T10:16:25.000Z',
  })
  startedAt!: string;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: '2026-11-20T10:18:01.000Z',
  })
  endedAt!: string | null;
  @ApiProperty({ type: 'integer', nullable: true, example: 90 }) durationSeconds!: number | null;
  @ApiProperty({ type: PartyDto }) caller!: PartyDto;
  @ApiProperty({ type: PartyDto }) callee!: PartyDto;
  @ApiProperty({ enum: MEDIA_TYPES, nullable: true }) mediaType!: MediaType | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Q.850 wording (CINNOX).',
    example: 'Normal Clearing',
  })
  endReason!: string | null;
  @ApiProperty({ enum: ['caller', 'callee'], nullable: true }) endedBy!: EndedBy | null;
  @ApiProperty({ type: String, nullable: true, description: 'E.164.', example: '+13236000007' })
  bridgeNumber!: string | null;
  @ApiProperty({ type: CostDto, nullable: true }) cost!: CostDto | null;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'The untouched upstream record, with `includeRaw=true`.',
  })
  raw?: unknown;
}

export class PageDto {
  @ApiProperty({ example: 50 }) limit!: number;
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'Opaque; send it as `cursor` with the same query for the next page. Null once every provider that answered has nothing more: the walk has ended.',
  })
  nextCursor!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'Set on the last page of a walk when a provider failed on one of its pages and still owes records. Sent later as `cursor` with the same query, it walks that provider alone from where it stopped: exactly the records it missed, each once. Null otherwise.',
  })
  resumeCursor!: string | null;
}

export class ProviderErrorDto {
  @ApiProperty({ enum: UPSTREAM_ERROR_CODES }) code!: UpstreamErrorCode;
  @ApiProperty({ example: 'CINNOX refused the credentials (code 6452000: invalid token)' })
  message!: string;
}

export const PROVIDER_STATUSES = ['ok', 'error', 'skipped', 'stale'] as const;
export const SKIP_REASONS = ['not_requested', 'disabled', 'retention', 'no_match', 'done'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];
export type ProviderStatus = (typeof PROVIDER_STATUSES)[number];

export class ProviderMetaDto {
  /** The enum of the gateway's providers is added when the document is built (see openapi.ts). */
  @ApiProperty({ type: String }) provider!: ProviderName;
  @ApiProperty({
    enum: PROVIDER_STATUSES,
    description:
      '`skipped`: not asked, see `reason`; `stale`: the provider failed and cached data stands in, see `ageSeconds` and `error`.',
  })
  status!: ProviderStatus;
  @ApiProperty({
    enum: ['live', 'sandbox'],
    description: '`sandbox`: the built-in simulator stands in.',
  })
  mode!: 'live' | 'sandbox';
  @ApiProperty({
    description: 'Records received from the provider for this page (it fetches whole slices).',
    example: 120,
  })
  records!: number;
  @ApiProperty({ description: 'Of those, records on this page.', example: 31 }) returned!: number;
  @ApiProperty({
    description: 'Upstream records that could not be normalized (logged).',
    example: 0,
  })
  rejected!: number;
  @ApiProperty({ description: 'HTTP requests made to the provider for this page.', example: 1 })
  upstreamRequests!: number;
  @ApiProperty({ description: 'Time slices fetched for this page.', example: 2 }) slices!: number;
  @ApiProperty({ description: 'Wall time spent on the provider.', example: 84 }) latencyMs!: number;
  @ApiPropertyOptional({
    enum: SKIP_REASONS,
    description:
      'Why a provider was skipped: not in `provider`, disabled by configuration, the window is older than it keeps, nothing of it can match the filters, or (`done`) the walk already brought all of its records.',
  })
  reason?: SkipReason;
  @ApiPropertyOptional({
    type: ProviderErrorDto,
    description:
      'Why the provider failed (`error`), or what a stale answer stands in for (`stale`).',
  })
  error?: ProviderErrorDto;
  @ApiPropertyOptional({
    enum: ['hit', 'miss', 'collapsed', 'stale', 'refresh', 'stale-if-error', 'none'],
    description:
      "How the provider's slices were served: from the cache (`hit`), fetched (`miss`), filled by a concurrent request (`collapsed`), stale while refreshed behind (`stale`), revalidated on request (`refresh`), stale because the provider failed (`stale-if-error`).",
  })
  cache?: 'hit' | 'miss' | 'collapsed' | 'stale' | 'refresh' | 'stale-if-error' | 'none';
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When the oldest slice of this page was fetched from the provider.',
  })
  fetchedAt?: string | null;
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description:
      'Set when the provider failed on an earlier page of this walk: its records resume from this time, so they may start before the previous page ended.',
  })
  resumedFrom?: string;
  @ApiPropertyOptional({
    description: 'With `stale`: how old the data served is, in seconds.',
    example: 95,
  })
  ageSeconds?: number;
}

export class WindowDto {
  @ApiProperty({ format: 'date-time', example: '2026-11-21T00:00:00.000Z' }) since!: string;
  @ApiProperty({ format: 'date-time', example: '2026-11-22T00:00:00.000Z' }) until!: string;
}

export class MetaDto {
  @ApiProperty({ type: [ProviderMetaDto] }) providers!: ProviderMetaDto[];
  @ApiProperty({
    type: WindowDto,
    description: 'The window served: defaults applied, pinned by the cursor.',
  })
  window!: WindowDto;
}

export class CallLogPageDto {
  @ApiProperty({ type: [CallLogDto] }) data!: CallLogDto[];
  @ApiProperty({ type: PageDto }) page!: PageDto;
  @ApiProperty({ type: MetaDto }) meta!: MetaDto;
}
