import * as smpp from 'smpp';
import type { BindConfig } from '../config/bind-config';
import { describeBind } from '../config/bind-config';
import { smppStatusName } from '../status/smpp-status';
import { backoffMs } from './backoff';

/**
 * The receive half of a bind in `transmitter-receiver` mode: a second connection bound with
 * bind_receiver that only takes deliver_sm (receipts) and keeps itself alive and reconnected.
 */
export class ReceiverLink {
  private session: any;
  private stopped = false;
  private attempt = 0;
  private timer?: NodeJS.Timeout;
  private keepAlive?: NodeJS.Timeout;
  state: 'connecting' | 'bound' | 'disconnected' | 'closed' = 'connecting';
  lastError?: string;

  constructor(
    private readonly config: BindConfig,
    private readonly onDeliverSm: (session: any, pdu: any) => void,
    private readonly log: (level: 'info' | 'warn', msg: string) => void = () => undefined,
  ) {}

  /** Epoch ms of the loss being recovered from (one log line per loss and per recovery). */
  private lostAt?: number;

  start(): void {
    this.connect();
  }

  private connect(): void {
    if (this.stopped) return;
    this.state = 'connecting';
    const session = smpp.connect({ host: this.config.host, port: this.config.port } as any);
    this.session = session;
    session.on('error', (e: Error) => {
      this.lastError = e.message;
      session.socket.destroy();
    });
    session.on('close', () => {
      if (this.session !== session) return;
      this.session = undefined;
      if (this.keepAlive) clearInterval(this.keepAlive);
      if (this.stopped) return;
      if (this.state === 'bound') {
        this.lostAt = Date.now();
        this.log(
          'warn',
          `${describeBind(this.config)}: receiver connection lost (${this.lastError ?? 'closed by the SMSC or the network'}); reconnecting`,
        );
      }
      this.state = 'disconnected';
      const delay = backoffMs(
        this.attempt++,
        this.config.reconnectInitialMs,
        this.config.reconnectMaxMs,
      );
      this.timer = setTimeout(() => this.connect(), delay);
    });
    session.on('connect', () => {
      session.bind_receiver(
        {
          system_id: this.config.systemId,
          password: this.config.password,
          system_type: this.config.systemType,
          interface_version: 0x34,
        },
        (pdu: any) => {
          if (pdu.command_status !== 0) {
            this.lastError = `bind_receiver refused: ${smppStatusName(pdu.command_status)}`;
            this.log('warn', `${describeBind(this.config)}: ${this.lastError}`);
            session.socket.destroy();
            return;
          }
          this.attempt = 0;
          this.state = 'bound';
          this.lastError = undefined;
          if (this.lostAt !== undefined) {
            this.log(
              'info',
              `${describeBind(this.config)}: receiver reconnected ${Date.now() - this.lostAt} ms after the loss`,
            );
            this.lostAt = undefined;
          }
          if (this.config.enquireLinkMs > 0) {
            this.keepAlive = setInterval(() => session.enquire_link(), this.config.enquireLinkMs);
          }
        },
      );
    });
    session.on('deliver_sm', (pdu: any) => this.onDeliverSm(session, pdu));
    session.on('enquire_link', (pdu: any) => session.send(pdu.response()));
    session.on('unbind', (pdu: any) => {
      session.send(pdu.response());
      session.socket.end();
    });
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.keepAlive) clearInterval(this.keepAlive);
    const session = this.session;
    this.session = undefined;
    this.state = 'closed';
    if (!session) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        session.socket.destroy();
        resolve();
      }, 1_000);
      session.socket.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      if (session.socket.writable) session.unbind(() => session.socket.end());
      else session.socket.destroy();
    });
  }
}
