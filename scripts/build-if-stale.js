#!/usr/bin/env node
/**
 * `npm start` runs this first: it builds only when a source is newer than the build, so a restart
 * with a current build takes seconds instead of a full `tsc` run. The stamp is written after a
 * successful build; sources are apps/ (the console too), libs/, bench/, the tsconfigs and package.json.
 */
const { execSync } = require('node:child_process');
const { existsSync, readdirSync, statSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const stamp = join(root, 'dist', '.build-stamp');

function newest(path) {
  let s;
  try {
    s = statSync(path);
  } catch {
    return 0;
  }
  if (!s.isDirectory()) return /\.(ts|tsx|json|html|css)$/.test(path) ? s.mtimeMs : 0;
  let max = 0;
  for (const name of readdirSync(path)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    max = Math.max(max, newest(join(path, name)));
  }
  return max;
}

if (process.argv.includes('--stamp')) {
  // the end of `npm run build`: whatever built it, the build is now current
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
  process.exit(0);
}

const sources = ['apps', 'libs', 'bench', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];
const latest = Math.max(...sources.map((p) => newest(join(root, p))));
const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
if (built >= latest && existsSync(join(root, 'dist', 'apps', 'gateway', 'src', 'main.js'))) {
  process.exit(0);
}
process.stderr.write('dm-bridge: sources changed since the last build: building…\n');
execSync('npm run build', { cwd: root, stdio: 'inherit' });
