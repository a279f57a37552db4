/** The one record shape every provider is normalized into. */

/** A provider's name, as its descriptor gives it: lowercase letters and digits, such as `cinnox`. */
export type ProviderName = string;

export const CALL_STATUSES = [
  'completed',
  'no_answer',
  'busy',
  'declined',
  'canceled',
  'abandoned',
  'unreachable',
  'failed',
  'unknown',
] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

export const DIRECTIONS = ['inbound', 'outbound', 'internal', 'unknown'] as const;
export type Direction = (typeof DIRECTIONS)[number];

export const MEDIA_TYPES = ['audio', 'video'] as const;
export type MediaType = (typeof MEDIA_TYPES)[number];

export type EndedBy = 'caller' | 'callee';

export interface Location {
  city: string | null;
  province: string | null;
  regionCode: string | null;
  subdivision: string | null;
}

export interface Party {
  /** E.164, or null when the upstream gave nothing that parses as a phone number. */
  number: string | null;
  name: string | null;
  staffId: string | null;
  isStaff: boolean | null;
  /** ISO 3166-1 alpha-2. */
  country: string | null;
  location?: Location | null;
}

export interface Cost {
  amount: number;
  unit: 'credits';
}

export interface CallLog {
  /** `<provider>:<providerCallId>`, unique across providers. */
  id: string;
  provider: ProviderName;
  providerCallId: string;
  direction: Direction;
  status: CallStatus;
  statusRaw: string | null;
  /** RFC 3339, UTC, milliseconds. */
  startedAt: string;
  endedAt: string | null;
  durationSeconds: number | null;
  caller: Party;
  callee: Party;
  mediaType: MediaType | null;
  endReason: string | null;
  endedBy: EndedBy | null;
  bridgeNumber: string | null;
  cost: Cost | null;
  raw?: unknown;
}
