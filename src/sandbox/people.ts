/** The people the generated calls are between: customers and staff, in a few countries. */

export type Country = 'HK' | 'US' | 'IN' | 'GB' | 'SG';
export interface Customer {
  name: string;
  /** Country code and number, digits only. */
  number: string;
  country: Country;
}
export interface Staff {
  name: string;
  eid: string;
  serviceId: string;
  country: Country;
}

// A small pool, so that a filter on one number finds several calls. Fictional ranges where a
// country has them (US 555-01xx, UK 07700 900xxx).
export const CUSTOMERS: readonly Customer[] = [
  { name: '陳大文', number: '85298765432', country: 'HK' },
  { name: 'Chan Siu Ming', number: '85261234567', country: 'HK' },
  { name: 'Mia 🌸 Wong', number: '85255501234', country: 'HK' },
  { name: 'José Álvarez', number: '13235550142', country: 'US' },
  { name: 'Emily Carter', number: '12125550178', country: 'US' },
  { name: 'प्रिया शर्मा', number: '919876543210', country: 'IN' },
  { name: 'Rahul Verma', number: '919812345678', country: 'IN' },
  { name: 'Anaïs Dubois', number: '447700900123', country: 'GB' },
  { name: 'Zoë O’Brien', number: '447700900456', country: 'GB' },
  { name: 'Tan Wei Ling 陈伟玲', number: '6591234567', country: 'SG' },
  { name: 'Nguyễn Văn An', number: '6581112233', country: 'SG' },
];

export const STAFF: readonly Staff[] = [
  { name: '黃志明', eid: 'e-7f3a1c90', serviceId: 'svc-sales-hk', country: 'HK' },
  { name: 'Mei Ling Lau', eid: 'e-19b2d4e6', serviceId: 'svc-support-hk', country: 'HK' },
  { name: 'Dev Patel', eid: 'e-5c8e0a27', serviceId: 'svc-support-sg', country: 'SG' },
  { name: 'Sarah Kim', eid: 'e-a04f6b31', serviceId: 'svc-sales-us', country: 'US' },
  { name: 'Ólafur Jónsson', eid: 'e-d2e9c758', serviceId: 'svc-support-gb', country: 'GB' },
];
