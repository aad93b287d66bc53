import pg from 'pg';
import { errorMessage, type Logger } from '../logger.js';

export interface PgListenerOptions {
  /** The same PostgreSQL URL the ORM connects with. */
  databaseUrl: string;
  /** The NOTIFY channel to LISTEN on (a plain identifier: lower-case letters, digits, underscores). */
  channel: string;
  /** Called for every notification on the channel, with its payload. */
  onNotification: (payload: string) => void;
  /**
   * Called each time LISTEN is in place, the first time included: notifications sent while there was no
   * listener are lost, so the caller catches up from the database here.
   */
  onListening: () => void;
  logger: Logger;
  /** Shown in `pg_stat_activity.application_name`, so operators (and tests) can find this connection. */
  applicationName?: string;
  /** First reconnect delay; doubles per failed attempt up to `maxBackoffMs`. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /**
   * A LISTEN connection only reads, so a connection that died silently (a network partition, a firewall
   * dropping idle flows) would never notice: every `pingMs` a `select 1` must answer within `pingTimeoutMs`.
   */
  pingMs?: number;
  pingTimeoutMs?: number;
}

const CHANNEL = /^[a-z_][a-z0-9_]*$/;

/**
 * One dedicated PostgreSQL connection LISTENing on a channel, outside the ORM's pool (a pooled connection goes back
 * to the pool and would stop listening). When the connection drops (PostgreSQL restart, `pg_terminate_backend`,
 * network) it reconnects with exponential backoff and calls `onListening` again, because whatever was notified
 * in between is gone.
 */
export class PgListener {
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly pingMs: number;
  private readonly pingTimeoutMs: number;
  private readonly applicationName: string;
  /** The connection in use or being opened; replaced on every attempt. */
  private client: pg.Client | null = null;
  private listening = false;
  private closed = false;
  /** Failed attempts since the connection was last lost; 0 while listening. */
  private failures = 0;
  private lostAt: number | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: PgListenerOptions) {
    if (!CHANNEL.test(options.channel)) throw new Error(`invalid LISTEN channel name: ${options.channel}`);
    this.minBackoffMs = options.minBackoffMs ?? 100;
    this.maxBackoffMs = options.maxBackoffMs ?? 5_000;
    this.pingMs = options.pingMs ?? 30_000;
    this.pingTimeoutMs = options.pingTimeoutMs ?? 10_000;
    this.applicationName = options.applicationName ?? 'tollgate-listener';
  }

  /** True while LISTEN is in place. */
  get isListening(): boolean {
    return this.listening;
  }

  /**
   * Makes the first attempt and resolves once it has succeeded or failed. A failure does not throw: the listener
   * keeps retrying in the background, and the control plane serves meanwhile (its own changes still reach its
   * own subscribers in process).
   */
  start(): Promise<void> {
    return this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listening = false;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    const client = this.client;
    this.client = null;
    if (!client) return;
    // A connection to a host that vanished may never confirm the goodbye; shutdown does not wait for it.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      client.end().catch(() => undefined),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 2_000);
      }),
    ]);
    clearTimeout(timer);
  }

  private async connect(): Promise<void> {
    this.reconnectTimer = null;
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.options.databaseUrl,
      application_name: this.applicationName,
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
    });
    this.client = client;
    // Every 'error' and 'end' of this client lands here; only the first counts, and only while it is current.
    let dropped = false;
    const drop = (err: unknown) => {
      if (dropped) return;
      dropped = true;
      client.end().catch(() => undefined);
      if (this.client === client) this.connectionLost(err);
    };
    // An EventEmitter 'error' without a listener would crash the process: this one stays attached for good.
    client.on('error', drop);
    client.on('end', () => drop(new Error('connection closed')));
    client.on('notification', (message) => {
      if (this.client === client && message.channel === this.options.channel) {
        this.options.onNotification(message.payload ?? '');
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.options.channel}`);
    } catch (err) {
      drop(err);
      return;
    }
    if (dropped || this.client !== client) return;
    this.listening = true;
    if (this.lostAt !== null) {
      this.options.logger.info('LISTEN connection to PostgreSQL restored', {
        channel: this.options.channel,
        attempts: this.failures,
        downMs: Date.now() - this.lostAt,
      });
    }
    this.failures = 0;
    this.lostAt = null;
    this.startPing(client, drop);
    this.options.onListening();
  }

  private connectionLost(err: unknown): void {
    const wasListening = this.listening;
    this.listening = false;
    this.client = null;
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
    if (this.closed) return;
    this.failures += 1;
    this.lostAt ??= Date.now();
    const delayMs = this.backoff();
    const fields = { channel: this.options.channel, error: errorMessage(err), retryInMs: delayMs };
    if (wasListening) {
      this.options.logger.warn('LISTEN connection to PostgreSQL lost; reconnecting', fields);
    } else if ((this.failures & (this.failures - 1)) === 0) {
      // Attempts 1, 2, 4, 8, …: enough to see why it keeps failing without a line every few seconds.
      this.options.logger.warn('LISTEN connection to PostgreSQL failed; retrying', { ...fields, attempts: this.failures });
    }
    this.reconnectTimer = setTimeout(() => void this.connect(), delayMs);
    this.reconnectTimer.unref();
  }

  /** Exponential with jitter (50–100 % of the step), so replicas cut off together do not reconnect in lockstep. */
  private backoff(): number {
    const step = Math.min(this.maxBackoffMs, this.minBackoffMs * 2 ** Math.min(this.failures - 1, 30));
    return Math.round(step * (0.5 + Math.random() / 2));
  }

  private startPing(client: pg.Client, drop: (err: unknown) => void): void {
    this.pingTimer = setInterval(() => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer to a ping within ${this.pingTimeoutMs} ms`)), this.pingTimeoutMs);
      });
      Promise.race([client.query('select 1'), timeout]).then(
        () => clearTimeout(timer),
        (err: unknown) => {
          clearTimeout(timer);
          drop(err);
        },
      );
    }, this.pingMs);
    this.pingTimer.unref();
  }
}
