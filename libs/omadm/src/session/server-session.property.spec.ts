import fc from 'fast-check';
import { md5Credential } from '../auth/digest';
import { encodeDmMessage } from '../message/codec';
import type { DmCommand, DmMessage } from '../message/types';
import { handleClientMessage } from './server-session';
import {
  DEFAULT_DM_SERVER_CONFIG,
  type DmDeviceAccount,
  type DmOperation,
  type DmSessionState,
} from './types';

const config = { ...DEFAULT_DM_SERVER_CONFIG, serverUri: 'http://gw/dm' };
const account: DmDeviceAccount = {
  deviceId: 'IMEI:1',
  clientAuth: 'md5',
  clientName: 'd',
  clientPassword: 'p',
  clientNonce: '',
  serverAuth: 'md5',
  serverName: 'gw',
  serverPassword: 's',
  serverNonce: '',
};
const ops: DmOperation[] = [
  { id: 'g', command: { kind: 'Get', items: [{ target: { locURI: './A' } }] } },
  {
    id: 'a',
    command: {
      kind: 'Atomic',
      commands: [{ kind: 'Add', items: [{ target: { locURI: './B' }, data: 'x' }] }],
    },
  },
  {
    id: 'r',
    command: { kind: 'Replace', items: [{ target: { locURI: './C' }, data: 'y'.repeat(3000) }] },
  },
];

const ref = fc.integer({ min: 0, max: 8 }).map(String);
const command: fc.Arbitrary<DmCommand> = fc
  .oneof(
    fc.record({
      kind: fc.constant('Status' as const),
      cmdId: ref,
      msgRef: ref,
      cmdRef: ref,
      cmd: fc.constantFrom('Get', 'Atomic', 'SyncHdr', 'Replace'),
      data: fc.constantFrom('200', '213', '401', '404', '507', '216'),
    }),
    fc.record({
      kind: fc.constant('Results' as const),
      cmdId: ref,
      msgRef: ref,
      cmdRef: ref,
      items: fc.array(
        fc.record({
          source: fc.record({ locURI: fc.constantFrom('./A', './B') }),
          data: fc.string(),
          moreData: fc.boolean(),
          meta: fc.record({ size: fc.nat(20) }),
        }),
        { maxLength: 2 },
      ),
    }),
    fc.record({
      kind: fc.constant('Alert' as const),
      cmdId: ref,
      data: fc.constantFrom('1222', '1223', '1226', '1201', '9999'),
      items: fc.constant([]),
    }),
    fc.record({
      kind: fc.constant('Replace' as const),
      cmdId: ref,
      items: fc.array(
        fc.record({
          source: fc.record({ locURI: fc.constantFrom('./DevInfo/Man', './X') }),
          data: fc.string(),
          moreData: fc.boolean(),
        }),
        { maxLength: 2 },
      ),
    }),
    fc.record({ kind: fc.constant('Exec' as const), cmdId: ref, items: fc.constant([]) }),
  )
  .map((c) => c as unknown as DmCommand);

function message(msgId: number, commands: DmCommand[], final: boolean, cred: boolean): DmMessage {
  return {
    version: '1.2',
    header: {
      verDTD: '1.2',
      verProto: 'DM/1.2',
      sessionId: '1',
      msgId: String(msgId),
      target: { locURI: 'http://gw/dm' },
      source: { locURI: 'IMEI:1' },
      meta: { maxMsgSize: 1500 },
      ...(cred
        ? {
            cred: {
              meta: { type: 'syncml:auth-md5', format: 'b64' },
              data: md5Credential('d', 'p', new Uint8Array(0)),
            },
          }
        : {}),
    },
    commands,
    final,
  };
}

describe('DM server engine never throws (property)', () => {
  it('answers any sequence of client commands after package 1 with a reply or a refusal', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.array(command, { maxLength: 6 }), fc.boolean()), { maxLength: 6 }),
        (turns) => {
          let state: DmSessionState | undefined;
          let acct = account;
          let seed = 0;
          const all: [DmCommand[], boolean][] = [
            [[{ kind: 'Alert', cmdId: '1', data: '1201', items: [] }], true],
            ...turns,
          ];
          all.forEach(([commands, final], i) => {
            const m = message(i + 1, commands, final, i === 0);
            const out = handleClientMessage(
              {
                now: 1000 + i,
                state,
                account: acct,
                message: m,
                body: encodeDmMessage(m, 'wbxml'),
                encoding: 'wbxml',
                pending: i === 0 ? ops : undefined,
                random: (n) => new Uint8Array(n).fill(++seed),
                measure: (x) => encodeDmMessage(x, 'wbxml').length,
              },
              config,
            );
            expect(['reply', 'refused', 'retransmission']).toContain(out.kind);
            if (out.kind === 'reply') {
              state = out.state;
              if (out.account?.clientNonce)
                acct = { ...acct, clientNonce: out.account.clientNonce };
              expect(() => encodeDmMessage(out.reply, 'xml')).not.toThrow();
              expect(encodeDmMessage(out.reply, 'wbxml').length).toBeLessThanOrEqual(1500);
            }
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
