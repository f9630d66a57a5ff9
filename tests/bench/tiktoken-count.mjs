// tiktoken-count.mjs ENCODING FILE...: prints "COUNT FILE" for each file as
// js-tiktoken counts it (encode with no special tokens: encode_ordinary),
// and on stderr the counting speed, excluding start-up and file reading.
import { readFileSync } from "node:fs";
import { getEncoding } from "js-tiktoken";

const [name, ...files] = process.argv.slice(2);
const enc = getEncoding(name);
let bytes = 0, ms = 0;
for (const file of files) {
  const buf = readFileSync(file);
  const text = buf.toString("utf8");
  const t0 = performance.now();
  const n = enc.encode(text, [], []).length;
  ms += performance.now() - t0;
  bytes += buf.length;
  console.log(`${n} ${file}`);
}
console.error(`${bytes} bytes in ${(ms / 1000).toFixed(3)} s: ${(bytes / ms / 1000).toFixed(1)} MB/s`);
