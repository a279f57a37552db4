/** A record's documented (or guessed) field names, with no trust in the types of their values. */
export type Fields<T> = { [K in keyof T]?: unknown };

/** A string with a value, trimmed; an empty (or blank) string means "no value" upstream. */
export function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}
