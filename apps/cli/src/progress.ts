import type { CliIo } from './io.js';
import type { GlobalFlags } from './parse-args.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** The runtime events the progress line follows (the script host forwards only these). */
export const PROGRESS_EVENTS = [
  'agent.started', 'agent.completed', 'agent.failed',
  'workflow.started', 'workflow.step.started', 'workflow.completed', 'workflow.failed',
] as const;

export interface Progress {
  /** Whether a line is shown at all (else events need not be sent). */
  readonly active: boolean;
  /** One runtime event (`agent.started`, `workflow.step.started`, ...) with its data. */
  event(type: string, data: unknown): void;
  /** Clears the status line before the script writes to the same terminal. */
  clear(): void;
  stop(): void;
}

const NOOP: Progress = { active: false, event() {}, clear() {}, stop() {} };

/**
 * A one-line status on stderr while agents and workflows run ("⠹ workflow nightly: step 3
 * fetch (2.1s)"), so long calls show life while stdout stays clean. Only on a terminal
 * (or with LLMSPELL_PROGRESS=1), never with --quiet or a non-text output format. It runs
 * beside the script host: the events arrive as messages.
 */
export function startProgress(io: CliIo, flags: GlobalFlags): Progress {
  const forced = io.env.LLMSPELL_PROGRESS === '1';
  const tty = Boolean(process.stderr.isTTY) && io.env.TERM !== 'dumb';
  if (flags.quiet || flags.output !== 'text' || io.env.LLMSPELL_PROGRESS === '0' || !(tty || forced)) return NOOP;
  const active = new Map<string, { label: string; since: number }>();
  const steps = new Map<string, number>();
  let frame = 0;
  let shown = false;
  const name = (data: unknown) => String((data as { component?: unknown } | null)?.component ?? '');
  const render = () => {
    const current = [...active.values()].pop();
    if (!current) {
      if (shown && tty) io.stderr('\r\u001b[K');
      shown = false;
      return;
    }
    const secs = ((Date.now() - current.since) / 1000).toFixed(1);
    const line = `${FRAMES[frame++ % FRAMES.length]} ${current.label} (${secs}s)`;
    if (tty) io.stderr(`\r\u001b[K${line}`);
    shown = true;
  };
  const timer = setInterval(render, 100);
  timer.unref();
  let stopped = false;
  return {
    active: true,
    event(type, data) {
      if (stopped) return;
      const component = name(data);
      switch (type) {
        case 'agent.started':
          active.set(`agent:${component}`, { label: `agent ${component}: waiting for the model`, since: Date.now() });
          if (forced && !tty) io.stderr(`agent ${component}: waiting for the model\n`);
          return;
        case 'agent.completed':
        case 'agent.failed':
          active.delete(`agent:${component}`);
          return;
        case 'workflow.started':
          steps.set(component, 0);
          active.set(`wf:${component}`, { label: `workflow ${component}: starting`, since: Date.now() });
          return;
        case 'workflow.step.started': {
          const dot = component.lastIndexOf('.');
          const wf = component.slice(0, dot);
          const n = (steps.get(wf) ?? 0) + 1;
          steps.set(wf, n);
          const entry = active.get(`wf:${wf}`);
          if (entry) entry.label = `workflow ${wf}: step ${n} ${component.slice(dot + 1)}`;
          if (forced && !tty) io.stderr(`workflow ${wf}: step ${n} ${component.slice(dot + 1)}\n`);
          return;
        }
        case 'workflow.completed':
        case 'workflow.failed':
          active.delete(`wf:${component}`);
      }
    },
    clear() {
      if (shown && tty) {
        io.stderr('\r\u001b[K');
        shown = false;
      }
    },
    stop() {
      stopped = true;
      clearInterval(timer);
      this.clear();
    },
  };
}
