import type { RunSummaryEvent } from '@llmspell/telemetry';
// The light entry point: the CLI side of a run loads none of telemetry's recording code.
import { formatRunTotals } from '@llmspell/telemetry/format-timeline';
import type { CliIo } from './io.js';
import type { GlobalFlags } from './parse-args.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** The runtime events the progress line follows (the script host forwards only these). */
export const PROGRESS_EVENTS = [
  'agent.started', 'agent.completed', 'agent.failed',
  'workflow.started', 'workflow.step.started', 'workflow.completed', 'workflow.failed',
  'tool.started', 'tool.completed', 'tool.failed',
  // Published by @llmspell/telemetry when a run ends: the totals of the summary line.
  'run.summary',
] as const;

/**
 * What of an event crosses to the progress line: the component's name, and for `run.summary`
 * its totals (numbers and a status; no content).
 */
export function progressData(type: string, data: unknown): unknown {
  const d = (data ?? {}) as Record<string, unknown>;
  if (type === 'run.summary') {
    const { run_id, status, duration_ms, steps, tool_calls, agent_calls, errors, tokens, cost_usd, history } = d as unknown as RunSummaryEvent;
    return { run_id, status, duration_ms, steps, tool_calls, agent_calls, errors, tokens, cost_usd, history };
  }
  return { component: d.component, attempt: d.attempt };
}

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

const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/**
 * A one-line status on stderr while agents, workflows and tools run ("⠹ workflow nightly ›
 * step 3 fetch › tool web_fetch 2.1s · 12.4s"): what runs now, for how long, and the run's
 * time so far; stdout stays clean. A run with agents or workflows ends with one summary line
 * ("✓ 3 steps, 4 tool calls, 1 agent call, 812 tokens, $0.0012, 12.4s"). Only on a terminal
 * (or with LLMSPELL_PROGRESS=1), never with --quiet or a non-text output format. It runs
 * beside the script host: the events arrive as messages.
 */
export function startProgress(io: CliIo, flags: GlobalFlags, stderrIsTTY = Boolean(process.stderr.isTTY)): Progress {
  const forced = io.env.LLMSPELL_PROGRESS === '1';
  const tty = stderrIsTTY && io.env.TERM !== 'dumb';
  if (flags.quiet || flags.output !== 'text' || io.env.LLMSPELL_PROGRESS === '0' || !(tty || forced)) return NOOP;
  const started = Date.now();
  /** What runs now, oldest first: the last one is shown, inside the innermost workflow. */
  const active = new Map<string, { label: string; since: number }>();
  const steps = new Map<string, number>();
  // Several calls of one tool may overlap (parallel branches): each gets its own entry.
  const toolKeys = new Map<string, string[]>();
  let seq = 0;
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
        case 'tool.started': {
          if (Number((data as { attempt?: unknown } | null)?.attempt ?? 1) > 1) return;
          const key = `tool:${component}:${seq++}`;
          toolKeys.set(component, [...(toolKeys.get(component) ?? []), key]);
          active.set(key, { label: `tool ${component}`, since: Date.now() });
          return;
        }
        case 'tool.completed':
        case 'tool.failed': {
          const key = toolKeys.get(component)?.shift();
          if (key) active.delete(key);
          return;
        }
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
          if (entry) {
            entry.label = `workflow ${wf} › step ${n} ${component.slice(dot + 1)}`;
            entry.since = Date.now();
          }
          if (forced && !tty) io.stderr(`workflow ${wf}: step ${n} ${component.slice(dot + 1)}\n`);
          return;
        }
        case 'workflow.completed':
        case 'workflow.failed':
          active.delete(`wf:${component}`);
          return;
        case 'run.summary': {
          const s = data as RunSummaryEvent;
          if (!s || (s.agent_calls === 0 && s.steps === 0)) return;
          clearLine();
          io.stderr(`${s.status === 'ok' ? '✓' : '✗'} ${formatRunTotals(s)}${s.history ? ` · llmspell runs show ${s.run_id}` : ''}\n`);
        }
      }
    },
    clear: clearLine,
    stop() {
      stopped = true;
      clearInterval(timer);
      clearLine();
    },
  };
}
