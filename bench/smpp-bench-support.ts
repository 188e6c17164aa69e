/**
 * Shared pieces of bench/smpp.bench.ts (and of the Kannel reference in bench-references.ts):
 * JSON-line output, the SMSC child process, the CP document of the end-to-end case.
 */
import { fork, ChildProcess } from 'node:child_process';
import { join } from 'node:path';

import type { BenchLine } from './bench-report';

export type { BenchLine };

export function emit(line: BenchLine): void {
  process.stdout.write(JSON.stringify(line) + '\n');
}

export class SmscChild {
  private child: ChildProcess;
  private waiting: Array<(m: any) => void> = [];

  constructor() {
    this.child = fork(join(__dirname, 'smpp-smsc.child.js'), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (m) => this.waiting.shift()?.(m));
  }

  request(msg: unknown): Promise<any> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.child.send(msg as any);
    });
  }

  async start(
    options: unknown,
    extra: Record<string, unknown> = {},
  ): Promise<{ host: string; port: number }> {
    const r = await this.request({ cmd: 'start', options, ...extra });
    return r.address;
  }

  async stop(): Promise<void> {
    await this.request({ cmd: 'stop' });
  }
}

/** A small DM-bootstrap-style document whose NETWPIN push needs exactly three SMS. */
export const CP_XML = `<?xml version="1.0"?>
<!DOCTYPE wap-provisioningdoc PUBLIC "-//WAPFORUM//DTD PROV 1.0//EN" "http://www.wapforum.org/DTD/prov.dtd">
<wap-provisioningdoc version="1.0">
  <characteristic type="BOOTSTRAP"><parm name="NAME" value="Example Operator"/></characteristic>
  <characteristic type="NAPDEF">
    <parm name="NAPID" value="NAP1"/><parm name="BEARER" value="GSM-GPRS"/>
    <parm name="NAME" value="Example Internet"/><parm name="NAP-ADDRESS" value="internet.example.com"/>
    <parm name="NAP-ADDRTYPE" value="APN"/>
    <characteristic type="NAPAUTHINFO"><parm name="AUTHTYPE" value="PAP"/><parm name="AUTHNAME" value="user"/><parm name="AUTHSECRET" value="pass"/></characteristic>
  </characteristic>
  <characteristic type="APPLICATION">
    <parm name="APPID" value="w7"/><parm name="PROVIDER-ID" value="dmserver"/><parm name="NAME" value="Example DM"/>
    <parm name="ADDR" value="https://dm.example.com/dm"/><parm name="TO-NAPID" value="NAP1"/>
  </characteristic>
</wap-provisioningdoc>`;

/** The IMSI of the i-th handset of the SMSC child's `cpHandsets` (`imsiOf: true`). */
export const imsiOf = (i: number) => `26201${String(10_000_000_000 + i).slice(1)}`;
