// logger-levels.js: structured logs on stderr, apart from the script's output on stdout.
//   llmspell run examples/js/logger-levels.js        (info and above; -v adds debug, -q keeps errors)
// console.log/print write to stdout; Logger writes "[level] message {data}" lines to stderr.

Logger.debug('only shown with --verbose');
Logger.info('job started', { job: 'nightly-report', attempt: 1 });

const timings = [];
for (const step of ['fetch', 'parse', 'render']) {
  const t0 = Utils.timestamp();
  await Utils.sleep(0.01);
  timings.push({ step, ms: Math.round((Utils.timestamp() - t0) * 1000) });
}
const slowest = timings.reduce((a, b) => (b.ms > a.ms ? b : a));
Logger.warn('slowest step', { step: slowest.step });

// Values in a field named like a secret (token, api_key, password...) are masked.
Logger.error('webhook failed', { status: 503, token: 'tok-should-not-appear' });

console.log(`steps: ${timings.map((t) => t.step).join(' -> ')}`);

export default { steps: timings.length };
