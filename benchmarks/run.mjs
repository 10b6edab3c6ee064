// Runs every benchmarks/*.bench.mjs and writes benchmarks/RESULTS.md.
// A bench module exports `title` and `async run({ measure, percentile })` returning
// { rows: [{ name, value, unit, baseline?, ratio?, goal?, note? }], notes?: string[] }.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
// `node run.mjs queue state --write`: runs only those benches and replaces (or adds) their
// sections in RESULTS.md, each noting when and where it ran; without --write they go to stdout.
const write = process.argv.includes('--write');
const only = process.argv.slice(2).filter((a) => a !== '--write');

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
const machine = `${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`;
const lines = [
  '# Benchmark results',
  '',
  `Run ${new Date().toISOString()} with \`pnpm bench\`. Machine: ${machine}.`,
  'Figures vary between runs and machines; ratios against a baseline measured in the same run are the numbers to compare.',
  '',
];
const sectionText = [];
for (const s of sections) {
  const start = lines.length;
  const when = only.length > 0 ? `; run ${new Date().toISOString()} on ${machine}` : '';
  lines.push(`## ${s.title}`, '', `(${s.file}, ${s.seconds.toFixed(1)} s${when})`, '');
  if (s.rows.length) {
    lines.push('| measure | value | unit | baseline | ratio | goal | note |', '|---|---|---|---|---|---|---|');
    for (const r of s.rows) lines.push(`| ${r.name} | ${fmt(r.value)} | ${r.unit ?? ''} | ${fmt(r.baseline)} | ${r.ratio !== undefined ? fmt(r.ratio) + '×' : ''} | ${r.goal ?? ''} | ${r.note ?? ''} |`);
    lines.push('');
  }
  for (const n of s.notes ?? []) lines.push(`- ${n}`);
  lines.push('');
  sectionText.push({ title: s.title, text: lines.slice(start).join('\n') });
}

/** RESULTS.md with the given sections replaced (matched by title) or added, sections kept in title order. */
function merged(previous, fresh) {
  const parts = previous.split(/^(?=## )/m);
  const head = parts[0].startsWith('## ') ? '' : parts.shift();
  const byTitle = new Map(parts.map((p) => [p.slice(3, p.indexOf('\n')), p.endsWith('\n') ? p : `${p}\n`]));
  for (const f of fresh) byTitle.set(f.title, `${f.text}\n`);
  return head + [...byTitle.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, t]) => t).join('');
}

const results = path.join(here, 'RESULTS.md');
if (only.length === 0) fs.writeFileSync(results, lines.join('\n'));
else if (write) fs.writeFileSync(results, merged(fs.existsSync(results) ? fs.readFileSync(results, 'utf8') : lines.slice(0, 5).join('\n'), sectionText));
else process.stdout.write(lines.join('\n'));
process.stderr.write(`wrote ${only.length === 0 || write ? 'benchmarks/RESULTS.md' : 'stdout'}\n`);
