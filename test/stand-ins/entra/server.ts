import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for Microsoft Entra ID's token endpoint (`https://login.microsoftonline.com`), as an Azure OpenAI client
 * with an app registration meets it: `POST /{tenant}/oauth2/v2.0/token`, a form body with the client credentials
 * grant (`client_id`, `scope`, `grant_type=client_credentials`, and `client_secret` or `client_assertion_type` +
 * `client_assertion`), answered with `{"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
 * "access_token": "…"}`, or with Entra's error body (`error`, `error_description` whose first line is the AADSTS
 * message and the rest Trace ID / Correlation ID / Timestamp lines, `error_codes`, `timestamp`, `trace_id`,
 * `correlation_id`, `error_uri`) and its status: 400 for an unknown tenant, an unknown application or a wrong scope,
 * 401 `invalid_client` for a wrong secret or assertion.
 *
 * It also stands in for an Azure host's managed identity endpoints (`identities`): the instance metadata service's
 * `GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=…[&client_id=…]` with `Metadata: true`
 * (IMDS's answer carries `expires_in` and `expires_on` as strings; its refusals are 400 `invalid_request` "Required
 * metadata header not specified" and "Identity not found"), and App Service's / Container Apps' `GET /msi/token`
 * (`IDENTITY_ENDPOINT`) with api-version 2019-08-01 and the `X-IDENTITY-HEADER` secret, answering `expires_on` only.
 *
 * `verify` tells a resource server (the Azure OpenAI stand-in) whether a bearer token is one it issued for the
 * Cognitive Services audience and has not expired.
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow
 */
export const ENTRA_SCOPE = 'https://cognitiveservices.azure.com/.default';

export interface EntraApp {
  readonly tenant: string;
  readonly clientId: string;
  /** The app's client secret; or */
  readonly clientSecret?: string;
  /** the federated assertion it trusts (the workload identity token). */
  readonly clientAssertion?: string;
}

/** The managed identities of the host this stand-in plays: its system-assigned one and user-assigned client ids. */
export interface HostIdentities {
  readonly system: boolean;
  readonly userAssigned: readonly string[];
  /** App Service's `IDENTITY_HEADER`, which `/msi/token` requires in `X-IDENTITY-HEADER`. */
  readonly identityHeader: string;
}

export interface TokenRequest {
  /** The tenant a token request names; for a managed identity's request, which endpoint: `imds` or `app-service`. */
  readonly tenant: string;
  /** The request's form fields (a managed identity's: its query). */
  readonly form: Record<string, string>;
  readonly receivedAt: number;
}

export interface EntraStandIn {
  /** What a deployment's `azureAdAuthorityHost` is set to. */
  readonly url: string;
  readonly requests: TokenRequest[];
  /** Whether `token` was issued here for the Cognitive Services audience and is still valid. */
  verify(token: string): boolean;
  /** The lifetime of tokens issued from now on, seconds (default 3599, as Entra's). */
  setLifetime(seconds: number): void;
  /** Expires every token issued so far (a resource server refuses them from now on). */
  expireAll(): void;
  close(): Promise<void>;
}

export async function startEntraStandIn(apps: readonly EntraApp[], identities?: HostIdentities): Promise<EntraStandIn> {
  const requests: TokenRequest[] = [];
  const issued = new Map<string, number>();
  let lifetime = 3599;

  const server = createServer((req, res) => {
    void serve(req, res).catch(() => res.destroy());
  });

  /** A token for the Cognitive Services audience, remembered for `verify`. */
  const issue = (): string => {
    const token = `eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.${randomBytes(24).toString('base64url')}.${randomBytes(32).toString('base64url')}`;
    issued.set(token, Date.now() + lifetime * 1000);
    return token;
  };

  function serveManagedIdentity(req: IncomingMessage, res: ServerResponse, url: URL, appService: boolean): void {
    const query = Object.fromEntries(url.searchParams);
    requests.push({ tenant: appService ? 'app-service' : 'imds', form: query, receivedAt: Date.now() });
    if (identities === undefined) return sendJson(res, 404, { error: 'not_found' });
    const imdsError = (description: string) => sendJson(res, 400, { error: 'invalid_request', error_description: description });
    if (appService) {
      if (req.headers['x-identity-header'] !== identities.identityHeader) return sendJson(res, 401, { statusCode: 401, message: 'Unauthorized: X-IDENTITY-HEADER is missing or wrong.' });
      if (query['api-version'] !== '2019-08-01') return sendJson(res, 400, { statusCode: 400, message: `Unsupported api-version '${query['api-version'] ?? ''}'.` });
    } else {
      if (req.headers['metadata'] !== 'true') return imdsError('Required metadata header not specified');
      if (query['api-version'] !== '2018-02-01') return imdsError('Invalid api-version');
    }
    const clientId = query['client_id'];
    if (clientId === undefined ? !identities.system : !identities.userAssigned.includes(clientId)) return imdsError('Identity not found');
    if ((query['resource'] ?? '').replace(/\/$/, '') !== 'https://cognitiveservices.azure.com') {
      return sendJson(res, 400, { error: 'invalid_resource', error_description: `AADSTS500011: The resource principal named ${query['resource'] ?? ''} was not found in the tenant.` });
    }
    const now = Math.floor(Date.now() / 1000);
    const token = issue();
    const common = { access_token: token, expires_on: String(now + lifetime), resource: 'https://cognitiveservices.azure.com', token_type: 'Bearer', client_id: clientId ?? 'system-assigned-client-id' };
    sendJson(res, 200, appService ? common : { ...common, expires_in: String(lifetime), ext_expires_in: String(lifetime), not_before: String(now - 300), refresh_token: '' });
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://entra');
    if (req.method === 'GET' && (url.pathname === '/metadata/identity/oauth2/token' || url.pathname === '/msi/token')) {
      return serveManagedIdentity(req, res, url, url.pathname === '/msi/token');
    }
    const match = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
    if (req.method !== 'POST' || match === null) return sendJson(res, 404, { error: 'not_found' });
    const tenant = decodeURIComponent(match[1]!);
    const form = Object.fromEntries(new URLSearchParams(body));
    requests.push({ tenant, form, receivedAt: Date.now() });

    if (!apps.some((a) => a.tenant === tenant)) {
      return refuse(res, 400, 'invalid_request', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
    }
    if (form['grant_type'] !== 'client_credentials') {
      return refuse(res, 400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    }
    const app = apps.find((a) => a.tenant === tenant && a.clientId === form['client_id']);
    if (app === undefined) {
      return refuse(res, 400, 'unauthorized_client', 700016, `Application with identifier '${form['client_id'] ?? ''}' was not found in the directory '${tenant}'.`);
    }
    if (form['scope'] !== ENTRA_SCOPE) {
      return refuse(res, 400, 'invalid_scope', 70011, `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid.`);
    }
    if (form['client_secret'] !== undefined) {
      if (form['client_secret'] !== app.clientSecret) {
        return refuse(res, 401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`);
      }
    } else if (form['client_assertion'] !== undefined) {
      if (form['client_assertion_type'] !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' || form['client_assertion'] !== app.clientAssertion) {
        return refuse(res, 401, 'invalid_client', 700213, 'No matching federated identity record found for presented assertion subject.');
      }
    } else {
      return refuse(res, 401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    sendJson(res, 200, { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: issue() });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    verify: (token) => (issued.get(token) ?? 0) > Date.now(),
    setLifetime: (seconds) => {
      lifetime = seconds;
    },
    expireAll: () => {
      for (const token of issued.keys()) issued.set(token, 0);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Entra's error body: the AADSTS line, then the ids its support asks for, as its endpoint writes them. */
function refuse(res: ServerResponse, status: number, error: string, code: number, message: string): void {
  const timestamp = new Date().toISOString().replace('T', ' ').slice(0, 19) + 'Z';
  const traceId = randomUUID();
  const correlationId = randomUUID();
  sendJson(res, status, {
    error,
    error_description: `AADSTS${code}: ${message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store, no-cache' });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}
