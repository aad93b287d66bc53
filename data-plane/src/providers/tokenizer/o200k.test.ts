import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { O200K_TOKEN_SPLIT_REGEX } from 'gpt-tokenizer/esm/encodingParams/constants';
import * as gpt from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { countTokens, parseRanks, PIECE_PATTERN, rankOf, ranks } from './o200k.js';

/** The reference: gpt-tokenizer with special-token markers counted as text, as token-estimate.ts counted before. */
const AS_TEXT = { disallowedSpecial: new Set<string>() };
const reference = (text: string) => gpt.countTokens(text, AS_TEXT);

function expectSameCounts(texts: readonly string[]): void {
  const differing = texts.filter((t) => countTokens(t) !== reference(t));
  expect(differing.map((t) => ({ text: t.slice(0, 80), ours: countTokens(t), reference: reference(t) }))).toEqual([]);
}

/** mulberry32: a seeded PRNG, so a failing random string can be found again. */
function prng(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const SCRIPT = fileURLToPath(new URL('../../../scripts/build-o200k-ranks.mjs', import.meta.url));
const COMMITTED = fileURLToPath(new URL('../../../data/o200k_base.ranks.gz', import.meta.url));

describe('o200k rank table', () => {
  it('should be what the generator writes from the installed gpt-tokenizer, rank for rank', () => {
    const dir = mkdtempSync(join(tmpdir(), 'o200k-'));
    try {
      const generated = join(dir, 'o200k_base.ranks.gz');
      execFileSync(process.execPath, [SCRIPT, generated]);
      const fresh = parseRanks(readFileSync(generated));
      const committed = parseRanks(readFileSync(COMMITTED));
      expect(committed.count).toBe(fresh.count);
      const differing: number[] = [];
      for (let rank = 0; rank < fresh.count; rank++) {
        if (!Buffer.from(tokenOf(committed, rank)).equals(tokenOf(fresh, rank))) differing.push(rank);
      }
      expect(differing).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true });
    }
  }, 30_000);

  it('should find every token by its bytes', () => {
    expect(ranks.count).toBe(199_998);
    const wrong: number[] = [];
    for (let rank = 0; rank < ranks.count; rank++) {
      if (rankOf(ranks, ranks.bytes, ranks.offsets[rank]!, ranks.offsets[rank + 1]!) !== rank) wrong.push(rank);
    }
    expect(wrong).toEqual([]);
    expect(rankOf(ranks, new TextEncoder().encode('Hello'), 0, 5)).toBe(13225);
    expect(rankOf(ranks, new TextEncoder().encode('no such token, surely'), 0, 21)).toBe(-1);
  });
});

function tokenOf(table: ReturnType<typeof parseRanks>, rank: number): Uint8Array {
  return table.bytes.subarray(table.offsets[rank]!, table.offsets[rank + 1]!);
}

