import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { hashKey } from '@tollgate/schema';
import { Authenticator } from './auth/authenticate.js';
import { Credentials } from './auth/credentials.js';
import { resolveMasterKey } from './auth/master-key.js';
import { databaseAnswers, openDatabase, type Orm } from './db/orm.js';
import { PgListener, type PgListenerOptions } from './db/pg-listener.js';
import { buildGraphQLSchema } from './graphql/schema.js';
import { createHttpApp } from './http/app.js';
import { attachGraphQLWs } from './http/graphql-ws.js';
import { createJobRunner, type JobRunnerOptions, type JobSettings } from './jobs/index.js';
import { consoleLogger, errorMessage, type Logger } from './logger.js';
import { ConfigFileLoader, masterKeyFallback, type FileWatchOptions } from './declarative/index.js';
import { CONFIG_CHANNEL } from './services/config-log.js';
import { createServices } from './services/index.js';
import { SPEND_CHANNEL } from './services/live-spend.js';
import { parseSubjectSpend, SUBJECT_SPEND_CHANNEL } from './services/subject-spend.js';
import { HEALTH_CHANNEL, type ModelHealthOptions } from './services/model-health.js';

export interface ControlPlaneOptions {
  /** PostgreSQL connection URL. */
  databaseUrl: string;
  host: string;
  /** 0 picks a free port; the one chosen is in the result. */
  port: number;
  /** Overrides the stored master key (TOLLGATE_MASTER_KEY); only its sha-256 is kept, and nothing is stored. */
  masterKey?: string;
  /** The credential data planes present (TOLLGATE_DATA_PLANE_TOKEN). */
  dataPlaneToken: string;
  /** The built dashboard; defaults to web/dist in this repository. */
  webDist?: string;
  logger?: Logger;
  /** How long close() lets in-flight HTTP requests finish before cutting them off. */
  shutdownGraceMs?: number;
  /** Scheduled jobs (`jobs/`): `false` runs none on this replica; the options can shorten intervals (tests). */
  jobs?: false | JobRunnerOptions;
  /** Audit retention and key auto-rotation delivery (see jobs/index.ts). */
  jobSettings?: JobSettings;
  /**
   * A declarative config file (tollgate.yaml, or LiteLLM's config.yaml; TOLLGATE_CONFIG): applied at start, before
   * the default model is seeded, and again whenever it changes. A master key it sets wins over `masterKey`.
   */
  configFile?: string;
  /** Hot reload of `configFile`: `false` reads it once; the options tune the debounce and the safety poll (tests). */
  configFileWatch?: false | FileWatchOptions;
  /** Reconnect backoff of the LISTEN connection that hears other replicas' config changes. */
  configListener?: Pick<PgListenerOptions, 'minBackoffMs' | 'maxBackoffMs'>;
  /** At most one live spend message per subscriber per this many milliseconds (TOLLGATE_SPEND_THROTTLE_MS; 1000). */
  spendThrottleMs?: number;
  /** How often open GraphQL WebSocket connections' credentials are checked again (30 s; tests shorten it). */
  graphqlWsRecheckMs?: number;
  /** Reconnect backoff of the LISTEN connection that hears the spend ingested through every replica. */
  spendListener?: Pick<PgListenerOptions, 'minBackoffMs' | 'maxBackoffMs'>;
  /** How long `checkModelHealth` waits for data planes (tests shorten it). */
  modelHealth?: ModelHealthOptions;
}

export interface ControlPlane {
  /** Base URL, e.g. http://127.0.0.1:4001 (GraphQL at /graphql, dashboard at /ui). */
  url: string;
  graphqlUrl: string;
  port: number;
  /** The master key generated on this start (first start on an empty database, no configured key); else undefined. */
  generatedMasterKey?: string;
  close(): Promise<void>;
  /** The database handle, for tests and embedding tools. */
  orm: Orm;
}

const MIN_SECRET_LENGTH = 16;

// ../../web/dist from this file: control-plane/dist/start.js and control-plane/src/start.ts alike.
const DEFAULT_WEB_DIST = fileURLToPath(new URL('../../web/dist', import.meta.url));

/**
 * Starts a control plane: migrates the database, seeds the default model, sets up the master key, then serves
 * GraphQL (HTTP + graphql-ws) on /graphql, the dashboard on /ui and GET /healthz.
 */
