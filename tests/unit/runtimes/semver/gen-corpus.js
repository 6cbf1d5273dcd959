#!/usr/bin/env node
/*
 * Generate the semver corpus: ranges with the answers of the real node-semver
 * (`semver` npm package) for maxSatisfying over three version lists.
 *
 *   node gen-corpus.js SEMVER_PACKAGE_DIR OUT_FILE [SEED]
 *
 * The output is deterministic for a given seed and semver release. Format
 * (one record per line, fields separated by TAB, every field escaped: '\\'
 * and bytes below 0x20 or 0x7f as \xHH):
 *   # comment
 *   L <name>                      starts a version list
 *   V <version>                   an entry of the current list, in order
 *   R <range> <canonical> <answer for list 1> <answer for list 2> ...
 * <canonical> is `new Range(range).range || '*'`, or "!" when the range is
 * invalid; an answer is the string maxSatisfying returned, or "!" for null.
 */
'use strict';

const fs = require('fs');
const path = require('path');

if (process.argv.length < 4) {
	process.stderr.write('usage: gen-corpus.js SEMVER_PACKAGE_DIR OUT_FILE [SEED]\n');
	process.exit(2);
}
const semverDir = path.resolve(process.argv[2]);
const semver = require(semverDir);
const semverVersion = require(path.join(semverDir, 'package.json')).version;
const outFile = process.argv[3];
const seed = process.argv[4] ? Number(process.argv[4]) : 20240601;
const data = path.join(__dirname, '..', '..', '..', 'fixtures', 'reference');

/* ---- version lists ------------------------------------------------------ */

const indexVersions = JSON.parse(fs.readFileSync(path.join(data, 'nodejs-dist-index.sample.json'), 'utf8'))
	.map((r) => r.version);
const inventoryVersions = fs.readFileSync(path.join(data, 'heroku-buildpack-nodejs-inventory-node.toml'), 'utf8')
	.split('\n')
	.filter((l) => l.startsWith('version = "'))
	.map((l) => l.slice('version = "'.length, -1));
if (indexVersions.length !== 23 || inventoryVersions.length !== 743)
	throw new Error('unexpected reference data');

/* Prereleases, equal versions in several spellings, and entries node-semver skips. */
const syntheticVersions = [
	'1.2.3-alpha', '1.2.3-alpha.1', '1.2.3-alpha.beta', '1.2.3-beta', '1.2.3-beta.2',
	'1.2.3-beta.11', '1.2.3-rc.1', '1.2.3', 'v1.2.3', '1.2.3+build.5', '1.2.4-0', '1.2.4',
	'1.3.0-rc.1', '1.3.0', '2.0.0-alpha', '2.0.0-0', '2.0.0', '2.0.1-pre', '0.0.1', '0.0.2-beta',
	'0.0.2', '0.1.0-0', '0.1.0', '0.1.1-x', '0.2.0', '0.0.0-0', '0.0.0',
	'3.0.0-9007199254740993', '3.0.0-9007199254740992', '3.0.0-10', '3.0.0-9', '3.0.0-a',
	'3.0.0-A', '3.0.0--', '3.0.0-1a', '3.0.0-9007199254740993.5', '3.0.0-9007199254740992.9',
	'6.0.0+b1', '6.0.0', 'v6.0.0', '6.0.0+b2', '6.1.0-rc.1+b', '6.1.0-rc.1',
	'20.0.0-nightly20230418', '20.0.0-rc.0', '20.0.0', '20.11.1', 'v20.11.1', '21.0.0-pre',
	'22.0.0-v8-canary2023', '22.3.0', '24.0.0-rc.2', '24.1.0',
	' 4.0.0 ', '\t4.0.1\n', 'v4.0.2', '=4.0.3', 'v 4.0.4', '4.0.5.6', '04.0.6', '4.0.7-01',
	'4.0.8-', '4.1', '', 'latest', '\u00a04.0.9\u3000', '4.0.10+', '4.0.11-a..b',
	'9007199254740991.0.0', '9007199254740992.0.0', '1.9007199254740991.0', '1.2.9007199254740992',
	'5.0.0-x.y.z', '5.0.0-x.y', '5.0.0-x.7', '5.0.0-x.7.z', '5.0.0-alpha-1', '5.0.0-alpha',
	'1.2.3+other', 'V1.2.5', '1.2.6-' + 'a'.repeat(240), '1.2.7-' + 'a'.repeat(251),
];

