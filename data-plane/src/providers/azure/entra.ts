import type { ProviderError } from '../../canonical/errors.js';
import { isProviderError } from '../../upstream/errors.js';
import type { SecretResolver } from '../../upstream/secrets.js';
import type { ProviderTarget } from '../types.js';

/**
 * Azure OpenAI through Microsoft Entra ID (resources whose key access is disabled answer an `api-key` with 403
 * `AuthenticationTypeDisabled`): requests carry `Authorization: Bearer <token>` for the Cognitive Services audience.
 * A deployment names where the token comes from (see `ModelConfig`): `azureAdTokenRef`, a token kept fresh outside
 * the gateway, read as any secret (a file is re-read when it changes); or an app registration's client credentials,
 * which this module exchanges for tokens at the tenant's token endpoint (OAuth 2.0 client credentials grant, with a
 * client secret or a federated client assertion such as AKS workload identity's token file), or gets from its host's
 * managed identity (`azureAdManagedIdentity`), and renews before they expire.
 *
 * The request path never waits for Entra ID except for a credential's first token (or one that has expired, after
 * the endpoint failed for its whole life): `ready` returns a promise only then, and callers await it before they
 * build the upstream request, whose `bearer` then reads the token as it stands. A token with less than five minutes
 * left (or half its life, if shorter) is renewed in the background while it is still used. One exchange at a time
 * per credential; a refused exchange is remembered for `RETRY_MS`, so a wrong secret costs Entra ID one request per
 * few seconds, not one per client request, and the clients get its reason meanwhile.
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow
 * @see https://learn.microsoft.com/en-us/azure/ai-foundry/openai/how-to/managed-identity
 */
export const COGNITIVE_SERVICES_SCOPE = 'https://cognitiveservices.azure.com/.default';
/** The same audience as managed identity endpoints name it (a resource, not a scope). */
export const COGNITIVE_SERVICES_RESOURCE = 'https://cognitiveservices.azure.com';
/** The instance metadata service, where VMs and AKS nodes get their managed identity's tokens. */
export const IMDS_HOST = 'http://169.254.169.254';
export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';
const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

const RENEW_BEFORE_MS = 5 * 60_000;
/** A token this close to its expiry is not sent: it could expire on the way. */
const EXPIRY_MARGIN_MS = 30_000;
const RETRY_MS = 5_000;
const TIMEOUT_MS = 10_000;

/** How a deployment authenticates to Azure OpenAI. */
export type AzureAuth = 'api-key' | 'token' | 'client-credentials' | 'managed-identity';

export function azureAuth(target: ProviderTarget): AzureAuth {
  if (target.azureAdManagedIdentity === true) return 'managed-identity';
  if (target.azureAdTokenRef) return 'token';
  if (target.azureAdClientId && target.azureAdTenantId && (target.azureAdClientSecretRef || target.azureAdClientAssertionRef)) return 'client-credentials';
  return 'api-key';
}

interface Held {
  token: string | undefined;
  /** When `token` expires, epoch ms, and how long it was valid for when it came. */
  expiresAtMs: number;
  lifetimeMs: number;
  /** The exchange in flight. */
  pending: Promise<void> | undefined;
  /** Why the last exchange failed, until `retryAtMs`. */
  error: ProviderError | undefined;
  retryAtMs: number;
}

export interface EntraTokensOptions {
  readonly fetch?: typeof fetch;
  /**
   * Where the host's managed identity is found: `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` (App Service, Container Apps,
   * Functions), else the instance metadata service (`AZURE_POD_IDENTITY_AUTHORITY_HOST` overrides its address, as in
   * Azure's SDKs). Default: the process's environment.
   */
  readonly env?: NodeJS.ProcessEnv;
  readonly now?: () => number;
  readonly timeoutMs?: number;
}

export class EntraTokens {
  private readonly held = new Map<string, Held>();
  private readonly fetch: typeof fetch;
  private readonly now: () => number;

  constructor(private readonly options: EntraTokensOptions = {}) {
    this.fetch = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? Date.now;
  }

  /**
   * Undefined when a request to `target` can be built now; else a promise that settles (never rejects) once a token
   * was asked for, after which `bearer` has it or throws why not. Starts a background renewal when one is due.
   */
  ready(target: ProviderTarget, secrets: SecretResolver): Promise<void> | undefined {
    if (!fetchesTokens(target)) return undefined;
    const held = this.entry(target);
    const now = this.now();
    if (usable(held, now)) {
      if (held.pending === undefined && held.expiresAtMs - now < this.renewBefore(held) && now >= held.retryAtMs) void this.exchange(target, secrets, held);
      return undefined;
    }
    if (held.pending !== undefined) return held.pending;
    if (held.error !== undefined && now < held.retryAtMs) return undefined;
    return this.exchange(target, secrets, held);
  }

