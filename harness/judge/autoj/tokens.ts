import { createRequire } from 'node:module';
import type llamaTokenizerInstance from 'llama-tokenizer-js';
import { ownString } from '../../core/own-string.js';

/**
 * Token counting for context fitting. No tokenizer can be downloaded at run time, so:
 *
 * - Llama-2 (GAIR/autoj-13b): exact counts from the Llama-2 SentencePiece vocabulary and
 *   merges shipped inside the npm package `llama-tokenizer-js` (1.2.x). Its own encoder is
 *   too slow for 170k responses (an object-heavy priority-queue BPE over the whole
 *   string: ~5 ms CPU per AlpacaEval output), so `Llama2Counter` runs the same BPE on
 *   independent chunks with a cache (~0.1 ms per output), checked against the package's
 *   encoder in test/judge/autoj-tokens.test.ts. Most prompts are not even counted: their
 *   byte length already proves they fit (`atMost`).
 * - The count is the exact one only: a prompt that fits the real server is sent whole.
 *   (Until issue 9 it was floored at ceil(utf8 bytes / 4), vllm-sim's count then: that
 *   counted 30% of AlpacaEval prompts higher than they are and fitted 45 of them and 20
 *   pairwise prompts differently, cutting prompts that fit or cutting them shorter; see
 *   benchmarks/autoj-prepare-corpus.ts.) vllm-sim counts leniently now (bytes / 6,
 *   `simTokenCounter`): fitting exactly is the client's job.
 * - The bilingual 6B model is Yi-6B based; its tokenizer is not available here.
 *   `bilingualEstimateCounter` is a declared estimate: 1.1 x the Llama-2 count (Yi's 64k
 *   vocabulary covers Chinese and English at least as densely as Llama-2's 32k one), not
 *   a guarantee: inject an exact counter if one exists.
 */
export interface TokenCounter {
  /** for manifests and messages: `llama2`, `1.1xllama2`, ... */
  readonly name: string;
  /** Prompt tokens the server counts for `text` sent as a whole prompt (BOS included). */
  count(text: string): number;
  /** A cheap number that is never below `count(text)`, to skip exact counting. */
  upperBound?(text: string): number;
  /** `count(text) <= max`, possibly without counting all of `text`. */
  atMost?(text: string, max: number): boolean;
}

/** `count(text) <= max`, as cheaply as the counter allows. */
export function fitsWithin(counter: TokenCounter, text: string, max: number): boolean {
  if (counter.atMost) return counter.atMost(text, max);
  const upper = counter.upperBound?.(text);
  if (upper !== undefined && upper <= max) return true;
  return counter.count(text) <= max;
}

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** ceil(utf8 bytes / 6), at least 1: how vllm-sim counts prompt tokens (its default `--bytes-per-token 6`). */
export const simTokenCounter: TokenCounter = Object.freeze({
  name: 'bytes/6',
  count: (text: string) => Math.max(1, Math.ceil(utf8Bytes(text) / 6)),
  upperBound: (text: string) => Math.max(1, Math.ceil(utf8Bytes(text) / 6)),
});

/**
 * utf8 bytes + 2: never below the count of any byte-fallback BPE tokenizer (each
 * character starts as one symbol per byte at most; +1 BOS, +1 SentencePiece's dummy
 * prefix space; merges only lower the count). Safe for any such model, but wasteful.
 */
export const byteTokenCounter: TokenCounter = Object.freeze({
  name: 'bytes+2',
  count: (text: string) => utf8Bytes(text) + 2,
  upperBound: (text: string) => utf8Bytes(text) + 2,
});

/** ceil(factor x counter): a margin for a tokenizer that is only approximated. */
export function scaledCounter(counter: TokenCounter, factor: number): TokenCounter {
  if (!(factor >= 1) || !Number.isFinite(factor)) throw new Error(`scale factor must be >= 1, got ${factor}`);
  const scale = (tokens: number) => Math.ceil(factor * tokens);
  const upper = counter.upperBound;
  return {
    name: `${factor}x${counter.name}`,
    count: (text: string) => scale(counter.count(text)),
    ...(upper ? { upperBound: (text: string) => scale(upper(text)) } : {}),
    atMost: (text: string, max: number) => {
      // the largest inner count m with scale(m) <= max (scale is non-decreasing)
      let m = Math.floor(max / factor);
      while (scale(m + 1) <= max) m++;
      while (m >= 0 && scale(m) > max) m--;
      return m >= 0 && fitsWithin(counter, text, m);
    },
  };
}

