/**
 * A structural check of Mermaid sequence diagrams, so a broken diagram in docs/ fails CI without
 * a Mermaid dependency: the `sequenceDiagram` header, participants declared before use, arrows
 * Mermaid knows, notes naming declared participants, blocks (alt/else, opt, loop, par/and,
 * critical/option, break, rect) balanced by `end`, and no `;` (Mermaid reads it as a line break).
 * It does not render; it rejects what Mermaid's sequence grammar would reject or mis-draw.
 */

export interface MermaidBlock {
  file: string;
  /** 1-based line of the opening fence */
  line: number;
  source: string;
}

/** Every ```mermaid fenced block of a Markdown text. */
export function mermaidBlocks(file: string, markdown: string): MermaidBlock[] {
  const blocks: MermaidBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*```mermaid\s*$/.test(lines[i])) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    blocks.push({ file, line: start + 1, source: body.join('\n') });
  }
  return blocks;
}

const ID = '[A-Za-z_][A-Za-z0-9_]*';
/** Mermaid's sequence arrows, longest first so `-->>` is not read as `-->` + `>`. */
const ARROWS = ['<<-->>', '<<->>', '-->>', '->>', '--)', '-)', '--x', '-x', '-->', '->'];
const ARROW_RE = ARROWS.map((a) => a.replace(/[()>]/g, '\\$&')).join('|');
const MESSAGE = new RegExp(`^(${ID})\\s*(${ARROW_RE})([+-]?)\\s*(${ID})\\s*:(.*)$`);
const PARTICIPANT = new RegExp(`^(participant|actor)\\s+(${ID})(\\s+as\\s+(.+))?$`);
const NOTE = new RegExp(
  `^[Nn]ote\\s+(left of|right of|over)\\s+(${ID})(\\s*,\\s*(${ID}))?\\s*:(.*)$`,
);
const OPENERS = ['alt', 'opt', 'loop', 'par', 'critical', 'break', 'rect'];
/** what may split a block: `else` in alt, `and` in par, `option` in critical */
const SPLITTERS: Record<string, string> = { else: 'alt', and: 'par', option: 'critical' };

/** Problems of one diagram, each with its line in the Markdown file; empty when it is fine. */
export function checkSequenceDiagram(block: MermaidBlock): string[] {
  const errors: string[] = [];
  const declared = new Set<string>();
  const stack: { kind: string; line: number }[] = [];
  const lines = block.source.split('\n');
  const first = lines.findIndex((l) => l.trim() && !l.trim().startsWith('%%'));
  if (first < 0) return [`${block.file}:${block.line}: empty diagram`];
  if (lines[first].trim() !== 'sequenceDiagram')
    return [
      `${block.file}:${block.line + 1 + first}: a diagram must start with sequenceDiagram ` +
        `(the only type checked here): ${lines[first].trim()}`,
    ];
  lines.forEach((raw, i) => {
    const at = `${block.file}:${block.line + 1 + i}`;
    const s = raw.trim();
    if (i <= first || !s || s.startsWith('%%')) return;
    const fail = (why: string) => errors.push(`${at}: ${why}: ${s}`);
    if (s.includes(';')) return fail('";" ends a statement in Mermaid; write #59; or rephrase');
    if (s === 'autonumber') return;
    const word = s.split(/\s+/)[0];
    let m: RegExpExecArray | null;
    if ((m = PARTICIPANT.exec(s))) {
      if (declared.has(m[2])) fail(`participant ${m[2]} declared twice`);
      declared.add(m[2]);
      return;
    }
    if (word === 'participant' || word === 'actor') return fail('bad participant declaration');
    if ((m = MESSAGE.exec(s))) {
      for (const p of [m[1], m[4]])
        if (!declared.has(p)) fail(`participant ${p} used before it is declared`);
      if (!m[5].trim()) fail('message without text');
      return;
    }
    if ((m = NOTE.exec(s))) {
      for (const p of [m[2], m[4]]) if (p && !declared.has(p)) fail(`note names undeclared ${p}`);
      if (!m[5].trim()) fail('note without text');
      return;
    }
    if (/^[Nn]ote\b/.test(s)) return fail('bad note (Note left of|right of|over A[,B]: text)');
    if (word === 'activate' || word === 'deactivate') {
      const p = s.slice(word.length).trim();
      if (!declared.has(p)) fail(`${word} of undeclared ${p}`);
      return;
    }
    if (OPENERS.includes(word)) {
      stack.push({ kind: word, line: block.line + 1 + i });
      return;
    }
    if (word in SPLITTERS) {
      const top = stack[stack.length - 1];
      if (top?.kind !== SPLITTERS[word]) fail(`${word} outside ${SPLITTERS[word]}`);
      return;
    }
    if (s === 'end') {
      if (!stack.pop()) fail('end without an open block');
      return;
    }
    if (new RegExp(`^${ID}\\s*[-=<>x)]+[+-]?\\s*${ID}\\s*:`).test(s))
      return fail(`not a valid message (arrows: ${ARROWS.join(' ')}; "A->>B: text")`);
    fail('unknown statement');
  });
  for (const open of stack)
    errors.push(`${block.file}:${open.line}: ${open.kind} never closed with end`);
  return errors;
}