  /** The `Authorization` header's value for `target`, or throws the `ProviderError` that says why there is none. */
  bearer(target: ProviderTarget, secrets: SecretResolver): string {
    if (target.azureAdTokenRef) return `Bearer ${secrets.resolve(target.azureAdTokenRef)}`;
    const held = this.held.get(credentialKey(target));
    if (held !== undefined && usable(held, this.now())) return `Bearer ${held.token}`;
    throw held?.error ?? authFailure(target, 'no Microsoft Entra ID token yet (the exchange has not completed)');
  }

  /**
   * Azure refused the token sent in `headers` (401: revoked, or the resource's tenant changed): it is dropped, so the
   * next request waits for a new one instead of every request failing until it would have expired. A token that has
   * already been replaced is left alone. True when the refused token was one the gateway fetched: the next request
   * sends another (this one's, or the one that replaced it already).
   */
  rejected(target: ProviderTarget, headers: Readonly<Record<string, string>>): boolean {
    if (!fetchesTokens(target)) return false;
    const held = this.held.get(credentialKey(target));
    if (held === undefined) return false;
    if (held.token !== undefined && headers['authorization'] === `Bearer ${held.token}`) {
      held.token = undefined;
      held.expiresAtMs = 0;
    }
    return true;
  }

  private entry(target: ProviderTarget): Held {
    const key = credentialKey(target);
    let held = this.held.get(key);
    if (held === undefined) {
      held = { token: undefined, expiresAtMs: 0, lifetimeMs: 0, pending: undefined, error: undefined, retryAtMs: 0 };
      this.held.set(key, held);
    }
    return held;
  }

  /** Five minutes, or half the token's life when that is shorter. */
  private renewBefore(held: Held): number {
    return Math.min(RENEW_BEFORE_MS, held.lifetimeMs / 2);
  }

  private exchange(target: ProviderTarget, secrets: SecretResolver, held: Held): Promise<void> {
    const pending = this.requestToken(target, secrets).then(
      ({ token, lifetimeMs }) => {
        const now = this.now();
        Object.assign(held, { token, expiresAtMs: now + lifetimeMs, lifetimeMs, error: undefined, retryAtMs: 0 });
      },
      (err: unknown) => {
        held.error = isProviderError(err) ? err : authFailure(target, String(err));
        held.retryAtMs = this.now() + RETRY_MS;
      },
    );
    held.pending = pending.finally(() => {
      held.pending = undefined;
    });
    return held.pending;
  }

  private requestToken(target: ProviderTarget, secrets: SecretResolver): Promise<{ token: string; lifetimeMs: number }> {
    return azureAuth(target) === 'managed-identity' ? this.managedIdentityToken(target) : this.clientCredentialsToken(target, secrets);
  }

  /**
   * The host's managed identity: App Service's, Container Apps' and Functions' local endpoint (`IDENTITY_ENDPOINT`,
   * its secret in `X-IDENTITY-HEADER`, api-version 2019-08-01), else the instance metadata service's
   * (`Metadata: true`, api-version 2018-02-01); `client_id` picks a user-assigned identity.
   * @see https://learn.microsoft.com/en-us/azure/app-service/overview-managed-identity#rest-endpoint-reference
   * @see https://learn.microsoft.com/en-us/entra/identity/managed-identities-azure-resources/how-to-use-vm-token
   */
  private async managedIdentityToken(target: ProviderTarget): Promise<{ token: string; lifetimeMs: number }> {
    const env = this.options.env ?? process.env;
    const appService = env['IDENTITY_ENDPOINT'] && env['IDENTITY_HEADER'] ? env['IDENTITY_ENDPOINT'] : undefined;
    const url = new URL(appService ?? `${(env['AZURE_POD_IDENTITY_AUTHORITY_HOST'] || IMDS_HOST).replace(/\/+$/, '')}/metadata/identity/oauth2/token`);
    url.searchParams.set('api-version', appService ? '2019-08-01' : '2018-02-01');
    url.searchParams.set('resource', COGNITIVE_SERVICES_RESOURCE);
    if (target.azureAdClientId) url.searchParams.set('client_id', target.azureAdClientId);
    const headers: Record<string, string> = appService ? { 'x-identity-header': env['IDENTITY_HEADER']! } : { metadata: 'true' };
    const { status, body, text } = await this.send(target, url.toString(), { method: 'GET', headers: { ...headers, accept: 'application/json' } });
    if (status < 200 || status >= 300) throw refused(target, status, body, text, "the host's managed identity endpoint refused");
    // IMDS says how long (`expires_in`, seconds, as a string); App Service only until when (`expires_on`, epoch seconds).
    const expiresIn = Number(body?.['expires_in']);
    const lifetimeS = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : Number(body?.['expires_on']) - this.now() / 1000;
    return tokenOf(target, status, body, lifetimeS);
  }

