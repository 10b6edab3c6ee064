import type { CliIo } from '../io.js';
import { type ParsedArgs } from '../parse-args.js';
import { UsageError } from '../usage-error.js';
import { COMMANDS } from '../help.js';
import { COMMAND_FLAGS, GLOBAL_FLAGS, type FlagSpec } from '../flags.js';

/** The words a command takes first (its subcommands). */
const SUBCOMMANDS: Partial<Record<string, string[]>> = {
  tools: ['list', 'show'],
  state: ['scopes', 'list', 'get', 'set', 'delete', 'clear'],
  backup: ['create', 'list', 'info', 'validate', 'restore', 'cleanup', 'usage'],
  agents: ['list', 'show', 'delete'],
  config: ['show', 'path'],
  mcp: ['list', 'serve'],
  jobs: ['list', 'show', 'retry', 'cancel'],
  runs: ['list', 'show', 'clear'],
  completion: ['bash', 'zsh', 'fish'],
};
/** Commands whose argument is a script file. */
const SCRIPT_FILE_COMMANDS = ['run', 'validate', 'submit'];
/**
 * One pattern per suffix in bash: `*.@(lua|js)` needs extglob, which is off unless the
 * bash-completion package turned it on. One call per suffix in fish: before 3.7,
 * `__fish_complete_suffix` took a single suffix (its other arguments meant other things).
 */
const SCRIPT_SUFFIXES = ['.lua', '.js', '.mjs'];

/** Commands that exist in this build (declared flags and a help entry). */
function commandNames(): string[] {
  return Object.keys(COMMAND_FLAGS).filter((n) => Object.hasOwn(COMMANDS, n));
}

const longs = (flags: FlagSpec[]) => flags.flatMap((f) => [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])]);
const quote = (text: string) => text.replace(/'/g, '');
const allFlags = () => [...GLOBAL_FLAGS, ...Object.values(COMMAND_FLAGS).flat()];

function bash(): string {
  const valueCases = new Map<string, string>();
  for (const f of allFlags()) {
    if (f.type !== 'string') continue;
    const pattern = [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])].join('|');
    const reply = f.choices ? `COMPREPLY=( $(compgen -W "${f.choices.join(' ')}" -- "$cur") )` : f.file ? 'COMPREPLY=( $(compgen -f -- "$cur") )' : 'COMPREPLY=()';
    valueCases.set(pattern, `    ${pattern}) ${reply}; return;;`);
  }
  const takesValue = GLOBAL_FLAGS.filter((f) => f.type === 'string').flatMap((f) => [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])]).join('|');
  const commandCases = commandNames().map((n) => {
    const words = SUBCOMMANDS[n] ? `compgen -W "${SUBCOMMANDS[n].join(' ')}" -- "$cur"` : SCRIPT_FILE_COMMANDS.includes(n) ? `${SCRIPT_SUFFIXES.map((x) => `compgen -f -X '!*${x}' -- "$cur"; `).join('')}compgen -d -- "$cur"` : 'true';
    return `    ${n}) if [[ "$cur" == -* ]]; then COMPREPLY=( $(compgen -W "${longs(COMMAND_FLAGS[n]).join(' ')} $globals" -- "$cur") ); else COMPREPLY=( $(${words}) ); fi;;`;
  });
  return `# llmspell bash completion: eval "$(llmspell completion bash)"
_llmspell() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" cmd="" i
  local globals="${longs(GLOBAL_FLAGS).join(' ')}"
  case "$prev" in
${[...valueCases.values()].join('\n')}
  esac
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      ${takesValue}) ((i++));;
      -*) ;;
      *) cmd="\${COMP_WORDS[i]}"; break;;
    esac
  done
  case "$cmd" in
    "") COMPREPLY=( $(compgen -W "${commandNames().join(' ')} $globals" -- "$cur") );;
${commandCases.join('\n')}
  esac
}
complete -o filenames -F _llmspell llmspell
`;
}

