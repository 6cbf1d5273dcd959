#!/usr/bin/env node
/*
 * Check every expectation in this directory's table files against the real
 * node-semver (the `semver` npm package), so that the C unit tests only ever
 * assert what node-semver does.
 *
 *   node check-tables.js SEMVER_PACKAGE_DIR
 *
 * Reads the table format of tests/unit/unit.h ("=== name", input lines,
 * "--- section", expectation lines; \t \n \r \0 \\ \xHH escapes). Prints each
 * disagreement and exits 1 if there is any.
 */
'use strict';

const fs = require('fs');
const path = require('path');

if (process.argv.length < 3) {
	process.stderr.write('usage: check-tables.js SEMVER_PACKAGE_DIR\n');
	process.exit(2);
}
const semver = require(path.resolve(process.argv[2]));

const hex = (c) => (c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1);

/* tests/unit/unit.c unescape(), on bytes. */
function unescape(line) {
	const out = [];
	for (let i = 0; i < line.length; i++) {
		if (line[i] !== 0x5c || i + 1 === line.length) {
			out.push(line[i]);
			continue;
		}
		const c = line[++i];
		if (c === 0x72)
			out.push(0x0d);
		else if (c === 0x74)
			out.push(0x09);
		else if (c === 0x6e)
			out.push(0x0a);
		else if (c === 0x30)
			out.push(0x00);
		else if (c === 0x5c)
			out.push(0x5c);
		else if (c === 0x78 && i + 2 < line.length && hex(line[i + 1]) >= 0 && hex(line[i + 2]) >= 0) {
			out.push(hex(line[i + 1]) * 16 + hex(line[i + 2]));
			i += 2;
		} else
			out.push(0x5c, c);
	}
	return Buffer.from(out).toString('utf8');
}

function load(file) {
	const text = fs.readFileSync(path.join(__dirname, file));
	const cases = [];
	let c = null;
	let inExpect = false;
	let start = 0;
	let lineno = 0;
	while (start <= text.length) {
		let nl = text.indexOf(0x0a, start);
		if (nl < 0)
			nl = text.length;
		const raw = text.subarray(start, nl);
		start = nl + 1;
		if (start > text.length && raw.length === 0)
			break;
		lineno++;
		const s = raw.toString('utf8');
		if (s.startsWith('=== ')) {
			c = { name: s.slice(4), input: [], section: null, expect: [], line: lineno };
			cases.push(c);
			inExpect = false;
			continue;
		}
		if (!c)
			continue;
		if (s.startsWith('--- ') || s === '---') {
			c.section = s.length > 4 ? s.slice(4) : '';
			inExpect = true;
			continue;
		}
		if (inExpect) {
			if (raw.length)
				c.expect.push(unescape(raw));
		} else {
			c.input.push(unescape(raw));
		}
	}
	return cases;
}

let failures = 0;
let checked = 0;
function check(file, c, ok, what) {
	checked++;
	if (!ok) {
		failures++;
		process.stdout.write(`${file}:${c.line}: ${c.name}: ${what}\n`);
	}
}

function attempt(fn) {
	try {
		return { value: fn() };
	} catch (e) {
		return { error: e.message };
	}
}

for (const c of load('range-parse.txt')) {
	const r = attempt(() => new semver.Range(c.input.join('\n')).range || '*');
	if (c.section === 'invalid')
		check('range-parse.txt', c, r.error !== undefined, `node-semver accepts it as '${r.value}'`);
	else
		check('range-parse.txt', c, r.value === c.expect[0], `node-semver says ${r.error ? 'invalid: ' + r.error : `'${r.value}'`}`);
}

for (const c of load('range-test.txt')) {
	const range = new semver.Range(c.input.join('\n'));
	for (const e of c.expect) {
		const want = e[0] === '+';
		const v = e.slice(2);
		check('range-test.txt', c, range.test(v) === want, `node-semver says '${v}' ${want ? 'does not satisfy' : 'satisfies'} it`);
	}
}

for (const c of load('versions.txt')) {
	const input = c.input.join('\n');
	const loose = c.section.endsWith('-loose');
	const r = attempt(() => new semver.SemVer(input, { loose }));
	if (c.section.startsWith('invalid')) {
		check('versions.txt', c, r.error !== undefined, `node-semver accepts it as '${r.value && r.value.version}'`);
		continue;
	}
	if (r.error) {
		check('versions.txt', c, false, `node-semver rejects it: ${r.error}`);
		continue;
	}
	const v = r.value;
	const got = {
		version: v.version,
		parts: `${v.major} ${v.minor} ${v.patch}`,
		pre: v.prerelease.map(String).join(' '),
		build: v.build.join('.'),
	};
	const seen = new Set();
	for (const e of c.expect) {
		const sp = e.indexOf(' ');
		const key = e.slice(0, sp);
		seen.add(key);
		check('versions.txt', c, got[key] === e.slice(sp + 1), `${key}: node-semver says '${got[key]}'`);
	}
	if (!loose)
		for (const key of ['pre', 'build'])
			if (!seen.has(key))
				check('versions.txt', c, got[key] === '', `${key}: node-semver says '${got[key]}'`);
}

for (const c of load('compare.txt')) {
	const loose = c.section === 'compare-loose';
	const want = Number(c.expect[0]);
	const [a, b] = c.input;
	const d = semver.compare(a, b, loose);
	const r = semver.compare(b, a, loose);
	check('compare.txt', c, d === want && r === -want || (want === 0 && r === 0), `node-semver says ${d} (reverse ${r})`);
}

for (const c of load('max-satisfying.txt')) {
	const [range, ...versions] = c.input;
	const got = semver.maxSatisfying(versions, range);
	const want = c.expect[0] === 'null' ? null : c.expect[0];
	check('max-satisfying.txt', c, got === want, `node-semver says ${JSON.stringify(got)}`);
}

process.stdout.write(`check-tables: ${checked} expectations, ${failures} disagreements with semver ${require(path.join(path.resolve(process.argv[2]), 'package.json')).version}\n`);
process.exit(failures ? 1 : 0);
