import { Writable } from 'node:stream';

/** A log destination that keeps every line written to it, as written and parsed. */
export class LogLines extends Writable {
  readonly lines: Array<Record<string, unknown>> = [];
  readonly text: string[] = [];

  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    for (const line of chunk
      .toString()
      .split('\n')
      .filter((text) => text !== '')) {
      this.text.push(line);
      this.lines.push(JSON.parse(line) as Record<string, unknown>);
    }
    done();
  }
}
