import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/**
 * Token counts with OpenAI's o200k_base encoding (GPT-4o, 4.1, o-series, GPT-5): the counts of gpt-tokenizer's
 * `countTokens(text, { disallowedSpecial: new Set() })`, special-token markers (`<|endoftext|>`) counted as text,
 * from a compact rank table. gpt-tokenizer keeps its 200k ranks as JS strings in an array and a Map: measured in a
 * fresh process, about 140 ms to load and +55 MB of RSS after GC (+20 MB of heap). Here they are one byte array, an
 * offset array and an open-addressing hash table, 4.2 MB outside the JS heap: about 35 ms and +11 MB of RSS, of
 * which 4.6 MB are node's own code pages (its optimising compiler) that a process running for a while has already
 * paged in; +7 MB in such a process.
 *
 * One deliberate difference: a byte-order mark (U+FEFF) counts as o200k's token for it, where gpt-tokenizer finds
 * no token for it and counts two (see the test).
 *
 * The table loads when this module is imported, synchronously; token-estimate.ts imports it when first needed.
 */

/**
 * data-plane/data/o200k_base.ranks.gz, written by data-plane/scripts/build-o200k-ranks.mjs from gpt-tokenizer's
 * table. Gzip of, little-endian: u32 count of ranks, then per rank a u8 length (0 for a rank without a token) and
 * the token's bytes. The same relative path from src/providers/tokenizer (vitest) and dist/providers/tokenizer.
 */
const RANKS_FILE = new URL('../../../data/o200k_base.ranks.gz', import.meta.url);

/** The ranks as bytes: token `r` is `bytes[offsets[r] … offsets[r + 1])`, empty for a rank without a token. */
export interface RankTable {
  readonly count: number;
  readonly bytes: Uint8Array;
  readonly offsets: Uint32Array;
  /** Open addressing, linear probing, FNV-1a of the token's bytes; a slot holds a rank or EMPTY. */
  readonly slots: Int32Array;
  readonly maxTokenLength: number;
}

const EMPTY = -1;

/** Decodes the file format above and builds the lookup table. */
export function parseRanks(gzipped: Uint8Array): RankTable {
  const raw = gunzipSync(gzipped);
  const count = raw.readUInt32LE(0);
  const offsets = new Uint32Array(count + 1);
  const bytes = new Uint8Array(raw.length - 4 - count);
  let from = 4;
  let to = 0;
  let maxTokenLength = 0;
  for (let rank = 0; rank < count; rank++) {
    const length = raw[from++]!;
    // Byte by byte: a subarray per token would be 200k short-lived objects (measured: 2 MB more RSS after loading).
    for (let i = 0; i < length; i++) bytes[to++] = raw[from++]!;
    offsets[rank + 1] = to;
    if (length > maxTokenLength) maxTokenLength = length;
  }
  if (from !== raw.length) throw new Error(`o200k ranks: ${raw.length - from} bytes after the last rank`);
  const table = { count, bytes, offsets, slots: new Int32Array(slotCount(count)).fill(EMPTY), maxTokenLength };
  for (let rank = 0; rank < count; rank++) if (offsets[rank + 1]! > offsets[rank]!) insert(table, rank);
  return table;
}

/** A power of two at least twice the number of tokens, so probe runs stay short. */
function slotCount(tokens: number): number {
  let slots = 1;
  while (slots < 2 * tokens) slots *= 2;
  return slots;
}

function insert(table: RankTable, rank: number): void {
  const { slots, bytes, offsets } = table;
  const mask = slots.length - 1;
  let slot = hash(bytes, offsets[rank]!, offsets[rank + 1]!) & mask;
  while (slots[slot] !== EMPTY) slot = (slot + 1) & mask;
  slots[slot] = rank;
}

/** FNV-1a, 32 bits. */
function hash(data: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ data[i]!, 0x01000193);
  return h >>> 0;
}

/** The rank of the token whose bytes are `data[start … end)`, or EMPTY if they are no token. */
export function rankOf(table: RankTable, data: Uint8Array, start: number, end: number): number {
  const length = end - start;
  if (length > table.maxTokenLength) return EMPTY;
  const { slots, bytes, offsets } = table;
  const mask = slots.length - 1;
  for (let slot = hash(data, start, end) & mask; ; slot = (slot + 1) & mask) {
    const rank = slots[slot]!;
    if (rank === EMPTY) return EMPTY;
    const at = offsets[rank]!;
    if (offsets[rank + 1]! - at === length && sameBytes(bytes, at, data, start, length)) return rank;
  }
}

function sameBytes(a: Uint8Array, aStart: number, b: Uint8Array, bStart: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (a[aStart + i] !== b[bStart + i]) return false;
  return true;
}

export const ranks = parseRanks(readFileSync(RANKS_FILE));

/**
 * The o200k pre-tokenizer: text is split into pieces (words with their leading space or punctuation, contractions,
 * digits in groups of up to three, punctuation runs, whitespace), and each piece is byte-pair encoded on its own.
 * Copied from gpt-tokenizer (`O200K_TOKEN_SPLIT_PATTERN` in src/encodingParams/constants.ts), compiled as it is
 * there with the `gu` flags: with `u`, a surrogate pair is one character and a lone surrogate one of
 * `[^\s\p{L}\p{N}]`. JavaScript's `\s` differs a little from the Python regex OpenAI uses (it includes U+FEFF and
 * not U+0085); these are gpt-tokenizer's pieces.
 */
