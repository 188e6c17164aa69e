import { readFileSync } from 'node:fs';
import type { SimulatorPartStarter } from '../simulator.parts';
import { OmaCpHandset } from '../handsets/oma-cp-handset';
import { OmaDmHandsetFront } from '../handsets/oma-dm-handset';
import { dmClientFor } from '../dm-handset/dm-client-registry';
import { dmClientTrigger, dmServerNonce } from '../dm-handset/dm-handset';
import { SimulatedSmsc } from './simulated-smsc';

interface HandsetSpec {
  type: 'cp' | 'dm';
  msisdn: string;
  imsi?: string;
  pin?: string;
  serverId?: string;
  serverPassword?: string;
  /** base64 server nonce */
  nonce?: string;
}

function intEnv(env: NodeJS.ProcessEnv, name: string, dflt: number): number {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  if (!/^\d+$/.test(v)) throw new Error(`${name} must be a non-negative integer`);
  return Number(v);
}

/**
 * The standalone SMSC (default port 2775). Env:
 *   SIM_SMSC_HOST (0.0.0.0), SIM_SMSC_PORT (2775), SIM_SMSC_ACCOUNTS ("id:pw,id2:pw2"; unset = any),
 *   SIM_SMSC_MESSAGE_ID (hex|decimal), SIM_SMSC_RECEIPT_ID (hex|decimal), SIM_SMSC_RECEIPT_DELAY_MS,
 *   SIM_HANDSETS (JSON file: [{type:"cp",msisdn,imsi?,pin?} | {type:"dm",msisdn,serverId,serverPassword,nonce?}]).
 */
export const startSmscPart: SimulatorPartStarter = async (env) => {
  const accounts = env.SIM_SMSC_ACCOUNTS
    ? Object.fromEntries(
        env.SIM_SMSC_ACCOUNTS.split(',').map((pair) => {
          const i = pair.indexOf(':');
          if (i <= 0) throw new Error('SIM_SMSC_ACCOUNTS must be id:password[,id:password…]');
          return [pair.slice(0, i), pair.slice(i + 1)];
        }),
      )
    : undefined;
  const base = (name: string): 'hex' | 'decimal' | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    if (v !== 'hex' && v !== 'decimal') throw new Error(`${name} must be hex or decimal`);
    return v;
  };
  const smsc = new SimulatedSmsc({
    host: env.SIM_SMSC_HOST ?? '0.0.0.0',
    port: intEnv(env, 'SIM_SMSC_PORT', 2775),
    accounts,
    messageIdBase: base('SIM_SMSC_MESSAGE_ID'),
    receiptTextIdBase: base('SIM_SMSC_RECEIPT_ID'),
    receiptDelayMs: intEnv(env, 'SIM_SMSC_RECEIPT_DELAY_MS', 0),
    recordSubmits: false,
  });
  const log = (msg: string, extra: Record<string, unknown> = {}) =>
    process.stdout.write(
      JSON.stringify({ level: 'info', context: 'Handset', msg, ...extra }) + '\n',
    );
  if (env.SIM_HANDSETS) {
    const specs = JSON.parse(readFileSync(env.SIM_HANDSETS, 'utf8')) as HandsetSpec[];
    for (const s of specs) {
      if (s.type === 'cp') {
        const h = new OmaCpHandset({ msisdn: s.msisdn, imsi: s.imsi, pin: s.pin });
        smsc.addHandset({
          msisdn: s.msisdn,
          receiveSms: (ud, from) => {
            const before = h.documents.length + h.rejected.length;
            h.receiveSms(ud, from);
            if (h.documents.length + h.rejected.length > before) {
              const rej = h.rejected.length ? h.rejected[h.rejected.length - 1] : undefined;
              log(rej ? 'CP push refused' : 'CP document stored', {
                msisdn: s.msisdn,
                reason: rej?.reason,
              });
            }
          },
        });
      } else {
        // With a DM client of this number (SIM_DM_HANDSETS `msisdn`), its nonces and its session.
        const fixed = s.nonce ? new Uint8Array(Buffer.from(s.nonce, 'base64')) : undefined;
        const h = new OmaDmHandsetFront({
          msisdn: s.msisdn,
          serverId: s.serverId ?? '',
          serverPassword: s.serverPassword ?? '',
          nonce: () => {
            const client = dmClientFor(s.msisdn);
            return client ? dmServerNonce(client)() : (fixed ?? new Uint8Array(0));
          },
          onTrigger: (p) => {
            log('DM notification accepted', { msisdn: s.msisdn, sessionId: p.sessionIdHex });
            const client = dmClientFor(s.msisdn);
            if (client) dmClientTrigger(client)(p);
          },
        });
        smsc.addHandset(h);
      }
    }
  }
  const a = await smsc.start();
  return { name: 'smsc', describe: `smpp://${a.host}:${a.port}`, stop: () => smsc.stop() };
};
