// tiktoken-cases.mjs: writes tests/data/tiktoken-cases.jsonl, the reference
// token ids of js-tiktoken for cl100k_base and o200k_base over texts chosen
// to exercise every branch of the pre-tokenisers and the merges.  Run once
// (from tests/bench, after "npm install js-tiktoken"); the output is committed.
//   node tiktoken-cases.mjs > ../data/tiktoken-cases.jsonl
import { getEncoding } from "js-tiktoken";

const texts = [
  "", "a", " ", "Hello, world!", "The quick brown fox jumps over the lazy dog.",
  "It's a dog's life; we're sure they'll say I've and I'd, you'm.",
  "DON'T SHOUT: IT'S, WE'RE, THEY'LL, I'VE, I'D, I'M, HE'S",
  "Mixed 'S 'T 'Re 'rE 'vE 'Ve 'lL 'Ll 'M 'D contractions",
  "'s 'sam 'll 'lly 'red 'x '", "rock'n'roll o'clock l'homme d'accord",
  "HelloWorld iPhone McDonald's ABCdef abcDEF XMLHttpRequest getElementById",
  "CamelCaseWordsAndALLCAPSAndlowercase", "ǅungla ǈ ǋ Ǆ",
  "ʰʱʲ modifier ˈstress ʕʔ", "e\u0301 cafe\u0301 \u0301abc a\u0308o\u0308u\u0308",
  "\u0301", "x\u20dd\u20dd y", "Ａｂｃ１２３ full width",
  "0 12 123 1234 12345 123456 1234567 12345678901234567890",
  "3.14159 2,500,000 1e-10 0x1F -42 +7 $19.99 100% 50/50",
  "١٢٣٤٥٦ ٧٨٩ ۱۲۳ ४२ ½ ¾ Ⅻ ⅻ ① ² ³",
  "a   b    c\t\td\n\ne", "   leading", "trailing   ", "\n", "\n\n\n", "\r\n", "line one\r\nline two\r\n\r\nline three",
  "  \n  \n  x", " \t \n \t y", "\t\tindented\n\t\t\tmore", "end with space ",
  "word\u00a0nbsp\u00a0\u00a0x", "ideographic\u3000space\u3000\u3000x", "bom\ufeffhere \ufeff", "nel\u0085here",
  "line\u2028sep\u2029para", "zero\u200bwidth\u200dzwj\u200cnj", "soft\u00adhyphen", "ctrl\u0001\u0002\u001f\u007f",
  "!!!\n\n", "???!!!...", " ... ", "--->", "<!-- comment -->", "a/b/c\n/d", "http://example.com/path/to/file.html?q=1&r=2#frag",
  "user@example.org", "C:\\Windows\\System32", "path/to/dir/\n/next", "//\n//\n", "/* c */\n/", " ////\r\n",
  "「引用」と『二重』", "我们是中国人。你好，世界！", "日本語のテキストとカタカナとひらがな、漢字。", "한국어 텍스트입니다. 안녕하세요!",
  "مرحبا بالعالم، كيف حالك؟", "שלום עולם", "नमस्ते दुनिया। हिन्दी पाठ", "สวัสดีชาวโลก ภาษาไทยไม่มีช่องว่าง", "Ελληνικά κείμενα; ναι", "Привет, мир! Ёжик.",
  "Tiếng Việt có dấu", "ქართული ენა", "Հայերեն", "አማርኛ ፊደል።", "ᏣᎳᎩ", "𝐀𝐁𝐂 𝑎𝑏𝑐 mathematical", "𐌰𐌱𐌲 gothic",
  "👍 👍🏽 👨‍👩‍👧 🇫🇷🇩🇪 ❤️ ☃", "emoji😀in😀words", "😀😀😀😀😀😀😀😀",
  "Hello世界123abc", "abc123def456", "v1.2.3-beta+build.5", "ISO-8859-1 and UTF-8",
  "int main(void) {\n\treturn 0;\n}\n", "def f(x):\n    if x > 0:\n        return x ** 2\n    return -x\n",
  "for (i = 0; i < n; i++) { a[i] += b[i] * 2; }", "{\"key\": [1, 2, {\"n\": null}], \"t\": true}",
  "    four spaces\n        eight spaces\n", "x = \"string with \\\"escapes\\\"\"; // comment",
  "SELECT * FROM users WHERE id = 42 AND name LIKE '%smith%';",
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "Pneumonoultramicroscopicsilicovolcanoconiosis supercalifragilisticexpialidocious",
  "antidisestablishmentarianism Donaudampfschifffahrtsgesellschaftskapitän",
  "=".repeat(200), "-".repeat(150) + "\n", " ".repeat(200) + "x", "\n".repeat(50), "ab".repeat(80), "9".repeat(100),
  "我".repeat(60), "这是一个很长的中文段落没有任何标点符号用来测试长片段的合并算法是否正确以及是否足够快速地处理这种情况因为中文文本通常没有空格所以整段会成为一个预分词单元",
  "ไม่มีช่องว่างระหว่างคำในภาษาไทยดังนั้นประโยคยาวจึงกลายเป็นชิ้นเดียว",
  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
  "The committee's report, published on 12 November 2024, found that 73% of respondents \"strongly agreed\" — a figure that surprised many.\n\nIn the second paragraph, we discuss the implications (see §4.2) and the U.S.-based firms' responses.",
  "Mr. Smith went to Washington D.C. on Jan. 5th at 3:30 p.m.; he said: \"Well... I don't know!\"",
  "naïve résumé coöperate façade Ångström Øresund Łódź Straße",
  "Ǳ ǲ ǳ ﬁ ﬂ ﬀ ligatures", "ſ long s 'ſ 'K Kelvin", "ß ẞ", "İstanbul ıi", "ΣΑΣ σας ς",
  // The edges of quarry's ASCII fast paths (issue 19): letter runs that go
  // on past ASCII, a prefix before a letter outside ASCII, space runs that
  // end in or meet other white space, punctuation runs into symbols.
  "cafés naïve été (école) xé éx 'é x'é ,é ,e", "abcdefghé\u0301z Zé ZZé\u4e2d",
  "a" + " ".repeat(20) + "é" + " ".repeat(7) + "\u3000x" + "  \u00a0 y\n      \n   z",
  "       \t  \r\n  \u2028  x\n\n" + " ".repeat(33) + "\n", "  ?" + " ".repeat(9) + "!",
  "..\u2026\u2026!?\u00bf\u00a1 -\u2013\u2014-- \u00ab\u00bb\"x\"",
  // Box drawing as text browsers dump tables, and long pieces counted
  // again: the same rule twice, one of the same length that differs,
  // pieces just over 30 bytes and one over 4096.
  "\u250c" + "\u2500".repeat(20) + "\u252c" + "\u2500".repeat(20) + "\u2510\n\u2502 a \u2502 b \u2502\n\u2514" +
    "\u2500".repeat(20) + "\u2534" + "\u2500".repeat(20) + "\u2518",
  ("\u2500".repeat(80) + "\n").repeat(3) + "\u2500".repeat(79) + "\u2501\n",
  "!".repeat(31) + " " + "!".repeat(31) + " " + "!".repeat(30) + "?", "=".repeat(5000), "=".repeat(4097) + "x",
  // Space runs taken 8 at a time: 7 to 17 spaces before a word, a digit,
  // punctuation, a line break, other white space and the end.
  "x" + " ".repeat(8) + "\n" + " ".repeat(16) + "1" + " ".repeat(15) + "!" + " ".repeat(9) + "\u3000" + " ".repeat(17) + "y",
  "       NAME\n       ls - list\n\n        -a, --all\n" + " ".repeat(23) + "do not ignore" + " ".repeat(8),
];

// Random strings over a palette of every class the patterns distinguish.
const palette = ["a", "Z", "é", "É", "ǅ", "ʰ", "中", "ا", "\u0301", "\u0903", "0", "٣", "½", " ", "  ", "\t", "\n", "\r",
  "\r\n", "\u00a0", "\u3000", "'", "'s", "'LL", "/", ".", "!", "-", "😀", "\u200d", "\ufeff", "\u0085", "x", "Q", "ĳ", "ﬁ", "𝐀"];
let seed = 12345;
function rnd(n) { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; }
for (let k = 0; k < 300; k++) {
  let s = "";
  const len = 1 + rnd(24);
  for (let i = 0; i < len; i++) s += palette[rnd(palette.length)];
  texts.push(s);
}

const encs = ["cl100k_base", "o200k_base"].map((n) => [n, getEncoding(n)]);
for (const text of texts) {
  const rec = { text };
  for (const [name, enc] of encs) {
    const ids = enc.encode(text, [], []);
    rec[name] = { count: ids.length, ids };
  }
  console.log(JSON.stringify(rec));
}
