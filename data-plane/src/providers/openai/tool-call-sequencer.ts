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
 *
 * A call is known by its upstream index, except that a delta with a name and an id other than the call's at that
 * index starts the next call: Ollama streams every call of a batch at index 0, each whole in one delta with its own
 * id (ollama/ollama#15457). Servers that repeat a call's id on each of its deltas are unaffected.
 */
export class ToolCallSequencer {
  /** The call streaming live; `index` is the upstream index its deltas come at, undefined once another call took it. */
  private open: { index: number | undefined; readonly id: string | undefined; readonly canonical: number } | undefined;
  private readonly held: Held[] = [];
  /** The held call each upstream index stands for now. */
  private readonly heldCalls = new Map<number, HeldCall>();
  /** Canonical indices count from 0 in emission order, whatever the upstream's indices were. */
  private nextIndex = 0;

  /** A `tool_calls` delta. `id` and `name` arrive with the first delta of a call. */
  toolCall(index: number, id: string | undefined, name: string | undefined, args: string | undefined): StreamEvent[] {
    const open = this.open;
    if (open !== undefined && index === open.index) {
      if (!startsAnother(open.id, id, name)) return args ? [{ type: 'tool-call-delta', index: open.canonical, argumentsDelta: args }] : [];
      // The open call is complete: the upstream moved on at the same index.
      open.index = undefined;
      if (this.held.length === 0) {
        this.open = undefined;
        return [{ type: 'tool-call-end', index: open.canonical }, ...this.toolCall(index, id, name, args)];
      }
    }
    // A call starts live only if nothing is held before it and its name is known (a server that sends the name
    // late gets its call held until the end, when the name is there).
    if (this.open === undefined && this.held.length === 0 && !this.heldCalls.has(index) && name) {
      const canonical = this.nextIndex++;
      this.open = { index, id: id || undefined, canonical };
      const events: StreamEvent[] = [{ type: 'tool-call-start', index: canonical, id: id || fallbackId(index), name }];
      if (args) events.push({ type: 'tool-call-delta', index: canonical, argumentsDelta: args });
      return events;
    }
    let call = this.heldCalls.get(index);
    if (!call || startsAnother(call.id, id, name)) {
      call = { kind: 'call', index, id: id || undefined, name: name ?? '', pieces: [] };
      this.heldCalls.set(index, call);
      this.held.push(call);
    } else {
      if (id && call.id === undefined) call.id = id;
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
    if (this.open !== undefined) events.push({ type: 'tool-call-end', index: this.open.canonical });
    this.open = undefined;
    for (const item of this.held) {
      if (item.kind === 'call') {
        const index = this.nextIndex++;
        events.push({ type: 'tool-call-start', index, id: item.id ?? fallbackId(item.index), name: item.name });
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
  /** The upstream index it came at. */
  readonly index: number;
  /** The upstream's id for it, once one came. */
  id: string | undefined;
  name: string;
  readonly pieces: string[];
}

type Held = HeldCall | { readonly kind: 'text-delta' | 'reasoning-delta'; text: string };

/** A delta that begins a call other than the one with `current` id: a name and another id (Ollama's index-0 batches). */
function startsAnother(current: string | undefined, id: string | undefined, name: string | undefined): boolean {
  return current !== undefined && !!id && !!name && id !== current;
}

/** Some compatible servers omit call ids; the client still needs one to answer the call. */
function fallbackId(index: number): string {
  return `call_${index}`;
}
