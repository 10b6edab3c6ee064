import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { LlmspellError, isLlmspellError } from '@llmspell/core';
import { composeRuntime } from '../compose-runtime.js';
import { chooseEngine, loadEngine } from '../engines.js';
import { formatResult } from '../format-output.js';
import { cliVersion } from '../version.js';
const HELP = `.help     this help
.exit     leave (also Ctrl-D)
.clear    drop a half-typed multi-line input
.globals  list the globals
Globals and functions you define stay between inputs. Ctrl-C cancels a running call.
Lua: an expression prints its value ("1 + 1", "Tool.list()"). JavaScript: the same; use await for host calls.`;
/** Whether a syntax error only means "more input to come". */
function isIncomplete(message) {
    return /<eof>|end of (input|file)|unexpected end|unterminated|expecting '.*' near <eof>|unexpected token in expression: ''$|expecting '[)}\]]'$/i.test(message);
}
export async function replCommand(args, io) {
    const { runtime, loaded } = await composeRuntime(args.flags, io);
    const engineName = chooseEngine(args.flags.engine ?? io.env.LLMSPELL_ENGINE, undefined, loaded.config.default_engine);
    const engine = await loadEngine(engineName);
    let current = new AbortController();
    const output = { stdout: (t) => io.stdout(runtime.policy.redact(t) + '\n'), stderr: (t) => io.stderr(runtime.policy.redact(t) + '\n') };
    const context = await runtime.createScriptContext(engine, {
        globals: runtime.buildGlobals({ language: engine.name, output, signal: () => current.signal }),
        limits: runtime.scriptLimits,
        output,
    });
    const interactive = io.isTTY && Boolean(io.stdin && io.stdin.isTTY);
    const historyFile = typeof args.options.history === 'string' ? path.resolve(io.cwd, args.options.history) : path.join(io.env.HOME ?? os.homedir(), '.llmspell_history');
    let history = [];
    if (interactive) {
        try {
            history = fs.readFileSync(historyFile, 'utf8').split('\n').filter(Boolean).reverse().slice(0, 1000);
        }
        catch {
            // first run: no history yet
        }
    }
    const rl = readline.createInterface({
        input: io.stdin ?? process.stdin,
        output: interactive ? process.stdout : undefined,
        terminal: interactive,
        history,
        historySize: 1000,
        prompt: engine.name === 'lua' ? 'lua> ' : 'js> ',
    });
    const prompt = (cont) => {
        if (!interactive)
            return;
        rl.setPrompt(cont ? '...> ' : engine.name === 'lua' ? 'lua> ' : 'js> ');
        rl.prompt();
    };
    if (interactive)
        io.stdout(`llmspell ${cliVersion()} REPL (${engine.name}). .help for help, .exit to leave.\n`);
    let buffer = [];
    let running = false;
    let failures = 0;
    let counter = 0;
    let lastSigint = 0;
    const evaluate = async (source) => {
        const file = `repl:${++counter}`;
        current = new AbortController();
        running = true;
        try {
            let value;
            // Lua prints an expression's value when the input is one ("1 + 1").
            // JavaScript: an expression using await runs as a module whose default export is its value.
            const asExpression = engine.name === 'lua' ? `return ${source}` : /\bawait\b/.test(source) ? `export default (${source.replace(/;\s*$/, '')});` : undefined;
            if (asExpression && (await context.checkSyntax(asExpression, file)) === null) {
                value = await context.run(asExpression, { filename: file, signal: current.signal });
            }
            else {
                value = await context.run(source, { filename: file, signal: current.signal });
            }
            const text = formatResult(value, args.flags.output, { engine: engine.name, elapsedMs: 0 });
            if (text !== null)
                io.stdout(runtime.policy.redact(text) + '\n');
        }
        catch (error) {
            failures++;
            const e = isLlmspellError(error) ? error : new LlmspellError('SCRIPT_ERROR', String(error));
            io.stderr(runtime.policy.redact(`${e.code === 'SCRIPT_ERROR' && e.details.file ? e.detail : e.message}`) + '\n');
        }
        finally {
            running = false;
        }
    };
    const handleLine = async (line) => {
        const trimmed = line.trim();
        if (buffer.length === 0 && trimmed.startsWith('.')) {
            if (trimmed === '.exit' || trimmed === '.quit')
                return false;
            if (trimmed === '.help')
                io.stdout(HELP + '\n');
            else if (trimmed === '.clear')
                buffer = [];
            else if (trimmed === '.globals')
                io.stdout(Object.keys(runtime.buildGlobals({ language: engine.name })).sort().join('  ') + '\n');
            else
                io.stderr(`unknown command ${trimmed} (.help)\n`);
            return true;
        }
        if (buffer.length === 0 && trimmed === '')
            return true;
        if (trimmed === '.clear') {
            buffer = [];
            return true;
        }
        buffer.push(line);
        const source = buffer.join('\n');
        const problem = await context.checkSyntax(source, 'repl');
        const exprProblem = engine.name === 'lua' ? await context.checkSyntax(`return ${source}`, 'repl') : problem;
        if (problem && exprProblem && isIncomplete(problem.message))
            return true;
        buffer = [];
        if (interactive) {
            try {
                fs.appendFileSync(historyFile, source.replace(/\n/g, ' ') + '\n');
            }
            catch {
                // history is a convenience; an unwritable home must not break the REPL
            }
        }
        await evaluate(source);
        return true;
    };
    rl.on('SIGINT', () => {
        if (running) {
            current.abort(new LlmspellError('CANCELLED', 'interrupted (Ctrl-C)'));
            return;
        }
        if (buffer.length > 0 || rl.line.length > 0) {
            buffer = [];
            io.stdout('\n');
            prompt(false);
            return;
        }
        const now = Date.now();
        if (now - lastSigint < 2000)
            rl.close();
        else {
            lastSigint = now;
            io.stdout('\n(press Ctrl-C again or type .exit to leave)\n');
            prompt(false);
        }
    });
    prompt(false);
    try {
        for await (const line of rl) {
            if (!(await handleLine(line)))
                break;
            prompt(buffer.length > 0);
        }
        if (buffer.length > 0)
            await evaluate(buffer.join('\n'));
    }
    finally {
        rl.close();
        context.dispose();
        await runtime.close();
    }
    if (interactive)
        io.stdout('\n');
    return failures > 0 && !interactive ? 1 : 0;
}
//# sourceMappingURL=repl.js.map