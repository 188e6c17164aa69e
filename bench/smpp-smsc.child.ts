/**
 * The simulator SMSC in its own process for bench/smpp.bench.ts, so the ESME side and the SMSC
 * side each get a core, as they would in production. Talks to the parent over IPC:
 * parent -> { cmd: 'start', options } | { cmd: 'stats' } | { cmd: 'stop' }.
 */
import { SimulatedSmsc, SimulatedSmscOptions } from '../apps/simulator/src/smsc/simulated-smsc';
import { OmaCpHandset } from '../apps/simulator/src/handsets/oma-cp-handset';
import { imsiOf } from './smpp-bench-support';

let smsc: SimulatedSmsc | undefined;
let stamps: number[] = [];
let handsets: OmaCpHandset[] = [];

process.on('message', (m: any) => {
  void (async () => {
    if (m.cmd === 'start') {
      stamps = [];
      const opts: SimulatedSmscOptions = {
        ...m.options,
        recordSubmits: false,
        onSubmit: m.stamps ? (_s, at) => stamps.push(performance.timeOrigin + at) : undefined,
      };
      smsc = new SimulatedSmsc(opts);
      handsets = [];
      if (m.cpHandsets) {
        for (let i = 0; i < m.cpHandsets.count; i++) {
          const h = new OmaCpHandset({
            msisdn: String(m.cpHandsets.firstMsisdn + i),
            imsi: m.cpHandsets.imsiOf ? imsiOf(i) : m.cpHandsets.imsi,
            decode: m.cpHandsets.decode,
          });
          handsets.push(h);
          smsc.addHandset(h);
        }
      }
      const address = await smsc.start();
      process.send!({ ok: true, address });
    } else if (m.cmd === 'stats') {
      let verified = 0;
      let rejected = 0;
      for (const h of handsets) {
        verified += h.documents.length;
        rejected += h.rejected.length;
      }
      process.send!({
        ok: true,
        submits: smsc?.submitCount ?? 0,
        stamps,
        fixedWindowMax: smsc?.maxSubmitsPerWindow() ?? 0,
        verified,
        rejected,
      });
    } else if (m.cmd === 'stop') {
      await smsc?.stop();
      process.send!({ ok: true });
      process.exit(0);
    }
  })();
});