export const PIECE_PATTERN = [
  String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?:'(?:[sS]|[dD]|[mM]|[tT]|[lL][lL]|[vV][eE]|[rR][eE]))?`,
  String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?:'(?:[sS]|[dD]|[mM]|[tT]|[lL][lL]|[vV][eE]|[rR][eE]))?`,
  String.raw`\p{N}{1,3}`,
  String.raw` ?[^\s\p{L}\p{N}]+[\r\n/]*`,
  String.raw`\s*[\r\n]+`,
  String.raw`\s+(?!\S)`,
  String.raw`\s+`,
].join('|');
const PIECE = new RegExp(PIECE_PATTERN, 'gu');

/**
 * Pieces up to this many UTF-16 units are encoded and merged in arrays reused across pieces; a longer one (rare: a
 * long word, base64) gets its own, so a single 1 MB word does not leave 40 MB of scratch arrays behind.
 */
const REUSED_PIECE_LENGTH = 1024;
const encoder = new TextEncoder();
/** UTF-8 takes at most 3 bytes per UTF-16 unit. */
const pieceBytes = new Uint8Array(3 * REUSED_PIECE_LENGTH);

/** Tokens of `text` in o200k_base. */
export function countTokens(text: string): number {
  let tokens = 0;
  PIECE.lastIndex = 0;
  for (let match = PIECE.exec(text); match !== null; match = PIECE.exec(text)) tokens += countPiece(match[0]);
  return tokens;
}

/**
 * A piece that is a token as a whole is one; others are merged. A lone surrogate is encoded as U+FFFD, as
 * gpt-tokenizer does; it looks the piece up as a string, misses, and merges, but every o200k token holding U+FFFD
 * is reached by merging, so the count is the same (the test checks each).
 *
 * There is no cache of piece counts, unlike gpt-tokenizer (up to 100k pieces): a cache of 4,096 merged pieces saved
 * 5–7% of the time on 1 MB of mixed text, within the noise of the measurement, for 2 MB more RSS.
 */
function countPiece(piece: string): number {
  const bytes = piece.length <= REUSED_PIECE_LENGTH ? pieceBytes : new Uint8Array(3 * piece.length);
  const length = encoder.encodeInto(piece, bytes).written;
  if (rankOf(ranks, bytes, 0, length) !== EMPTY) return 1;
  if (length > next.length) allocateMergeArrays(length);
  const parts = mergedParts(bytes, length);
  if (next.length > 3 * REUSED_PIECE_LENGTH) allocateMergeArrays(3 * REUSED_PIECE_LENGTH);
  return parts;
}

/*
 * Byte-pair merging: start from single bytes, repeatedly merge the adjacent pair whose concatenation is the token
 * of lowest rank (the leftmost such pair on a tie) until no adjacent pair is a token; the piece is as many tokens
 * as parts remain. The usual loop scans every pair for the lowest each time, quadratic in the piece's length:
 * gpt-tokenizer takes 0.5 s for a word of 40,000 characters and would hold the event loop for minutes on a 1 MB
 * one (this takes 0.3 s). Here the candidate pairs sit in a binary heap keyed by rank, then position, so a piece of
 * n bytes takes O(n log n); a pair whose parts have changed since it was pushed is recognised on popping (its
 * part's current pair rank differs) and skipped.
 *
 * Parts are a linked list over byte positions: a part starting at `s` ends at `next[s]`, follows `prev[s]`, and
 * `pairRank[s]` is the rank of it joined with the next part (EMPTY if that is no token or `s` no longer starts a
 * part).
 */
let next: Int32Array;
let prev: Int32Array;
let pairRank: Int32Array;
/** Heap entries, rank × 2^32 + position: exact in a double (ranks < 2^21), ordered by rank, then position. */
let heap: Float64Array;
let heapSize = 0;
const POSITION = 2 ** 32;
allocateMergeArrays(3 * REUSED_PIECE_LENGTH);

function allocateMergeArrays(bytes: number): void {
  next = new Int32Array(bytes);
  prev = new Int32Array(bytes);
  pairRank = new Int32Array(bytes);
  // At most one entry per pair at the start and two per merge after.
  heap = new Float64Array(3 * bytes);
}

function mergedParts(data: Uint8Array, length: number): number {
  heapSize = 0;
  for (let s = 0; s < length; s++) {
    next[s] = s + 1;
    prev[s] = s - 1;
    pairRank[s] = s + 2 <= length ? rankOf(ranks, data, s, s + 2) : EMPTY;
    if (pairRank[s] !== EMPTY) push(pairRank[s]! * POSITION + s);
  }
  let parts = length;
  while (heapSize > 0) {
    const top = pop();
    const s = top % POSITION;
    if (pairRank[s] !== (top - s) / POSITION) continue;
    const merged = next[s]!;
    const after = next[merged]!;
    next[s] = after;
    if (after < length) prev[after] = s;
    pairRank[merged] = EMPTY;
    parts--;
    rerank(data, length, s);
    if (s > 0) rerank(data, length, prev[s]!);
  }
  return parts;
}

/** Recomputes the pair rank of the part starting at `s` after its part or the next one changed. */
function rerank(data: Uint8Array, length: number, s: number): void {
  const after = next[s]!;
  const rank = after < length ? rankOf(ranks, data, s, next[after]!) : EMPTY;
  pairRank[s] = rank;
  if (rank !== EMPTY) push(rank * POSITION + s);
}

function push(key: number): void {
  let i = heapSize++;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[parent]! <= key) break;
    heap[i] = heap[parent]!;
    i = parent;
  }
  heap[i] = key;
}

function pop(): number {
  const top = heap[0]!;
  const last = heap[--heapSize]!;
  let i = 0;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= heapSize) break;
    if (child + 1 < heapSize && heap[child + 1]! < heap[child]!) child++;
    if (heap[child]! >= last) break;
    heap[i] = heap[child]!;
    i = child;
  }
  heap[i] = last;
  return top;
}
