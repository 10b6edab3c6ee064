const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const NOOP = { clear() { }, stop() { } };
/**
 * A one-line status on stderr while agents and workflows run ("⠹ workflow nightly: step 3
 * fetch (2.1s)"), so long calls show life while stdout stays clean. Only on a terminal
 * (or with LLMSPELL_PROGRESS=1), never with --quiet or a non-text output format.
 */
export function startProgress(runtime, io, flags) {
    const forced = io.env.LLMSPELL_PROGRESS === '1';
    const tty = Boolean(process.stderr.isTTY) && io.env.TERM !== 'dumb';
    if (flags.quiet || flags.output !== 'text' || io.env.LLMSPELL_PROGRESS === '0' || !(tty || forced))
        return NOOP;
    const bus = runtime.service('eventBus');
    if (!bus || typeof bus.on !== 'function')
        return NOOP;
    const active = new Map();
    const steps = new Map();
    let frame = 0;
    let shown = false;
    const name = (data) => String(data?.component ?? '');
    const render = () => {
        const current = [...active.values()].pop();
        if (!current) {
            if (shown && tty)
                io.stderr('\r\u001b[K');
            shown = false;
            return;
        }
        const secs = ((Date.now() - current.since) / 1000).toFixed(1);
        const line = `${FRAMES[frame++ % FRAMES.length]} ${current.label} (${secs}s)`;
        if (tty)
            io.stderr(`\r\u001b[K${line}`);
        shown = true;
    };
    const offs = [
        bus.on('agent.started', (e) => active.set(`agent:${name(e.data)}`, { label: `agent ${name(e.data)}: waiting for the model`, since: Date.now() })),
        bus.on('agent.completed', (e) => active.delete(`agent:${name(e.data)}`)),
        bus.on('agent.failed', (e) => active.delete(`agent:${name(e.data)}`)),
        bus.on('workflow.started', (e) => {
            steps.set(name(e.data), 0);
            active.set(`wf:${name(e.data)}`, { label: `workflow ${name(e.data)}: starting`, since: Date.now() });
        }),
        bus.on('workflow.step.started', (e) => {
            const full = name(e.data);
            const dot = full.lastIndexOf('.');
            const wf = full.slice(0, dot);
            const n = (steps.get(wf) ?? 0) + 1;
            steps.set(wf, n);
            const entry = active.get(`wf:${wf}`);
            if (entry)
                entry.label = `workflow ${wf}: step ${n} ${full.slice(dot + 1)}`;
            if (forced && !tty)
                io.stderr(`workflow ${wf}: step ${n} ${full.slice(dot + 1)}\n`);
        }),
        bus.on('workflow.completed', (e) => active.delete(`wf:${name(e.data)}`)),
        bus.on('workflow.failed', (e) => active.delete(`wf:${name(e.data)}`)),
    ];
    if (forced && !tty) {
        offs.push(bus.on('agent.started', (e) => io.stderr(`agent ${name(e.data)}: waiting for the model\n`)));
    }
    const timer = setInterval(render, 100);
    timer.unref();
    return {
        clear() {
            if (shown && tty) {
                io.stderr('\r\u001b[K');
                shown = false;
            }
        },
        stop() {
            clearInterval(timer);
            for (const off of offs)
                off();
            this.clear();
        },
    };
}
//# sourceMappingURL=progress.js.map