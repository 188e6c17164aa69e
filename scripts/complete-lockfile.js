#!/usr/bin/env node
// The npm registry mirror this project is built against serves only some platforms' builds of
// packages with per-platform optional binaries (@swc/core-*, @unrs/resolver-binding-*,
// @msgpackr-extract/*). `npm install` then leaves the missing ones out of package-lock.json and
// `npm ci` refuses the lock as out of sync. This lists every declared optional dependency that
// the lock lacks as an optional entry (no integrity: it is never fetched where its platform does
// not match, and an optional fetch failure is not an error). Run after changing dependencies:
//   npm install && node scripts/complete-lockfile.js
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const file = join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(readFileSync(file, 'utf8'));
const packages = lock.packages;
let added = 0;
for (const entry of Object.values(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (packages[key]) continue;
    packages[key] = { version, optional: true, ...(entry.dev ? { dev: true } : {}) };
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)),
);
writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
process.stdout.write(`complete-lockfile: ${added} optional entr${added === 1 ? 'y' : 'ies'} added\n`);
