import {
  CatalogFile,
  CatalogFileError,
  catalogFileFormat,
  parseCatalogFile,
} from '@dm-bridge/core';
import type { ParameterDefinition, Profile } from '@dm-bridge/core';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../config/env';

export interface CatalogDirectory {
  /** the files read, in the order they were applied */
  files: string[];
  /** every entry of every file; a later file's entry replaces an earlier one of the same name */
  catalog: CatalogFile;
}

/**
 * Reads CATALOG_DIR: every `*.json`, `*.yaml`, `*.yml` file directly in it (not recursive, dot
 * files skipped), sorted by name, each parsed and validated by core. Anything wrong — the
 * directory, a file that cannot be read, a syntax error, an invalid entry — is a ConfigError
 * naming the file (and the entry), so the gateway stops with one line before it serves.
 */
export async function readCatalogDir(dir: string): Promise<CatalogDirectory> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw new ConfigError('CATALOG_DIR', `cannot read directory ${dir}: ${reason(err)}`);
  }
  const parameters = new Map<string, ParameterDefinition>();
  const profiles = new Map<string, Profile>();
  const files: string[] = [];
  for (const name of names.filter((n) => !n.startsWith('.') && catalogFileFormat(n)).sort()) {
    const path = join(dir, name);
    let text: string;
    try {
      // a directory named like a file is not a catalog file; symbolic links are followed
      if (!(await stat(path)).isFile()) continue;
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw new ConfigError('CATALOG_DIR', `cannot read ${path}: ${reason(err)}`);
    }
    let file: CatalogFile;
    try {
      file = parseCatalogFile(path, text);
    } catch (err) {
      if (err instanceof CatalogFileError) throw new ConfigError('CATALOG_DIR', err.message);
      throw err;
    }
    for (const p of file.parameters) parameters.set(p.name, p);
    for (const p of file.profiles) profiles.set(p.id, p);
    files.push(path);
  }
  return {
    files,
    catalog: { parameters: [...parameters.values()], profiles: [...profiles.values()] },
  };
}

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e?.code ?? e?.message ?? String(err);
}
