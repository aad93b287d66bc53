import type { ProviderError } from '../../canonical/errors.js';
import type { StreamEvent, TokenUsage } from '../../canonical/events.js';
import { bedrockStreamException } from './bedrock-error.js';
import { convertUsage } from './convert-usage.js';
import { decodeEventStream, headerString, type EventStreamMessage } from './event-stream.js';
import { finishEvents } from './finish.js';
import { longestStopSequence, withoutStopSequence } from './map-stop-reason.js';
import { StreamEventSchemas, type StreamEventType } from './wire.js';

/**
 * A ConverseStream body (binary event-stream messages) → canonical events.
 *
 * Bedrock streams `messageStart`, then per content block `contentBlockStart` (tool use only), `contentBlockDelta`s
 * and `contentBlockStop`, then `messageStop` (the stop reason) and `metadata` (usage). A tool call without arguments
 * streams no input (or an empty one): its arguments are `{}`, as in a whole Converse response. `finish` goes out when
 * both stop reason and usage are known, or at the end of the body when `metadata` never came (an error instead when
 * the stop reason says the model failed or a filter blocked everything, see `finish.ts`). Every event payload is
 * zod-parsed; one that does not parse, an `exception` message (throttling, model stream error, validation, …) or an
 * `error` message ends the stream with an `error` event. A body that ends before `messageStop` yields no `finish`
 * (the caller turns that into an error, never a silent success); framing errors (bad checksum, cut-off message)
 * and socket errors are thrown by the decoder and handled the same way.
 *
 * A model that leaves the stop sequence that stopped it at the end of its output (`leavesStopSequence`: Amazon Nova,
 * see `map-stop-reason.ts`) has the last characters of its text held back, as many as the longest stop sequence, until
 * more text, a tool call or the stop reason shows whether they are one; the sequence is then cut off, as OpenAI's and
 * Anthropic's APIs (and Claude on Bedrock) leave it out of the answer.
 */
export async function* converseStreamEvents(body: AsyncIterable<Uint8Array>, stopSequences: readonly string[] = [], leavesStopSequence = false): AsyncGenerator<StreamEvent> {
  const mapper = new ConverseStreamMapper(stopSequences, leavesStopSequence);
  for await (const message of decodeEventStream(body)) {
    yield* mapper.message(message);
    if (mapper.done) return;
  }
  yield* mapper.end();
}

type ParsedEvent = { [K in StreamEventType]: { type: K; data: ReturnType<(typeof StreamEventSchemas)[K]['parse']> } }[StreamEventType];

interface ToolBlock {
  readonly index: number;
  readonly id: string;
  readonly name: string;
  /** Argument deltas held back while an earlier call is still open (calls go out one after another). */
  readonly pending: string[];
  /** Whether any argument text came: a call without arguments streams none (or only empty input). */
  sawArguments: boolean;
  started: boolean;
  stopped: boolean;
}

export class ConverseStreamMapper {
  done = false;
  private readonly tools = new Map<number, ToolBlock>();
  /** Tool blocks in the order they started, not yet ended downstream. */
  private readonly toolQueue: ToolBlock[] = [];
  private nextToolIndex = 0;
  private producedOutput = false;
  private stop: { reason: string; fields: Readonly<Record<string, unknown>> | null | undefined } | undefined;
  private usage: TokenUsage | undefined;
  /** The end of the answer's text, as much as telling which stop sequence stopped it takes (see `map-stop-reason.ts`). */
  private textTail = '';
  private readonly tailLength: number;
  /** Whether text is held back (`held`) to cut a stop sequence the model leaves in it off the end. */
  private readonly holds: boolean;
  /** Text not yet yielded: at most the last `tailLength` characters (one more to keep a surrogate pair whole). */
  private held = '';

  /** `stopSequences`: the request's (`inferenceConfig.stopSequences`); see `converseStreamEvents` for the other. */
  constructor(
    private readonly stopSequences: readonly string[] = [],
    leavesStopSequence = false,
  ) {
    this.tailLength = longestStopSequence(stopSequences);
    this.holds = leavesStopSequence && this.tailLength > 0;
  }

  *message(message: EventStreamMessage): Generator<StreamEvent> {
    const messageType = headerString(message, ':message-type');
    if (messageType === 'exception') {
      yield* this.fail(bedrockStreamException(headerString(message, ':exception-type'), message.payload));
      return;
    }
    if (messageType === 'error') {
      const code = headerString(message, ':error-code');
      yield* this.fail(bedrockStreamException(code, JSON.stringify({ message: headerString(message, ':error-message') ?? code ?? 'unknown error' })));
      return;
    }
    if (messageType !== 'event') {
      yield* this.fail(malformed(`unexpected event-stream message type ${String(messageType)}`));
      return;
    }
    const eventType = headerString(message, ':event-type');
    // Events Bedrock may add later are skipped, as the SDK does.
    if (eventType === undefined || !Object.hasOwn(StreamEventSchemas, eventType)) return;
    const parsed = parseEvent(eventType as StreamEventType, message.payload);
    if ('error' in parsed) {
      yield* this.fail(parsed.error);
      return;
    }
    yield* this.event(parsed);
  }

  /** The body ended: a stopped message finishes without usage; anything else is left to the caller as truncated. */
  *end(): Generator<StreamEvent> {
    if (this.done) return;
    yield* this.release(false);
    if (this.stop) yield* this.finish();
  }

