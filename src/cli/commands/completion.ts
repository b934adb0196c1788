// `finetune completion bash|zsh`: a shell completion script for the commands and each command's flags, from the same tables the parser uses.
import { UsageError } from '../../errors.js';
import { COMMON_FLAGS } from '../args.js';
import type { Command } from '../command.js';

/** Each command with its flags, `--no-` forms of the booleans left out (the shell completes the plain form). */
function commandFlags(commands: readonly Command[]): [string, string[]][] {
  return commands.map((c) => [c.name, Object.keys({ ...c.flags, ...COMMON_FLAGS }).map((f) => `--${f}`)]);
}

/** Flags whose value is a file or folder, so the shell offers paths after them. */
const PATH_FLAGS = ['--model', '--data', '--eval-data', '--test-data', '--output', '--config', '--adapter', '--resume', '--model-config'];

export function bashCompletion(commands: readonly Command[]): string {
  const cases = commandFlags(commands)
    .map(([name, flags]) => `    ${name}) flags="${flags.join(' ')}" ;;`)
    .join('\n');
  return `# bash completion for finetune: eval "$(finetune completion bash)" (or save it under /etc/bash_completion.d/)
_finetune() {
  local cur prev command flags
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "${commands.map((c) => c.name).join(' ')} help" -- "$cur"))
    return
  fi
  command="\${COMP_WORDS[1]}"
  case "$prev" in
    ${PATH_FLAGS.join('|')}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  case "$command" in
${cases}
    *) flags="" ;;
  esac
  COMPREPLY=($(compgen -W "$flags" -- "$cur"))
}
complete -o default -F _finetune finetune
`;
}

export function zshCompletion(commands: readonly Command[]): string {
  const cases = commandFlags(commands)
    .map(([name, flags]) => `    ${name}) flags=(${flags.join(' ')}) ;;`)
    .join('\n');
  return `#compdef finetune
# zsh completion for finetune: eval "$(finetune completion zsh)" after compinit (or save it as _finetune in your fpath)
_finetune() {
  local -a commands flags
  commands=(${commands.map((c) => c.name).join(' ')} help)
  if (( CURRENT == 2 )); then
    compadd -a commands
    return
  fi
  case "\${words[CURRENT-1]}" in
    ${PATH_FLAGS.join('|')}) _files; return ;;
  esac
  case "\${words[2]}" in
${cases}
  esac
  compadd -a flags
}
compdef _finetune finetune
`;
}

/** The command; `commands` gives the full list at run time (this command is one of them). */
export function completionCommand(commands: () => readonly Command[]): Command {
  return {
    name: 'completion',
    summary: 'print a shell completion script: bash or zsh',
    usage: 'Usage: finetune completion bash|zsh\nExample: eval "$(finetune completion bash)"   (in ~/.bashrc)',
    positional: { max: 1, name: 'the shell: bash or zsh' },
    writesJsonLines: true,
    flags: {},
    async run({ positional }) {
      const shell = positional[0];
      if (shell !== 'bash' && shell !== 'zsh')
        throw new UsageError(`completion: ${shell === undefined ? 'name a shell' : `unknown shell '${shell}'`}: bash or zsh`);
      process.stdout.write(shell === 'bash' ? bashCompletion(commands()) : zshCompletion(commands()));
      return { shell };
    },
  };
}