export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const logger = options.logger ?? consoleLogger;
  // Short shared secrets can be guessed; refuse them rather than run an open gateway.
  if (options.dataPlaneToken.length < MIN_SECRET_LENGTH) {
    throw new Error(`The data-plane token must be at least ${MIN_SECRET_LENGTH} characters long.`);
  }
  if (options.masterKey !== undefined && options.masterKey.length < MIN_SECRET_LENGTH) {
    throw new Error(`The master key must be at least ${MIN_SECRET_LENGTH} characters long.`);
  }

  const orm = await openDatabase(options.databaseUrl, logger);
  const cleanups: Array<() => Promise<void> | void> = [() => orm.close()];
  const cleanup = async () => {
    for (const step of cleanups.splice(0).reverse()) {
      try {
        await step();
      } catch (err) {
        logger.warn('error while stopping', { error: errorMessage(err) });
      }
    }
  };

  try {
    // The config file is read before the credentials are set up: a master key it sets wins over TOLLGATE_MASTER_KEY
    // and the stored one (and then none is generated).
    const configFile = options.configFile ? new ConfigFileLoader({ path: options.configFile, logger, watch: options.configFileWatch }) : undefined;
    if (configFile) cleanups.push(() => configFile.close());
    const fileMasterKeyHash = (await configFile?.masterKeyFromFile()) ?? null;
    const masterKey = fileMasterKeyHash ? { hash: fileMasterKeyHash, generated: undefined } : await resolveMasterKey(orm.em.fork(), options.masterKey);
    const credentials = new Credentials({
      masterKeyHash: masterKey.hash,
      dataPlaneTokenHash: hashKey(options.dataPlaneToken),
    });
    const authenticator = new Authenticator(credentials, orm);

    const services = createServices({ orm, logger, liveSpend: { throttleMs: options.spendThrottleMs }, modelHealth: options.modelHealth });
    cleanups.push(() => services.liveSpend.close());
    if (configFile) {
      // What the key falls back to when the file stops setting one.
      const fallback = fileMasterKeyHash ? await masterKeyFallback(orm.em.fork(), options.masterKey) : masterKey.hash;
      services.configFile.attach(configFile);
      await configFile.start(services.writer, (hash) => {
        const next = hash ?? fallback;
        if (next) credentials.setMasterKeyHash(next);
        else logger.warn('no TOLLGATE_MASTER_KEY or stored master key to fall back to; the last one the config file set stays until a restart');
      });
    }
    if (await services.models.seedDefault()) logger.info('seeded the default model', { model: 'mock-gpt' });
    await services.configPublisher.start();
    cleanups.push(() => services.configPublisher.stop());
    // Changes committed through any replica (this one included) arrive as NOTIFY; this replica's own also reach
    // the publisher in process, sooner. Each (re)connection catches up on whatever was notified while away.
    /** A LISTEN connection of its own on `channel`, closed with the rest. */
    const listenTo = async (listener: Pick<PgListenerOptions, 'channel' | 'applicationName' | 'onNotification' | 'onListening' | 'minBackoffMs' | 'maxBackoffMs'>) => {
      const connection = new PgListener({ databaseUrl: options.databaseUrl, logger, ...listener });
      await connection.start();
      cleanups.push(() => connection.close());
    };
    await listenTo({
      channel: CONFIG_CHANNEL,
      applicationName: 'tollgate-config-listener',
      onNotification: (version) => services.configPublisher.notify(Number(version) || undefined),
      onListening: () => services.configPublisher.notify(),
      ...options.configListener,
    });
    // Spend ingested through any replica; a reconnection makes every live subscriber read its totals again.
    await listenTo({
      channel: SPEND_CHANNEL,
      applicationName: 'tollgate-spend-listener',
      onNotification: (payload) => services.liveSpend.notify(payload),
      onListening: () => services.liveSpend.listening(),
      ...options.spendListener,
    });
    // Spend usage ingest counted through any replica, passed on to the data planes subscribed to this one.
    await listenTo({
      channel: SUBJECT_SPEND_CHANNEL,
      applicationName: 'tollgate-subject-spend-listener',
      onNotification: (payload) => {
        const entries = parseSubjectSpend(payload);
        if (entries !== null) services.configPublisher.sendSubjectSpend(entries);
      },
      // What was sent while away is not read back: each subject's next batch sends its spend again.
      onListening: () => undefined,
    });
    // Health-check requests and results passed between replicas: a data plane may be connected to one replica, the
    // admin asking to another, and the report may reach a third.
    await listenTo({
      channel: HEALTH_CHANNEL,
      applicationName: 'tollgate-health-listener',
      onNotification: (payload) => services.modelHealth.notify(payload),
      onListening: () => services.modelHealth.listening(),
    });

    if (options.jobs !== false) {
      const jobs = createJobRunner(orm, logger, services, options.jobs, options.jobSettings);
      if (options.jobSettings?.alertWebhook !== undefined && options.jobSettings.alertWebhookSecret === undefined) {
        logger.warn('budget alerts go to the webhook unsigned: anyone who can reach it can post alerts; set TOLLGATE_ALERT_WEBHOOK_SECRET');
      }
      jobs.start();
      cleanups.push(() => jobs.stop());
    }

    const schema = await buildGraphQLSchema();
    const { app, apollo } = await createHttpApp({
      databaseReady: () => databaseAnswers(orm),
      schema,
      authenticator,
      services,
      webDist: options.webDist ?? DEFAULT_WEB_DIST,
      logger,
    });
    cleanups.push(() => apollo.stop());

    const httpServer = createServer(app);
    await listen(httpServer, options.host, options.port);
    cleanups.push(() => closeHttpServer(httpServer, options.shutdownGraceMs ?? 5000));
    // Runs before the HTTP server closes: a checkModelHealth still waiting ends at once instead of using up the grace.
    cleanups.push(() => services.modelHealth.close());
    const ws = attachGraphQLWs({ httpServer, schema, authenticator, services, logger, ...(options.graphqlWsRecheckMs !== undefined && { recheckMs: options.graphqlWsRecheckMs }) });
    cleanups.push(() => ws.close());

    const port = (httpServer.address() as AddressInfo).port;
    const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
    return {
      url,
      graphqlUrl: `${url}/graphql`,
      port,
      generatedMasterKey: masterKey.generated,
      orm,
      close: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Stops accepting, lets in-flight requests finish for up to `graceMs`, then cuts the rest. */
function closeHttpServer(server: Server, graceMs: number): Promise<void> {
  // Requests still coming on kept-alive connections are answered, and their connections closed after, so clients
  // (and load balancers) open their next one to another replica.
  server.prependListener('request', (_req, res) => res.setHeader('connection', 'close'));
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
