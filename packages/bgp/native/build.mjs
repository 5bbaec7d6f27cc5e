#!/usr/bin/env node
// Builds the kroute_sockopt addon with node-gyp (run by `npm ci` through the package's install script).
// node-gyp needs Node's headers; without --nodedir it downloads them, which fails on offline machines. The running
// node's own prefix (e.g. /usr for /usr/bin/node) carries include/node when installed from a distro or tarball.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = dirname(dirname(fileURLToPath(import.meta.url)));
const args = ['rebuild'];
const prefix = dirname(dirname(process.execPath));
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) {
  args.push(`--nodedir=${prefix}`);
}

// npm exposes its bundled node-gyp to lifecycle scripts; otherwise use the one in node_modules.
let gyp = process.env.npm_config_node_gyp;
if (!gyp || !existsSync(gyp)) {
  try {
    gyp = createRequire(join(pkgDir, 'package.json')).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    console.error('build-native: node-gyp not found (install it, or run through npm)');
    process.exit(1);
  }
}
const r = spawnSync(process.execPath, [gyp, ...args], { cwd: pkgDir, stdio: 'inherit' });
process.exit(r.status ?? 1);