// ---------------------------------------------------------------------------------
// Llama-2 BPE on chunks
// ---------------------------------------------------------------------------------

const SPACE = 32;
const NEWLINE = 10;
const META_SPACE = 0x2581; // ▁, SentencePiece's escaped space
const BOS_TOKENS = 1;
/** chunks up to this length use a quadratic scan; longer ones a heap */
const SHORT_CHUNK = 24;
/** chunks up to this length are cached */
const CACHED_CHUNK = 64;
/**
 * chunk cache: open addressing, at most half full: it starts small (a table of a million
 * slots takes ~50 ms to build, a fifth of the counter's set-up) and doubles up to
 * CACHE_MAX_SLOTS, then is cleared when half full (128k words: ~10 MB with its keys, which
 * are copies: see `ownString`; a million slots kept ~40 MB live through a whole run)
 */
const CACHE_MIN_SLOTS = 1 << 14;
const CACHE_MAX_SLOTS = 1 << 18;
/** merge-pair table: open addressing, at most half full */
const PAIR_BITS = 17;
const PAIR_SLOTS = 1 << PAIR_BITS;
const PAIR_MASK = PAIR_SLOTS - 1;
const PAIR_SHIFT = 32 - PAIR_BITS;
/** heap keys are mergeIndex * POSITIONS + position */
const POSITIONS = 2 ** 26;

/**
 * Exact Llama-2 token counts (as SentencePiece with BOS, dummy prefix, byte fallback,
 * split digits), computed fast from the vocabulary and merges of `llama-tokenizer-js`:
 *
 * The text (with SentencePiece's dummy-prefix space) is cut into chunks: a newline alone,
 * or a run of spaces (or literal `▁`, which SentencePiece cannot tell from a space)
 * followed by a run of other characters. No merge can cross a chunk boundary: no Llama-2
 * piece has `▁` after another character (whitespace only starts a piece or makes a whole
 * piece), and a newline is always the byte token `<0x0A>`, which no merge involves. So the
 * BPE of the whole text is the concatenation of the BPE of its chunks, and chunks (words
 * with their leading spaces) repeat enough to be cached. Each chunk runs the package's
 * merges in the package's order: lowest merge rank first, leftmost first among equals.
 *
 * The cache is a hash table keyed by the chunk's characters, hashed while scanning and
 * compared in place, so a cached chunk costs no allocation. `atMost` stops as soon as the
 * answer is known: the tokens counted so far plus the bytes still to come (an upper bound
 * of their tokens) fit, or the tokens counted so far already exceed the limit.
 */
export class Llama2Counter implements TokenCounter {
  readonly name = 'llama2';
  private readonly vocabSize: number;
  /** id of the single-character piece of each UTF-16 unit, -1 if none */
  private readonly bmpIds = new Int32Array(0x10000).fill(-1);
  /** single-character pieces outside the BMP */
  private readonly astralIds = new Map<string, number>();
  /** id of the byte-fallback token of each byte value */
  private readonly byteIds = new Int32Array(256);
  /** (left * vocabSize + right) -> merge index (its rank: lower merges first), see `rank` */
  private readonly pairKeys = new Int32Array(PAIR_SLOTS).fill(-1);
  private readonly pairRanks = new Int32Array(PAIR_SLOTS);
  /** merge index -> id of the merged piece */
  private readonly mergedIds: Int32Array;
  private readonly encoder = new TextEncoder();
  private cacheMask = CACHE_MIN_SLOTS - 1;
  private slotHash = new Int32Array(CACHE_MIN_SLOTS);
  private slotCount = new Int32Array(CACHE_MIN_SLOTS); // 0 = empty slot
  private slotKey: string[] = packedStrings(CACHE_MIN_SLOTS);
  private cached = 0;

