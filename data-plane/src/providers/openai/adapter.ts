import type { ProviderKind } from '@tollgate/schema';
import type { ProviderError } from '../../canonical/errors.js';
import { defineProvider } from '../define-provider.js';
import type { ForwardCapability, Provider, ProviderAdapter, ProviderTarget, StreamEvent } from '../types.js';
import type { OpenAiEndpoints } from './api.js';
import { callChat } from './call.js';
import { embed } from './embed.js';
import { mapHttpError, type ContentPolicyCheck } from './errors.js';
import { OPENAI_REQUEST_OPTIONS, translateRequest, type OpenAiRequestOptions } from './translate-request.js';
import type { OpenAiChatBody } from './wire.js';
import { refusedStreamOptions, takesStreamOptions } from './stream-options.js';
import { toolNames, withClientToolNames } from './tool-names.js';

/**
 * What one OpenAI-protocol provider changes about the OpenAI adapter. OpenAI itself, Azure OpenAI and
 * OpenAI-compatible servers are each one `OpenAiFlavour`; everything else (body mapping, stream mapping, errors,
 * embeddings, the same-protocol fast path) is shared.
 */
export interface OpenAiFlavour {
  readonly kind: ProviderKind;
  readonly endpoints: OpenAiEndpoints;
  /** What differs in the body, for every deployment or by deployment (Azure's by api-version). */
  readonly request?: Partial<OpenAiRequestOptions> | ((target: ProviderTarget) => Partial<OpenAiRequestOptions>);
  /** Recognises the provider's safety-system error bodies, mapped to `content_policy_violation`. */
  readonly contentPolicy?: ContentPolicyCheck;
  /**
   * Whether a deployment takes `stream_options.include_usage`, where that is known from its config (default: it
   * does, until it refuses them: see `stream-options.ts`). Where it does not, streams go without.
   */
  readonly takesStreamOptions?: (target: ProviderTarget) => boolean;
}

export function openAiProtocolAdapter(flavour: OpenAiFlavour): ProviderAdapter<OpenAiChatBody> {
  const requestOptions = requestOptionsOf(flavour.request);
  return {
    kind: flavour.kind,
    translateRequest: (request, target) => translateRequest(request, target, requestOptions(target), takesStreamOptions(target, flavour.takesStreamOptions)),
    call: (wire, call, request) => {
      const { ready, unauthorized } = flavour.endpoints;
      const start = () => {
        const endpoint = flavour.endpoints.chat(call.target, call.secrets);
        const events = callChat(wire, call, { provider: flavour.kind, endpoint, ...(flavour.contentPolicy && { contentPolicy: flavour.contentPolicy }) });
        return unauthorized === undefined ? events : watchRefusal(events, () => unauthorized(call.target, endpoint.headers));
      };
      const wait = ready?.(call.target, call.secrets);
      const events = wait === undefined ? start() : afterReady(wait, start);
      // Tools whose names went shortened (`translateRequest`) are called by the client's names in the answer.
      const names = toolNames(request);
      return names.shortened ? withClientToolNames(events, names) : events;
    },
    embed: async (request, call) => {
      await flavour.endpoints.ready?.(call.target, call.secrets);
      const endpoint = flavour.endpoints.embeddings(call.target, call.secrets);
      try {
        return await embed(flavour.kind, endpoint, request, call);
      } catch (err) {
        if ((err as Partial<ProviderError> | undefined)?.code === 'upstream_auth_failed' && flavour.endpoints.unauthorized?.(call.target, endpoint.headers) === true) {
          throw { ...(err as ProviderError), credentialRenewed: true } satisfies ProviderError;
        }
        throw err;
      }
    },
    forward: openAiForward(flavour),
  };
}

/** The stream `start` makes once `wait` has settled (the deployment's credential is ready). */
async function* afterReady<T>(wait: Promise<void>, start: () => AsyncIterable<T>): AsyncIterable<T> {
  await wait;
  yield* start();
}

/**
 * `events`, telling `refused` when they end in the upstream's refusal of the credential sent; the refusal says so when
 * the credential is renewed (`ProviderError.credentialRenewed`).
 */
async function* watchRefusal(events: AsyncIterable<StreamEvent>, refused: () => boolean): AsyncIterable<StreamEvent> {
  for await (const event of events) {
    if (event.type === 'error' && event.error.code === 'upstream_auth_failed' && refused()) yield { ...event, error: { ...event.error, credentialRenewed: true } };
    else yield event;
  }
}

/** A flavour's request options, by deployment; the same object for every one when they do not differ. */
function requestOptionsOf(request: OpenAiFlavour['request']): (target: ProviderTarget) => OpenAiRequestOptions {
  if (typeof request === 'function') return (target) => ({ ...OPENAI_REQUEST_OPTIONS, ...request(target) });
  const options = { ...OPENAI_REQUEST_OPTIONS, ...request };
  return () => options;
}

export function openAiProtocolProvider(flavour: OpenAiFlavour): Provider {
  return defineProvider(openAiProtocolAdapter(flavour));
}

/**
 * The same-protocol fast path: OpenAI chat and legacy completions bodies go to every one of these providers
 * verbatim, Responses bodies to the deployments that serve `/responses`: every OpenAI one, and Azure and
 * OpenAI-compatible ones marked `responsesApi` (elsewhere they are translated to chat completions).
 */
function openAiForward(flavour: OpenAiFlavour): ForwardCapability {
  const { endpoints } = flavour;
  const responsesAlways = flavour.kind === 'openai';
  return {
    takes: (protocol, target) =>
      protocol === 'openai-chat' ||
      protocol === 'openai-completions' ||
      (protocol === 'openai-responses' && endpoints.responses !== undefined && (responsesAlways || target.responsesApi)),
    upstream(protocol, target, secrets) {
      if (protocol === 'openai-chat') return endpoints.chat(target, secrets);
      if (protocol === 'openai-completions') return endpoints.completions(target, secrets);
      if (protocol === 'openai-responses' && endpoints.responses !== undefined) return endpoints.responses(target, secrets);
      throw { status: 500, type: 'api_error', code: 'upstream_error', message: `${flavour.kind} cannot take ${protocol} requests verbatim`, provider: flavour.kind } satisfies ProviderError;
    },
    ...(endpoints.ready !== undefined && { ready: endpoints.ready }),
    ...(endpoints.unauthorized !== undefined && { unauthorized: endpoints.unauthorized }),
    mapError: (status, headers, body) => mapHttpError(flavour.kind, status, headers, body, flavour.contentPolicy),
    takesStreamOptions: (target) => takesStreamOptions(target, flavour.takesStreamOptions),
    refusedStreamOptions,
  };
}