  private async clientCredentialsToken(target: ProviderTarget, secrets: SecretResolver): Promise<{ token: string; lifetimeMs: number }> {
    const form = new URLSearchParams({ client_id: target.azureAdClientId!, scope: COGNITIVE_SERVICES_SCOPE, grant_type: 'client_credentials' });
    if (target.azureAdClientSecretRef) form.set('client_secret', secrets.resolve(target.azureAdClientSecretRef));
    else {
      form.set('client_assertion_type', CLIENT_ASSERTION_TYPE);
      form.set('client_assertion', secrets.resolve(target.azureAdClientAssertionRef!));
    }
    const { status, body, text } = await this.send(target, tokenUrl(target), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
    });
    if (status < 200 || status >= 300) throw refused(target, status, body, text, "Microsoft Entra ID refused the gateway's credentials");
    return tokenOf(target, status, body, Number(body?.['expires_in']));
  }

  /** One request to a token endpoint: its status and body (JSON where it is); unreachable is the caller's 502. */
  private async send(target: ProviderTarget, url: string, init: RequestInit): Promise<{ status: number; body: Record<string, unknown> | undefined; text: string }> {
    let res: Response;
    try {
      res = await this.fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(this.options.timeoutMs ?? TIMEOUT_MS) });
    } catch (err) {
      throw unreachable(target, url, err);
    }
    const text = await res.text().catch(() => '');
    return { status: res.status, body: parseJson(text), text };
  }
}

/** The token of a token endpoint's answer, and how long it is valid (`lifetimeS`, seconds). */
function tokenOf(target: ProviderTarget, status: number, body: Record<string, unknown> | undefined, lifetimeS: number): { token: string; lifetimeMs: number } {
  const token = body?.['access_token'];
  if (typeof token !== 'string' || token === '' || !Number.isFinite(lifetimeS) || lifetimeS <= 0) {
    throw authFailure(target, `the token endpoint answered ${status} without an access token and its lifetime`);
  }
  return { token, lifetimeMs: lifetimeS * 1000 };
}

/** Whether the data plane gets the deployment's tokens itself (and so holds and renews them). */
function fetchesTokens(target: ProviderTarget): boolean {
  const auth = azureAuth(target);
  return auth === 'client-credentials' || auth === 'managed-identity';
}

/** Whether the held token can still be sent: not within 30 s of its expiry (a quarter of its life, if shorter). */
function usable(held: Held, now: number): held is Held & { token: string } {
  return held.token !== undefined && held.expiresAtMs - Math.min(EXPIRY_MARGIN_MS, held.lifetimeMs / 4) > now;
}

/** One token per authority, tenant, app and credential: deployments that share an app registration share its token. */
function credentialKey(target: ProviderTarget): string {
  if (azureAuth(target) === 'managed-identity') return `managed identity\n${target.azureAdClientId ?? ''}`;
  return [authorityHost(target), target.azureAdTenantId, target.azureAdClientId, target.azureAdClientSecretRef ?? target.azureAdClientAssertionRef].join('\n');
}

function authorityHost(target: ProviderTarget): string {
  return (target.azureAdAuthorityHost ?? DEFAULT_AUTHORITY_HOST).replace(/\/+$/, '');
}

function tokenUrl(target: ProviderTarget): string {
  return `${authorityHost(target)}/${encodeURIComponent(target.azureAdTenantId!)}/oauth2/v2.0/token`;
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Entra ID's refusal (`{"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret
 * provided. …\r\nTrace ID: …"}`): its code and the description's first line, which names the problem; the trace and
 * correlation ids that follow are for Microsoft's support and stay out of the client's message.
 */
function refused(target: ProviderTarget, status: number, body: Record<string, unknown> | undefined, text: string, who: string): ProviderError {
  const code = typeof body?.['error'] === 'string' ? body['error'] : `HTTP ${status}`;
  const description = typeof body?.['error_description'] === 'string' ? body['error_description'].split(/\r?\n/)[0]!.trim() : text.slice(0, 200).trim();
  return authFailure(target, `${who}: ${code}${description ? `: ${description}` : ''}`);
}

function unreachable(target: ProviderTarget, url: string, err: unknown): ProviderError {
  const what = azureAuth(target) === 'managed-identity' ? "the host's managed identity endpoint" : 'Microsoft Entra ID';
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const reason = err instanceof Error && err.name === 'TimeoutError' ? 'no answer in time' : String(cause?.code ?? cause?.message ?? err);
  return {
    status: 502,
    type: 'api_error',
    code: 'upstream_unreachable',
    message: `azure: could not reach ${what} at ${new URL(url).origin} for model '${target.name}' (${reason})`,
    provider: 'azure',
  };
}

function authFailure(target: ProviderTarget, why: string): ProviderError {
  return { status: 502, type: 'api_error', code: 'upstream_auth_failed', message: `azure: model '${target.name}': ${why}`, provider: 'azure' };
}

/** The data plane's tokens: one exchange per app registration, whichever surface or route calls the deployment. */
export const entraTokens = new EntraTokens();