function zshSpec(f: FlagSpec): string {
  const action = f.type === 'boolean' ? '' : f.choices ? `:${f.name}:(${f.choices.join(' ')})` : f.file ? `:${f.name}:_files` : `:${f.name}:`;
  const text = `[${quote(f.description).replace(/[[\]:]/g, ' ')}]${action}`;
  const repeat = f.multiple ? '*' : '';
  return f.short ? `'(-${f.short} --${f.name})'${repeat}{-${f.short},--${f.name}}'${text}'` : `'${repeat}--${f.name}${text}'`;
}

function zsh(): string {
  const cases = commandNames().map((n) => {
    const specs = COMMAND_FLAGS[n].map(zshSpec);
    const words = SUBCOMMANDS[n] ? `'1:subcommand:(${SUBCOMMANDS[n].join(' ')})'` : SCRIPT_FILE_COMMANDS.includes(n) ? `'1:script:_files -g "*.(lua|js|mjs)"'` : '';
    return `      ${n}) _arguments ${[...specs, ...GLOBAL_FLAGS.map(zshSpec), words, "'*::arg:_files'"].filter(Boolean).join(' ')};;`;
  });
  return `#compdef llmspell
# llmspell zsh completion: llmspell completion zsh > "\${fpath[1]}/_llmspell"
_llmspell() {
  local -a cmds
  cmds=(${commandNames().map((n) => `'${n}:${quote(COMMANDS[n].summary)}'`).join(' ')})
  _arguments -C \\
${GLOBAL_FLAGS.map((f) => `    ${zshSpec(f)} \\`).join('\n')}
    '1:command:->cmd' '*::arg:->args'
  case $state in
    cmd) _describe 'command' cmds;;
    args) case $words[1] in
${cases.join('\n')}
    esac;;
  esac
}
compdef _llmspell llmspell
`;
}

function fishLine(f: FlagSpec, condition: string): string {
  const parts = ['complete -c llmspell'];
  if (condition) parts.push(`-n '${condition}'`);
  if (f.short) parts.push(`-s ${f.short}`);
  parts.push(`-l ${f.name}`);
  if (f.type === 'string') parts.push(f.choices ? `-x -a '${f.choices.join(' ')}'` : f.file ? '-r -F' : '-x');
  parts.push(`-d '${quote(f.description)}'`);
  return parts.join(' ');
}

function fish(): string {
  const names = commandNames();
  const lines = [
    ...names.map((n) => `complete -c llmspell -n '__fish_use_subcommand' -a ${n} -d '${quote(COMMANDS[n].summary)}'`),
    ...GLOBAL_FLAGS.map((f) => fishLine(f, '')),
    ...names.flatMap((n) => COMMAND_FLAGS[n].map((f) => fishLine(f, `__fish_seen_subcommand_from ${n}`))),
    ...Object.entries(SUBCOMMANDS).filter(([n]) => names.includes(n)).map(([n, subs]) => `complete -c llmspell -n '__fish_seen_subcommand_from ${n}' -x -a '${(subs ?? []).join(' ')}'`),
    `complete -c llmspell -n '__fish_seen_subcommand_from ${SCRIPT_FILE_COMMANDS.join(' ')}' -k -F -a '(${SCRIPT_SUFFIXES.map((x) => `__fish_complete_suffix ${x}`).join('; ')})'`,
  ];
  return `# llmspell fish completion: llmspell completion fish > ~/.config/fish/completions/llmspell.fish
complete -c llmspell -f
${lines.join('\n')}
`;
}

/** `llmspell completion bash|zsh|fish`: generated from the declared commands and flags (flags.ts). */
export function completionCommand(args: ParsedArgs, io: CliIo): number {
  const shell = args.positionals[1];
  const scripts: Record<string, () => string> = { bash, zsh, fish };
  if (!shell || !Object.hasOwn(scripts, shell)) throw new UsageError('llmspell completion needs a shell: bash, zsh or fish');
  io.stdout(scripts[shell]());
  return 0;
}
