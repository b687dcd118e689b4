/**
 * `npm run bench`: runs every bench/*.bench.ts in turn, each in its own process (a fresh heap
 * and event loop per benchmark, so one cannot slow the next). Add a benchmark by dropping a
 * `<name>.bench.ts` file here. `npm run bench -- delivery` runs only files whose name contains
 * "delivery". The exit code is non-zero if any benchmark failed.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

if (files.length === 0) {
  console.error(`no bench/*.bench.ts matches ${filters.join(' ') || '(any)'}`);
  process.exit(2);
}

let failed = 0;
for (const file of files) {
  console.log(`\n=== ${file} ===`);
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, file)], { stdio: 'inherit' });
    child.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
  });
  if (code !== 0) {
    failed++;
    console.error(`${file} failed (exit ${code})`);
  }
}
process.exit(failed === 0 ? 0 : 1);
