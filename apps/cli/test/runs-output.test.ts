import { cli, scratch, write } from './helpers.js';

/** Run data is the script's and the model's: printed as text, it cannot drive the terminal. */
describe('runs text output', () => {
  test('show and list write control characters as visible escapes; JSON keeps them exact', async () => {
    const dir = scratch();
    const name = 'odd\x1b[2J.lua';
    write(dir, name, 'Event.publish("ev\\27]0;PWNED\\7\\27[2J", {})\nerror("bad\\27[31mred")\n');
    expect((await cli(['run', name], { cwd: dir })).code).not.toBe(0);
    const show = await cli(['runs', 'show', 'latest'], { cwd: dir });
    expect(show.code).toBe(0);
    expect(show.stdout).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    expect(show.stdout).toContain('ev\\x1b]0;PWNED\\x07\\x1b[2J');
    expect(show.stdout).toContain('bad\\x1b[31mred');
    const list = await cli(['runs'], { cwd: dir });
    expect(list.stdout).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    expect(list.stdout).toContain('odd\\x1b[2J.lua');
    const json = await cli(['runs', 'show', 'latest', '--output', 'json'], { cwd: dir });
    const record = JSON.parse(json.stdout) as { error: string; span_tree: { events: { name: string }[] }[] };
    expect(record.error).toContain('bad\x1b[31mred');
    expect(record.span_tree.flatMap((s) => s.events.map((e) => e.name))).toContain('ev\x1b]0;PWNED\x07\x1b[2J');
  });
});
