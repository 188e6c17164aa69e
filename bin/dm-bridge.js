#!/usr/bin/env node
// Runs the compiled CLI; builds it first when run from a fresh checkout (`npx dm-bridge …`).
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { execSync } = require('node:child_process');

const root = join(__dirname, '..');
const entry = join(root, 'dist', 'apps', 'cli', 'src', 'main.js');
if (!existsSync(entry)) {
  execSync('npm run build --silent', { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
}
require(entry)
  .runCli(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`dm-bridge: ${err.message}\n`);
      process.exitCode = 1;
    },
  );
