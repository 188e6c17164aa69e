/** Every Mermaid diagram in the docs parses (structurally: see mermaid-check.ts). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkSequenceDiagram, mermaidBlocks, type MermaidBlock } from './mermaid-check';

const ROOT = join(__dirname, '..', '..');
const FILES = [
  'README.md',
  'ARCHITECTURE.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const blocks = FILES.flatMap((f) => mermaidBlocks(f, readFileSync(join(ROOT, f), 'utf8')));

describe('Mermaid diagrams in the docs', () => {
  it.each(blocks.map((b) => [`${b.file}:${b.line}`, b] as const))('%s', (_name, block) => {
    expect(checkSequenceDiagram(block)).toEqual([]);
  });

  it.each(['docs/omadm.md', 'docs/omacp.md', 'docs/workpoint.md'])(
    '%s has a Flows section with diagrams',
    (file) => {
      const text = readFileSync(join(ROOT, file), 'utf8');
      expect(text).toMatch(/^## Flows$/m);
      expect(mermaidBlocks(file, text.slice(text.indexOf('## Flows'))).length).toBeGreaterThan(0);
    },
  );
});

describe('the check itself', () => {
  const check = (source: string) =>
    checkSequenceDiagram({ file: 'x.md', line: 1, source } satisfies MermaidBlock);
  const ok = [
    'sequenceDiagram',
    '  autonumber',
    '  participant A as Gateway',
    '  actor B',
    '  A->>B: hello (Alert 1201)',
    '  B-->>A: reply',
    '  A-)B: async',
    '  Note over A,B: both',
    '  alt busy',
    '    B->>A: busy',
    '  else accepted',
    '    loop every chunk',
    '      A->>+B: WriteItems',
    '      B-->>-A: accepted',
    '    end',
    '  end',
  ].join('\n');

  it('accepts a well-formed diagram', () => {
    expect(check(ok)).toEqual([]);
  });

  it('rejects what Mermaid would not draw', () => {
    expect(check('graph TD\n A-->B')).toEqual([
      'x.md:2: a diagram must start with sequenceDiagram (the only type checked here): graph TD',
    ]);
    expect(check('  \n')).toEqual(['x.md:1: empty diagram']);
    expect(check('sequenceDiagram\n participant A\n A->>C: who')).toEqual([
      'x.md:4: participant C used before it is declared: A->>C: who',
    ]);
    expect(check('sequenceDiagram\n participant A\n participant B\n A=>>B: x')[0]).toMatch(
      /not a valid message/,
    );
    expect(check('sequenceDiagram\n participant A\n participant B\n A->>B: a; b')[0]).toMatch(
      /";" ends a statement/,
    );
    expect(check('sequenceDiagram\n participant A\n loop x\n A->>A: y')).toEqual([
      'x.md:4: loop never closed with end',
    ]);
    expect(check('sequenceDiagram\n participant A\n opt x\n else y\n end\n end')).toEqual([
      'x.md:5: else outside alt: else y',
      'x.md:7: end without an open block: end',
    ]);
    expect(check('sequenceDiagram\n participant A\n Note over Z: hi')[0]).toMatch(/undeclared Z/);
  });
});
