import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError, readCommand } from '../dist/cli/arguments.js';

const NOW = new Date('2026-11-25T10:00:00.000Z');
const read = (args, env = {}) => readCommand(args, env, NOW);

test('an export pins its window: --until defaults to now', () => {
  const command = read(['export', '--url', 'http://gw', '--since', '2026-11-01T00:00:00Z']);
  assert.equal(command.name, 'export');
  assert.deepEqual(command.query, { since: '2026-11-01T00:00:00Z', until: NOW.toISOString() });
  assert.equal(command.format, 'ndjson');
  assert.equal(command.resume, false);
});

test('filters become the query parameters of the gateway', () => {
  const command = read([
    'export',
    '--url',
    'http://gw',
    '--since',
    '2026-11-01T00:00:00Z',
    '--status',
    'busy,no_answer',
    '--call-id',
    'a,b',
    '--min-duration',
    '30',
    '--include-raw',
    '--sort',
    'startedAt',
  ]);
  assert.deepEqual(command.query, {
    since: '2026-11-01T00:00:00Z',
    until: NOW.toISOString(),
    status: 'busy,no_answer',
    callId: 'a,b',
    minDuration: '30',
    includeRaw: true,
    sort: 'startedAt',
  });
});

test('the URL and the key may come from the environment', () => {
  const command = read(['get'], { CALL_LOGS_URL: 'https://gw', CALL_LOGS_API_KEY: 'k' });
  assert.deepEqual([command.url, command.apiKey], ['https://gw', 'k']);
});

test('get takes --limit and --cursor, and refuses what belongs to export', () => {
  const command = read(['get', '--url', 'http://gw', '--limit', '5', '--cursor', 'c']);
  assert.deepEqual(command.query, { limit: 5, cursor: 'c' });
  assert.throws(() => read(['get', '--url', 'http://gw', '--resume']), UsageError);
});

for (const [args, message] of [
  [['export', '--url', 'http://gw'], /--since/],
  [['export', '--url', 'ftp://gw', '--since', 'x'], /http/],
  [['export', '--url', 'http://gw', '--since', 'x', '--format', 'xml'], /ndjson or csv/],
  [['export', '--url', 'http://gw', '--since', 'x', '--resume'], /--out/],
  [['export', '--url', 'http://gw', '--since', 'x', '--limit', '5'], /belongs to get/],
  [['list', '--url', 'http://gw'], /unknown command/],
]) {
  test(`refuses ${args.join(' ')}`, () => {
    assert.throws(
      () => read(args),
      (error) => error instanceof UsageError && message.test(error.message),
    );
  });
}

test('no command, or --help, is the usage', () => {
  assert.deepEqual(read([]), { name: 'help' });
  assert.deepEqual(read(['export', '--help']), { name: 'help' });
});
