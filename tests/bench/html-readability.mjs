// html-readability.mjs: runs Mozilla Readability (with jsdom) over HTML files
// named on the command line and prints the benchmark's prediction JSON
// ({"<id>": {"articleBody": "..."}}) on stdout, its parse+extract seconds on
// stderr.  Used by tests/bench/html.sh.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(process.env.HTML_PEERS + '/');
const { JSDOM, VirtualConsole } = require('jsdom');
const { Readability } = require('@mozilla/readability');

const out = {};
const t0 = process.hrtime.bigint();
for (const f of process.argv.slice(2)) {
	const html = readFileSync(f, 'utf8');
	let text = '';
	try {
		const dom = new JSDOM(html, { virtualConsole: new VirtualConsole() });
		const art = new Readability(dom.window.document).parse();
		text = art && art.textContent ? art.textContent : '';
		dom.window.close();
	} catch (e) {
		text = '';
	}
	out[basename(f).split('.')[0]] = { articleBody: text };
}
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
process.stderr.write(`${secs}\n`);
process.stdout.write(JSON.stringify(out));
