#!/usr/bin/env node
// Runs every workspace's mocha suite through lerna (topological order: packages first, then test/),
// streams the output, and closes with one summary line that counts every package's tests.
import { spawn } from 'node:child_process';

const args = ['lerna', 'run', 'test', '--concurrency', '1', '--stream', '--no-prefix', ...process.argv.slice(2)];
const child = spawn('npx', args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });

let passed = 0, failed = 0, pending = 0;
const tally = (chunk) => {
  // eslint-disable-next-line no-control-regex
  const text = chunk.toString().replace(/\x1b\[[0-9;]*m/g, '');
  for (const line of text.split('\n')) {
    let m;
    if ((m = /^\s*(\d+) passing\b/.exec(line))) passed += Number(m[1]);
    else if ((m = /^\s*(\d+) failing\b/.exec(line))) failed += Number(m[1]);
    else if ((m = /^\s*(\d+) pending\b/.exec(line))) pending += Number(m[1]);
  }
};
child.stdout.on('data', (c) => { process.stdout.write(c); tally(c); });
child.stderr.on('data', (c) => { process.stderr.write(c); });
child.on('close', (code) => {
  const status = code === 0 && failed === 0 ? 0 : 1;
  if (code !== 0 && failed === 0) failed = 1; // a package that failed to run at all still fails the whole run
  console.log(`\ntests: ${passed} passed, ${failed} failed, ${pending} skipped`);
  process.exit(status);
});
