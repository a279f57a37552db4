import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';

const run = promisify(execFile);
const client = new URL('..', import.meta.url).pathname;

test('src/schema.d.ts is what openapi-typescript makes of the committed openapi.json (npm run generate -w client)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'call-logs-schema-'));
  try {
    const fresh = join(dir, 'schema.d.ts');
    await run('npx', ['--no-install', 'openapi-typescript', '../openapi.json', '--output', fresh], {
      cwd: client,
    });
    assert.equal(
      await readFile(join(client, 'src/schema.d.ts'), 'utf8'),
      await readFile(fresh, 'utf8'),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
