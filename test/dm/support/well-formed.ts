import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Checks XML texts with two parsers that are not ours: libxml2's `xmllint` (no network, no DTD
 * loading) and Python's expat. Returns one line per document that either refused, empty when all
 * are well-formed.
 */
export function notWellFormed(docs: (string | Buffer)[]): string[] {
  if (!docs.length) return [];
  const dir = mkdtempSync(join(tmpdir(), 'dmb-wf-'));
  const problems: string[] = [];
  try {
    const files = docs.map((d, i) => {
      const f = join(dir, `doc${i}.xml`);
      writeFileSync(f, d);
      return f;
    });
    try {
      execFileSync('xmllint', ['--noout', '--nonet', ...files], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    } catch (err) {
      problems.push(`xmllint: ${String((err as { stderr?: Buffer }).stderr ?? err)}`);
    }
    const script = [
      'import sys, json, xml.parsers.expat',
      'out = []',
      'for f in json.load(sys.stdin):',
      '    p = xml.parsers.expat.ParserCreate()',
      '    try:',
      "        p.Parse(open(f, 'rb').read(), True)",
      '    except xml.parsers.expat.ExpatError as e:',
      "        out.append(f + ': ' + str(e))",
      'print(json.dumps(out))',
    ].join('\n');
    const expat = JSON.parse(
      execFileSync('python3', ['-c', script], { input: JSON.stringify(files) }).toString(),
    ) as string[];
    problems.push(...expat.map((e) => `expat ${e}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return problems;
}
