const names = process.argv.slice(2);
const base = performance.now(); const cb = process.cpuUsage();
for (const name of names) {
const c0 = process.cpuUsage(); const t0 = performance.now();
await import(name);
const c = process.cpuUsage(c0);
console.log(`${name.padEnd(40)} wall ${(performance.now()-t0).toFixed(0).padStart(5)} ms  cpu ${((c.user+c.system)/1000).toFixed(0).padStart(5)} ms`);
}
const c = process.cpuUsage(cb);
console.log(`TOTAL wall ${(performance.now()-base).toFixed(0)} cpu ${((c.user+c.system)/1000).toFixed(0)}`);
