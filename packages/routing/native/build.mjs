#!/usr/bin/env node
// Builds the netlink addon with node-gyp at install time. Uses the local Node headers when the distribution ships
// them (Debian's nodejs puts them in /usr/include/node), because node-gyp otherwise tries to download headers and
// this project's machines have no general network access.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function findNodeGyp() {
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) return process.env.npm_config_node_gyp;
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    // fall through to npm's bundled copy
  }
  const bundled = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (existsSync(bundled)) return bundled;
  throw new Error('netlink addon: node-gyp not found (install npm or node-gyp)');
}

const args = [findNodeGyp(), 'rebuild'];
const localHeaders = '/usr/include/node/node_api.h';
if (!process.env.npm_config_nodedir && existsSync(localHeaders)) args.push('--nodedir=/usr');
const result = spawnSync(process.execPath, args, { cwd: packageDir, stdio: 'inherit' });
if (result.status !== 0) {
  console.error(`netlink addon: node-gyp rebuild failed (exit ${result.status ?? result.signal})`);
  process.exit(1);
}