const lists = [
	['index', indexVersions],
	['inventory', inventoryVersions],
	['synthetic', syntheticVersions],
];

/* ---- ranges ------------------------------------------------------------- */

/* mulberry32: a small seeded PRNG, so the corpus is the same on every machine. */
function prng(a) {
	return function () {
		a |= 0;
		a = (a + 0x6d2b79f5) | 0;
		let t = Math.imul(a ^ (a >>> 15), 1 | a);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}
const rnd = prng(seed);
const pick = (a) => a[Math.floor(rnd() * a.length)];
const chance = (p) => rnd() < p;

const ranges = [];
const seen = new Set();
function add(r) {
	if (r.length > 4096 || seen.has(r))
		return;
	seen.add(r);
	ranges.push(r);
}

const majors = ['0', '1', '2', '3', '4', '6', '8', '10', '12', '14', '16', '18', '20', '21', '22', '23', '24', '26', '27', '100'];
const minors = ['0', '1', '2', '3', '9', '10', '11', '12', '18'];
const patches = ['0', '1', '3', '5', '10'];
const xs = ['x', 'X', '*'];
const pres = ['alpha', 'beta', 'beta.1', 'beta.11', '0', 'rc.1', 'rc.0', 'pre', 'nightly20230418', 'x', 'a.b'];
const ops = ['', '=', '>', '>=', '<', '<=', '~', '~>', '^'];

/* Partial versions: "1", "1.2", "1.2.3", x-ranges in every position. */
const partials = [];
for (const M of majors.concat(xs)) {
	partials.push(M);
	for (const m of minors.concat(['x', '*'])) {
		partials.push(`${M}.${m}`);
		for (const p of patches.concat(['x']))
			partials.push(`${M}.${m}.${p}`);
	}
}

/* The partials node-semver accepts alone (most of the mixed ones below should parse). */
const validPartials = partials.filter((v) => {
	try {
		new semver.Range(v);
		return true;
	} catch (e) {
		return false;
	}
});
const somePartial = () => (chance(0.95) ? pick(validPartials) : pick(partials));

/* 1. every operator with every partial version */
for (const op of ops)
	for (const v of partials)
		add(op + v);

/* 2. prefixes, operator spacing, build metadata, prereleases */
const someVersions = ['1', '1.2', '1.2.3', '20', '20.11', '20.11.1', '0.1', '0.0.2', '1.x', '2.*.*', 'x', '14.1.0', '0.12.17', '6.0.0', '3.0.0'];
for (const op of ops) {
	for (const v of someVersions) {
		for (const pre of ['v', '=', 'v=', '=v', 'V', '==', ' v', 'vv'])
			add(op + pre + v);
		for (const sp of [' ', '  ', '\t', ' \n ', '\u00a0', '\u3000'])
			add(op + sp + v);
		add(v + '+build.1');
		add(op + v + '+b');
		add(op + v + '+');
		add('  ' + op + v + '  ');
	}
	for (const v of ['1.2.3', '1.2.4', '2.0.0', '0.0.2', '0.1.0', '20.0.0', '3.0.0', '6.1.0', '5.0.0', '1.2'])
		for (const p of pres.concat(['9007199254740993', '9007199254740992', '01', 'a..b', '']))
			add(`${op}${v}-${p}`);
}

/* 3. hyphen ranges */
const hyphenEnds = ['1', '1.2', '1.2.3', '1.x', '*', 'x.1', '0.0.2', '1.2.3-beta', '2', '2.0', '2.0.0', '2.x', '14', '18.0.0',
	'20', '20.11', '22.x', '24.1.0', 'v1.2.3', '=1.2.3', 'v20', '1.2.3+b', '1.2.3-rc.1'];
for (const a of hyphenEnds) {
	for (const b of hyphenEnds) {
		add(`${a} - ${b}`);
		if (chance(0.3))
			add(`${a}  -  ${b}`);
		if (chance(0.2))
			add(`${a}-${b}`);
		if (chance(0.2))
			add(`${a} -${b}`);
		if (chance(0.2))
			add(`>=${a} - ${b}`);
	}
}

/* 4. two and three comparators in one set */
const bounds = ['>=', '>', '<', '<=', '', '^', '~'];
for (let i = 0; i < 6000; i++) {
	const n = chance(0.8) ? 2 : 3;
	const parts = [];
	for (let k = 0; k < n; k++)
		parts.push(pick(bounds) + somePartial());
	add(parts.join(pick([' ', ' ', ' ', '  ', '\t'])));
}

/* 5. unions */
for (let i = 0; i < 6000; i++) {
	const n = 2 + Math.floor(rnd() * 3);
	const parts = [];
	for (let k = 0; k < n; k++)
		parts.push(pick(ops) + somePartial() + (chance(0.2) ? ' ' + pick(bounds) + somePartial() : ''));
	add(parts.join(pick([' || ', '||', ' ||', '|| ', '  ||  '])));
}
for (const a of ['*', 'x', '', '>=0.0.0', '<0.0.0-0', '<x', '>*', '1.2.3', '^1.2.3-beta'])
	for (const b of ['1.2.3-beta', '^1.2.3-alpha', '*', '<0.0.0-0', '>20', '', '2.0.0-alpha', '<x'])
		add(`${a} || ${b}`);

/* 6. prereleases in comparators */
const preVersions = ['1.2.3', '1.2.4', '2.0.0', '0.0.2', '0.1.0', '20.0.0', '3.0.0', '5.0.0', '6.1.0', '24.0.0'];
for (let i = 0; i < 5000; i++) {
	const v = pick(preVersions) + '-' + pick(pres.concat(['9', '10', '9007199254740992', 'x.7', 'A', '-']));
	const form = Math.floor(rnd() * 5);
	if (form === 0)
		add(pick(ops) + v);
	else if (form === 1)
		add(pick(bounds) + v + ' ' + pick(bounds) + somePartial());
	else if (form === 2)
		add(v + ' - ' + somePartial());
	else if (form === 3)
		add(somePartial() + ' - ' + v);
	else
		add(pick(ops) + somePartial() + ' || ' + pick(ops) + v);
}

/* 7. limits: MAX_SAFE_INTEGER, length 256, many alternatives */
for (const n of ['9007199254740990', '9007199254740991', '9007199254740992', '9007199254740993', '18446744073709551616',
	'99999999999999999999999', '1' + '0'.repeat(256), '1' + '0'.repeat(300), '00', '01'])
	for (const op of ops)
		for (const f of [n, `${n}.0`, `${n}.0.0`, `1.${n}`, `1.${n}.0`, `1.2.${n}`, `1.2.3-${n}`, `${n}.x`, `1.${n}.x`, `${n} - 2`, `1 - ${n}`, `1 - 1.${n}`])
			add(op + f);
add('1.2.3-' + 'a'.repeat(249));
add('1.2.3-' + 'a'.repeat(250));
add('1.2.3-' + 'a'.repeat(251));
add('>=1.2.3-' + 'a'.repeat(250));
add('1.2.3+' + 'b'.repeat(300));
add('1.2.3-' + '1'.repeat(300));
add('1.2.3-' + '1'.repeat(257) + 'a');
add(new Array(200).fill('1.2.3').join(' || '));
add(new Array(300).fill('^20').join(' '));
add(new Array(1000).fill('||').join(''));
add(new Array(100).fill('>=1.2.3 <2.0.0-0').join('||'));

/* 8. seeded random strings over the range alphabet */
const atoms = ['1', '2', '0', '20', '18', '22', '11', '3', '.', '.', '.', 'x', 'X', '*', '-', '-', ' ', ' ', ' ', '  ',
	'>', '<', '=', '>=', '<=', '~', '~>', '^', '||', ' || ', '|', 'v', '+', 'b', 'beta', 'rc', 'alpha', '\t', '\u00a0',
	'9007199254740992', '01', ' - ', '  -  ', 'a'];
for (let i = 0; i < 12000; i++) {
	let s = '';
	const n = 1 + Math.floor(rnd() * 12);
	for (let k = 0; k < n; k++)
		s += pick(atoms);
	add(s);
}
/* well-formed random ranges */
function randVersion() {
	const parts = [chance(0.95) ? pick(majors) : pick(xs)];
	if (chance(0.7))
		parts.push(chance(0.9) ? pick(minors) : pick(xs));
	if (parts.length === 2 && chance(0.6))
		parts.push(chance(0.9) ? pick(patches) : 'x');
	let v = parts.join('.');
	if (parts.length === 3 && chance(0.15))
		v += '-' + pick(pres);
	if (chance(0.05))
		v += '+' + pick(['b', 'build.1', 'x-y']);
	return (chance(0.1) ? pick(['v', '=', 'v=']) : '') + v;
}
function randComparator() {
	const r = rnd();
	if (r < 0.15)
		return `${randVersion()}${pick([' - ', ' - ', '  -  '])}${randVersion()}`;
	const op = pick(ops.concat(['', '', '^', '~', '>=']));
	return op + (chance(0.1) ? pick([' ', '  ', '\t']) : '') + randVersion();
}
for (let i = 0; i < 12000; i++) {
	const sets = [];
	const nsets = chance(0.6) ? 1 : 2 + Math.floor(rnd() * 3);
	for (let k = 0; k < nsets; k++) {
		const comps = [];
		const ncomps = chance(0.5) ? 1 : 2 + Math.floor(rnd() * 2);
		for (let j = 0; j < ncomps; j++)
			comps.push(randComparator());
		sets.push(comps.join(pick([' ', ' ', '  '])));
	}
	add(sets.join(pick([' || ', '||', ' ||  '])));
}

/* ---- answers ------------------------------------------------------------ */

function esc(s) {
	let out = '';
	for (const ch of Buffer.from(s, 'utf8')) {
		if (ch < 0x20 || ch === 0x7f || ch === 0x5c)
			out += '\\x' + ch.toString(16).padStart(2, '0');
		else
			out += String.fromCharCode(ch);
	}
	/* non-ASCII bytes were added one by one: reassemble them as UTF-8 */
	return Buffer.from(out, 'latin1').toString('utf8');
}

function canonical(r) {
	try {
		return new semver.Range(r).range || '*';
	} catch (e) {
		return '!';
	}
}

const lines = [`# slugc semver corpus: semver ${semverVersion}, seed ${seed}, ${ranges.length} ranges, ${lists.length} lists`];
for (const [name, versions] of lists) {
	lines.push(`L\t${name}`);
	for (const v of versions)
		lines.push(`V\t${esc(v)}`);
}
for (const r of ranges) {
	const fields = ['R', esc(r), esc(canonical(r))];
	for (const [, versions] of lists) {
		const max = semver.maxSatisfying(versions, r);
		fields.push(max === null ? '!' : esc(max));
	}
	lines.push(fields.join('\t'));
}
fs.writeFileSync(outFile, lines.join('\n') + '\n');
process.stdout.write(`${ranges.length} ranges x ${lists.length} lists = ${ranges.length * lists.length} cases (semver ${semverVersion})\n`);
