import { UsageError } from '../parse-args.js';
import { COMMANDS } from '../help.js';
export function completionCommand(args, io) {
    const shell = args.positionals[1];
    const names = Object.keys(COMMANDS).join(' ');
    const flags = '--config --engine --output --timeout --max-memory --verbose --quiet --help --version';
    if (shell === 'bash') {
        io.stdout(`# llmspell bash completion: eval "$(llmspell completion bash)"
_llmspell() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  case "$prev" in
    --engine) COMPREPLY=( $(compgen -W "lua javascript js" -- "$cur") ); return;;
    --output) COMPREPLY=( $(compgen -W "text json pretty" -- "$cur") ); return;;
    -c|--config) COMPREPLY=( $(compgen -f -- "$cur") ); return;;
  esac
  if [ "$COMP_CWORD" -eq 1 ]; then COMPREPLY=( $(compgen -W "${names} ${flags}" -- "$cur") ); return; fi
  case "\${COMP_WORDS[1]}" in
    run|validate) COMPREPLY=( $(compgen -f -X '!*.@(lua|js|mjs)' -- "$cur") $(compgen -d -- "$cur") );;
    tools) COMPREPLY=( $(compgen -W "list show" -- "$cur") );;
    completion) COMPREPLY=( $(compgen -W "bash zsh fish" -- "$cur") );;
    *) COMPREPLY=( $(compgen -W "${flags}" -- "$cur") );;
  esac
}
complete -o filenames -F _llmspell llmspell
`);
        return 0;
    }
    if (shell === 'zsh') {
        io.stdout(`#compdef llmspell
# llmspell zsh completion: llmspell completion zsh > "\${fpath[1]}/_llmspell"
_llmspell() {
  local -a cmds
  cmds=(${Object.entries(COMMANDS).map(([n, c]) => `'${n}:${c.summary.replace(/'/g, '')}'`).join(' ')})
  _arguments -C \\
    '(-c --config)'{-c,--config}'[config file]:file:_files' \\
    '--engine[script engine]:engine:(lua javascript js)' \\
    '--output[output format]:format:(text json pretty)' \\
    '--timeout[script timeout (s)]:seconds:' \\
    '--max-memory[script memory (MB)]:megabytes:' \\
    '(-v --verbose)'{-v,--verbose}'[debug logging]' \\
    '1:command:->cmd' '*::arg:->args'
  case $state in
    cmd) _describe 'command' cmds;;
    args) case $words[1] in
      run|validate) _files -g '*.(lua|js|mjs)';;
      tools) _values 'subcommand' list show;;
      completion) _values 'shell' bash zsh fish;;
    esac;;
  esac
}
compdef _llmspell llmspell
`);
        return 0;
    }
    if (shell === 'fish') {
        const lines = Object.entries(COMMANDS).map(([n, c]) => `complete -c llmspell -n '__fish_use_subcommand' -a ${n} -d '${c.summary.replace(/'/g, '')}'`);
        io.stdout(`# llmspell fish completion: llmspell completion fish > ~/.config/fish/completions/llmspell.fish
complete -c llmspell -f
${lines.join('\n')}
complete -c llmspell -s c -l config -r -d 'config file'
complete -c llmspell -l engine -x -a 'lua javascript js' -d 'script engine'
complete -c llmspell -l output -x -a 'text json pretty' -d 'output format'
complete -c llmspell -l timeout -x -d 'script timeout (s)'
complete -c llmspell -l max-memory -x -d 'script memory (MB)'
complete -c llmspell -s v -l verbose -d 'debug logging'
complete -c llmspell -n '__fish_seen_subcommand_from run validate' -F -a '(__fish_complete_suffix .lua .js .mjs)'
complete -c llmspell -n '__fish_seen_subcommand_from completion' -x -a 'bash zsh fish'
complete -c llmspell -n '__fish_seen_subcommand_from tools' -x -a 'list show'
`);
        return 0;
    }
    throw new UsageError('llmspell completion needs a shell: bash, zsh or fish');
}
//# sourceMappingURL=completion.js.map