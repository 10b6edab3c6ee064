import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cli, scratch, write } from './helpers.js';

function has(shell: string): boolean {
  try {
    execFileSync(shell, ['-c', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A folder with scripts, another file and a subfolder, and the generated completion script. */
async function setUp(shell: string): Promise<{ dir: string; script: string }> {
  const dir = scratch();
  for (const name of ['main.lua', 'app.js', 'mod.mjs', 'notes.txt']) write(dir, name, '');
  fs.mkdirSync(path.join(dir, 'sub'));
  const generated = await cli(['completion', shell]);
  expect(generated.code).toBe(0);
  return { dir, script: write(dir, `llmspell.${shell}`, generated.stdout) };
}

/** The generated scripts run in the shells themselves: `llmspell run <TAB>` offers the scripts. */
describe('completion scripts in their shells', () => {
  (has('bash') ? test : test.skip)('bash offers .lua, .js and .mjs files and folders without extglob', async () => {
    const { dir, script } = await setUp('bash');
    // a plain bash: no bash-completion package to turn extglob on
    const offered = execFileSync('bash', ['--norc', '--noprofile', '-c', `shopt -u extglob; source ${JSON.stringify(script)}; COMP_WORDS=(llmspell run ""); COMP_CWORD=2; _llmspell; printf '%s\\n' "\${COMPREPLY[@]}"`], { cwd: dir, encoding: 'utf8' });
    expect(offered.split('\n').filter(Boolean).sort()).toEqual(['app.js', 'main.lua', 'mod.mjs', 'sub']);
  });

  (has('fish') ? test : test.skip)('fish offers each script file once, named as it is', async () => {
    const { dir, script } = await setUp('fish');
    const offered = execFileSync('fish', ['--no-config', '-c', `source ${JSON.stringify(script)}; complete -C 'llmspell run '`], { cwd: dir, encoding: 'utf8' });
    const names = offered.split('\n').filter(Boolean);
    for (const name of ['main.lua', 'app.js', 'mod.mjs', 'sub/']) expect(names).toContain(name);
    // the candidates are the file names alone (no description made of another suffix)
    expect(names.every((line) => !line.includes('\t'))).toBe(true);
    expect(new Set(names).size).toBe(names.length);
  });
});