describe('countTokens', () => {
  it("should split text with gpt-tokenizer's o200k pattern", () => {
    const ours = new RegExp(PIECE_PATTERN, 'gu');
    expect(ours.source).toBe(O200K_TOKEN_SPLIT_REGEX.source);
    expect(ours.flags).toBe(O200K_TOKEN_SPLIT_REGEX.flags);
  });

  it('should count prose, code and data as gpt-tokenizer does', () => {
    expectSameCounts([
      '',
      'Hello world!',
      'The quick brown fox jumps over the lazy dog. It wasn\'t the first time; it won\'t be the last.',
      "I'm sure you'll see they'RE here, she'S gone, we'VE won, he'D know, I'M done, don'T, it'LL, 'twas",
      'Budgets reserve an estimated cost before the upstream call and settle the real cost after.\n\n'.repeat(20),
      'export async function handler(req: Request): Promise<Response> {\n  const { model, messages } = await req.json();\n  return new Response(JSON.stringify({ ok: true }), { status: 200 });\n}\n',
      'def fib(n: int) -> int:\n    """Fibonacci."""\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n\nprint([fib(i) for i in range(20)])\n',
      'fn main() {\n    let v: Vec<u32> = (0..10).map(|x| x * x).collect();\n    println!("{:?}", v);\n}\n',
      'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hello, 世界")\n}\n',
      '#include <stdio.h>\nint main(void) { for (int i = 0; i < 10; ++i) printf("%d\\n", i); return 0; }\n',
      'SELECT u.id, COUNT(*) AS n FROM users u JOIN orders o ON o.user_id = u.id WHERE o.created_at >= NOW() - INTERVAL \'7 days\' GROUP BY 1;',
      '#!/usr/bin/env bash\nset -euo pipefail\nfor f in ./*.log; do grep -c ERROR "$f" || true; done | sort -n | tail -1\n',
      '<div class="card"><a href="/x?y=1&amp;z=2">Link</a></div>\n<style>.card{margin:0 auto;padding:4px 8px}</style>',
      JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }], tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }], temperature: 0.2, max_tokens: 1024 }, null, 2),
      'parseHTTPResponse getXMLHttpRequest IOError camelCaseWords PascalCaseWords snake_case_words SCREAMING_CASE kebab-case-words',
      'https://example.com/path/to/resource?query=a%20b&x=1#frag http://localhost:4000/v1/chat/completions mailto:a.b@example.org',
    ]);
  });

  it('should group digits as gpt-tokenizer does, at every length', () => {
    const digits = '31415926535897932384626433832795028841971693993751';
    const numbers: string[] = [];
    for (let n = 1; n <= digits.length; n++) numbers.push(digits.slice(0, n), ` ${digits.slice(0, n)}`, `x${digits.slice(0, n)}y`);
    numbers.push('1,234,567.89', '-0.000001', '1e-10', '٣٤٥', '१२३४५', '½ ² ³ ⅔', '2024-06-01T12:34:56.789Z', '$1,000,000', '0x7fffffff');
    expectSameCounts(numbers);
  });

  it('should count whitespace runs, tabs, newlines and CRLF as gpt-tokenizer does', () => {
    const texts: string[] = [];
    for (let n = 1; n <= 40; n++) texts.push(' '.repeat(n), `a${' '.repeat(n)}b`, `a${'\n'.repeat(n)}b`, '\t'.repeat(n), `x\r\n`.repeat(n));
    texts.push('line one\r\nline two\r\n\r\n  indented\r\n\ttabbed\n', ' \n \n\n   \r\r\n\u00a0\u2003\u3000x', 'end with spaces   ', '   ', '\n');
    expectSameCounts(texts);
  });

  it('should count emoji, including ZWJ sequences, skin tones and flags, as gpt-tokenizer does', () => {
    expectSameCounts(['😀', '👨‍👩‍👧‍👦', '👩🏽‍💻 🏳️‍🌈 🇫🇷🇯🇵🇺🇸 ❤️ ✋🏿', 'Ship it 🚀🚀🚀!', '🧑‍🤝‍🧑'.repeat(10), '#️⃣ 1️⃣ ©️']);
  });

  it('should count non-Latin scripts and accented Latin as gpt-tokenizer does', () => {
    expectSameCounts([
      '日本語のテキストを数えます。東京は晴れです。',
      '我们今天去公园散步，然后吃了饺子。',
      '한국어 문장도 세어 봅니다.',
      'مرحبا بالعالم، كيف حالك اليوم؟',
      'नमस्ते दुनिया, आप कैसे हैं?',
      'สวัสดีครับ วันนี้อากาศดีมาก',
      'Привет, мир! Как дела?',
      'Γειά σου Κόσμε',
      'שלום עולם',
      'Ça déjà vu, naïve façade, Ærøskøbing, Straße, São Paulo, Łódź, İstanbul, ﬁ ligature',
      'e\u0301 a\u0308 n\u0303 (combining marks)',
    ]);
  });

  it('should count special-token markers as text, as gpt-tokenizer does with nothing disallowed', () => {
    expectSameCounts([
      'say <|endoftext|> now',
      '<|endoftext|>',
      '<|fim_prefix|>a<|fim_middle|>b<|fim_suffix|>',
      '<|im_start|>system<|im_sep|>You are helpful.<|im_end|>',
      '<|endofprompt|><|startoftext|><|start|><|message|><|channel|><|return|><|constrain|><|call|><|end|>',
      '<|not_a_token|>',
    ]);
  });

  it('should count lone surrogates as gpt-tokenizer does (each as U+FFFD)', () => {
    const texts = ['\uD800', '\uDC00', 'a\uD83Db', '\uDE00\uD83D', ' \uD800abc', 'x\uDBFF\uDBFF\uDBFF y', '😀'.slice(0, 1).repeat(5)];
    // Every token holding U+FFFD, with a lone surrogate in its place: gpt-tokenizer merges these byte by byte
    // instead of looking the whole piece up, so this shows both reach the same count.
    for (let rank = 0; rank < ranks.count; rank++) {
      const text = tryDecode(tokenOf(ranks, rank));
      if (text?.includes('\uFFFD')) texts.push(text.replaceAll('\uFFFD', '\uD800'), text.replaceAll('\uFFFD', '\uDFFF'));
    }
    expect(texts.length).toBeGreaterThan(20);
    expectSameCounts(texts);
  });

  it('should count very long words as gpt-tokenizer does', () => {
    const random = prng(7);
    const base64 = Buffer.from(Array.from({ length: 7500 }, () => Math.floor(random() * 256))).toString('base64');
    expect(base64.length).toBe(10_000);
    expectSameCounts(['a'.repeat(1000), 'x'.repeat(1537), ` ${'Z'.repeat(2048)}`, 'ab'.repeat(1500), '!'.repeat(1200), base64, `data:image/png;base64,${base64}`]);
  });

  it('should count a word of 200,000 characters, merged in O(n log n) where the usual loop is quadratic', () => {
    // Eight a's to a token, as gpt-tokenizer counts shorter runs ('a'.repeat(1000) above).
    expect(countTokens('a'.repeat(200_000))).toBe(25_000);
  });

  it('should count the text of every vocabulary token as gpt-tokenizer does', () => {
    const texts: string[] = [];
    for (let rank = 0; rank < ranks.count; rank++) {
      const text = tryDecode(tokenOf(ranks, rank));
      if (text !== undefined && !text.includes(BOM)) texts.push(text);
    }
    expect(texts.length).toBeGreaterThan(190_000);
    expectSameCounts(texts);
  }, 30_000);

  it('should count random strings over a mixed alphabet as gpt-tokenizer does', () => {
    const random = prng(20_240_601);
    const pick = (chars: readonly string[]) => chars[Math.floor(random() * chars.length)]!;
    const ranges = (...spans: [number, number][]) => spans.flatMap(([from, to]) => Array.from({ length: to - from + 1 }, (_, i) => String.fromCodePoint(from + i)));
    const alphabets = [
      ranges([0x61, 0x7a], [0x41, 0x5a]),
      ranges([0x30, 0x39]),
      [...` !"#$%&'()*+,-./:;<=>?@[\\]^_\`{|}~`],
      [' ', ' ', ' ', '\n', '\r\n', '\t', '\u00a0', '\u3000'],
      ["'s", "'ll", "'RE", "'t", "'Ve"],
      ranges([0xc0, 0xff], [0xa1, 0xbf]),
      ranges([0x4e00, 0x4fff], [0x3040, 0x30ff], [0xac00, 0xac50]),
      ranges([0x0410, 0x044f], [0x0627, 0x064a], [0x0905, 0x0939], [0x0e01, 0x0e30], [0x0300, 0x036f]),
      [...ranges([0x1f600, 0x1f64f], [0x1f1e6, 0x1f1ff], [0x1f3fb, 0x1f3ff]), '\u200d', '\ufe0f', '👨‍👩‍👧', '🇩🇪'],
      ['\uD800', '\uDFFF', '<|endoftext|>', '<|im_start|>'],
    ];
    const weights = [30, 8, 10, 12, 3, 8, 8, 8, 6, 1];
    const total = weights.reduce((a, b) => a + b);
    const alphabet = () => {
      let at = random() * total;
      for (let i = 0; i < weights.length; i++) if ((at -= weights[i]!) < 0) return alphabets[i]!;
      return alphabets[0]!;
    };
    const texts = Array.from({ length: 3000 }, () => {
      // Runs from one alphabet, so words and number groups form as in real text.
      let text = '';
      const length = Math.floor(random() * 120);
      while (text.length < length) {
        const chars = alphabet();
        for (let run = 1 + Math.floor(random() * 8); run > 0; run--) text += pick(chars);
      }
      return text;
    });
    expectSameCounts(texts);
  }, 30_000);

  it('should count a byte-order mark as the o200k token it is, where gpt-tokenizer splits it in two', () => {
    // gpt-tokenizer decodes byte sequences to strings to look them up, and TextDecoder drops a leading BOM: it never
    // finds the BOM token (rank 5574) or the nine tokens that start with one ("\uFEFFusing", "\uFEFF//", …).
    expect(countTokens(BOM)).toBe(1);
    expect(reference(BOM)).toBe(2);
    expect(countTokens(`${BOM}using System;`)).toBe(3);
    expect(reference(`${BOM}using System;`)).toBe(5);
    expect(countTokens(`a${BOM}b`)).toBe(3);
  });
});

const BOM = '\uFEFF';
/** Keeps a leading BOM: a TextDecoder drops it by default. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The text of a token, or undefined if its bytes are not valid UTF-8. */
function tryDecode(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}