  private *event(event: ParsedEvent): Generator<StreamEvent> {
    switch (event.type) {
      case 'messageStart':
        return;
      case 'contentBlockStart': {
        const toolUse = event.data.start.toolUse;
        if (!toolUse) return;
        yield* this.release(false);
        const tool: ToolBlock = { index: this.nextToolIndex++, id: toolUse.toolUseId, name: toolUse.name, pending: [], sawArguments: false, started: false, stopped: false };
        this.tools.set(event.data.contentBlockIndex, tool);
        this.toolQueue.push(tool);
        yield* this.flushTools();
        return;
      }
      case 'contentBlockDelta': {
        const { delta, contentBlockIndex } = event.data;
        if (delta.text !== undefined && delta.text !== '') {
          this.producedOutput = true;
          if (this.tailLength > 0) this.textTail = (this.textTail + delta.text).slice(-this.tailLength);
          if (this.holds) yield* this.hold(delta.text);
          else yield { type: 'text-delta', text: delta.text };
        }
        if (delta.toolUse) {
          const tool = this.tools.get(contentBlockIndex);
          if (!tool) {
            yield* this.fail(malformed(`tool input for content block ${contentBlockIndex}, which did not start as a tool use`));
            return;
          }
          this.producedOutput = true;
          const input = delta.toolUse.input;
          if (input !== '') {
            tool.sawArguments = true;
            if (tool.started) yield { type: 'tool-call-delta', index: tool.index, argumentsDelta: input };
            else tool.pending.push(input);
          }
        }
        const reasoning = delta.reasoningContent;
        if (reasoning) {
          yield* this.release(false);
          this.producedOutput = true;
          if (reasoning.text !== undefined && reasoning.text !== '') yield { type: 'reasoning-delta', text: reasoning.text };
          if (reasoning.signature !== undefined) yield { type: 'reasoning-signature', signature: reasoning.signature };
          if (reasoning.redactedContent !== undefined) yield { type: 'reasoning-redacted', data: reasoning.redactedContent };
        }
        return;
      }
      case 'contentBlockStop': {
        const tool = this.tools.get(event.data.contentBlockIndex);
        if (!tool) return;
        tool.stopped = true;
        yield* this.flushTools();
        return;
      }
      case 'messageStop':
        yield* this.release(event.data.stopReason === 'stop_sequence');
        yield* this.closeTools();
        this.stop = { reason: event.data.stopReason, fields: event.data.additionalModelResponseFields };
        if (this.usage) yield* this.finish();
        return;
      case 'metadata':
        this.usage = convertUsage(event.data.usage);
        if (this.stop) yield* this.finish();
        return;
    }
  }

  /** Text, all but its last `tailLength` characters yielded; those are held until the next text or the end. */
  private *hold(text: string): Generator<StreamEvent> {
    const all = this.held + text;
    let cut = all.length - this.tailLength;
    // Never between the halves of a surrogate pair: each half alone is not text.
    if (cut > 0 && isHighSurrogate(all.charCodeAt(cut - 1))) cut--;
    if (cut <= 0) {
      this.held = all;
      return;
    }
    this.held = all.slice(cut);
    yield { type: 'text-delta', text: all.slice(0, cut) };
  }

  /** Yields the held text; `stopped`: the answer ended on a stop sequence, which is cut off the end first. */
  private *release(stopped: boolean): Generator<StreamEvent> {
    if (this.held === '') return;
    const text = stopped ? withoutStopSequence(this.held, this.stopSequences) : this.held;
    this.held = '';
    if (text !== '') yield { type: 'text-delta', text };
  }

  /** Starts the first queued call if none is open, replays what it buffered, ends it if it already stopped, repeat. */
  private *flushTools(): Generator<StreamEvent> {
    while (this.toolQueue.length > 0) {
      const tool = this.toolQueue[0]!;
      if (!tool.started) {
        tool.started = true;
        yield { type: 'tool-call-start', index: tool.index, id: tool.id, name: tool.name };
        for (const argumentsDelta of tool.pending.splice(0)) yield { type: 'tool-call-delta', index: tool.index, argumentsDelta };
      }
      if (!tool.stopped) return;
      // Canonical arguments are always JSON text, as a whole Converse response gives them (`{}` for no input).
      if (!tool.sawArguments) yield { type: 'tool-call-delta', index: tool.index, argumentsDelta: '{}' };
      yield { type: 'tool-call-end', index: tool.index };
      this.toolQueue.shift();
    }
  }

  /** At `messageStop` every call is complete, whether or not its block said so. */
  private *closeTools(): Generator<StreamEvent> {
    for (const tool of this.toolQueue) tool.stopped = true;
    yield* this.flushTools();
  }

  private *finish(): Generator<StreamEvent> {
    this.done = true;
    yield* finishEvents({
      stopReason: this.stop!.reason,
      additionalFields: this.stop!.fields,
      usage: this.usage ?? { inputTokens: undefined, outputTokens: undefined },
      producedOutput: this.producedOutput,
      stopSequenceClues: { sequences: this.stopSequences, text: this.textTail },
    });
  }

  /** Ends the stream with `error`, after the text held back: the client gets everything the model wrote. */
  private *fail(error: ProviderError): Generator<StreamEvent> {
    yield* this.release(false);
    this.done = true;
    yield { type: 'error', error };
  }
}

function parseEvent(type: StreamEventType, payload: Uint8Array): ParsedEvent | { error: ProviderError } {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
  } catch {
    return { error: malformed(`${type} event payload is not JSON`) };
  }
  const result = StreamEventSchemas[type].safeParse(json);
  if (!result.success) return { error: malformed(`${type} event does not match the ConverseStream schema (${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`) };
  return { type, data: result.data } as ParsedEvent;
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

function malformed(detail: string): ProviderError {
  return { status: 502, type: 'api_error', code: 'upstream_error', message: `bedrock: malformed stream: ${detail}`, provider: 'bedrock' };
}
