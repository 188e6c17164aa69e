/**
 * OMA CP push build throughput (issue 3 metric `cp_push_build_per_s`): a provisioning document
 * → WBXML → NETWPIN MAC for a different subscriber each time → WSP push PDU → SMS segments,
 * on the calling thread (one core). Used by bench/smpp.bench.ts and bench/wap-push.bench.ts.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { encodeProvisioningDocument, parseProvisioningXml } from '@dm-bridge/omacp';
import { buildCpPush, CpSigner } from '@dm-bridge/wap-push';

export interface CpPushBuildOptions {
  /** Measuring time in ms (after a warm-up of a fifth of that). Default 2000. */
  durationMs?: number;
  /**
   * 'prepared' (default): the document is encoded to WBXML once and every push signs and frames
   * those bytes, as the gateway does for a campaign. 'full': every push also re-encodes the
   * document model to WBXML.
   */
  mode?: 'prepared' | 'full';
  /** Distinct subscribers cycled through (a NETWPIN key per IMSI). Default 10,000. */
  subscribers?: number;
}

function loadDocument() {
  const file = path.resolve(__dirname, '../../shared/vectors/cp_bootstrap.xml');
  const fallback = path.resolve(__dirname, '../../../shared/vectors/cp_bootstrap.xml');
  let xml: string;
  try {
    xml = readFileSync(file, 'utf8');
  } catch {
    xml = readFileSync(fallback, 'utf8');
  }
  return parseProvisioningXml(xml);
}

/** Returns pushes per second. Each push yields the 4 SMS user data of the 399-octet PDU. */
export async function measureCpPushBuild(options: CpPushBuildOptions = {}): Promise<number> {
  const durationMs = options.durationMs ?? 2000;
  const mode = options.mode ?? 'prepared';
  const subscribers = options.subscribers ?? 10_000;
  const doc = loadDocument();
  const wbxml = encodeProvisioningDocument(doc);
  const imsis = Array.from({ length: subscribers }, (_, i) => String(262010000000000 + i));
  let sink = 0;
  const one = (i: number) => {
    const body = mode === 'full' ? encodeProvisioningDocument(doc) : wbxml;
    const push = buildCpPush(body, {
      sec: 'NETWPIN',
      signer: new CpSigner({ sec: 'NETWPIN', imsi: imsis[i % subscribers] }),
      concatRef: i & 0xff,
    });
    sink += push.segments.length;
  };
  const run = (ms: number) => {
    const end = performance.now() + ms;
    let n = 0;
    const start = performance.now();
    while (true) {
      for (let k = 0; k < 256; k++) one(n++);
      if (performance.now() >= end) break;
    }
    return { n, elapsed: performance.now() - start };
  };
  run(Math.max(100, durationMs / 5));
  const { n, elapsed } = run(durationMs);
  if (sink === 0) throw new Error('no segments built');
  return Math.round((n * 1000) / elapsed);
}
