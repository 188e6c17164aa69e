/** `npm run bench`'s pure half: benchmark output lines in, the performance table out. */
import {
  floorFor,
  judge,
  parseBenchOutput,
  renderMarkdown,
  toJson,
  type BenchRun,
  type Report,
} from '../../bench/bench-report';

const OUTPUT = [
  'some log line the bench printed',
  '{"bench":"dm","case":"wbxml","metric":"dm_sessions_per_s","value":912,"unit":"sessions/s","load_average_1m":2.1}',
  '{"bench":"dm","case":"xml","metric":"dm_sessions_per_s","value":512,"unit":"sessions/s"}',
  '{"bench":"dm","case":"wbxml at 400 sessions/s (half the 800 target)","metric":"p99_ms","value":7.25,"unit":"ms","messages":8000,"sessions":4000}',
  '{"bench":"dm","case":"wbxml at 500 sessions/s (half the measured max)","metric":"p99_ms","value":40,"unit":"ms"}',
  '{"bench":"resilience","case":"redis-sigkill","error":"redis-server not found"}',
  '{"not":"a bench line"}',
  '{broken json',
  '',
].join('\n');

function report(run: Partial<BenchRun>): Report {
  return {
    generatedAt: '2026-12-03T00:00:00.000Z',
    commit: 'abc1234',
    command: 'npm run bench',
    machine: {
      cpuModel: 'Test CPU',
      cores: 2,
      memoryGiB: 4,
      os: 'Linux',
      node: 'v20.0.0',
      redis: '7.0.15',
    },
    runs: [
      {
        bench: 'dm',
        command: 'node dist/bench/dm.bench.js',
        startedAt: '2026-12-03T00:00:00.000Z',
        seconds: 70,
        exitCode: 0,
        loadBefore: [1, 1.5, 2],
        loadAfter: [2.25, 1.75, 2],
        lines: [],
        errors: [],
        ...run,
      },
      {
        bench: 'resilience',
        command: 'node dist/bench/resilience.bench.js',
        startedAt: '',
        seconds: 0,
        exitCode: null,
        loadBefore: [],
        loadAfter: [],
        lines: [],
        errors: [],
        skipped: 'long; `--with-resilience`',
      },
    ],
    references: [
      {
        id: 'ceiling',
        label: 'raw Node HTTP ceiling',
        value: 11000,
        unit: 'sessions/s',
        note: 'trivial server',
        compares: [{ bench: 'dm', metric: 'dm_sessions_per_s' }],
      },
    ],
    notes: [],
  };
}

describe('parseBenchOutput', () => {
  it('keeps the figures and the error lines and counts the rest', () => {
    const p = parseBenchOutput(OUTPUT);
    expect(p.lines.map((l) => [l.case, l.metric, l.value])).toEqual([
      ['wbxml', 'dm_sessions_per_s', 912],
      ['xml', 'dm_sessions_per_s', 512],
      ['wbxml at 400 sessions/s (half the 800 target)', 'p99_ms', 7.25],
      ['wbxml at 500 sessions/s (half the measured max)', 'p99_ms', 40],
    ]);
    expect(p.lines[0].load_average_1m).toBe(2.1);
    expect(p.errors).toEqual([
      { bench: 'resilience', case: 'redis-sigkill', error: 'redis-server not found' },
    ]);
    expect(p.ignored).toBe(3);
  });
});

describe('floors', () => {
  const [wbxml, xml, p99Target, p99Max] = parseBenchOutput(OUTPUT).lines;

  it('finds the floor per case and judges it', () => {
    expect(floorFor(wbxml)?.min).toBe(800);
    expect(judge(wbxml, floorFor(wbxml))).toBe('pass');
    expect(floorFor(xml)?.min).toBe(600);
    expect(judge(xml, floorFor(xml))).toBe('fail');
    expect(floorFor(p99Target)?.max).toBe(25);
    expect(judge(p99Target, floorFor(p99Target))).toBe('pass');
    expect(floorFor(p99Max)).toBeUndefined();
    expect(judge(p99Max, undefined)).toBe('none');
  });

  it('judges a range at both ends', () => {
    const line = (value: number) => ({
      bench: 'smpp',
      case: 'limit 200/s over 60s (ESME send times)',
      metric: 'rate_limited_per_s',
      value,
      unit: 'msg/s',
    });
    expect(judge(line(198), floorFor(line(198)))).toBe('pass');
    expect(judge(line(170), floorFor(line(170)))).toBe('fail');
    expect(judge(line(201), floorFor(line(201)))).toBe('fail');
  });

  it('applies the import floor to 100,000 devices only', () => {
    const imp = (c: string) => ({
      bench: 'campaign',
      case: c,
      metric: 'import_s',
      value: 1,
      unit: 's',
    });
    expect(floorFor(imp('import_100000'))?.max).toBe(15);
    expect(floorFor(imp('import_100000_cluster'))?.max).toBe(15);
    expect(floorFor(imp('import_20000'))).toBeUndefined();
  });
});

describe('renderMarkdown', () => {
  const p = parseBenchOutput(OUTPUT);
  const md = renderMarkdown(report({ lines: p.lines, errors: p.errors }));

  it('writes one table row per figure with value, floor, mark and reference', () => {
    expect(md).toContain(
      '| wbxml | `dm_sessions_per_s` | 912 sessions/s | ≥ 800 sessions/s | ✅ pass | raw Node HTTP ceiling: 11,000 sessions/s |',
    );
    expect(md).toContain(
      '| xml | `dm_sessions_per_s` | 512 sessions/s | ≥ 600 sessions/s | ❌ FAIL | raw Node HTTP ceiling: 11,000 sessions/s |',
    );
    expect(md).toContain(
      '| wbxml at 400 sessions/s (half the 800 target) | `p99_ms` | 7.25 ms | ≤ 25 ms (per message, at half the session target) | ✅ pass | — |',
    );
    expect(md).toContain(
      '| wbxml at 500 sessions/s (half the measured max) | `p99_ms` | 40 ms | — |  | — |',
    );
  });

  it('sums up, names the machine and the load, says what did not run', () => {
    expect(md).toContain(
      '**3 figures with a floor: 2 pass, 1 below it** (1 more without a floor).',
    );
    expect(md).toContain('| CPU | Test CPU |');
    expect(md).toContain('| Redis | 7.0.15 |');
    expect(md).toContain('before 1.00 / 1.50 / 2.00, after 2.25 / 1.75 / 2.00');
    expect(md).toContain('- error in `redis-sigkill`: redis-server not found');
    expect(md).toContain('## bench:resilience\n\nNot run: long; `--with-resilience`');
  });

  it('the JSON carries each verdict and the references', () => {
    const j = toJson(report({ lines: p.lines })) as any;
    expect(j.tally).toEqual({ pass: 2, fail: 1, none: 1 });
    expect(j.runs[0].lines[1]).toMatchObject({
      case: 'xml',
      verdict: 'fail',
      references: ['ceiling'],
    });
    expect(j.runs[0].lines[1].floor).toMatchObject({ min: 600, case: 'xml' });
  });
});
