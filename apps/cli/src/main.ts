import { agentsCommand } from './commands/agents.js';
import { backupCommand } from './commands/backup.js';
import { completionCommand } from './commands/completion.js';
import { configCommand } from './commands/config.js';
import { infoCommand } from './commands/info.js';
import { initCommand } from './commands/init.js';
import { jobsCommand } from './commands/jobs.js';
import { mcpCommand } from './commands/mcp.js';
import { providersCommand } from './commands/providers.js';
import { replCommand } from './commands/repl.js';
import { resumeCommand } from './commands/resume.js';
import { runsCommand } from './commands/runs.js';
import { execCommand, rerunScript, runCommand } from './commands/run-script.js';
import { stateCommand } from './commands/state.js';
import { submitCommand } from './commands/submit.js';
import { toolsCommand } from './commands/tools.js';
import { typesCommand } from './commands/types.js';
import { uiCommand } from './commands/ui.js';
import { validateCommand } from './commands/validate.js';
import { workerCommand } from './commands/worker.js';
import { commandHelp, mainHelp } from './help.js';
import { processIo, type CliIo } from './io.js';
import { parseArgs, type ParsedArgs } from './parse-args.js';
import { UsageError } from './usage-error.js';
import { reportError } from './report-error.js';
import { cliVersion } from './version.js';

type Handler = (args: ParsedArgs, io: CliIo) => Promise<number> | number;

const HANDLERS: Record<string, Handler> = {
  run: runCommand,
  exec: execCommand,
  repl: replCommand,
  validate: validateCommand,
  info: infoCommand,
  tools: toolsCommand,
  providers: providersCommand,
  agents: agentsCommand,
  config: configCommand,
  init: initCommand,
  completion: completionCommand,
  mcp: mcpCommand,
  types: typesCommand,
  state: stateCommand,
  backup: backupCommand,
  runs: runsCommand,
  ui: uiCommand,
  worker: workerCommand,
  submit: submitCommand,
  jobs: jobsCommand,
  resume: (args, io) => resumeCommand(args, io, (file, engine, scriptArgs) => rerunScript(args, io, file, engine, scriptArgs, args.positionals[1])),
};

/** Runs the CLI and resolves with its exit code: 0 ok, 1 error, 2 usage error. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  let args: ParsedArgs | undefined;
  try {
    args = parseArgs(argv);
    if (args.flags.version) {
      io.stdout(`llmspell ${cliVersion()}\n`);
      return 0;
    }
    const command = args.positionals[0];
    if (!command || command === 'help') {
      const topic = args.positionals[1];
      io.stdout((topic && commandHelp(topic)) || mainHelp(cliVersion()));
      return command || args.flags.help ? 0 : 2;
    }
    const handler = HANDLERS[command];
    if (!handler) throw new UsageError(`unknown command '${command}' (llmspell --help lists them)`);
    if (args.flags.help) {
      io.stdout(commandHelp(command) ?? mainHelp(cliVersion()));
      return 0;
    }
    return await handler(args, io);
  } catch (error) {
    reportError(error, args, io);
    return error instanceof UsageError ? 2 : 1;
  }
}
