// Before `npm start`: builds dist/ when a source file is newer than the last build, so that the
// server starts from a built tree, and no compiler stays running beside it.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const newest = (dir) =>
  readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => {
    const path = join(dir, entry.name);
    const time = entry.isDirectory() ? newest(path) : statSync(path).mtimeMs;
    return Math.max(latest, time);
  }, 0);

let built = 0;
try {
  built = statSync('dist/main.js').mtimeMs;
} catch {
  // Never built.
}
const sources = Math.max(
  newest('src'),
  statSync('package.json').mtimeMs,
  statSync('tsconfig.json').mtimeMs,
);
if (sources > built) {
  const result = spawnSync('npx', ['nest', 'build'], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
