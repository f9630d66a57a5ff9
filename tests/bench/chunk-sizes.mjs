// chunk-sizes.mjs CHUNKS.jsonl: counts the cl100k_base tokens of every
// chunk record's text with js-tiktoken (its bundled ranks, independent of
// quarry's tokenizer) and prints one line per chunk: "TOKENS LAST", LAST
// being 1 for the last chunk of its document.
import { readFileSync } from "node:fs";
import { getEncoding } from "js-tiktoken";

const enc = getEncoding("cl100k_base");
const lines = readFileSync(process.argv[2], "utf8").split("\n").filter((l) => l);
const out = [];
for (const l of lines) {
  const r = JSON.parse(l);
  out.push(`${enc.encode(r.text, [], []).length} ${r.chunk + 1 === r.chunk_count ? 1 : 0}`);
}
process.stdout.write(out.join("\n") + "\n");
