/**
 * Writes data-plane/data/o200k_base.ranks.gz, the o200k_base rank table that src/providers/tokenizer/o200k.ts
 * loads, from the one gpt-tokenizer ships. gpt-tokenizer's table is a JS module (an array literal of 200k strings,
 * turned into a Map on load): about 69 MB of RSS in a process. The same table as bytes is 1.4 MB, under 1 MB
 * gzipped, and loads into a few typed arrays.
 *
 * Format (before gzip), little-endian:
 *   u32  count: number of ranks, holes included
 *   then for each rank 0 … count−1: u8 length (0 for a rank without a token), then that many bytes of the token
 *
 * gpt-tokenizer's table has a token's UTF-8 text as a string, or its bytes as an array of numbers when they are
 * not valid UTF-8 (or start with a byte-order mark, which a TextDecoder would drop). A hole would be an unused rank.
 *
 * Usage: node data-plane/scripts/build-o200k-ranks.mjs [output path]
 * The test src/providers/tokenizer/o200k.test.ts runs this with a temporary output path and checks that the
 * committed file holds the same table.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import bpeRanks from 'gpt-tokenizer/esm/bpeRanks/o200k_base';

const output = process.argv[2] ?? fileURLToPath(new URL('../data/o200k_base.ranks.gz', import.meta.url));
const MAX_TOKEN_BYTES = 255;

/** The bytes of each rank's token, or undefined for a hole. */
function tokenBytes(ranks) {
  const encoder = new TextEncoder();
  return Array.from(ranks, (value) => {
    if (value === undefined) return undefined;
    return typeof value === 'string' ? encoder.encode(value) : Uint8Array.from(value);
  });
}

/** Fails on what the format cannot hold or what would make two ranks ambiguous. */
function check(tokens) {
  const seen = new Set();
  tokens.forEach((bytes, rank) => {
    if (bytes === undefined) return;
    if (bytes.length === 0 || bytes.length > MAX_TOKEN_BYTES) throw new Error(`rank ${rank}: ${bytes.length} bytes`);
    const key = Buffer.from(bytes).toString('latin1');
    if (seen.has(key)) throw new Error(`rank ${rank}: the same bytes as an earlier rank`);
    seen.add(key);
  });
}

function serialize(tokens) {
  const size = 4 + tokens.reduce((sum, bytes) => sum + 1 + (bytes?.length ?? 0), 0);
  const out = Buffer.alloc(size);
  out.writeUInt32LE(tokens.length, 0);
  let at = 4;
  for (const bytes of tokens) {
    out[at++] = bytes?.length ?? 0;
    if (bytes !== undefined) {
      out.set(bytes, at);
      at += bytes.length;
    }
  }
  return out;
}

const tokens = tokenBytes(bpeRanks);
check(tokens);
const gzipped = gzipSync(serialize(tokens), { level: 9 });
writeFileSync(output, gzipped);
console.log(`${output}: ${tokens.length} ranks, ${gzipped.length} bytes`);
