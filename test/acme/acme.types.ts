/** Acme's call record, as its `GET /calls` answers it. */
export interface AcmeCall {
  uuid: string;
  /** RFC 3339. */
  started: string;
  from: string;
  to: string;
  outcome: 'answered' | 'missed' | 'busy';
  seconds: number;
}

/** `{"calls": [...], "next": "<token>" | null}`: Acme pages with an opaque token, not offsets. */
export interface AcmePage {
  calls: AcmeCall[];
  next: string | null;
}

export const ACME_PAGE_SIZE = 40;
