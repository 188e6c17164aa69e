import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DmOperation } from '@dm-bridge/omadm';

/** ../shared/vectors/dmclient, beside the repository. */
export const DMCLIENT_DIR = resolve(__dirname, '../../../../shared/vectors/dmclient');
export const readCapture = (p: string) => readFileSync(resolve(DMCLIENT_DIR, p));

/** The ten commands the capture stub sent in package 2, in order (CmdIDs 4..13 after 3 Statuses). */
export const STUB_OPS: DmOperation[] = [
  { id: 'get-man', command: { kind: 'Get', items: [{ target: { locURI: './DevInfo/Man' } }] } },
  { id: 'get-devinfo', command: { kind: 'Get', items: [{ target: { locURI: './DevInfo' } }] } },
  {
    id: 'add',
    command: {
      kind: 'Add',
      items: [
        {
          target: { locURI: './Vendor/memory/newleaf' },
          meta: { format: 'chr', type: 'text/plain' },
          data: 'hello',
        },
      ],
    },
  },
  {
    id: 'replace',
    command: {
      kind: 'Replace',
      items: [
        {
          target: { locURI: './Vendor/memory/newleaf' },
          meta: { format: 'chr', type: 'text/plain' },
          data: 'world',
        },
      ],
    },
  },
  {
    id: 'get-leaf',
    command: { kind: 'Get', items: [{ target: { locURI: './Vendor/memory/newleaf' } }] },
  },
  {
    id: 'delete',
    command: { kind: 'Delete', items: [{ target: { locURI: './Vendor/memory/newleaf' } }] },
  },
  {
    id: 'get-gone',
    command: { kind: 'Get', items: [{ target: { locURI: './Vendor/memory/newleaf' } }] },
  },
  {
    id: 'replace-man',
    command: {
      kind: 'Replace',
      items: [
        {
          target: { locURI: './DevInfo/Man' },
          meta: { format: 'chr', type: 'text/plain' },
          data: 'evil',
        },
      ],
    },
  },
  { id: 'exec', command: { kind: 'Exec', items: [{ target: { locURI: './test/execute' } }] } },
  { id: 'get-none', command: { kind: 'Get', items: [{ target: { locURI: './NoSuchNode' } }] } },
];
