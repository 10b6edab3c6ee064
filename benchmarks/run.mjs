// Runs every benchmarks/*.bench.mjs and writes benchmarks/RESULTS.md.
// A bench module exports `title` and `async run({ measure, percentile })` returning
// { rows: [{ name, value, unit, baseline?, ratio?, goal?, note? }], notes?: string[] }.
// `pnpm bench cli state` runs only the files whose names contain one of the words, and
// replaces their sections in RESULTS.md, keeping the others as they were.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** Times `fn` `iterations` times after `warmup` runs; returns per-call ms samples sorted. */
export async function measure(fn, { iterations = 1000, warmup = 50 } = {}) {
  for (let i = 0; i < warmup; i++) await fn(i);
  const samples = new Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    await fn(i);
    samples[i] = performance.now() - t;
  }
  return samples.sort((a, b) => a - b);
}

const fmt = (v) => (typeof v === 'number' ? (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3)) : String(v ?? ''));

const files = fs.readdirSync(here).filter((f) => f.endsWith('.bench.mjs')).filter((f) => only.length === 0 || only.some((o) => f.includes(o))).sort();
const sections = [];
for (const file of files) {
  const mod = await import(pathToFileURL(path.join(here, file)).href);
  process.stderr.write(`bench: ${file}\n`);
  const started = performance.now();
  try {
    const result = await mod.run({ measure, percentile });
    sections.push({ file, title: mod.title ?? file, ...result, seconds: (performance.now() - started) / 1000 });
  } catch (error) {
    sections.push({ file, title: mod.title ?? file, rows: [], notes: [`FAILED: ${error?.stack ?? error}`], seconds: 0 });
  }
}

const cpus = os.cpus();
const machine = `Machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}.`;
const now = new Date().toISOString();

function sectionText(s) {
  const lines = [`## ${s.title}`, '', `(${s.file}, ${s.seconds.toFixed(1)} s, run ${now})`, ''];
  if (s.rows.length) {
    lines.push('| measure | value | unit | baseline | ratio | goal | note |', '|---|---|---|---|---|---|---|');
    for (const r of s.rows) lines.push(`| ${r.name} | ${fmt(r.value)} | ${r.unit ?? ''} | ${fmt(r.baseline)} | ${r.ratio !== undefined ? fmt(r.ratio) + '×' : ''} | ${r.goal ?? ''} | ${r.note ?? ''} |`);
    lines.push('');
  }
  for (const n of s.notes ?? []) lines.push(`- ${n}`);
  lines.push('');
  return lines.join('\n');
}

/** The sections of an existing RESULTS.md, keyed by the bench file each names. */
function previousSections(text) {
  const sections = new Map();
  // A section written by a whole run has no date of its own: it is the header's.
  const wholeRun = /^Run (\S+) with/m.exec(text)?.[1];
  for (const part of text.split(/^(?=## )/m).slice(1)) {
    const file = /^\((\S+\.bench\.mjs),/m.exec(part)?.[1];
    if (!file) continue;
    const dated = wholeRun ? part.replace(/^\((\S+\.bench\.mjs, [\d.]+ s)\)$/m, `($1, run ${wholeRun})`) : part;
    sections.set(file, dated.trimEnd() + '\n');
  }
  return sections;
}

const resultsFile = path.join(here, 'RESULTS.md');
const merged = only.length && fs.existsSync(resultsFile) ? previousSections(fs.readFileSync(resultsFile, 'utf8')) : new Map();
for (const s of sections) merged.set(s.file, sectionText(s));
const order = fs.readdirSync(here).filter((f) => f.endsWith('.bench.mjs')).sort();
const header = [
  '# Benchmark results',
  '',
  only.length
    ? `Sections re-run ${now} with \`pnpm bench ${only.join(' ')}\` (the others keep their own run date). ${machine}`
    : `Run ${now} with \`pnpm bench\`. ${machine}`,
  'Figures vary between runs and machines; ratios against a baseline measured in the same run are the numbers to compare.',
  '',
];
fs.writeFileSync(resultsFile, [...header, ...order.filter((f) => merged.has(f)).map((f) => merged.get(f))].join('\n'));
process.stderr.write(`wrote benchmarks/RESULTS.md (${sections.map((s) => s.file).join(', ')})\n`);
