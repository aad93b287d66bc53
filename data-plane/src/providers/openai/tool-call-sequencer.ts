import type { StreamEvent } from '../types.js';

/**
 * Puts streamed content in the order the canonical stream contract requires: a tool call is start, deltas, end,
 * and calls come one after another. OpenAI streams parallel calls one after another already (all of index 0,
 * then index 1…), but nothing in its format promises it and some compatible servers interleave indices.
 *
 * The first call streams live. Anything that arrives while it is open (other calls, text, reasoning) is held,
 * because the open call may still receive arguments; at the end (`flush`) the open call is closed and what was
 * held comes out in arrival order, each held call as one start/deltas/end group with its argument pieces intact.
 * On a well-behaved upstream that only delays calls after the first until the finish chunk, which is moments.
 */
export class ToolCallSequencer {
  private open: number | undefined;
  private readonly held: Held[] = [];
  private readonly heldCalls = new Map<number, HeldCall>();
  /** Canonical indices count from 0 in emission order, whatever the upstream's indices were. */
  private nextIndex = 0;
  private openCanonical = 0;

  /** A `tool_calls` delta. `id` and `name` arrive with the first delta of a call. */
  toolCall(index: number, id: string | undefined, name: string | undefined, args: string | undefined): StreamEvent[] {
    // A call starts live only if nothing is held before it and its name is known (a server that sends the name
    // late gets its call held until the end, when the name is there).
    if (this.open === undefined && this.held.length === 0 && !this.heldCalls.has(index) && name) {
      this.open = index;
      this.openCanonical = this.nextIndex++;
      const events: StreamEvent[] = [{ type: 'tool-call-start', index: this.openCanonical, id: id || fallbackId(index), name }];
      if (args) events.push({ type: 'tool-call-delta', index: this.openCanonical, argumentsDelta: args });
      return events;
    }
    if (index === this.open) {
      return args ? [{ type: 'tool-call-delta', index: this.openCanonical, argumentsDelta: args }] : [];
    }
    let call = this.heldCalls.get(index);
    if (!call) {
      call = { kind: 'call', id: id || fallbackId(index), name: name ?? '', pieces: [] };
      this.heldCalls.set(index, call);
      this.held.push(call);
    } else {
      if (id && call.id === fallbackId(index)) call.id = id;
      if (name && call.name === '') call.name = name;
    }
    if (args) call.pieces.push(args);
    return [];
  }

  text(text: string): StreamEvent[] {
    return this.content('text-delta', text);
  }

  reasoning(text: string): StreamEvent[] {
    return this.content('reasoning-delta', text);
  }

  /** Closes the open call and releases everything held, in order. Call once, before `finish`. */
  flush(): StreamEvent[] {
    const events: StreamEvent[] = [];
    if (this.open !== undefined) events.push({ type: 'tool-call-end', index: this.openCanonical });
    this.open = undefined;
    for (const item of this.held) {
      if (item.kind === 'call') {
        const index = this.nextIndex++;
        events.push({ type: 'tool-call-start', index, id: item.id, name: item.name });
        for (const piece of item.pieces) events.push({ type: 'tool-call-delta', index, argumentsDelta: piece });
        events.push({ type: 'tool-call-end', index });
      } else {
        events.push({ type: item.kind, text: item.text });
      }
    }
    this.held.length = 0;
    this.heldCalls.clear();
    return events;
  }

  private content(kind: 'text-delta' | 'reasoning-delta', text: string): StreamEvent[] {
    if (text === '') return [];
    if (this.open === undefined) return [{ type: kind, text }];
    const last = this.held.at(-1);
    if (last?.kind === kind) last.text += text;
    else this.held.push({ kind, text });
    return [];
  }
}

interface HeldCall {
  readonly kind: 'call';
  id: string;
  name: string;
  readonly pieces: string[];
}

type Held = HeldCall | { readonly kind: 'text-delta' | 'reasoning-delta'; text: string };

/** Some compatible servers omit call ids; the client still needs one to answer the call. */
function fallbackId(index: number): string {
  return `call_${index}`;
}
