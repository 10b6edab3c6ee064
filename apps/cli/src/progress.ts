import type { LlmspellRuntime } from '@llmspell/runtime';
import { formatRunTotals, type RunSummaryEvent } from '@llmspell/telemetry';
import type { CliIo } from './io.js';
import type { GlobalFlags } from './parse-args.js';

interface EventBusLike {
  on(pattern: string, fn: (event: { event_type: string; data: unknown }) => void): () => void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface Progress {
  /** Clears the status line before the script writes to the same terminal. */
  clear(): void;
  stop(): void;
}

const NOOP: Progress = { clear() {}, stop() {} };

const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/**
 * A one-line status on stderr while agents, workflows and tools run ("⠹ workflow nightly ›
 * step 3 fetch › tool web_fetch 2.1s · 12.4s"): what runs now, for how long, and the run's
 * elapsed time; stdout stays clean. When a run with agents or workflows ends, one summary
 * line ("✓ 3 steps, 4 tool calls, 1 agent call, 812 tokens, $0.0012, 12.4s"). Only on a
 * terminal (or with LLMSPELL_PROGRESS=1), never with --quiet or a non-text output format.
 */
export function startProgress(runtime: LlmspellRuntime, io: CliIo, flags: GlobalFlags): Progress {
  const forced = io.env.LLMSPELL_PROGRESS === '1';
  const tty = Boolean(process.stderr.isTTY) && io.env.TERM !== 'dumb';
  if (flags.quiet || flags.output !== 'text' || io.env.LLMSPELL_PROGRESS === '0' || !(tty || forced)) return NOOP;
  const bus = runtime.service<EventBusLike>('eventBus');
  if (!bus || typeof bus.on !== 'function') return NOOP;
  const started = Date.now();
  /** What runs now, oldest first: the last one is shown, inside the innermost workflow. */
  const active = new Map<string, { label: string; since: number }>();
  const steps = new Map<string, number>();
  let frame = 0;
  let shown = false;
  const name = (data: unknown) => String((data as { component?: unknown } | null)?.component ?? '');
  const clearLine = () => {
    if (shown && tty) io.stderr('\r\u001b[K');
    shown = false;
  };
  const render = () => {
    const entries = [...active.entries()];
    const current = entries[entries.length - 1];
    if (!current) return clearLine();
    const now = Date.now();
    const workflow = entries.filter(([k]) => k.startsWith('wf:')).pop();
    const context = workflow && workflow !== current ? `${workflow[1].label} › ` : '';
    const line = `${FRAMES[frame++ % FRAMES.length]} ${context}${current[1].label} ${secs(now - current[1].since)} · ${secs(now - started)}`;
    if (tty) io.stderr(`\r\u001b[K${line}`);
    shown = true;
  };
  // Several calls of one tool may overlap (parallel branches): each gets its own entry.
  let seq = 0;
  const toolKeys = new Map<string, string[]>();
  const offs = [
    bus.on('agent.started', (e) => active.set(`agent:${name(e.data)}`, { label: `agent ${name(e.data)}: waiting for the model`, since: Date.now() })),
    bus.on('agent.completed', (e) => active.delete(`agent:${name(e.data)}`)),
    bus.on('agent.failed', (e) => active.delete(`agent:${name(e.data)}`)),
    bus.on('tool.started', (e) => {
      if ((e.data as { attempt?: number } | null)?.attempt !== undefined && (e.data as { attempt: number }).attempt > 1) return;
      const key = `tool:${name(e.data)}:${seq++}`;
      toolKeys.set(name(e.data), [...(toolKeys.get(name(e.data)) ?? []), key]);
      active.set(key, { label: `tool ${name(e.data)}`, since: Date.now() });
    }),
    ...['tool.completed', 'tool.failed'].map((type) => bus.on(type, (e) => {
      const keys = toolKeys.get(name(e.data));
      const key = keys?.shift();
      if (key) active.delete(key);
    })),
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
      if (entry) {
        entry.label = `workflow ${wf} › step ${n} ${full.slice(dot + 1)}`;
        entry.since = Date.now();
      }
      if (forced && !tty) io.stderr(`workflow ${wf}: step ${n} ${full.slice(dot + 1)}\n`);
    }),
    bus.on('workflow.completed', (e) => active.delete(`wf:${name(e.data)}`)),
    bus.on('workflow.failed', (e) => active.delete(`wf:${name(e.data)}`)),
    bus.on('run.summary', (e) => {
      const s = e.data as RunSummaryEvent;
      if (!s || (s.agent_calls === 0 && s.steps === 0)) return;
      clearLine();
      io.stderr(`${s.status === 'ok' ? '✓' : '✗'} ${formatRunTotals(s)}${s.history ? ` · llmspell runs show ${s.run_id}` : ''}\n`);
    }),
  ];
  if (forced && !tty) {
    offs.push(bus.on('agent.started', (e) => io.stderr(`agent ${name(e.data)}: waiting for the model\n`)));
  }
  const timer = setInterval(render, 100);
  timer.unref();
  return {
    clear: clearLine,
    stop() {
      clearInterval(timer);
      for (const off of offs) off();
      clearLine();
    },
  };
}
