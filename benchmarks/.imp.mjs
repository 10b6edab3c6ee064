const cpu = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000; };
const t = {}; let c = cpu();
for (const n of process.argv.slice(2)) { await import(n); const d = cpu(); t[n] = (d - c).toFixed(0); c = d; }
console.log(JSON.stringify(t));
