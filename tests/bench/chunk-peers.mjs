// chunk-peers.mjs TOOL UNIT SIZE DOCS.jsonl [CHUNKS.jsonl]: runs one
// JavaScript chunker over every document of DOCS.jsonl (records with "doc"
// and "text") and prints one line "BYTES SECONDS CHUNKS" on standard output:
// the UTF-8 bytes of text split, the time spent in the splitter alone (no
// reading, parsing or writing) and the number of chunks.  With CHUNKS.jsonl,
// writes each chunk as {"doc": DOC, "text": TEXT} for chunk-score.py.
//
//   TOOL  langchain   @langchain/textsplitters RecursiveCharacterTextSplitter
//         llamaindex  @llamaindex/core SentenceSplitter (tokens only)
//         chonkie     @chonkiejs/core RecursiveChunker (chars: its WASM
//                     chunker counting characters) or TokenChunker (tokens)
//   UNIT  chars, or tokens (cl100k_base, counted by js-tiktoken with its
//         bundled ranks: nothing is fetched)
//
// Exits 3 when the tool's package is not installed (the bench skips it).
import { readFileSync, writeFileSync } from "node:fs";

const [tool, unit, sizeArg, docsFile, outFile] = process.argv.slice(2);
const size = Number(sizeArg);
if (!tool || !["chars", "tokens"].includes(unit) || !(size > 0) || !docsFile) {
  console.error("usage: chunk-peers.mjs TOOL chars|tokens SIZE DOCS.jsonl [OUT]");
  process.exit(2);
}

async function load(name) {
  try {
    return await import(name);
  } catch (e) {
    console.error(`chunk-peers.mjs: ${name}: ${e.message.split("\n")[0]}`);
    process.exit(3);
  }
}

let enc = null;
if (unit === "tokens") {
  const { getEncoding } = await load("js-tiktoken");
  enc = getEncoding("cl100k_base");
}
const countTokens = (t) => enc.encode(t, [], []).length;

// Returns an async function text -> array of chunk strings.
async function makeSplitter() {
  if (tool === "langchain") {
    const { RecursiveCharacterTextSplitter } = await load("@langchain/textsplitters");
    const s = new RecursiveCharacterTextSplitter({
      chunkSize: size, chunkOverlap: 0,
      ...(enc ? { lengthFunction: countTokens } : {}),
    });
    return (t) => s.splitText(t);
  }
  if (tool === "llamaindex") {
    if (!enc)
      throw new Error("SentenceSplitter counts tokens only");
    const { SentenceSplitter } = await load("@llamaindex/core/node-parser");
    const tokenizer = {
      encode: (t) => Uint32Array.from(enc.encode(t, [], [])),
      decode: (ids) => enc.decode(Array.from(ids)),
    };
    const s = new SentenceSplitter({ chunkSize: size, chunkOverlap: 0, tokenizer });
    return async (t) => s.splitText(t);
  }
  if (tool === "chonkie") {
    const { RecursiveChunker, TokenChunker } = await load("@chonkiejs/core");
    if (!enc) {
      const c = await RecursiveChunker.create({ chunkSize: size });
      return async (t) => (await c.chunk(t)).map((k) => k.text);
    }
    // chonkie's own tokenizers beyond "character" need Hugging Face
    // downloads; this one is js-tiktoken's cl100k_base.
    const tokenizer = {
      countTokens,
      encode: (t) => enc.encode(t, [], []),
      decode: (ids) => enc.decode(ids),
      decodeBatch: (b) => b.map((ids) => enc.decode(ids)),
    };
    const c = await TokenChunker.create({ chunkSize: size, chunkOverlap: 0, tokenizer });
    return async (t) => (await c.chunk(t)).map((k) => k.text);
  }
  console.error(`chunk-peers.mjs: unknown tool ${tool}`);
  process.exit(2);
}

const split = await makeSplitter();
const docs = readFileSync(docsFile, "utf8").split("\n").filter((l) => l)
  .map((l) => JSON.parse(l));
// With CHUNK_PEERS_PASSES=N (default 1), the documents are split N times
// over and the fastest pass is reported: the same best-of-N that the
// benches give the programs they time, and a pass after the first runs
// with the splitter's code already compiled by the JIT.
//
// With CHUNK_PEERS_PACED=1, a pass starts each time a line is read from
// standard input, and each pass's "BYTES SECONDS CHUNKS" is printed as it
// ends, until the end of the input: so that a bench can interleave these
// passes with runs of the programs it compares, timing both over the same
// stretch of time.
const passes = Math.max(1, Number(process.env.CHUNK_PEERS_PASSES || 1));
const paced = process.env.CHUNK_PEERS_PACED === "1";
const out = [];
let bytes = 0, ms = Infinity, n = 0;
let lines = null;
if (paced) {
  const { createInterface } = await import("node:readline");
  lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
}
for (let p = 0; paced || p < passes; p++) {
  if (paced && (await lines.next()).done)
    break;
  let pms = 0;
  bytes = 0;
  n = 0;
  for (const d of docs) {
    const t0 = performance.now();
    const chunks = await split(d.text);
    pms += performance.now() - t0;
    bytes += Buffer.byteLength(d.text);
    n += chunks.length;
    if (outFile && p === 0)
      for (const c of chunks)
        out.push(JSON.stringify({ doc: d.doc, text: c }));
  }
  ms = Math.min(ms, pms);
  if (paced)
    console.log(`${bytes} ${(pms / 1000).toFixed(4)} ${n}`);
}
if (paced)
  process.exit(0);
if (outFile)
  writeFileSync(outFile, out.length ? out.join("\n") + "\n" : "");
console.log(`${bytes} ${(ms / 1000).toFixed(3)} ${n}`);