  constructor() {
    const { vocabById, vocabByString, merges } = loadLlamaTokenizer();
    this.vocabSize = vocabById.length;
    vocabById.forEach((piece, id) => {
      if (/^<.*>$/.test(piece)) return; // <unk>, <s>, </s>, <0x..>
      const chars = [...piece];
      if (chars.length !== 1) return;
      if (piece.length === 1) this.bmpIds[piece.charCodeAt(0)] = id;
      else this.astralIds.set(piece, id);
    });
    for (let b = 0; b < 256; b++) {
      const id = vocabByString.get(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
      if (id === undefined) throw new Error(`llama-tokenizer-js: no byte token for ${b}`);
      this.byteIds[b] = id;
    }
    if (merges.size > PAIR_SLOTS / 2) throw new Error('llama-tokenizer-js: more merges than expected');
    // The package lists its merges by rank already; sort only if a version does not.
    const ranked = [...merges];
    if (!ranked.every((m, k) => k === 0 || ranked[k - 1]![1] <= m[1])) ranked.sort((x, y) => x[1] - y[1]);
    this.mergedIds = new Int32Array(ranked.length);
    ranked.forEach(([pair], index) => {
      const space = pair.indexOf(' ');
      const left = vocabByString.get(pair.slice(0, space));
      const right = vocabByString.get(pair.slice(space + 1));
      const merged = vocabByString.get(pair.slice(0, space) + pair.slice(space + 1));
      if (left === undefined || right === undefined || merged === undefined) return;
      this.setRank(left * this.vocabSize + right, index);
      this.mergedIds[index] = merged;
    });
  }

  /** The merge index of the pair (left, right), -1 if they do not merge. */
  private rank(left: number, right: number): number {
    const key = left * this.vocabSize + right;
    let slot = Math.imul(key, 0x9e3779b1) >>> PAIR_SHIFT;
    for (;;) {
      const k = this.pairKeys[slot]!;
      if (k === key) return this.pairRanks[slot]!;
      if (k === -1) return -1;
      slot = (slot + 1) & PAIR_MASK;
    }
  }

  private setRank(key: number, index: number): void {
    let slot = Math.imul(key, 0x9e3779b1) >>> PAIR_SHIFT;
    while (this.pairKeys[slot] !== -1 && this.pairKeys[slot] !== key) slot = (slot + 1) & PAIR_MASK;
    this.pairKeys[slot] = key;
    this.pairRanks[slot] = index;
  }

  count(text: string): number {
    return this.scan(text, Infinity);
  }

  /** utf8 bytes + 2 (see `byteTokenCounter`) */
  upperBound(text: string): number {
    return utf8Bytes(text) + 2;
  }

  /** count(text) <= max, counting only as far as needed to know. */
  atMost(text: string, max: number): boolean {
    return this.scan(text, max) <= max;
  }

  /**
   * Counts chunk by chunk. With `max` infinite, the exact count. With a finite `max`, it
   * stops as soon as the answer is known and returns a number that is <= max exactly when
   * the count is: an upper bound of the count (fits) or a partial count (does not).
   */
  private scan(text: string, max: number): number {
    if (text.length === 0) return BOS_TOKENS;
    const early = Number.isFinite(max);
    const s = ' ' + text;
    const n = s.length;
    // every character yields at most one symbol per utf8 byte; merges only lower that
    let bytesLeft = utf8Bytes(s);
    let tokens = BOS_TOKENS;
    if (early && tokens + bytesLeft <= max) return tokens + bytesLeft;
    let i = 0;
    while (i < n) {
      let j = i;
      let bytes: number;
      if (s.charCodeAt(i) === NEWLINE) {
        j = i + 1;
        tokens += 1;
        bytes = 1;
      } else {
        let h = 0x811c9dc5 | 0;
        bytes = 0;
        // spaces (a literal ▁ acts as one), then anything but spaces and newlines
        for (let c = s.charCodeAt(j); j < n && (c === SPACE || c === META_SPACE); c = s.charCodeAt(++j)) {
          h = Math.imul(h ^ c, 0x01000193);
          bytes += c === SPACE ? 1 : 3;
        }
        for (; j < n; j++) {
          const c = s.charCodeAt(j);
          if (c === SPACE || c === META_SPACE || c === NEWLINE) break;
          h = Math.imul(h ^ c, 0x01000193);
          // utf8 bytes, never more than the real ones (a lone surrogate counts 2, not 3)
          bytes += c < 0x80 ? 1 : c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 2 : 3;
        }
        tokens += this.chunk(s, i, j, h);
      }
      bytesLeft -= bytes;
      i = j;
      if (early) {
        if (tokens > max) return tokens;
        if (tokens + bytesLeft <= max) return tokens + bytesLeft;
      }
    }
    return tokens;
  }

  /** Tokens of s[i, j) (no BOS, no dummy prefix: the chunk carries its own spaces). */
  private chunk(s: string, i: number, j: number, hash: number): number {
    const len = j - i;
    if (len > CACHED_CHUNK) return this.bpe(s.slice(i, j));
    const mask = this.cacheMask;
    let slot = hash & mask;
    for (;;) {
      const count = this.slotCount[slot]!;
      if (count === 0) break;
      if (this.slotHash[slot] === hash) {
        const key = this.slotKey[slot]!;
        if (key.length === len && sameChars(key, s, i)) return count;
      }
      slot = (slot + 1) & mask;
    }
    const key = ownString(s.slice(i, j));
    const count = this.bpe(key); // >= 1: a chunk is never empty
    if (this.cached >= (mask + 1) >> 1) {
      this.makeRoom();
      this.store(hash, count, key);
      return count;
    }
    this.slotHash[slot] = hash;
    this.slotCount[slot] = count;
    this.slotKey[slot] = key;
    this.cached++;
    return count;
  }

  /** The cache is half full: double it (rehashing its entries), or clear it at its largest. */
  private makeRoom(): void {
    const size = this.cacheMask + 1;
    if (size >= CACHE_MAX_SLOTS) {
      this.slotCount.fill(0);
      this.slotKey.fill('');
      this.cached = 0;
      return;
    }
    const { slotHash, slotCount, slotKey } = this;
    this.cacheMask = size * 2 - 1;
    this.slotHash = new Int32Array(size * 2);
    this.slotCount = new Int32Array(size * 2);
    this.slotKey = packedStrings(size * 2);
    this.cached = 0;
    for (let k = 0; k < size; k++) {
      if (slotCount[k] !== 0) this.store(slotHash[k]!, slotCount[k]!, slotKey[k]!);
    }
  }

  /** Puts an entry known to be absent into the first free slot of its probe sequence. */
  private store(hash: number, count: number, key: string): void {
    let slot = hash & this.cacheMask;
    while (this.slotCount[slot] !== 0) slot = (slot + 1) & this.cacheMask;
    this.slotHash[slot] = hash;
    this.slotCount[slot] = count;
    this.slotKey[slot] = key;
    this.cached++;
  }

  /** The initial symbols of a chunk: one piece per character, else its utf8 bytes. */
  private symbols(chunk: string): number[] {
    const ids: number[] = [];
    for (let k = 0; k < chunk.length; k++) {
      const c = chunk.charCodeAt(k);
      if (c >= 0xd800 && c <= 0xdbff && k + 1 < chunk.length) {
        const d = chunk.charCodeAt(k + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          const ch = chunk.slice(k, k + 2);
          const id = this.astralIds.get(ch);
          if (id !== undefined) ids.push(id);
          else for (const b of this.encoder.encode(ch)) ids.push(this.byteIds[b]!);
          k++;
          continue;
        }
      }
      const id = this.bmpIds[c === SPACE ? META_SPACE : c]!;
      if (id >= 0) ids.push(id);
      else for (const b of this.encoder.encode(chunk[k]!)) ids.push(this.byteIds[b]!);
    }
    return ids;
  }

  /** Number of pieces BPE makes of one chunk. */
  private bpe(chunk: string): number {
    const ids = this.symbols(chunk);
    return ids.length <= SHORT_CHUNK ? this.bpeShort(ids) : this.bpeLong(ids);
  }

  /**
   * Quadratic, for short chunks: repeatedly merge the lowest-ranked pair, leftmost first,
   * keeping the rank of each adjacent pair so that a merge re-ranks only its neighbours.
   */
  private bpeShort(ids: number[]): number {
    let n = ids.length;
    const ranks: number[] = new Array<number>(Math.max(0, n - 1));
    for (let k = 0; k + 1 < n; k++) ranks[k] = this.rank(ids[k]!, ids[k + 1]!);
    for (;;) {
      let best = -1;
      let bestRank = 0x7fffffff;
      for (let k = 0; k + 1 < n; k++) {
        const r = ranks[k]!;
        if (r >= 0 && r < bestRank) {
          bestRank = r;
          best = k;
        }
      }
      if (best < 0) return n;
      ids[best] = this.mergedIds[bestRank]!;
      for (let k = best + 1; k + 1 < n; k++) ids[k] = ids[k + 1]!;
      for (let k = best + 1; k + 2 < n; k++) ranks[k] = ranks[k + 1]!;
      n--;
      if (best > 0) ranks[best - 1] = this.rank(ids[best - 1]!, ids[best]!);
      if (best + 1 < n) ranks[best] = this.rank(ids[best]!, ids[best + 1]!);
    }
  }

  /**
   * The same merges in the same order with a binary heap over (rank, position) and a
   * linked list of symbols: O(n log n) for long runs (`-----...`, URLs, base64).
   */
  private bpeLong(initial: number[]): number {
    const n = initial.length;
    if (n >= POSITIONS) return n; // beyond heap keys (a 64M-symbol word): an upper bound
    const ids = Int32Array.from(initial);
    const next = new Int32Array(n);
    const prev = new Int32Array(n);
    const alive = new Uint8Array(n).fill(1);
    const heap: number[] = [];
    for (let k = 0; k < n; k++) {
      next[k] = k + 1 < n ? k + 1 : -1;
      prev[k] = k - 1;
    }
    for (let k = 0; k + 1 < n; k++) {
      const r = this.rank(ids[k]!, ids[k + 1]!);
      if (r >= 0) heapPush(heap, r * POSITIONS + k);
    }
    let count = n;
    while (heap.length > 0) {
      const key = heapPop(heap);
      const k = key % POSITIONS;
      const r = (key - k) / POSITIONS;
      const right = next[k]!;
      // stale entries: the left symbol is gone, or the pair is no longer this merge
      if (!alive[k] || right < 0 || this.rank(ids[k]!, ids[right]!) !== r) continue;
      ids[k] = this.mergedIds[r]!;
      alive[right] = 0;
      const after = next[right]!;
      next[k] = after;
      if (after >= 0) prev[after] = k;
      count--;
      const before = prev[k]!;
      if (before >= 0) {
        const rb = this.rank(ids[before]!, ids[k]!);
        if (rb >= 0) heapPush(heap, rb * POSITIONS + before);
      }
      if (after >= 0) {
        const ra = this.rank(ids[k]!, ids[after]!);
        if (ra >= 0) heapPush(heap, ra * POSITIONS + k);
      }
    }
    return count;
  }
}

/** built by push: `new Array(1 << 20)` would be a slow dictionary-mode array */
function packedStrings(n: number): string[] {
  const out: string[] = [];
  for (let k = 0; k < n; k++) out.push('');
  return out;
}

function sameChars(key: string, s: string, at: number): boolean {
  for (let k = 0; k < key.length; k++) if (key.charCodeAt(k) !== s.charCodeAt(at + k)) return false;
  return true;
}

function heapPush(heap: number[], key: number): void {
  let k = heap.length;
  heap.push(key);
  while (k > 0) {
    const parent = (k - 1) >> 1;
    if (heap[parent]! <= key) break;
    heap[k] = heap[parent]!;
    k = parent;
  }
  heap[k] = key;
}

function heapPop(heap: number[]): number {
  const top = heap[0]!;
  const last = heap.pop()!;
  const n = heap.length;
  if (n > 0) {
    let k = 0;
    for (;;) {
      const l = 2 * k + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && heap[r]! < heap[l]! ? r : l;
      if (heap[c]! >= last) break;
      heap[k] = heap[c]!;
      k = c;
    }
    heap[k] = last;
  }
  return top;
}

/**
 * The package's tokenizer (its vocabulary and merges decoded: ~35 MB of a process), loaded
 * when a counter is first built, not by every command that imports a judge (`bench --help`,
 * a report, the length judge). `require` loads the ES module synchronously (Node 20.19+).
 */
function loadLlamaTokenizer(): typeof llamaTokenizerInstance {
  const loaded = createRequire(import.meta.url)('llama-tokenizer-js') as {
    default: typeof llamaTokenizerInstance;
  };
  return loaded.default;
}

let sharedLlama2: Llama2Counter | undefined;

/** Exact Llama-2 counter (shared instance: its chunk cache serves every judge). */
export function llama2TokenCounter(): Llama2Counter {
  sharedLlama2 ??= new Llama2Counter();
  return sharedLlama2;
}

/** The default counter of the `autoj` profile (and of every Llama-2 judge): the exact count. */
export function autojTokenCounter(): TokenCounter {
  return llama2TokenCounter();
}

/** The default counter of `autoj-bilingual` (Yi-6B tokenizer unknown): an estimate, see the file header. */
export function bilingualEstimateCounter(): TokenCounter {
  return scaledCounter(llama2TokenCounter(), 1.1);
}
